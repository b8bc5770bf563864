package kernels

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/simdrnn/simdrnn/internal/shape"

	"github.com/simdrnn/simdrnn/internal/level"
)

// MatMul sets C = op(A)·op(B), where op(X) is X, or Xᵀ when the matching
// trans flag is set: the products of a whole sequence — the input
// projection X·W_ihᵀ of all steps, batched recurrent products, the backward
// pass's dX = dG·W and the weight gradients dW = dGᵀ·X summed over time.
//
// All matrices are row-major with leading dimensions (the distance between
// rows, in elements), so a block of a larger matrix — one gate's rows, one
// time step's columns — is used in place:
//
//   - op(A) is m×k: A is m×k with lda ≥ k, or, with transA, k×m with lda ≥ m;
//   - op(B) is k×n: B is k×n with ldb ≥ n, or, with transB, n×k with ldb ≥ k;
//   - C is m×n with ldc ≥ n.
//
// Reference loop:
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			sum := float32(0)
//			for p := 0; p < k; p++ { sum += op(A)[i][p] * op(B)[p][j] }
//			c[i*ldc+j] = sum
//		}
//	}
//
// Shapes: m, n, k ≥ 0, leading dimensions as above and at least 1, and
// slices long enough to hold the last row (len(c) ≥ (m−1)·ldc + n, and so
// on, computed without overflow, so a size or leading dimension too large
// for that span to fit in an int is refused too); anything else panics
// with a message naming the sizes. C must not overlap A or B. Elements of C
// outside the m×n block are not touched.
//
// Error bound: each element is within γ(k)·Σ_p|op(A)[i][p]·op(B)[p][j]| +
// k·2⁻¹⁴⁹ of the exact result. NaN and ±Inf propagate as in the reference
// loop.
//
// The work is split into cache blocks with packed operands in buffers that
// are reused across calls (no allocation per call once warm). It runs on the
// calling goroutine unless SetMatMulWorkers allows more.
func MatMul(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	matMulAt(level.Active, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, false)
}

// MatMulAdd sets C += op(A)·op(B); shapes, layout and aliasing as MatMul.
// Each element's products are summed in blocks of at most matMulKC terms
// that are added to C in turn, so the error bound is γ(k+1)·(|C[i][j]| +
// Σ_p|op(A)[i][p]·op(B)[p][j]|) + (k+1)·2⁻¹⁴⁹.
func MatMulAdd(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	matMulAt(level.Active, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, true)
}

// matMulAt is MatMul (add false) or MatMulAdd (add true) at level l.
func matMulAt(l level.Level, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, add bool) {
	kernel := "MatMul"
	if add {
		kernel = "MatMulAdd"
	}
	checkMatMul(kernel, transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	matMul(l, transA, transB, m, n, k, a, lda, b, ldb, nil, c, ldc, add)
}

// Cache blocking: a KC×NR panel of B stays in L1 while the micro-kernel
// walks an MC×KC block of A held in L2; the KC×NC block of B sits in L3.
const (
	matMulMR = 6    // rows of the micro-kernel's register block
	matMulNR = 16   // columns of the register block
	matMulKC = 256  // depth of one packed block
	matMulMC = 144  // rows of a packed A block (a multiple of MR)
	matMulNC = 3072 // columns of a packed B block (a multiple of NR)
)

func checkMatMul(kernel string, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels.%s: m = %d, n = %d, k = %d; want sizes ≥ 0", kernel, m, n, k))
	}
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	checkOperand(kernel, "a", "lda", aRows, aCols, a, lda)
	checkOperand(kernel, "b", "ldb", bRows, bCols, b, ldb)
	checkOperand(kernel, "c", "ldc", m, n, c, ldc)
}

// checkOperand panics unless s holds a rows×cols matrix with leading
// dimension ld; rows and cols are ≥ 0 (checked by the caller). The span
// (rows−1)·ld + cols is computed with overflow checks: a huge ld or rows
// must not wrap to a small number that a short slice then satisfies.
func checkOperand(kernel, name, ldName string, rows, cols int, s []float32, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("kernels.%s: %s = %d for a %d×%d %s; want %s ≥ %d", kernel, ldName, ld, rows, cols, name, ldName, max(1, cols)))
	}
	need, ok := shape.Matrix(rows, cols, ld)
	if !ok {
		panic(fmt.Sprintf("kernels.%s: a %d×%d %s with %s = %d spans (rows−1)·%s + cols elements, more than an int can count", kernel, rows, cols, name, ldName, ld, ldName))
	}
	if len(s) < need {
		panic(fmt.Sprintf("kernels.%s: len(%s) = %d for a %d×%d %s with %s = %d; want ≥ %d", kernel, name, len(s), rows, cols, name, ldName, ld, need))
	}
}

