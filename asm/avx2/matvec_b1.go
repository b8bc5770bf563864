package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// matVecOne emits matVecB1SIMD: y (+)= W·x for one vector.
//
// A block is eight rows one eighth of W apart — rows i, i+q, …, i+7q with
// q = ⌊rows/8⌋ — not eight neighbouring rows, so each of the eight row
// streams walks its own eighth of W in address order from the first block
// to the last. The hardware prefetcher follows such streams; it does not
// follow eight neighbouring rows read side by side (several interleaved
// streams in one 4 KiB page), nor software prefetches placed for it (they
// cost more than they saved). Measured on a Zen 5, MatVec's speed over
// Dot's with the two alternated in one process: 0.58 → 0.85 at H = 64
// (W 128 KiB, in L2), 0.57 → 0.88 at H = 128, 0.88 → 0.92 at H = 256,
// 0.83 → 0.92 at H = 512. Plain loads in the old order, with no
// arithmetic, were no faster than the old kernel; in the new order at
// H = 64 they are no faster than this one (eight streams of 16 KiB each
// start and stop once per call; two streams, as Dot reads, go at 1.04).
//
// The rows' sums are formed exactly as before (walkColumns, one
// accumulator per row, sumEight), so each row gives the same bits as in a
// block of neighbours and as the step kernels. The last rows%8 rows go one
// at a time.
func matVecOne() {
	const name = "matVecB1SIMD"
	TEXT(name, NOSPLIT, "func(y, w, x []float32, rows, cols int, add bool)")
	Pragma("noescape")
	Doc(name + " sets y[b*rows+i] (+)= Σ_j w[i*cols+j]·x[b*cols+j] for b < 1; rows, cols ≥ 1.")

	f := allocFrame()
	regionBytes := AllocLocal(8) // q·cols·4: distance between a block's rows
	splitColumns("cols", f.colBytes, f.negWhole, f.tailBytes)

	// q blocks of eight strided rows; outBytes holds q·4, the distance
	// between a block's sums in y.
	q := loadGP(Param("rows"))
	SHRQ(U8(3), q)
	MOVQ(q, f.rowsLeft)
	t := GP64()
	MOVQ(q, t)
	SHLQ(U8(2), t)
	MOVQ(t, f.outBytes)
	IMULQ(f.colBytes, q)
	MOVQ(q, regionBytes)
	t = loadGP(Param("y").Base())
	MOVQ(t, f.yNext)

	xb := loadGP(Param("x").Base())
	SUBQ(f.negWhole, xb)
	w := loadGP(Param("w").Base())
	SUBQ(f.negWhole, w)

	// The eight row pointers, the distance between a row and the next and
	// x stay in registers; one vector step per loop body (two, as the other
	// walks have, measured 2 % slower at H = 128).
	const loop = "mvb1_r8"
	plan := mvPlan{rows: 8, unroll: 1, xInRegs: true}
	wr := rowPointers(w, 8, regionBytes)
	rowBytes := GP64()
	MOVQ(f.colBytes, rowBytes)
	Label(loop)
	CMPQ(f.rowsLeft, U8(0))
	JE(LabelRef(loop + "_end"))
	acc := zeroAccumulators(8, 1, 1)
	walkColumnsBy(loop, plan, 1, acc, wr, []GPVirtual{xb}, f.negWhole, f.tailBytes, 0)
	storeStridedRows(loop, acc, f.yNext, f.outBytes)
	for _, p := range wr {
		ADDQ(rowBytes, p)
	}
	ADDQ(U8(4), f.yNext)
	DECQ(f.rowsLeft)
	JMP(LabelRef(loop))
	Label(loop + "_end")

	// The last rows%8 rows, one at a time: they start where the eighth
	// stream stopped, at row 8q.
	rest := loadGP(Param("rows"))
	ANDQ(U8(7), rest)
	MOVQ(rest, f.rowsLeft)
	t = GP64()
	MOVQ(f.outBytes, t)
	IMUL3Q(U8(7), t, t)
	ADDQ(t, f.yNext)
	w = wr[7]
	one := mvPlan{rows: 1, unroll: 4, xInRegs: true}
	const rowLoop = "mvb1_r1"
	Label(rowLoop)
	CMPQ(f.rowsLeft, U8(1))
	JB(LabelRef(rowLoop + "_end"))
	mvBlock(rowLoop, 1, one, w, []GPVirtual{xb}, f)
	SUBQ(U8(1), f.rowsLeft)
	JMP(LabelRef(rowLoop))
	Label(rowLoop + "_end")
	VZEROUPPER()
	RET()
}

// storeStridedRows stores the sums of a block of eight rows q apart
// (acc[r][0][0], row r at y[i+r·q]): yNext holds &y[i] and stride q·4. The
// sums are formed together (sumEight); with add set each old value is added
// after its sum is formed, old + sum as storeEightRows.
func storeStridedRows(prefix string, acc [][][]VecVirtual, yNext, stride Mem) {
	vs := make([]VecVirtual, 8)
	for r := range vs {
		vs[r] = acc[r][0][0]
	}
	sums := sumEight(vs)
	high := XMM()
	VEXTRACTF128(U8(1), sums, high)
	halves := []Op{sums.AsX(), high}
	y := GP64()
	MOVQ(yNext, y)
	step := GP64()
	MOVQ(stride, step)
	add, err := Param("add").Resolve()
	if err != nil {
		panic(err)
	}
	// lane returns lane r of the sums in the low lane of a register.
	lane := func(r int) Op {
		h := halves[r/4]
		if r%4 == 0 {
			return h
		}
		v := XMM()
		VPERMILPS(U8(r%4), h, v)
		return v
	}
	CMPB(add.Addr, U8(0))
	JNE(LabelRef(prefix + "_add"))
	for r := 0; r < 8; r++ {
		VMOVSS(lane(r), Mem{Base: y})
		if r < 7 {
			ADDQ(step, y)
		}
	}
	JMP(LabelRef(prefix + "_stored"))
	Label(prefix + "_add")
	for r := 0; r < 8; r++ {
		old, sum := XMM(), XMM()
		VMOVSS(Mem{Base: y}, old)
		VADDSS(lane(r), old, sum)
		VMOVSS(sum, Mem{Base: y})
		if r < 7 {
			ADDQ(step, y)
		}
	}
	Label(prefix + "_stored")
}
