package main

import (
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

// gemmKernels emits the register-blocked GEMM micro-kernels.
func gemmKernels() {
	gemmKernel()
}

// gemmKernel emits gemm6x16AVX2: C[0:6][0:16] (+)= Σ_p a[p][0:6]ᵀ·b[p][0:16]
// over packed panels: a holds k groups of 6 floats (one column of the A
// block each), b k groups of 16 floats (one row of the B block each).
func gemmKernel() {
	TEXT("gemm6x16AVX2", NOSPLIT, "func(k int, a, b, c *float32, ldc int, add bool)")
	Pragma("noescape")
	Doc("gemm6x16AVX2 sets (or with add, adds to) the 6×16 block of C at c, rows ldc",
		"floats apart, the product of the packed panels a (k×6) and b (k×16); k ≥ 1.")
	n := loadGP(Param("k"))
	a := loadGP(Param("a"))
	b := loadGP(Param("b"))

	var acc [gemmRows][2]VecVirtual
	for i := range acc {
		for h := range acc[i] {
			acc[i][h] = YMM()
			VXORPS(acc[i][h], acc[i][h], acc[i][h])
		}
	}
	Label("gemm_loop")
	b0, b1 := YMM(), YMM()
	VMOVUPS(Mem{Base: b}, b0)
	VMOVUPS(Mem{Base: b, Disp: vecBytes}, b1)
	for i := 0; i < gemmRows; i++ {
		t := YMM()
		VBROADCASTSS(Mem{Base: a, Disp: 4 * i}, t)
		VFMADD231PS(b0, t, acc[i][0])
		VFMADD231PS(b1, t, acc[i][1])
	}
	ADDQ(U8(4*gemmRows), a)
	ADDQ(U8(4*gemmCols), b)
	DECQ(n)
	JNZ(LabelRef("gemm_loop"))

	c := loadGP(Param("c"))
	ldc := loadGP(Param("ldc"))
	SHLQ(U8(2), ldc)
	add, err := Param("add").Resolve()
	if err != nil {
		panic(err)
	}
	CMPB(add.Addr, U8(0))
	JE(LabelRef("gemm_store"))
	row := GP64()
	MOVQ(c, row)
	for i := 0; i < gemmRows; i++ {
		for h := 0; h < 2; h++ {
			VADDPS(Mem{Base: row, Disp: h * vecBytes}, acc[i][h], acc[i][h])
		}
		if i+1 < gemmRows {
			ADDQ(ldc, row)
		}
	}
	Label("gemm_store")
	for i := 0; i < gemmRows; i++ {
		for h := 0; h < 2; h++ {
			VMOVUPS(acc[i][h], Mem{Base: c, Disp: h * vecBytes})
		}
		if i+1 < gemmRows {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}
