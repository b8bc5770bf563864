package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The reduced-precision MatVec kernels: W in binary16 or bfloat16 (widened
// in registers and multiplied by float32 x), or int8 against int8 x
// (integer multiply-adds into exact int32 sums, scaled per row).
//
// Their column loops count a negative element index j up to zero, so that
// one index addresses W (2 or 1 bytes per element) and x (4 or 1) through
// the addressing mode's scale.

// halfPlans are the register blockings of the F16/BF16 kernels per batch:
// the main row loop and the rows left over, as mvPlans (unroll 1).
var halfPlans = map[int][2]mvPlan{
	1: {{8, 1, true}, {1, 1, true}},
	2: {{4, 1, true}, {1, 1, true}},
	3: {{2, 1, true}, {1, 1, true}},
	4: {{2, 1, true}, {1, 1, true}},
	5: {{1, 1, false}, {1, 1, false}},
	6: {{1, 1, false}, {1, 1, false}},
	7: {{1, 1, false}, {1, 1, false}},
	8: {{1, 1, false}, {1, 1, false}},
}

// bf16PairPlans are the BF16 kernels' blockings where x is held in
// registers: sixteen columns per step, x split into its even and odd
// columns (two registers per vector), so fewer rows fit than in halfPlans.
var bf16PairPlans = map[int][2]mvPlan{
	1: {{8, 1, true}, {1, 1, true}},
	2: {{2, 1, true}, {1, 1, true}},
	3: {{1, 1, true}, {1, 1, true}},
}

// lowFrame holds a reduced-precision kernel's values kept on the stack.
type lowFrame struct {
	wRow, xRow Mem // bytes of a row of W and of a vector of x
	negWhole   Mem // −(columns in whole vector steps)
	tailCols   Mem // columns after them
	outBytes   Mem // rows·4: distance between vectors of y
	yNext      Mem // &y[i] for the current block of rows
	wsNext     Mem // &ws[i] (int8)
	rowsLeft   Mem
}

// lowSetup fills f for a kernel whose W elements are wBytes and x elements
// xBytes wide, stepping step columns at a time; it returns the pointers to
// W and the x vectors, advanced past the whole steps of their rows.
func lowSetup(f lowFrame, batch, wBytes, xBytes, step int) (GPVirtual, []GPVirtual) {
	cols := loadGP(Param("cols"))
	t := GP64()
	MOVQ(cols, t)
	scaleBy(wBytes, t)
	MOVQ(t, f.wRow)
	MOVQ(cols, t)
	scaleBy(xBytes, t)
	MOVQ(t, f.xRow)
	whole := GP64()
	MOVQ(cols, whole)
	ANDQ(I32(-step), whole)
	SUBQ(whole, cols)
	MOVQ(cols, f.tailCols)
	neg := GP64()
	XORQ(neg, neg)
	SUBQ(whole, neg)
	MOVQ(neg, f.negWhole)

	rows := loadGP(Param("rows"))
	MOVQ(rows, f.rowsLeft)
	SHLQ(U8(2), rows)
	MOVQ(rows, f.outBytes)
	y := loadGP(Param("y").Base())
	MOVQ(y, f.yNext)

	xb := make([]GPVirtual, batch)
	xb[0] = loadGP(Param("x").Base())
	LEAQ(Mem{Base: xb[0], Index: whole, Scale: uint8(xBytes)}, xb[0])
	for b := 1; b < batch; b++ {
		xb[b] = GP64()
		MOVQ(xb[b-1], xb[b])
		ADDQ(f.xRow, xb[b])
	}
	w := loadGP(Param("w").Base())
	LEAQ(Mem{Base: w, Index: whole, Scale: uint8(wBytes)}, w)
	return w, xb
}

// scaleBy multiplies r by n, a power of two up to 8.
func scaleBy(n int, r GPVirtual) {
	switch n {
	case 2:
		SHLQ(U8(1), r)
	case 4:
		SHLQ(U8(2), r)
	case 8:
		SHLQ(U8(3), r)
	}
}

// lowRowLoops emits the row loops of plans around block, which handles
// plan.rows rows and advances w, yNext (and wsNext).
func lowRowLoops(prefix string, plans [2]mvPlan, f lowFrame, block func(loop string, plan mvPlan)) {
	for k, plan := range plans {
		if k == 1 && plans[0].rows == 1 {
			break
		}
		loop := fmt.Sprintf("%s_r%d", prefix, plan.rows)
		Label(loop)
		CMPQ(f.rowsLeft, U8(plan.rows))
		JB(LabelRef(loop + "_end"))
		block(loop, plan)
		SUBQ(U8(plan.rows), f.rowsLeft)
		JMP(LabelRef(loop))
		Label(loop + "_end")
	}
	VZEROUPPER()
	RET()
}

// advanceRows moves w past the block's last row pointer and yNext by rows.
func advanceRows(w, last GPVirtual, rows int, f lowFrame) {
	stride := GP64()
	MOVQ(f.wRow, stride)
	LEAQ(Mem{Base: last, Index: stride, Scale: 1}, w)
	ADDQ(U8(4*rows), f.yNext)
}

// matVecHalf emits matVecF16B<batch>SIMD or matVecBF16B<batch>SIMD.
func matVecHalf(batch int, bf bool) {
	format := "F16"
	if bf {
		format = "BF16"
	}
	name := fmt.Sprintf("matVec%sB%dSIMD", format, batch)
	TEXT(name, NOSPLIT, "func(y []float32, w []uint16, x []float32, rows, cols int, add bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets y[b*rows+i] (+)= Σ_j f32(w[i*cols+j])·x[b*cols+j] for b < %d, w in %s; rows, cols ≥ 1.", name, batch, map[bool]string{false: "binary16", true: "bfloat16"}[bf]))
	f := lowFrame{wRow: AllocLocal(8), xRow: AllocLocal(8), negWhole: AllocLocal(8), tailCols: AllocLocal(8),
		outBytes: AllocLocal(8), yNext: AllocLocal(8), rowsLeft: AllocLocal(8)}
	plans, step := halfPlans[batch], vecFloats
	if p, ok := bf16PairPlans[batch]; ok && bf {
		plans, step = p, 2*vecFloats
	}
	w, xb := lowSetup(f, batch, 2, 4, step)
	prefix := fmt.Sprintf("mv%sb%d", map[bool]string{false: "h", true: "bh"}[bf], batch)
	lowRowLoops(prefix, plans, f, func(loop string, plan mvPlan) {
		rows := plan.rows
		acc := zeroAccumulators(rows, batch, 1)
		wr := rowPointers(w, rows, f.wRow)
		if step == 2*vecFloats {
			bf16PairColumns(loop, plan, acc, wr, xb, f)
		} else {
			halfColumns(loop, plan, bf, acc, wr, xb, f)
		}
		storeBlock(loop, acc, f.yNext, f.outBytes)
		advanceRows(w, wr[rows-1], rows, f)
	})
}

