package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// maxBatch is the largest batch one matVec function serves with one pass
// over W; larger batches are split in Go.
const maxBatch = 8

// mvPlan is the register blocking of one row loop of matVec: rows of W per
// block, vectors of columns per iteration, and whether the x vectors are
// held in registers (each W vector then loaded once per block row) or read
// as FMA memory operands (W held in a register, reused across the batch).
type mvPlan struct {
	rows, unroll int
	xInRegs      bool
}

// mvPlans gives, per batch size from 2 (batch 1 is matVecOne's), the plan
// of the main row loop and of the loop over the rows left over (one row at
// a time). Each keeps the
// accumulators, x registers and W temporaries within the 16
// YMM registers.
//
// Batches 2–8 take blocks of four rows: W then streams four rows at a time
// (at H = 1024, from DRAM, two rows at a time read 1.7× slower than B = 1's
// eight, four 1.1–1.2×), and a row's sum reduces in sumEight's order, so
// with rows a multiple of eight every batch gives matVecB1SIMD's bits.
// Batches 4–8 walk a block's columns once per group of x vectors
// (mvGroups), the later walks reading the block's rows again from L1 or
// L2: four rows against three x vectors hold twelve accumulators, enough
// independent FMAs to keep both FMA pipes busy (two rows × four x held
// eight, which left B = 8 at 4.5× B = 1 at H = 64; FMA throughput alone
// puts its floor near 3.9×).
var mvPlans = map[int][2]mvPlan{
	2: {{4, 1, true}, {1, 2, true}},
	3: {{4, 1, true}, {1, 2, true}},
	4: {{4, 1, true}, {1, 1, true}},
	5: {{4, 1, true}, {1, 1, true}},
	6: {{4, 1, true}, {1, 1, true}},
	7: {{4, 1, true}, {1, 1, true}},
	8: {{4, 1, true}, {1, 1, true}},
}

// mvGroups gives, for the batches whose blocks walk their columns once per
// group of x vectors, the largest group (the groups are as even as that
// allows: 4 = 2 + 2, 5 = 3 + 2, 7 = 3 + 2 + 2, 8 = 3 + 3 + 2).
var mvGroups = map[int]int{4: 2, 5: 3, 6: 3, 7: 3, 8: 3}

// mvPrefetch is how far ahead, in bytes, the batch kernels' first walk
// over a block prefetches its rows of W (PREFETCHT0, one line per row per
// two vector steps). It matters where W comes from DRAM: at H = 1024 the
// four-row blocks of B = 2 went from 1.65–1.75× B = 1 without prefetch to
// 1.3–1.55× at 2048 bytes; 1024, 3072 and 4096 measured no better, 6144
// worse, and PREFETCHNTA no better than T0. For B ≥ 4 it neither helps nor
// hurts at H = 64…512; B = 2 keeps it to long rows (mvKernel).
const mvPrefetch = 2048

// mvKernel describes one matVec kernel: its batch, the plans of its main
// row loop and of the rows left over, the largest group of x vectors one
// column walk serves (0: the whole batch), how far ahead the main loop's
// first walk prefetches its rows (0: not at all) and whether its second
// walk prefetches the next block's rows.
//
// The second walk reads the block from the caches, so without that
// prefetch the memory would idle while it runs; its PREFETCHT1 of the next
// block's lines at the walk's column starts their transfer. At H = 1024 it
// took B = 4 from 1.9–2.0× B = 1 to 1.7–1.9× and B = 8 from 2.5–2.9× to
// 2.4–2.8× (noisy: the memory was shared with other work); at H = 64 it
// changed nothing.
//
// prefetchMinRow > 0 keeps the prefetching to rows of at least that many
// bytes, the shorter taking a second copy of the main loop without it:
// B = 2, whose steps are short, measured 5–10 % slower with it at H = 256
// and 512 (W in L3, rows of 2 and 4 KiB) and 10 % faster at H = 1024
// (W in DRAM, rows of 8 KiB); for B ≥ 4 it measured neutral there.
type mvKernel struct {
	name           string
	batch          int
	plans          [2]mvPlan
	group          int
	prefetch       int
	nextBlock      bool
	prefetchMinRow int
}

