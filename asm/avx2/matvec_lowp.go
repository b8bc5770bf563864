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
		y := GP64()
		MOVQ(f.yNext, y)
		for b := 0; b < batch; b++ {
			for r0 := 0; r0 < rows; r0 += 4 {
				group := min(4, rows-r0)
				vs := make([]VecVirtual, group)
				for g := range vs {
					vs[g] = acc[r0+g][b][0]
				}
				storeRowSums(fmt.Sprintf("%s_b%d_g%d", loop, b, r0), vs, Mem{Base: y, Disp: 4 * r0})
			}
			if b+1 < batch {
				ADDQ(f.outBytes, y)
			}
		}
		advanceRows(w, wr[rows-1], rows, f)
	})
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
	Label(prefix + "_loop")
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
	Label(prefix + "_loop")
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