// nextBlock returns, for a batch-1 block of eight rows (pointers wr,
// advanced past the whole steps; j = −whole columns), a pointer to the
// start of the eight rows after it, or nil for other blocks. The column
// loop then prefetches that block line by line (nextLines), as many bytes
// per step as the step reads of its own rows, so the next block arrives in
// L1 while this one is summed. The F16 and BF16 kernels convert as they
// load, and without it they read W from L3 at 0.8× of the f32 MatVec's
// bandwidth: the LSTM step at H = 512 went from 0.71× to 0.62× of f32 in
// one interleaved run (prefetch from the next block vs none; the batch-1
// steps also process 256 units per block, see lowpUnits). The last block's
// prefetch reaches past W: a prefetch never faults and loads nothing.
func nextBlock(wr []GPVirtual, batch int, j GPVirtual, f lowFrame) GPVirtual {
	if batch != 1 || len(wr) != 8 {
		return nil
	}
	pc := GP64()
	MOVQ(f.wRow, pc)
	ADDQ(wr[len(wr)-1], pc)
	LEAQ(Mem{Base: pc, Index: j, Scale: 2}, pc)
	return pc
}

// nextLines prefetches the n lines at pc (if not nil) and advances it.
func nextLines(pc GPVirtual, n int) {
	if pc == nil {
		return
	}
	for k := 0; k < n; k++ {
		PREFETCHT0(Mem{Base: pc, Disp: 64 * k})
	}
	ADDQ(I32(64*n), pc)
}

