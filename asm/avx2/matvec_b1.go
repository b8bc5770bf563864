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
// Dot's with the two alternated in one process: 0.59 → 0.84 at H = 64
// (W 128 KiB, in L2), 0.57 → 0.89 at H = 128, 0.88 → 0.91 at H = 256,
// 0.85 → 0.97 at H = 512. Plain loads in the old order, with no
// arithmetic, were no faster than the old kernel; in the new order at
// H = 64 they are no faster than this one (eight streams of 16 KiB each
// start and stop once per call; two streams, as Dot reads, go at 1.04).
//
// The rows' sums are formed exactly as before (the column walk of
// walkColumnsBy, one accumulator per row, sumEight), so each row gives the same bits as in a
// block of neighbours and as the step kernels. The last rows%8 rows go one
// at a time.
func matVecOne() {
	const name = "matVecB1SIMD"
	TEXT(name, NOSPLIT, "func(y, w, x []float32, rows, cols int, add bool)")
	Pragma("noescape")
	Doc(name + " sets y[i] (+)= Σ_j w[i*cols+j]·x[j]; rows, cols ≥ 1.")

	f := allocFrame()
	regionBytes := AllocLocal(8)          // q·cols·4: distance between a block's rows
	sumsFrame := AllocLocal(9 * vecBytes) // eight vectors, 32-byte aligned within
	splitColumns("cols", f.colBytes, f.negWhole, f.tailBytes)

	// q blocks of eight strided rows; outBytes holds q·4, the distance
	// between a block's sums in y; yNext is &y[i] for the first block whose
	// sums are still in the buffer.
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
	// walks have, measured 2 % slower at H = 128). A block's eight sums go
	// to a buffer as one vector; every eighth block the buffer is
	// transposed into eight vectors of y. Eight scalar stores per block
	// instead cost 8–12 % where a row is short (H = 16…48, W in L1; there
	// the kernel would be slower than the old one), 1 % faster at
	// H = 64…512.
	const loop = "mvb1_r8"
	plan := mvPlan{rows: 8, unroll: 1, xInRegs: true}
	wr := rowPointers(w, 8, regionBytes)
	rowBytes := GP64()
	MOVQ(f.colBytes, rowBytes)
	// The buffer of eight blocks' sums, aligned so that no vector of it
	// straddles two cache lines (unaligned: 3 % slower at H = 48).
	sums := GP64()
	LEAQ(sumsFrame.Offset(vecBytes-1), sums)
	ANDQ(I8(-vecBytes), sums)
	slot := GP64() // byte offset of the block's sums in the buffer
	XORQ(slot, slot)
	Label(loop)
	CMPQ(f.rowsLeft, U8(0))
	JE(LabelRef(loop + "_end"))
	acc := zeroAccumulators(8, 1, 1)
	walkColumnsBy(loop, plan, 1, acc, wr, []GPVirtual{xb}, f.negWhole, f.tailBytes, colPrefetch{})
	vs := make([]VecVirtual, 8)
	for r := range vs {
		vs[r] = acc[r][0][0]
	}
	VMOVUPS(sumEight(vs), Mem{Base: sums, Index: slot, Scale: 1})
	for _, p := range wr {
		ADDQ(rowBytes, p)
	}
	ADDQ(U8(vecBytes), slot)
	CMPQ(slot, U32(8*vecBytes))
	JNE(LabelRef(loop + "_next"))
	storeEightBlocks(loop, Mem{Base: sums}, f.yNext, f.outBytes)
	XORQ(slot, slot)
	ADDQ(U8(vecBytes), f.yNext)
	Label(loop + "_next")
	DECQ(f.rowsLeft)
	JMP(LabelRef(loop))
	Label(loop + "_end")

	// The sums of the last q%8 blocks, one block at a time.
	const left = "mvb1_left"
	b := GP64()
	XORQ(b, b)
	Label(left)
	CMPQ(b, slot)
	JAE(LabelRef(left + "_end"))
	v := YMM()
	VMOVUPS(Mem{Base: sums, Index: b, Scale: 1}, v)
	storeStridedRows(left, v, f.yNext, f.outBytes)
	ADDQ(U8(vecBytes), b)
	ADDQ(U8(4), f.yNext)
	JMP(LabelRef(left))
	Label(left + "_end")

	// The last rows%8 rows, one at a time: they start where the eighth
	// stream stopped, at row 8q, and their sums at y[8q].
	rest := loadGP(Param("rows"))
	ANDQ(U8(7), rest)
	MOVQ(rest, f.rowsLeft)
	t = GP64()
	MOVQ(f.outBytes, t)
	SHLQ(U8(3), t)
	yBase := loadGP(Param("y").Base())
	ADDQ(yBase, t)
	MOVQ(t, f.yNext)
	w = wr[7]
	one := mvPlan{rows: 1, unroll: 4, xInRegs: true}
	const rowLoop = "mvb1_r1"
	Label(rowLoop)
	CMPQ(f.rowsLeft, U8(1))
	JB(LabelRef(rowLoop + "_end"))
	mvBlock(rowLoop, 1, one, 0, nil, w, []GPVirtual{xb}, f)
	SUBQ(U8(1), f.rowsLeft)
	JMP(LabelRef(rowLoop))
	Label(rowLoop + "_end")
	VZEROUPPER()
	RET()
}