// mvKernelFor returns the kernel matVecB<batch>SIMD.
func mvKernelFor(batch int) mvKernel {
	k := mvKernel{
		name:  fmt.Sprintf("matVecB%dSIMD", batch),
		batch: batch,
		plans: mvPlans[batch],
		group: mvGroups[batch],
	}
	if batch < 2 || batch > maxBatch {
		panic(fmt.Sprintf("mvKernelFor: batch %d (batch 1 is matVecOne's)", batch))
	}
	k.prefetch = mvPrefetch
	k.nextBlock = len(splitGroups(batch, k.group)) > 1
	if batch == 2 {
		k.prefetchMinRow = 8192
	}
	return k
}

// matVec emits matVecB<batch>SIMD: y[b] (+)= W·x[b] for batch vectors with
// one pass over W from memory (batches 4–8 read each block again from the
// caches, once per group of x vectors).
func matVec(batch int) {
	matVecKernel(mvKernelFor(batch))
}

// matVecKernel emits the kernel k.
//
// Column loops count a negative byte index j up to zero against row and x
// pointers advanced past the whole vectors of their row, so each vector step
// costs one ADDQ and one branch. The tail of fewer than eight columns
// follows at j = 0.
func matVecKernel(k mvKernel) {
	name, batch := k.name, k.batch
	TEXT(name, NOSPLIT, "func(y, w, x []float32, rows, cols int, add bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets y[b*rows+i] (+)= Σ_j w[i*cols+j]·x[b*cols+j] for b < %d; rows, cols ≥ 1.", name, batch))

	f := allocFrame()
	splitColumns("cols", f.colBytes, f.negWhole, f.tailBytes)

	t := loadGP(Param("rows"))
	MOVQ(t, f.rowsLeft)
	SHLQ(U8(2), t)
	MOVQ(t, f.outBytes)
	t = loadGP(Param("y").Base())
	MOVQ(t, f.yNext)

	// x pointers and the first row pointer, advanced past the whole vectors:
	// with one group of x vectors held throughout, with several made afresh
	// for each walk from x0.
	x0 := loadGP(Param("x").Base())
	SUBQ(f.negWhole, x0)
	var xb []GPVirtual
	if len(splitGroups(batch, k.group)) > 1 {
		f.x0 = AllocLocal(8)
		MOVQ(x0, f.x0)
	} else {
		xb = xPointers(x0, batch, f.colBytes)
	}
	if k.nextBlock {
		f.blockBytes = AllocLocal(8)
		t = GP64()
		MOVQ(f.colBytes, t)
		IMUL3Q(U8(k.plans[0].rows), t, t)
		MOVQ(t, f.blockBytes)
	}
	w := loadGP(Param("w").Base())
	SUBQ(f.negWhole, w)

	plans := k.plans
	prefix := fmt.Sprintf("mvb%d", batch)
	// rowLoop emits a loop of blocks of plan.rows rows, each block's walks
	// prefetching as pf says, that leaves for exit when fewer rows are left.
	rowLoop := func(loop string, plan mvPlan, pf []colPrefetch, exit string) {
		Label(loop)
		CMPQ(f.rowsLeft, U8(plan.rows))
		JB(LabelRef(exit))
		mvBlock(loop, batch, plan, k.group, pf, w, xb, f)
		SUBQ(U8(plan.rows), f.rowsLeft)
		JMP(LabelRef(loop))
	}
	for i, plan := range plans {
		if i == 1 && plans[0].rows == 1 {
			break // the main loop already goes one row at a time
		}
		loop := fmt.Sprintf("%s_r%d", prefix, plan.rows)
		if i > 0 || k.prefetch == 0 {
			rowLoop(loop, plan, nil, loop+"_end")
			Label(loop + "_end")
			continue
		}
		pf := []colPrefetch{{ahead: k.prefetch}}
		if k.nextBlock {
			pf = append(pf, colPrefetch{nextBlock: f.blockBytes})
		}
		if k.prefetchMinRow > 0 {
			// Shorter rows take a copy of the loop without prefetching.
			CMPQ(f.colBytes, U32(k.prefetchMinRow))
			JB(LabelRef(loop + "_short"))
		}
		rowLoop(loop, plan, pf, loop+"_end")
		if k.prefetchMinRow > 0 {
			rowLoop(loop+"_short", plan, nil, loop+"_end")
		}
		Label(loop + "_end")
	}
	VZEROUPPER()
	RET()
}