// loadHalf widens the eight halves at m into v (eight float32s).
func loadHalf(m Mem, v VecVirtual, bf bool) {
	if bf {
		VPMOVZXWD(m, v)
		VPSLLD(U8(16), v, v)
		return
	}
	VCVTPH2PS(m, v)
}

// halfColumns walks the columns of a block of rows (pointers wr) against
// the x vectors (xb): eight at a time at the negative index j, then the
// tail one column at a time, into acc[r][b][0].
func halfColumns(prefix string, plan mvPlan, bf bool, acc [][][]VecVirtual, wr, xb []GPVirtual, f lowFrame) {
	rows, batch := plan.rows, len(xb)
	j := GP64()
	MOVQ(f.negWhole, j)
	TESTQ(j, j)
	JZ(LabelRef(prefix + "_tail"))
	pc := nextBlock(wr, batch, j, f)
	Label(prefix + "_loop")
	nextLines(pc, 2) // 8 rows × 8 columns × 2 bytes
	if plan.xInRegs {
		xv := make([]VecVirtual, batch)
		for b := range xv {
			xv[b] = YMM()
			VMOVUPS(Mem{Base: xb[b], Index: j, Scale: 4}, xv[b])
		}
		for r := 0; r < rows; r++ {
			wv := YMM()
			loadHalf(Mem{Base: wr[r], Index: j, Scale: 2}, wv, bf)
			for b := 0; b < batch; b++ {
				VFMADD231PS(xv[b], wv, acc[r][b][0])
			}
		}
	} else {
		for r := 0; r < rows; r++ {
			wv := YMM()
			loadHalf(Mem{Base: wr[r], Index: j, Scale: 2}, wv, bf)
			for b := 0; b < batch; b++ {
				VFMADD231PS(Mem{Base: xb[b], Index: j, Scale: 4}, wv, acc[r][b][0])
			}
		}
	}
	ADDQ(U8(vecFloats), j)
	JNZ(LabelRef(prefix + "_loop"))

	// Tail: one column at a time into lane 0 (the loads zero the others).
	Label(prefix + "_tail")
	CMPQ(j, f.tailCols)
	JAE(LabelRef(prefix + "_reduce"))
	for b := 0; b < batch; b++ {
		xs := XMM()
		VMOVSS(Mem{Base: xb[b], Index: j, Scale: 4}, xs)
		for r := 0; r < rows; r++ {
			bits := GP32()
			MOVWLZX(Mem{Base: wr[r], Index: j, Scale: 2}, bits)
			ws := XMM()
			if bf {
				SHLL(U8(16), bits)
				VMOVD(bits, ws)
			} else {
				VMOVD(bits, ws)
				VCVTPH2PS(ws, ws)
			}
			VFMADD231PS(ws.AsY(), xs.AsY(), acc[r][b][0])
		}
	}
	INCQ(j)
	JMP(LabelRef(prefix + "_tail"))
	Label(prefix + "_reduce")
}

