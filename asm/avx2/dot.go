package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// reduceToScalar sums the eight lanes of v into the low lane of the result.
func reduceToScalar(v VecVirtual) VecVirtual {
	high := XMM()
	VEXTRACTF128(U8(1), v, high)
	sum := XMM()
	VADDPS(high, v.AsX(), sum)
	VHADDPS(sum, sum, sum)
	VHADDPS(sum, sum, sum)
	return sum
}

func dot() {
	TEXT("dotSIMD", NOSPLIT, "func(x, y []float32) float32")
	Pragma("noescape")
	Doc("dotSIMD returns Σ x[i]·y[i]; len(y) ≥ len(x) > 0.")
	x := loadGP(Param("x").Base())
	y := loadGP(Param("y").Base())
	n := loadGP(Param("x").Len())

	const unroll = 4
	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = YMM()
		VXORPS(acc[i], acc[i], acc[i])
	}

	Label("dot_blocks")
	CMPQ(n, U8(unroll*vecFloats))
	JB(LabelRef("dot_vectors"))
	for u := 0; u < unroll; u++ {
		t := YMM()
		VMOVUPS(Mem{Base: x, Disp: u * vecBytes}, t)
		VFMADD231PS(Mem{Base: y, Disp: u * vecBytes}, t, acc[u])
	}
	ADDQ(U8(unroll*vecBytes), x)
	ADDQ(U8(unroll*vecBytes), y)
	SUBQ(U8(unroll*vecFloats), n)
	JMP(LabelRef("dot_blocks"))

	Label("dot_vectors")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef("dot_tail"))
	t := YMM()
	VMOVUPS(Mem{Base: x}, t)
	VFMADD231PS(Mem{Base: y}, t, acc[0])
	ADDQ(U8(vecBytes), x)
	ADDQ(U8(vecBytes), y)
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef("dot_vectors"))

	// Tail: one float at a time into lane 0 of an accumulator (VMOVSS zeroes
	// the other lanes, which then add 0·0).
	Label("dot_tail")
	TESTQ(n, n)
	JZ(LabelRef("dot_reduce"))
	xt, yt := XMM(), XMM()
	VMOVSS(Mem{Base: x}, xt)
	VMOVSS(Mem{Base: y}, yt)
	VFMADD231PS(yt.AsY(), xt.AsY(), acc[1])
	ADDQ(U8(4), x)
	ADDQ(U8(4), y)
	DECQ(n)
	JMP(LabelRef("dot_tail"))

	Label("dot_reduce")
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	sum := reduceToScalar(acc[0])
	VZEROUPPER()
	Store(sum, ReturnIndex(0))
	RET()
}
