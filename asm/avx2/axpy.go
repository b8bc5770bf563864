package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// elementwise emits the loops shared by axpy, scale and rank1Add over n
// floats: body handles one vector at the byte displacement given, scalar
// one float32; every pointer advances with them.
func elementwise(prefix string, n GPVirtual, pointers []GPVirtual, body func(disp int), scalar func()) {
	const unroll = 4
	Label(prefix + "_blocks")
	CMPQ(n, U8(unroll*vecFloats))
	JB(LabelRef(prefix + "_vectors"))
	for u := 0; u < unroll; u++ {
		body(u * vecBytes)
	}
	for _, p := range pointers {
		ADDQ(U8(unroll*vecBytes), p)
	}
	SUBQ(U8(unroll*vecFloats), n)
	JMP(LabelRef(prefix + "_blocks"))

	Label(prefix + "_vectors")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef(prefix + "_tail"))
	body(0)
	for _, p := range pointers {
		ADDQ(U8(vecBytes), p)
	}
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef(prefix + "_vectors"))

	Label(prefix + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(prefix + "_done"))
	scalar()
	for _, p := range pointers {
		ADDQ(U8(4), p)
	}
	DECQ(n)
	JMP(LabelRef(prefix + "_tail"))

	Label(prefix + "_done")
}

func axpy() {
	TEXT("axpySIMD", NOSPLIT, "func(alpha float32, x, y []float32)")
	Pragma("noescape")
	Doc("axpySIMD sets y[i] += alpha·x[i]; len(y) ≥ len(x) > 0.")
	alpha := YMM()
	VBROADCASTSS(NewParamAddr("alpha", 0), alpha)
	x := loadGP(Param("x").Base())
	y := loadGP(Param("y").Base())
	n := loadGP(Param("x").Len())
	elementwise("axpy", n, []GPVirtual{x, y},
		func(disp int) {
			t := YMM()
			VMOVUPS(Mem{Base: y, Disp: disp}, t)
			VFMADD231PS(Mem{Base: x, Disp: disp}, alpha, t)
			VMOVUPS(t, Mem{Base: y, Disp: disp})
		},
		func() {
			t := XMM()
			xs := XMM()
			VMOVSS(Mem{Base: y}, t)
			VMOVSS(Mem{Base: x}, xs)
			VFMADD231SS(xs, alpha.AsX(), t)
			VMOVSS(t, Mem{Base: y})
		})
	VZEROUPPER()
	RET()
}
