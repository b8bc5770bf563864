package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func scale() {
	TEXT("scaleSIMD", NOSPLIT, "func(alpha float32, x []float32)")
	Pragma("noescape")
	Doc("scaleSIMD sets x[i] *= alpha; len(x) > 0.")
	alpha := YMM()
	VBROADCASTSS(NewParamAddr("alpha", 0), alpha)
	x := loadGP(Param("x").Base())
	n := loadGP(Param("x").Len())
	elementwise("scale", n, []GPVirtual{x},
		func(disp int) {
			t := YMM()
			VMULPS(Mem{Base: x, Disp: disp}, alpha, t)
			VMOVUPS(t, Mem{Base: x, Disp: disp})
		},
		func() {
			t := XMM()
			VMOVSS(Mem{Base: x}, t)
			VMULSS(t, alpha.AsX(), t)
			VMOVSS(t, Mem{Base: x})
		})
	VZEROUPPER()
	RET()
}