// splitColumns stores, for the column count in the named parameter, the
// bytes of a row, minus the bytes of its whole vectors (the start of the
// negative column index) and the bytes of its last partial vector.
func splitColumns(param string, rowBytes, negWhole, tailBytes Mem) {
	cols := loadGP(Param(param))
	SHLQ(U8(2), cols)
	MOVQ(cols, rowBytes)
	whole := GP64()
	MOVQ(cols, whole)
	ANDQ(I8(-vecBytes), whole)
	SUBQ(whole, cols)
	MOVQ(cols, tailBytes)
	neg := GP64()
	XORQ(neg, neg)
	SUBQ(whole, neg)
	MOVQ(neg, negWhole)
}

// mvFrame holds matVec's values kept on the stack.
type mvFrame struct {
	colBytes   Mem // cols·4: distance between rows of W and vectors of x
	negWhole   Mem // −(bytes of whole vectors in a row)
	tailBytes  Mem // bytes of the last partial vector of a row (0…28)
	outBytes   Mem // rows·4: distance between vectors of y
	yNext      Mem // &y[i] for the current block of rows
	rowsLeft   Mem
	x0         Mem // &x[0] past the whole vectors, with several groups of x vectors
	blockBytes Mem // bytes from a block's rows to the next block's, for colPrefetch.nextBlock
}

// allocFrame allocates an mvFrame's slots on the stack.
func allocFrame() mvFrame {
	return mvFrame{
		colBytes:  AllocLocal(8),
		negWhole:  AllocLocal(8),
		tailBytes: AllocLocal(8),
		outBytes:  AllocLocal(8),
		yNext:     AllocLocal(8),
		rowsLeft:  AllocLocal(8),
	}
}

// mvBlock emits one block of plan.rows rows of W against every x vector:
// per group of at most group x vectors, zero the accumulators, walk the
// columns (walk k with the prefetching pf[k], none past pf's end), reduce,
// store; then advance w and yNext. w and xb point past the whole vectors of
// their rows; with several groups xb is nil and the walks start from f.x0.
func mvBlock(prefix string, batch int, plan mvPlan, group int, pf []colPrefetch, w GPVirtual, xb []GPVirtual, f mvFrame) {
	rows, unroll := plan.rows, plan.unroll
	wr := rowPointers(w, rows, f.colBytes)
	groups := splitGroups(batch, group)
	b0 := 0
	for k, g := range groups {
		p := prefix
		xs := xb
		if len(groups) > 1 {
			p = fmt.Sprintf("%s_x%d", prefix, k)
			x := GP64()
			MOVQ(f.x0, x)
			if b0 > 0 {
				skip := GP64()
				MOVQ(f.colBytes, skip)
				IMUL3Q(U8(b0), skip, skip)
				ADDQ(skip, x)
			}
			xs = xPointers(x, g, f.colBytes)
		}
		var walkPf colPrefetch
		if k < len(pf) {
			walkPf = pf[k]
		}
		acc := zeroAccumulators(rows, g, unroll)
		walkColumns(p, plan, acc, wr, xs, f.negWhole, f.tailBytes, walkPf)
		for r := range acc {
			for b := range acc[r] {
				for u := 1; u < unroll; u++ {
					VADDPS(acc[r][b][u], acc[r][b][0], acc[r][b][0])
				}
			}
		}
		storeBlockFrom(p, acc, f.yNext, f.outBytes, b0)
		b0 += g
	}

	// Advance to the next block of rows.
	stride := GP64()
	MOVQ(f.colBytes, stride)
	LEAQ(Mem{Base: wr[rows-1], Index: stride, Scale: 1}, w)
	ADDQ(U8(4*rows), f.yNext)
}