// bf16PairColumns is halfColumns for BF16 with x in registers, sixteen
// columns per step: one 32-byte load of a row's weights gives its even
// columns (each dword shifted left by 16) and its odd ones (each dword's
// high half, masked), two cheap integer operations instead of two
// zero-extending loads and shifts; x is split into even and odd columns
// once per step for all the block's rows. The tail (under sixteen
// columns) takes eight at a time, then one.
func bf16PairColumns(prefix string, plan mvPlan, acc [][][]VecVirtual, wr, xb []GPVirtual, f lowFrame) {
	rows, batch := plan.rows, len(xb)
	high := YMM() // 0xffff0000 in every dword
	VPCMPEQD(high, high, high)
	VPSLLD(U8(16), high, high)
	j := GP64()
	MOVQ(f.negWhole, j)
	TESTQ(j, j)
	JZ(LabelRef(prefix + "_tail"))
	pc := nextBlock(wr, batch, j, f)
	Label(prefix + "_loop")
	nextLines(pc, 4) // 8 rows × 16 columns × 2 bytes
	even, odd := make([]VecVirtual, batch), make([]VecVirtual, batch)
	for b := range even {
		lo, hi := YMM(), YMM()
		VMOVUPS(Mem{Base: xb[b], Index: j, Scale: 4}, lo)
		VMOVUPS(Mem{Base: xb[b], Index: j, Scale: 4, Disp: 4 * vecFloats}, hi)
		even[b], odd[b] = YMM(), YMM()
		// Per 128-bit lane [lo0, lo2, hi0, hi2] and [lo1, lo3, hi1, hi3],
		// then the 64-bit pairs in order 0, 2, 1, 3: columns 0, 2, …, 14
		// and 1, 3, …, 15.
		VSHUFPS(U8(0x88), hi, lo, even[b])
		VSHUFPS(U8(0xdd), hi, lo, odd[b])
		VPERMPD(U8(0xd8), even[b], even[b])
		VPERMPD(U8(0xd8), odd[b], odd[b])
	}
	for r := 0; r < rows; r++ {
		v, we := YMM(), YMM()
		VMOVDQU(Mem{Base: wr[r], Index: j, Scale: 2}, v)
		VPSLLD(U8(16), v, we)
		VPAND(high, v, v)
		for b := 0; b < batch; b++ {
			VFMADD231PS(even[b], we, acc[r][b][0])
			VFMADD231PS(odd[b], v, acc[r][b][0])
		}
	}
	ADDQ(U8(2*vecFloats), j)
	JNZ(LabelRef(prefix + "_loop"))

	Label(prefix + "_tail")
	eight := GP64()
	MOVQ(f.tailCols, eight)
	SUBQ(U8(vecFloats), eight)
	CMPQ(j, eight)
	JG(LabelRef(prefix + "_single"))
	for b := 0; b < batch; b++ {
		xv := YMM()
		VMOVUPS(Mem{Base: xb[b], Index: j, Scale: 4}, xv)
		for r := 0; r < rows; r++ {
			wv := YMM()
			loadHalf(Mem{Base: wr[r], Index: j, Scale: 2}, wv, true)
			VFMADD231PS(xv, wv, acc[r][b][0])
		}
	}
	ADDQ(U8(vecFloats), j)
	Label(prefix + "_single")
	CMPQ(j, f.tailCols)
	JAE(LabelRef(prefix + "_reduce"))
	for b := 0; b < batch; b++ {
		xs := XMM()
		VMOVSS(Mem{Base: xb[b], Index: j, Scale: 4}, xs)
		for r := 0; r < rows; r++ {
			bits := GP32()
			MOVWLZX(Mem{Base: wr[r], Index: j, Scale: 2}, bits)
			SHLL(U8(16), bits)
			ws := XMM()
			VMOVD(bits, ws)
			VFMADD231PS(ws.AsY(), xs.AsY(), acc[r][b][0])
		}
	}
	INCQ(j)
	JMP(LabelRef(prefix + "_single"))
	Label(prefix + "_reduce")
}

// int8Plans are the int8 kernels' blockings: rows per block, x (and |x|)
// held in registers or reloaded from memory per row.
var int8Plans = map[int][2]mvPlan{
	1: {{4, 1, true}, {1, 1, true}},
	2: {{2, 1, true}, {1, 1, true}},
	3: {{2, 1, true}, {1, 1, true}},
	4: {{1, 1, true}, {1, 1, true}},
	5: {{1, 1, false}, {1, 1, false}},
	6: {{1, 1, false}, {1, 1, false}},
	7: {{1, 1, false}, {1, 1, false}},
	8: {{1, 1, false}, {1, 1, false}},
}

// int8Step is the columns of one int8 step: a YMM of bytes.
const int8Step = 32