// matMulWork holds the packed blocks and the edge tile of one goroutine.
type matMulWork struct {
	packedA []float32 // MC×KC, as panels of MR rows
	packedB []float32 // KC×NC, as panels of NR columns
	tile    [matMulMR * matMulNR]float32
}

// matMulIdle keeps the packing buffers of finished products for the next
// ones. Unlike a sync.Pool, which the garbage collector empties, it keeps
// them for the life of the process — at most two per GOMAXPROCS (3.3 MB
// each), as many as products ran at once — so that a warm product, and so
// a warm cells.Model.ForwardInto, allocates nothing even across
// collections; products beyond that many at once allocate their own.
var matMulIdle struct {
	sync.Mutex
	works []*matMulWork
}

// getMatMulWork returns idle packing buffers, or new ones.
func getMatMulWork() *matMulWork {
	matMulIdle.Lock()
	if n := len(matMulIdle.works); n > 0 {
		w := matMulIdle.works[n-1]
		matMulIdle.works[n-1] = nil
		matMulIdle.works = matMulIdle.works[:n-1]
		matMulIdle.Unlock()
		return w
	}
	matMulIdle.Unlock()
	return &matMulWork{
		packedA: make([]float32, matMulMC*matMulKC),
		packedB: make([]float32, matMulKC*matMulNC),
	}
}

// putMatMulWork keeps w for the next product, unless enough are idle.
func putMatMulWork(w *matMulWork) {
	matMulIdle.Lock()
	if len(matMulIdle.works) < 2*runtime.GOMAXPROCS(0) {
		matMulIdle.works = append(matMulIdle.works, w)
	}
	matMulIdle.Unlock()
}

// matMul computes C (+)= op(A)·op(B), packing each block of op(B) from b,
// or taking it from packed when that is not nil.
func matMul(l level.Level, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, packed *PackedMatrix, c []float32, ldc int, add bool) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		zeroProduct(m, n, c, ldc, add)
		return
	}
	work := getMatMulWork()
	defer putMatMulWork(work)
	off := 0 // of the next block in packed
	for jc := 0; jc < n; jc += matMulNC {
		nc := min(matMulNC, n-jc)
		for pc := 0; pc < k; pc += matMulKC {
			kc := min(matMulKC, k-pc)
			block := work.packedB
			var source bSource // none: block is packed
			workers, cols := matMulSplit(m, nc, kc)
			switch {
			case packed != nil:
				size := packedBlock(kc, nc)
				block, off = packed.data[off:off+size], off+size
			case workers > 1 && !cols:
				if !packBSplit(l, block, workers, transB, b, ldb, pc, jc, kc, nc) {
					packB(l, block, transB, b, ldb, pc, jc, kc, nc)
				}
			default:
				// Packed panel by panel by the macro-kernel of the first
				// MC rows, each just before its micro-kernels read it (by
				// each worker for its own panels when split by columns).
				source = bSource{transB: transB, b: b, ldb: ldb, pc: pc, jc: jc}
			}
			accumulate := add || pc > 0
			if workers > 1 {
				matMulParallel(l, work, workers, cols, block, source, transA, a, lda, c, ldc, m, jc, pc, kc, nc, accumulate)
			} else {
				blockProduct(l, work, block, source, transA, a, lda, c, ldc, m, jc, pc, kc, nc, accumulate)
			}
		}
	}
}

// bSource is the block of op(B) that a macro-kernel packs as it goes: the
// kc×nc block at (pc, jc) of op(B) in b (as packB's arguments), or nothing
// (b nil) when the block is already packed.
type bSource struct {
	transB  bool
	b       []float32
	ldb     int
	pc, jc  int
	discard bool // each panel is used once: pack every one into the first slot
}

// zeroProduct stores (or adds) the +0 of every empty sum (k = 0); adding it
// keeps the IEEE rule −0 + +0 = +0.
func zeroProduct(m, n int, c []float32, ldc int, add bool) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if add {
				row[j] += 0
			} else {
				row[j] = 0
			}
		}
	}
}