// xPointers returns pointers to n x vectors, the first at x, rowBytes
// apart.
func xPointers(x GPVirtual, n int, rowBytes Mem) []GPVirtual {
	xs := make([]GPVirtual, n)
	xs[0] = x
	for b := 1; b < n; b++ {
		xs[b] = GP64()
		MOVQ(xs[b-1], xs[b])
		ADDQ(rowBytes, xs[b])
	}
	return xs
}

// splitGroups splits batch x vectors into groups of at most group vectors
// (group 0: one group), as even as that allows, the larger ones first:
// 5 by 3 is 3 + 2, 8 by 3 is 3 + 3 + 2.
func splitGroups(batch, group int) []int {
	if group <= 0 || group >= batch {
		return []int{batch}
	}
	n := (batch + group - 1) / group
	groups := make([]int, n)
	for i := range groups {
		groups[i] = batch / n
		if i < batch%n {
			groups[i]++
		}
	}
	return groups
}

// storeBlock stores the row sums of a block (acc[r][b][0], the unrolled
// accumulators already added in) to y[b][i…]: yNext holds &y[0][i] and
// outBytes the distance between y's vectors: a block of eight rows of one
// vector, or of two rows of four (the F16/BF16 B = 4 kernels), reduces into
// one vector of sums (sumEight), a block of four rows against more than
// two x vectors in the accumulators' own registers (storeFourRows), other
// blocks in groups of four rows (storeRowSums).
func storeBlock(prefix string, acc [][][]VecVirtual, yNext, outBytes Mem) {
	storeBlockFrom(prefix, acc, yNext, outBytes, 0)
}

// storeBlockFrom is storeBlock for a group of x vectors that starts at
// vector b0: acc[r][b] goes to y[b0+b][i+r].
func storeBlockFrom(prefix string, acc [][][]VecVirtual, yNext, outBytes Mem, b0 int) {
	y := GP64()
	MOVQ(yNext, y)
	if b0 > 0 {
		skip := GP64()
		MOVQ(outBytes, skip)
		IMUL3Q(U8(b0), skip, skip)
		ADDQ(skip, y)
	}
	rows, batch := len(acc), len(acc[0])
	if rows == 2 && batch == 4 {
		storeTwoRowsFour(prefix, acc, y, outBytes)
		return
	}
	if rows == 8 && batch == 1 {
		storeEightRows(prefix, acc, y)
		return
	}
	if rows == 4 && batch > 2 {
		storeFourRows(prefix, acc, y, outBytes)
		return
	}
	for b := 0; b < batch; b++ {
		for r0 := 0; r0 < rows; r0 += 4 {
			group := min(4, rows-r0)
			vs := make([]VecVirtual, group)
			for g := range vs {
				vs[g] = acc[r0+g][b][0]
			}
			storeRowSums(fmt.Sprintf("%s_b%d_g%d", prefix, b, r0), vs, Mem{Base: y, Disp: 4 * r0})
		}
		if b+1 < batch {
			ADDQ(outBytes, y)
		}
	}
}

// sumEight returns one vector whose lane k is the sum of the lanes of
// vs[k], each formed in storeRowSums' order for a group of four (pairs
// within each 128-bit half, then the low half plus the high half). The
// step kernels reduce their eight rows with it, and matVecB1SIMD its blocks
// of eight (eight strided rows, matVecOne), so the two give the same bits.
func sumEight(vs []VecVirtual) VecVirtual {
	h := make([]VecVirtual, 4)
	for i := range h {
		h[i] = YMM()
		VHADDPS(vs[2*i+1], vs[2*i], h[i])
	}
	q0, q1 := YMM(), YMM()
	VHADDPS(h[1], h[0], q0) // sums of vs[0…3]: low halves | high halves
	VHADDPS(h[3], h[2], q1)
	lo, hi := YMM(), YMM()
	VPERM2F128(U8(0x20), q1, q0, lo)
	VPERM2F128(U8(0x31), q1, q0, hi)
	sum := YMM()
	VADDPS(hi, lo, sum)
	return sum
}

