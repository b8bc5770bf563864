package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The GEMM micro-kernel's register block: gemmRows rows of C by two YMM
// vectors (16 columns). 12 accumulators, two B vectors and one broadcast A
// value use 15 of the 16 YMM registers.
const (
	gemmRows = 6
	gemmCols = 2 * vecFloats
)

// gemmKernels emits the register-blocked GEMM micro-kernels: the full
// 6×16 block and, for the last rows of a matrix whose row count is not a
// multiple of 6 (a batch of 16 is 6 + 6 + 4), blocks of 1 … 5 rows of the
// same 6-row panels, which write only their rows of C.
func gemmKernels() {
	for rows := gemmRows; rows >= 1; rows-- {
		gemmKernel(rows)
	}
	packATrans()
	packAPlain()
	packBTrans()
	packBPanel()
}

// gemmKernel emits gemm<rows>x16SIMD: C[0:rows][0:16] (+)= Σ_p
// a[p][0:rows]ᵀ·b[p][0:16] over packed panels: a holds k groups of 6
// floats (one column of the A block each, of which the first rows are
// used), b k groups of 16 floats (one row of the B block each).
func gemmKernel(rows int) {
	name := fmt.Sprintf("gemm%dx16SIMD", rows)
	TEXT(name, NOSPLIT, "func(k int, a, b, c *float32, ldc int, add bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets (or with add, adds to) the %d×16 block of C at c, rows ldc", name, rows),
		fmt.Sprintf("floats apart, the product of the packed panels a (k×6, first %d used) and b (k×16); k ≥ 1.", rows))
	n := loadGP(Param("k"))
	a := loadGP(Param("a"))
	b := loadGP(Param("b"))
	loop, store := name+"_loop", name+"_store"

	acc := make([][2]VecVirtual, rows)
	for i := range acc {
		for h := range acc[i] {
			acc[i][h] = YMM()
			VXORPS(acc[i][h], acc[i][h], acc[i][h])
		}
	}
	Label(loop)
	b0, b1 := YMM(), YMM()
	VMOVUPS(Mem{Base: b}, b0)
	VMOVUPS(Mem{Base: b, Disp: vecBytes}, b1)
	for i := 0; i < rows; i++ {
		t := YMM()
		VBROADCASTSS(Mem{Base: a, Disp: 4 * i}, t)
		VFMADD231PS(b0, t, acc[i][0])
		VFMADD231PS(b1, t, acc[i][1])
	}
	ADDQ(U8(4*gemmRows), a)
	ADDQ(U8(4*gemmCols), b)
	DECQ(n)
	JNZ(LabelRef(loop))

	c := loadGP(Param("c"))
	ldc := loadGP(Param("ldc"))
	SHLQ(U8(2), ldc)
	add := addFlag()
	CMPB(add, U8(0))
	JE(LabelRef(store))
	row := GP64()
	MOVQ(c, row)
	for i := 0; i < rows; i++ {
		for h := 0; h < 2; h++ {
			VADDPS(Mem{Base: row, Disp: h * vecBytes}, acc[i][h], acc[i][h])
		}
		if i+1 < rows {
			ADDQ(ldc, row)
		}
	}
	Label(store)
	for i := 0; i < rows; i++ {
		for h := 0; h < 2; h++ {
			VMOVUPS(acc[i][h], Mem{Base: c, Disp: h * vecBytes})
		}
		if i+1 < rows {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// packATrans emits packATransSIMD, packA's loop for a transposed A: for
// each of kc rows p of A, panels groups of six consecutive floats go to the
// six-float slot p of consecutive panels (6·kc floats apart). Each group
// moves as 16 + 8 bytes, never past its six floats.
func packATrans() {
	TEXT("packATransSIMD", NOSPLIT, "func(dst, src *float32, kc, panels, lda int)")
	Pragma("noescape")
	Doc("packATransSIMD sets dst[q·6·kc + p·6 + i] = src[p·lda + q·6 + i] for p < kc, q < panels, i < 6; kc, panels ≥ 1.")
	dst := loadGP(Param("dst"))
	src := loadGP(Param("src"))
	kc := loadGP(Param("kc"))
	rowBytes := loadGP(Param("lda"))
	SHLQ(U8(2), rowBytes)
	panelBytes := GP64()
	LEAQ(Mem{Base: kc, Index: kc, Scale: 2}, panelBytes) // 3·kc
	SHLQ(U8(3), panelBytes)                              // 4·6·kc bytes
	Label("packat_row")
	s, d := GP64(), GP64()
	MOVQ(src, s)
	MOVQ(dst, d)
	q := loadGP(Param("panels"))
	Label("packat_group")
	lo, hi := XMM(), XMM()
	VMOVUPS(Mem{Base: s}, lo)
	VMOVSD(Mem{Base: s, Disp: 16}, hi)
	VMOVUPS(lo, Mem{Base: d})
	VMOVSD(hi, Mem{Base: d, Disp: 16})
	ADDQ(U8(4*gemmRows), s)
	ADDQ(panelBytes, d)
	DECQ(q)
	JNZ(LabelRef("packat_group"))
	ADDQ(rowBytes, src)
	ADDQ(U8(4*gemmRows), dst)
	DECQ(kc)
	JNZ(LabelRef("packat_row"))
	RET()
}

// packAPlain emits packA6SIMD, packA's loop for a plain A: six rows read
// side by side into one panel, dst[p·6 + i] = row i [p], eight columns at a
// time: the 6×8 block is transposed within each 128-bit half (unpack, then
// shuffle) into 48 consecutive floats and stored as six vectors.
func packAPlain() {
	TEXT("packA6SIMD", NOSPLIT, "func(dst, r0, r1, r2, r3, r4, r5 *float32, groups int)")
	Pragma("noescape")
	Doc("packA6SIMD sets dst[p·6 + i] = ri[p] for p < 8·groups, i < 6; groups ≥ 1.")
	dst := loadGP(Param("dst"))
	rows := make([]GPVirtual, gemmRows)
	for i := range rows {
		rows[i] = loadGP(Param(fmt.Sprintf("r%d", i)))
	}
	n := loadGP(Param("groups"))
	j := GP64()
	XORQ(j, j)
	Label("packa6_loop")
	r := make([]VecVirtual, gemmRows)
	for i := range r {
		r[i] = YMM()
		VMOVUPS(Mem{Base: rows[i], Index: j, Scale: 1}, r[i])
	}
	// Per 128-bit half (columns 0–3 low, 4–7 high), t = pairs of rows
	// interleaved: t[2h] = (a0 b0 a1 b1), t[2h+1] = (a2 b2 a3 b3) for rows
	// a = 2h, b = 2h+1.
	t := make([]VecVirtual, gemmRows)
	for h := 0; h < gemmRows/2; h++ {
		t[2*h], t[2*h+1] = YMM(), YMM()
		VUNPCKLPS(r[2*h+1], r[2*h], t[2*h])
		VUNPCKHPS(r[2*h+1], r[2*h], t[2*h+1])
	}
	// x0 = (r0 r1 r2 r3)[c], x1 = (r4 r5)[c] (r0 r1)[c+1],
	// x2 = (r2 r3 r4 r5)[c+1], and x3–x5 the same for c+2, c+3.
	x := make([]VecVirtual, gemmRows)
	for c := 0; c < 2; c++ {
		lo01, lo23, lo45 := t[c], t[2+c], t[4+c]
		x[3*c], x[3*c+1], x[3*c+2] = YMM(), YMM(), YMM()
		VSHUFPS(U8(0x44), lo23, lo01, x[3*c])   // lo01[0:2] lo23[0:2]
		VSHUFPS(U8(0xE4), lo01, lo45, x[3*c+1]) // lo45[0:2] lo01[2:4]
		VSHUFPS(U8(0xEE), lo45, lo23, x[3*c+2]) // lo23[2:4] lo45[2:4]
	}
	// Columns 0–3 are the low halves of x0…x5 in order, columns 4–7 the
	// high halves.
	for o := 0; o < gemmRows; o++ {
		a, b := x[(2*o)%gemmRows], x[(2*o+1)%gemmRows]
		v := YMM()
		if o < gemmRows/2 {
			VPERM2F128(U8(0x20), b, a, v)
		} else {
			VPERM2F128(U8(0x31), b, a, v)
		}
		VMOVUPS(v, Mem{Base: dst, Disp: o * vecBytes})
	}
	ADDQ(U8(vecBytes), j)
	ADDQ(U8(gemmRows*vecBytes), dst)
	DECQ(n)
	JNZ(LabelRef("packa6_loop"))
	VZEROUPPER()
	RET()
}

// packBPanel emits packB16SIMD, packB's loop for one whole panel of a plain
// B: the 16 floats at the same columns of kc consecutive rows of B, ldb
// floats apart, go one after another into the panel. It reads and writes
// whole 64-byte runs only. Each row also prefetches (into L2) the 16 floats
// after its own, the next panel's, which the one-worker product packs only
// after this panel's micro-kernels have run: their latency (rows ldb
// floats apart, a new page each, where the hardware prefetchers do not
// follow) overlaps that work instead of stalling the next packing. It made
// proj100x512x2048 and proj100x256x1024 1–3% faster in interleaved runs and
// the other peer shapes no slower; a prefetch of the same panel's rows 8
// or 16 ahead, tried, changed nothing. A prefetch never faults, so it may
// point past B.
func packBPanel() {
	TEXT("packB16SIMD", NOSPLIT, "func(dst, src *float32, kc, ldb int)")
	Pragma("noescape")
	Doc("packB16SIMD sets dst[p·16 + j] = src[p·ldb + j] for p < kc, j < 16; kc ≥ 1.")
	dst := loadGP(Param("dst"))
	src := loadGP(Param("src"))
	kc := loadGP(Param("kc"))
	rowBytes := loadGP(Param("ldb"))
	SHLQ(U8(2), rowBytes)
	Label("packb16_row")
	// The next panel's last float of this row: its line is the one this
	// panel's loads do not bring in, whether or not the row is 64-byte
	// aligned.
	PREFETCHT1(Mem{Base: src, Disp: 4*2*gemmCols - 4})
	lo, hi := YMM(), YMM()
	VMOVUPS(Mem{Base: src}, lo)
	VMOVUPS(Mem{Base: src, Disp: vecBytes}, hi)
	VMOVUPS(lo, Mem{Base: dst})
	VMOVUPS(hi, Mem{Base: dst, Disp: vecBytes})
	ADDQ(rowBytes, src)
	ADDQ(U8(4*gemmCols), dst)
	DECQ(kc)
	JNZ(LabelRef("packb16_row"))
	VZEROUPPER()
	RET()
}

// packBTrans emits packBT16SIMD, packB's loop for one whole panel of a
// transposed B (B stored n×k, as a weight matrix W with op(B) = Wᵀ): the
// panel's 16 rows of W, ldb floats apart, are read eight columns at a
// time, each half of eight rows transposed as an 8×8 block (unpack, shuffle
// within 128-bit halves, then exchange the halves) and stored as the eight
// rows p … p+7 of the panel, 64 bytes apart. The columns past the last
// whole group of eight are the caller's.
func packBTrans() {
	TEXT("packBT16SIMD", NOSPLIT, "func(dst, src *float32, groups, ldb int)")
	Pragma("noescape")
	Doc("packBT16SIMD sets dst[p·16 + j] = src[j·ldb + p] for p < 8·groups, j < 16; groups ≥ 1.")
	stride := loadGP(Param("ldb"))
	SHLQ(U8(2), stride)
	for half := 0; half < 2; half++ {
		dst := loadGP(Param("dst"))
		if half == 1 {
			ADDQ(U8(32), dst)
		}
		rows := make([]GPVirtual, 8)
		rows[0] = loadGP(Param("src"))
		if half == 1 {
			eight := GP64()
			MOVQ(stride, eight)
			SHLQ(U8(3), eight)
			ADDQ(eight, rows[0])
		}
		for i := 1; i < 8; i++ {
			rows[i] = GP64()
			LEAQ(Mem{Base: rows[i-1], Index: stride, Scale: 1}, rows[i])
		}
		n := loadGP(Param("groups"))
		j := GP64()
		XORQ(j, j)
		loop := fmt.Sprintf("packbt_h%d", half)
		Label(loop)
		r := make([]VecVirtual, 8)
		for i := range r {
			r[i] = YMM()
			VMOVUPS(Mem{Base: rows[i], Index: j, Scale: 1}, r[i])
		}
		s := transposeQuarters(r)
		for c := 0; c < 8; c++ {
			VMOVUPS(transposedColumn(s, c), Mem{Base: dst, Disp: c * 4 * gemmCols})
		}
		ADDQ(U8(vecBytes), j)
		ADDQ(U32(8*4*gemmCols), dst)
		DECQ(n)
		JNZ(LabelRef(loop))
	}
	VZEROUPPER()
	RET()
}

// transposeQuarters emits the first two steps of an 8×8 transpose of the
// rows r (eight vectors): s[4q+c] holds column c (low half) and column c+4
// (high half) of rows 4q … 4q+3. transposedColumn takes the last step.
func transposeQuarters(r []VecVirtual) []VecVirtual {
	// t[2h], t[2h+1]: rows 2h and 2h+1 interleaved, per 128-bit half.
	t := make([]VecVirtual, 8)
	for h := 0; h < 4; h++ {
		t[2*h], t[2*h+1] = YMM(), YMM()
		VUNPCKLPS(r[2*h+1], r[2*h], t[2*h])
		VUNPCKHPS(r[2*h+1], r[2*h], t[2*h+1])
	}
	s := make([]VecVirtual, 8)
	for q := 0; q < 2; q++ {
		lo, hi := t[4*q], t[4*q+2] // rows 4q, 4q+1 and 4q+2, 4q+3, columns 0, 1 (4, 5)
		lo2, hi2 := t[4*q+1], t[4*q+3]
		for c, pair := range [][2]VecVirtual{{lo, hi}, {lo, hi}, {lo2, hi2}, {lo2, hi2}} {
			s[4*q+c] = YMM()
			imm := uint8(0x44)
			if c%2 == 1 {
				imm = 0xEE
			}
			VSHUFPS(U8(imm), pair[1], pair[0], s[4*q+c])
		}
	}
	return s
}

// transposedColumn returns column c of the eight rows transposeQuarters
// took apart: the low halves of s[c] and s[4+c] for c < 4, the high halves
// of s[c-4] and s[c] above.
func transposedColumn(s []VecVirtual, c int) VecVirtual {
	v := YMM()
	if c < 4 {
		VPERM2F128(U8(0x20), s[4+c], s[c], v)
	} else {
		VPERM2F128(U8(0x31), s[c], s[c-4], v)
	}
	return v
}