// blockProduct multiplies all m rows of op(A) (columns pc … pc+kc−1) by a
// kc×nc block of op(B) into C's columns jc … jc+nc−1 on the calling
// goroutine: the block packed in packedB, or, when source names one, packed
// into packedB by the first MC rows' macro-kernel panel by panel (each into
// the first panel's place when no other rows will read it).
func blockProduct(l level.Level, work *matMulWork, packedB []float32, source bSource, transA bool, a []float32, lda int, c []float32, ldc, m, jc, pc, kc, nc int, accumulate bool) {
	source.discard = m <= matMulMC
	rowBlocks(l, work, packedB, source, transA, a, lda, c, ldc, 0, m, jc, pc, kc, nc, accumulate)
}

// rowBlocks runs rows r0 … r1−1 of op(A) against the block in MC-row
// blocks: each packed into work.packedA, then its macro-kernel (the first
// one packing B when source names it).
func rowBlocks(l level.Level, work *matMulWork, packedB []float32, source bSource, transA bool, a []float32, lda int, c []float32, ldc, r0, r1, jc, pc, kc, nc int, add bool) {
	for ic := r0; ic < r1; ic += matMulMC {
		mc := min(matMulMC, r1-ic)
		packA(l, work.packedA, transA, a, lda, ic, pc, mc, kc)
		macroKernel(l, work, work.packedA, packedB, source, c, ldc, ic, jc, mc, nc, kc, add)
		source = bSource{}
	}
}

// macroKernel runs the micro-kernel over every MR×NR tile of an mc×nc
// block of C at (ic, jc), panel of B by panel: the panels are in packedB,
// or, when source names a block, packed there first (see blockProduct).
func macroKernel(l level.Level, work *matMulWork, packedA, packedB []float32, source bSource, c []float32, ldc, ic, jc, mc, nc, kc int, add bool) {
	for jr := 0; jr < nc; jr += matMulNR {
		nr := min(matMulNR, nc-jr)
		bPanel := packedB[jr*kc : jr*kc+matMulNR*kc]
		if source.b != nil {
			if source.discard {
				bPanel = packedB[:matMulNR*kc]
			}
			packBPanel(l, bPanel, source.transB, source.b, source.ldb, source.pc, source.jc+jr, kc, nr)
		}
		for ir := 0; ir < mc; ir += matMulMR {
			mr := min(matMulMR, mc-ir)
			aPanel := packedA[ir*kc : ir*kc+matMulMR*kc]
			origin := (ic+ir)*ldc + jc + jr
			if mr == matMulMR && nr == matMulNR {
				microKernel(l, kc, aPanel, bPanel, c[origin:origin+(matMulMR-1)*ldc+matMulNR], ldc, add)
				continue
			}
			if nr == matMulNR && microKernelRows(l, kc, mr, aPanel, bPanel, c[origin:origin+(mr-1)*ldc+matMulNR], ldc, add) {
				continue
			}
			// An edge tile: compute the whole register block into the work
			// tile, then write only the part inside C.
			microKernel(l, kc, aPanel, bPanel, work.tile[:], matMulNR, false)
			for i := 0; i < mr; i++ {
				row := c[origin+i*ldc : origin+i*ldc+nr]
				tile := work.tile[i*matMulNR : i*matMulNR+nr]
				if add {
					for j, v := range tile {
						row[j] += v
					}
				} else {
					copy(row, tile)
				}
			}
		}
	}
}

// packATransGeneric is packA's loop for a transposed A: row p of A holds
// six consecutive floats of every panel, src[p·lda + q·6 + i] →
// dst[q·6·kc + p·6 + i].
func packATransGeneric(dst, src []float32, kc, panels, lda int) {
	for p := 0; p < kc; p++ {
		row := src[p*lda:][:panels*matMulMR]
		for q := 0; q < panels; q++ {
			s := row[q*matMulMR:][:matMulMR]
			d := dst[q*matMulMR*kc+p*matMulMR:][:matMulMR]
			d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
		}
	}
}