// matVecInt8 emits matVecI8B<batch>SIMD.
func matVecInt8(batch int) {
	name := fmt.Sprintf("matVecI8B%dSIMD", batch)
	TEXT(name, NOSPLIT, "func(y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols int, add bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets y[b*rows+i] (+)= float32(Σ_j w[i*cols+j]·x[b*cols+j]) · (ws[i]·xs[b]) for b < %d; values in [−127, 127], rows, cols ≥ 1, cols ≤ 2¹⁷.", name, batch))
	f := lowFrame{wRow: AllocLocal(8), xRow: AllocLocal(8), negWhole: AllocLocal(8), tailCols: AllocLocal(8),
		outBytes: AllocLocal(8), yNext: AllocLocal(8), wsNext: AllocLocal(8), rowsLeft: AllocLocal(8)}
	w, xb := lowSetup(f, batch, 1, 1, int8Step)
	ws := loadGP(Param("ws").Base())
	MOVQ(ws, f.wsNext)
	prefix := fmt.Sprintf("mvq8b%d", batch)
	lowRowLoops(prefix, int8Plans[batch], f, func(loop string, plan mvPlan) {
		rows := plan.rows
		acc := make([][]VecVirtual, rows)
		for r := range acc {
			acc[r] = make([]VecVirtual, batch)
			for b := range acc[r] {
				acc[r][b] = YMM()
				VPXOR(acc[r][b], acc[r][b], acc[r][b])
			}
		}
		wr := rowPointers(w, rows, f.wRow)
		int8Columns(loop, plan, acc, wr, xb, f)
		// Scale and store: y = float32(acc)·(ws[i]·xs[b]) (+ y).
		y, wsp, xsp := GP64(), GP64(), GP64()
		MOVQ(f.yNext, y)
		MOVQ(f.wsNext, wsp)
		xsp = loadGP(Param("xs").Base())
		addParam := addFlag()
		for b := 0; b < batch; b++ {
			for r := 0; r < rows; r++ {
				s := reduceInt32(acc[r][b])
				VCVTDQ2PS(s, s)
				scale := XMM()
				VMOVSS(Mem{Base: wsp, Disp: 4 * r}, scale)
				VMULSS(Mem{Base: xsp, Disp: 4 * b}, scale, scale)
				VMULSS(scale, s, s)
				done := fmt.Sprintf("%s_b%d_r%d_store", loop, b, r)
				CMPB(addParam, U8(0))
				JE(LabelRef(done))
				VADDSS(Mem{Base: y, Disp: 4 * r}, s, s)
				Label(done)
				VMOVSS(s, Mem{Base: y, Disp: 4 * r})
			}
			if b+1 < batch {
				ADDQ(f.outBytes, y)
			}
		}
		ADDQ(U8(4*rows), f.wsNext)
		advanceRows(w, wr[rows-1], rows, f)
	})
}

// reduceInt32 returns an XMM whose lane 0 holds the sum of v's eight int32
// lanes (exact: the caller bounds the sum).
func reduceInt32(v VecVirtual) VecVirtual {
	s, t := XMM(), XMM()
	VEXTRACTI128(U8(1), v, s)
	VPADDD(v.AsX(), s, s)
	VPSHUFD(U8(0x4e), s, t)
	VPADDD(t, s, s)
	VPSHUFD(U8(0xb1), s, t)
	VPADDD(t, s, s)
	return s
}

// int8Product adds, into acc (int32 lanes), the products of the bytes of
// wv and xv (both in [−127, 127]) summed in groups of four: x's sign moves
// onto w (VPSIGNB), |x| (xa) times that is a pair sum of at most 2·127² in
// int16 (VPMADDUBSW, no saturation), and VPMADDWD by ones adds the pairs
// into int32. Below 32 bytes the operations are on the XMM halves (VEX
// zeroes the upper lanes of t, which then add nothing).
func int8Product(width int, wv, xv, xa, ones, acc, t VecVirtual) {
	if width == 32 {
		VPSIGNB(xv, wv, t)
		VPMADDUBSW(t, xa, t)
		VPMADDWD(ones, t, t)
	} else {
		VPSIGNB(xv.AsX(), wv.AsX(), t.AsX())
		VPMADDUBSW(t.AsX(), xa.AsX(), t.AsX())
		VPMADDWD(ones.AsX(), t.AsX(), t.AsX())
	}
	VPADDD(t, acc, acc)
}

