package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rank1Add emits W += a·bᵀ: for each row i, an axpy of b scaled by a[i]
// into the row.
func rank1Add() {
	TEXT("rank1AddSIMD", NOSPLIT, "func(w, a, b []float32)")
	Pragma("noescape")
	Doc("rank1AddSIMD sets w[i*len(b)+j] += a[i]·b[j]; len(w) = len(a)·len(b) > 0.")
	row := loadGP(Param("w").Base())
	a := loadGP(Param("a").Base())
	rowsLeft := loadGP(Param("a").Len())

	Label("rank1_rows")
	scalar := YMM()
	VBROADCASTSS(Mem{Base: a}, scalar)
	b := loadGP(Param("b").Base())
	n := loadGP(Param("b").Len())
	w := GP64()
	MOVQ(row, w)

	elementwise("rank1", n, []GPVirtual{w, b},
		func(disp int) {
			t := YMM()
			VMOVUPS(Mem{Base: w, Disp: disp}, t)
			VFMADD231PS(Mem{Base: b, Disp: disp}, scalar, t)
			VMOVUPS(t, Mem{Base: w, Disp: disp})
		},
		func() {
			s, bs := XMM(), XMM()
			VMOVSS(Mem{Base: w}, s)
			VMOVSS(Mem{Base: b}, bs)
			VFMADD231SS(bs, scalar.AsX(), s)
			VMOVSS(s, Mem{Base: w})
		})

	Label("rank1_next")
	MOVQ(w, row)
	ADDQ(U8(4), a)
	DECQ(rowsLeft)
	JNZ(LabelRef("rank1_rows"))
	VZEROUPPER()
	RET()
}