// storeEightBlocks stores the sums of eight consecutive blocks, buffered
// as eight vectors (vector b, lane k: the sum of row i+b+k·q), to y: the
// buffer transposed, vector k goes to y[i+k·q…], yNext holding &y[i] and
// stride q·4. With add set the old values are added after the sums are
// formed, old + sum as storeEightRows.
func storeEightBlocks(prefix string, buf, yNext, stride Mem) {
	v := make([]VecVirtual, 8)
	for b := range v {
		v[b] = YMM()
		VMOVUPS(buf.Offset(b*vecBytes), v[b])
	}
	// Lane b of out[k] is lane k of v[b].
	s := transposeQuarters(v)
	out := make([]VecVirtual, 8)
	for k := range out {
		out[k] = transposedColumn(s, k)
	}

	y, step := stridedStore(prefix, yNext, stride)
	for k := 0; k < 8; k++ {
		VMOVUPS(out[k], Mem{Base: y})
		if k < 7 {
			ADDQ(step, y)
		}
	}
	JMP(LabelRef(prefix + "_stored"))
	Label(prefix + "_add")
	for k := 0; k < 8; k++ {
		old := YMM()
		VMOVUPS(Mem{Base: y}, old)
		VADDPS(out[k], old, out[k])
		VMOVUPS(out[k], Mem{Base: y})
		if k < 7 {
			ADDQ(step, y)
		}
	}
	Label(prefix + "_stored")
}

// storeStridedRows stores one block's eight sums (sums, lane r: the sum of
// row i+r·q) to y[i+r·q]: yNext holds &y[i] and stride q·4. With add set
// each old value is added after its sum is formed, old + sum as
// storeEightRows.
func storeStridedRows(prefix string, sums VecVirtual, yNext, stride Mem) {
	high := XMM()
	VEXTRACTF128(U8(1), sums, high)
	halves := []Op{sums.AsX(), high}
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
	y, step := stridedStore(prefix, yNext, stride)
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

// stridedStore loads the y pointer and stride of a block's stores and jumps
// to prefix_add when the add parameter is set.
func stridedStore(prefix string, yNext, stride Mem) (y, step GPVirtual) {
	y, step = GP64(), GP64()
	MOVQ(yNext, y)
	MOVQ(stride, step)
	add := addFlag()
	CMPB(add, U8(0))
	JNE(LabelRef(prefix + "_add"))
	return y, step
}