// int8Columns walks the columns of a block of rows against the x vectors:
// thirty-two at a time at the negative index j, then sixteen and eight at a
// time with XMM loads, then one at a time.
func int8Columns(prefix string, plan mvPlan, acc [][]VecVirtual, wr, xb []GPVirtual, f lowFrame) {
	rows, batch := plan.rows, len(xb)
	ones := YMM() // int16 ones
	VPCMPEQW(ones, ones, ones)
	VPSRLW(U8(15), ones, ones)
	j := GP64()
	MOVQ(f.negWhole, j)
	TESTQ(j, j)
	JZ(LabelRef(prefix + "_tail"))
	Label(prefix + "_loop")
	// step emits one step of width bytes (32, 16 or 8) at j.
	step := func(width int) {
		load := func(m Mem, v VecVirtual) {
			switch width {
			case 32:
				VMOVDQU(m, v)
			case 16:
				VMOVDQU(m, v.AsX())
			case 8:
				VMOVQ(m, v.AsX())
			}
		}
		abs := func(src, dst VecVirtual) {
			if width == 32 {
				VPABSB(src, dst)
			} else {
				VPABSB(src.AsX(), dst.AsX())
			}
		}
		if plan.xInRegs {
			xv, xa := make([]VecVirtual, batch), make([]VecVirtual, batch)
			for b := range xv {
				xv[b], xa[b] = YMM(), YMM()
				load(Mem{Base: xb[b], Index: j, Scale: 1}, xv[b])
				abs(xv[b], xa[b])
			}
			for r := 0; r < rows; r++ {
				wv := YMM()
				load(Mem{Base: wr[r], Index: j, Scale: 1}, wv)
				for b := 0; b < batch; b++ {
					int8Product(width, wv, xv[b], xa[b], ones, acc[r][b], YMM())
				}
			}
			return
		}
		for r := 0; r < rows; r++ {
			wv := YMM()
			load(Mem{Base: wr[r], Index: j, Scale: 1}, wv)
			for b := 0; b < batch; b++ {
				xv, xa, t := YMM(), YMM(), YMM()
				load(Mem{Base: xb[b], Index: j, Scale: 1}, xv)
				abs(xv, xa)
				int8Product(width, wv, xv, xa, ones, acc[r][b], t)
			}
		}
	}
	step(int8Step)
	ADDQ(U8(int8Step), j)
	JNZ(LabelRef(prefix + "_loop"))

	Label(prefix + "_tail")
	for _, width := range []int{16, 8} {
		next := fmt.Sprintf("%s_tail%d", prefix, width)
		limit := GP64()
		MOVQ(f.tailCols, limit)
		SUBQ(U8(width), limit)
		CMPQ(j, limit)
		JG(LabelRef(next))
		step(width)
		ADDQ(U8(width), j)
		Label(next)
	}
	Label(prefix + "_single")
	CMPQ(j, f.tailCols)
	JAE(LabelRef(prefix + "_reduce"))
	for b := 0; b < batch; b++ {
		xq := GP32()
		MOVBLSX(Mem{Base: xb[b], Index: j, Scale: 1}, xq)
		for r := 0; r < rows; r++ {
			p := GP32()
			MOVBLSX(Mem{Base: wr[r], Index: j, Scale: 1}, p)
			IMULL(xq, p)
			pv := XMM()
			VMOVD(p, pv)
			VPADDD(pv.AsY(), acc[r][b], acc[r][b])
		}
	}
	INCQ(j)
	JMP(LabelRef(prefix + "_single"))
	Label(prefix + "_reduce")
}