// storeFourRows stores the sums of a block of four rows against more than
// two x vectors (acc[r][b][0]) to y[b][i…i+3]: y points at y[0][i] and
// outBytes is the distance between y's vectors. Each vector's four sums
// form in storeRowSums' order, in the accumulators' own registers: with
// twelve accumulators live, new registers would run out.
func storeFourRows(prefix string, acc [][][]VecVirtual, y GPVirtual, outBytes Mem) {
	add := addFlag()
	for b := range acc[0] {
		vs := []VecVirtual{acc[0][b][0], acc[1][b][0], acc[2][b][0], acc[3][b][0]}
		VHADDPS(vs[1], vs[0], vs[0])
		VHADDPS(vs[3], vs[2], vs[2])
		VHADDPS(vs[2], vs[0], vs[0])
		VEXTRACTF128(U8(1), vs[0], vs[1].AsX())
		sums := vs[0].AsX()
		VADDPS(vs[1].AsX(), sums, sums)
		p := fmt.Sprintf("%s_b%d", prefix, b)
		CMPB(add, U8(0))
		JE(LabelRef(p + "_store"))
		VADDPS(Mem{Base: y}, sums, sums)
		Label(p + "_store")
		VMOVUPS(sums, Mem{Base: y})
		if b+1 < len(acc[0]) {
			ADDQ(outBytes, y)
		}
	}
}

// storeEightRows stores the sums of a block of eight rows against one x
// vector (acc[r][0][0]) to y[i…i+7] (y points at y[i]), adding the old
// values after the sums are formed.
func storeEightRows(prefix string, acc [][][]VecVirtual, y GPVirtual) {
	vs := make([]VecVirtual, 8)
	for r := range vs {
		vs[r] = acc[r][0][0]
	}
	sums := sumEight(vs)
	add := addFlag()
	CMPB(add, U8(0))
	JE(LabelRef(prefix + "_store"))
	old := YMM()
	VMOVUPS(Mem{Base: y}, old)
	VADDPS(sums, old, sums) // old + sums, as storeRowSums adds
	Label(prefix + "_store")
	VMOVUPS(sums, Mem{Base: y})
}

// storeTwoRowsFour stores the sums of a block of two rows against four x
// vectors (acc[r][b][0]) to y[b][i], y[b][i+1]: y points at y[0][i] and
// outBytes is the distance between y's vectors. The eight accumulators
// reduce together into one vector of sums (sumEight), so a row's sum is
// the same bits as matVecB1SIMD's; the old values are added after the sums
// are formed.
func storeTwoRowsFour(prefix string, acc [][][]VecVirtual, y GPVirtual, outBytes Mem) {
	vs := make([]VecVirtual, 0, 8)
	for b := 0; b < 4; b++ {
		vs = append(vs, acc[0][b][0], acc[1][b][0])
	}
	sums := sumEight(vs) // y[0][i], y[0][i+1], y[1][i], y[1][i+1] | y[2]…, y[3]…

	stride := GP64()
	MOVQ(outBytes, stride)
	y2 := GP64()
	LEAQ(Mem{Base: y, Index: stride, Scale: 2}, y2)
	at := func(b int) Mem {
		switch b {
		case 0:
			return Mem{Base: y}
		case 1:
			return Mem{Base: y, Index: stride, Scale: 1}
		case 2:
			return Mem{Base: y2}
		}
		return Mem{Base: y2, Index: stride, Scale: 1}
	}
	add := addFlag()
	CMPB(add, U8(0))
	JE(LabelRef(prefix + "_store"))
	old01, old23 := XMM(), XMM()
	VMOVSD(at(0), old01)
	VMOVHPS(at(1), old01, old01)
	VMOVSD(at(2), old23)
	VMOVHPS(at(3), old23, old23)
	old := YMM()
	VINSERTF128(U8(1), old23, old01.AsY(), old)
	VADDPS(sums, old, sums)
	Label(prefix + "_store")
	VMOVSD(sums.AsX(), at(0))
	VMOVHPS(sums.AsX(), at(1))
	high := XMM()
	VEXTRACTF128(U8(1), sums, high)
	VMOVSD(high, at(2))
	VMOVHPS(high, at(3))
}