// packA6Generic is packA's loop for a plain A: six rows of equal length
// read side by side into one panel, dst[p·6 + i] = ri[p].
func packA6Generic(dst, r0, r1, r2, r3, r4, r5 []float32) {
	for p := range r0 {
		d := (*[matMulMR]float32)(dst[p*matMulMR:])
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// zeroRow is what packA reads for the rows of a panel past the matrix.
var zeroRow [matMulKC]float32

// packA copies the mc×kc block of op(A) at (ic, pc) into panels of MR rows:
// panel q holds, for each p < kc, op(A)[ic+q·MR+0 … +MR−1][pc+p], rows past mc
// zero.
func packA(l level.Level, dst []float32, transA bool, a []float32, lda, ic, pc, mc, kc int) {
	whole := mc / matMulMR * matMulMR
	if transA && whole > 0 {
		// op(A)[i][p] = a[p·lda + i]: row p of A holds six consecutive
		// floats of every panel. Walk A row by row (rows lie lda apart,
		// often a power of two that maps them to one cache set) and move
		// each group of six (packATrans: AVX2, or packATransGeneric).
		packATrans(l, dst[:whole*kc], a[pc*lda+ic:][:(kc-1)*lda+whole], kc, whole/matMulMR, lda)
	}
	for ir := 0; ir < mc; ir += matMulMR {
		panel := dst[ir*kc : ir*kc+matMulMR*kc]
		mr := min(matMulMR, mc-ir)
		switch {
		case mr == matMulMR && transA:
			// Packed above.
		case !transA:
			// Six rows read side by side, each panel entry written once;
			// rows past mc read zeros.
			row := func(i int) []float32 {
				if i >= mr {
					return zeroRow[:kc]
				}
				return a[(ic+ir+i)*lda+pc:][:kc]
			}
			packA6(l, panel, row(0), row(1), row(2), row(3), row(4), row(5))
		default: // the last rows of a transposed A
			clear(panel)
			for i := 0; i < mr; i++ {
				for p := 0; p < kc; p++ {
					panel[p*matMulMR+i] = a[(pc+p)*lda+ic+ir+i]
				}
			}
		}
	}
}

// packB copies the kc×nc block of op(B) at (pc, jc) into panels of NR
// columns: panel q holds, for each p < kc, op(B)[pc+p][jc+q·NR+0 … +NR−1],
// columns past nc zero.
func packB(l level.Level, dst []float32, transB bool, b []float32, ldb, pc, jc, kc, nc int) {
	for jr := 0; jr < nc; jr += matMulNR {
		packBPanel(l, dst[jr*kc:], transB, b, ldb, pc, jc+jr, kc, min(matMulNR, nc-jr))
	}
}

// packBPanel copies the kc×nr block of op(B) at (pc, col), nr ≤ NR, into
// one panel: dst[p·NR + j] = op(B)[pc+p][col+j], columns past nr zero.
func packBPanel(l level.Level, dst []float32, transB bool, b []float32, ldb, pc, col, kc, nr int) {
	panel := dst[:kc*matMulNR]
	if nr < matMulNR {
		clear(panel)
	}
	if transB {
		from := 0
		if nr == matMulNR {
			from = packBT16(l, panel, b[col*ldb+pc:], kc, ldb)
		}
		for j := 0; j < nr; j++ {
			src := b[(col+j)*ldb+pc:][from:kc]
			for p, v := range src {
				panel[(from+p)*matMulNR+j] = v
			}
		}
		return
	}
	if nr == matMulNR && packB16(l, panel, b[pc*ldb+col:], kc, ldb) {
		return
	}
	for p := 0; p < kc; p++ {
		copy(panel[p*matMulNR:p*matMulNR+nr], b[(pc+p)*ldb+col:][:nr])
	}
}

// microKernelGeneric sets (or adds to) the MR×NR block of c the product of
// the packed panels a (kc×MR) and b (kc×NR).
func microKernelGeneric(kc int, a, b, c []float32, ldc int, add bool) {
	var acc [matMulMR][matMulNR]float32
	a = a[:kc*matMulMR]
	b = b[:kc*matMulNR]
	for p := 0; p < kc; p++ {
		bRow := (*[matMulNR]float32)(b[p*matMulNR:])
		aCol := (*[matMulMR]float32)(a[p*matMulMR:])
		for i, av := range aCol {
			for j, bv := range bRow {
				acc[i][j] += av * bv
			}
		}
	}
	for i := range acc {
		row := c[i*ldc : i*ldc+matMulNR]
		for j, v := range acc[i] {
			if add {
				row[j] += v
			} else {
				row[j] = v
			}
		}
	}
}