// maxAbsBits emits maxAbsBitsSIMD: the unsigned maximum of the bits of
// |x[j]| (NaN > Inf > every finite magnitude), 0 for an empty x.
func maxAbsBits() {
	TEXT("maxAbsBitsSIMD", NOSPLIT, "func(x []float32) uint32")
	Pragma("noescape")
	Doc("maxAbsBitsSIMD returns max_j (bits(x[j]) & 0x7fffffff), 0 when len(x) = 0.")
	x := loadGP(Param("x").Base())
	n := loadGP(Param("x").Len())
	mask := loadConst("absmask")
	m := YMM()
	VPXOR(m, m, m)
	Label("maxabs_loop")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef("maxabs_tail"))
	v := YMM()
	VPAND(Mem{Base: x}, mask, v)
	VPMAXUD(v, m, m)
	ADDQ(U8(vecBytes), x)
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef("maxabs_loop"))
	Label("maxabs_tail")
	TESTQ(n, n)
	JZ(LabelRef("maxabs_reduce"))
	s := XMM()
	VMOVSS(Mem{Base: x}, s)
	VPAND(mask.AsX(), s, s)
	VPMAXUD(s.AsY(), m, m)
	ADDQ(U8(4), x)
	DECQ(n)
	JMP(LabelRef("maxabs_tail"))
	Label("maxabs_reduce")
	h, t := XMM(), XMM()
	VEXTRACTI128(U8(1), m, h)
	VPMAXUD(m.AsX(), h, h)
	VPSHUFD(U8(0x4e), h, t)
	VPMAXUD(t, h, h)
	VPSHUFD(U8(0xb1), h, t)
	VPMAXUD(t, h, h)
	r := GP32()
	VMOVD(h, r)
	Store(r, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// quantizeI8 emits quantizeI8SIMD: q[j] = round(x[j]·inv) to nearest even
// (VCVTPS2DQ under Go's default rounding mode) after clamping x[j]·inv to
// ±127 in float32, as the generic code clamps (the callers' scaling keeps
// |x[j]·inv| below 127.5 anyway; NaN is excluded by the callers).
func quantizeI8() {
	TEXT("quantizeI8SIMD", NOSPLIT, "func(q []int8, x []float32, inv float32)")
	Pragma("noescape")
	Doc("quantizeI8SIMD sets q[j] = int8(round(clamp(x[j]·inv, ±127))), rounding to nearest even; len(q) = len(x), x[j]·inv not NaN.")
	q := loadGP(Param("q").Base())
	x := loadGP(Param("x").Base())
	n := loadGP(Param("x").Len())
	inv := YMM()
	VBROADCASTSS(NewParamAddr("inv", 48), inv)
	// ±127 as float32, for the clamp that keeps any finite product in
	// range (VCVTPS2DQ would turn one beyond int32 into −2³¹).
	hi, lo := YMM(), YMM()
	bits := GP32()
	MOVL(U32(0x42fe0000), bits)
	VMOVD(bits, hi.AsX())
	VBROADCASTSS(hi.AsX(), hi)
	MOVL(U32(0xc2fe0000), bits)
	VMOVD(bits, lo.AsX())
	VBROADCASTSS(lo.AsX(), lo)
	Label("quant_loop")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef("quant_tail"))
	v := YMM()
	VMULPS(Mem{Base: x}, inv, v)
	VMINPS(hi, v, v)
	VMAXPS(lo, v, v)
	VCVTPS2DQ(v, v)
	h := XMM()
	VEXTRACTI128(U8(1), v, h)
	VPACKSSDW(h, v.AsX(), h)
	VPACKSSWB(h, h, h)
	VMOVQ(h, Mem{Base: q})
	ADDQ(U8(vecBytes), x)
	ADDQ(U8(vecFloats), q)
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef("quant_loop"))
	Label("quant_tail")
	TESTQ(n, n)
	JZ(LabelRef("quant_done"))
	s := XMM()
	VMOVSS(Mem{Base: x}, s)
	VMULSS(inv.AsX(), s, s)
	VMINSS(hi.AsX(), s, s)
	VMAXSS(lo.AsX(), s, s)
	VCVTPS2DQ(s, s)
	r := GP32()
	VMOVD(s, r)
	MOVB(r.As8(), Mem{Base: q})
	ADDQ(U8(4), x)
	INCQ(q)
	DECQ(n)
	JMP(LabelRef("quant_tail"))
	Label("quant_done")
	VZEROUPPER()
	RET()
}