// zeroAccumulators returns rows × batch × unroll zeroed accumulators.
func zeroAccumulators(rows, batch, unroll int) [][][]VecVirtual {
	acc := make([][][]VecVirtual, rows)
	for r := range acc {
		acc[r] = make([][]VecVirtual, batch)
		for b := range acc[r] {
			acc[r][b] = make([]VecVirtual, unroll)
			for u := range acc[r][b] {
				acc[r][b][u] = YMM()
				VXORPS(acc[r][b][u], acc[r][b][u], acc[r][b][u])
			}
		}
	}
	return acc
}

// rowPointers returns pointers to rows consecutive rows of W, the first at
// w, rowBytes apart.
func rowPointers(w GPVirtual, rows int, rowBytes Mem) []GPVirtual {
	wr := make([]GPVirtual, rows)
	wr[0] = w
	if rows > 1 {
		stride := GP64()
		MOVQ(rowBytes, stride)
		for r := 1; r < rows; r++ {
			wr[r] = GP64()
			LEAQ(Mem{Base: wr[r-1], Index: stride, Scale: 1}, wr[r])
		}
	}
	return wr
}

// colPrefetch is the prefetching of one column walk: with ahead > 0 each
// vector step prefetches (PREFETCHT0) the lines ahead bytes further on in
// every other row of the block (the rows r with r%2 = c%2 at step c: two
// steps per line, so one prefetch per row per line); with nextBlock set (a
// stack slot holding the bytes from the block's rows to the next block's)
// it prefetches (PREFETCHT1) the next block's lines at the walk's column
// instead.
type colPrefetch struct {
	ahead     int
	nextBlock Mem
}

// walkColumns emits the column walk of a block of rows (the pointers wr)
// against the x vectors (xb), both advanced past the whole vectors of
// their rows: a loop over the whole vectors with a negative byte index
// counting up from negWhole to zero, then the tail of tailBytes, into
// acc[r][b][u]. It ends at the label prefix_reduce. The matVec kernels and
// the step kernels walk their rows through it, so they sum in one order.
// The loop body holds max(unroll, 2) steps (walkColumnsBy chooses).
func walkColumns(prefix string, plan mvPlan, acc [][][]VecVirtual, wr, xb []GPVirtual, negWhole, tailBytes Mem, pf colPrefetch) {
	walkColumnsBy(prefix, plan, max(plan.unroll, 2), acc, wr, xb, negWhole, tailBytes, pf)
}

// walkColumnsBy is walkColumns with copies steps in the loop body, a
// multiple of plan.unroll (and even when it prefetches); the sums do not
// depend on it.
func walkColumnsBy(prefix string, plan mvPlan, copies int, acc [][][]VecVirtual, wr, xb []GPVirtual, negWhole, tailBytes Mem, pf colPrefetch) {
	if !plan.xInRegs {
		panic("walkColumns: the x vectors go in registers")
	}
	rows, unroll, batch := plan.rows, plan.unroll, len(xb)
	next := pf.nextBlock != (Mem{})
	var jn GPVirtual // j plus the bytes to the next block
	if next {
		jn = GP64()
		MOVQ(pf.nextBlock, jn)
		ADDQ(negWhole, jn)
	}
	j := GP64()
	MOVQ(negWhole, j)
	TESTQ(j, j)
	JZ(LabelRef(prefix + "_tail"))

	// step emits the FMAs for one vector of columns at j into accumulator
	// set u, the x vectors in registers.
	step := func(u int) {
		xv := make([]VecVirtual, batch)
		for b := range xv {
			xv[b] = YMM()
			VMOVUPS(Mem{Base: xb[b], Index: j, Scale: 1}, xv[b])
		}
		for r := 0; r < rows; r++ {
			wm := Mem{Base: wr[r], Index: j, Scale: 1}
			if batch == 1 {
				VFMADD231PS(wm, xv[0], acc[r][0][u])
				continue
			}
			wv := YMM()
			VMOVUPS(wm, wv)
			for b := 0; b < batch; b++ {
				VFMADD231PS(xv[b], wv, acc[r][b][u])
			}
		}
	}

	// The loop body holds copies steps with an exit test after each, so any
	// number of whole vectors works without a remainder loop.
	if copies%unroll != 0 || pf != (colPrefetch{}) && copies%2 != 0 {
		panic("walkColumns: copies")
	}
	Label(prefix + "_loop")
	for c := 0; c < copies; c++ {
		for r := c % 2; r < rows; r += 2 {
			switch {
			case next:
				PREFETCHT1(Mem{Base: wr[r], Index: jn, Scale: 1})
			case pf.ahead > 0:
				PREFETCHT0(Mem{Base: wr[r], Index: j, Scale: 1, Disp: pf.ahead})
			}
		}
		step(c % unroll)
		if next {
			ADDQ(U8(vecBytes), jn)
		}
		ADDQ(U8(vecBytes), j)
		if c+1 < copies {
			JZ(LabelRef(prefix + "_tail"))
		} else {
			JNZ(LabelRef(prefix + "_loop"))
		}
	}

	// Tail: fewer than eight columns left, at j = 0, one column at a time
	// into lane 0 of the accumulators (VMOVSS zeroes the other lanes, which
	// then add 0·0). Masked loads would be shorter, but not every x86
	// implementation (qemu's among them) suppresses their faults on
	// masked-off lanes past the end of a slice.
	Label(prefix + "_tail")
	CMPQ(j, tailBytes)
	JAE(LabelRef(prefix + "_reduce"))
	// scalar returns a register holding one column: avo counts the upper
	// half of a YMM register written through its XMM half as live from the
	// function's start, which holds two registers throughout; the batch
	// kernels' larger blocks need them, so with more than one x vector the
	// whole register is cleared first.
	scalar := func(m Mem) VecVirtual {
		v := XMM()
		if batch > 1 {
			VXORPS(v.AsY(), v.AsY(), v.AsY())
		}
		VMOVSS(m, v)
		return v
	}
	for b := 0; b < batch; b++ {
		xs := scalar(Mem{Base: xb[b], Index: j, Scale: 1})
		for r := 0; r < rows; r++ {
			ws := scalar(Mem{Base: wr[r], Index: j, Scale: 1})
			VFMADD231PS(ws.AsY(), xs.AsY(), acc[r][b][0])
		}
	}
	ADDQ(U8(4), j)
	JMP(LabelRef(prefix + "_tail"))
	Label(prefix + "_reduce")
}

// storeRowSums reduces 1, 2 or 4 accumulators (consecutive rows) and stores
// their sums to dst, adding the old values first when the add parameter is
// set. The sum of each accumulator is formed before y is added.
func storeRowSums(prefix string, vs []VecVirtual, dst Mem) {
	var sums VecVirtual
	switch len(vs) {
	case 4:
		h01, h23 := YMM(), YMM()
		VHADDPS(vs[1], vs[0], h01)
		VHADDPS(vs[3], vs[2], h23)
		VHADDPS(h23, h01, h01)
		high := XMM()
		VEXTRACTF128(U8(1), h01, high)
		sums = XMM()
		VADDPS(high, h01.AsX(), sums)
	case 2:
		h := YMM()
		VHADDPS(vs[1], vs[0], h)
		high := XMM()
		VEXTRACTF128(U8(1), h, high)
		sums = XMM()
		VADDPS(high, h.AsX(), sums)
		VHADDPS(sums, sums, sums)
	case 1:
		sums = reduceToScalar(vs[0])
	default:
		panic("storeRowSums: group of " + fmt.Sprint(len(vs)))
	}
	add := addFlag()
	CMPB(add, U8(0))
	JE(LabelRef(prefix + "_store"))
	old := XMM()
	switch len(vs) {
	case 4:
		VMOVUPS(dst, old)
	case 2:
		VMOVSD(dst, old)
	case 1:
		VMOVSS(dst, old)
	}
	VADDPS(sums, old, sums)
	Label(prefix + "_store")
	switch len(vs) {
	case 4:
		VMOVUPS(sums, dst)
	case 2:
		VMOVSD(sums, dst)
	case 1:
		VMOVSS(sums, dst)
	}
}
