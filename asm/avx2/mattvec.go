package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// matTVecAdd emits y += Wᵀ·x four rows of W at a time, so each element of
// y is loaded and stored once per four rows; y[j] is updated row after row
// with one FMA per row, the order of the reference loop.
func matTVecAdd() {
	TEXT("matTVecAddSIMD", NOSPLIT, "func(y, w, x []float32)")
	Pragma("noescape")
	Doc("matTVecAddSIMD sets y[j] += Σ_i w[i*len(y)+j]·x[i]; len(w) = len(x)·len(y) > 0.")
	const rowsPerBlock = 4
	rowBytes := AllocLocal(8)
	cols := loadGP(Param("y").Len())
	SHLQ(U8(2), cols)
	MOVQ(cols, rowBytes)
	w0 := loadGP(Param("w").Base())
	x := loadGP(Param("x").Base())
	rowsLeft := loadGP(Param("x").Len())

	// One block of rows: broadcast x[i..i+rows-1], walk the columns.
	block := func(prefix string, rows int) {
		scalars := make([]VecVirtual, rows)
		for r := range scalars {
			scalars[r] = YMM()
			VBROADCASTSS(Mem{Base: x, Disp: 4 * r}, scalars[r])
		}
		wr := make([]GPVirtual, rows)
		wr[0] = w0
		stride := GP64()
		MOVQ(rowBytes, stride)
		for r := 1; r < rows; r++ {
			wr[r] = GP64()
			LEAQ(Mem{Base: wr[r-1], Index: stride, Scale: 1}, wr[r])
		}
		y := loadGP(Param("y").Base())
		j := GP64()
		XORQ(j, j)
		end := GP64()
		MOVQ(rowBytes, end)
		SUBQ(U8(2*vecBytes), end)

		Label(prefix + "_pairs")
		CMPQ(j, end)
		JG(LabelRef(prefix + "_vectors"))
		for u := 0; u < 2; u++ {
			t := YMM()
			VMOVUPS(Mem{Base: y, Index: j, Scale: 1, Disp: u * vecBytes}, t)
			for r := 0; r < rows; r++ {
				VFMADD231PS(Mem{Base: wr[r], Index: j, Scale: 1, Disp: u * vecBytes}, scalars[r], t)
			}
			VMOVUPS(t, Mem{Base: y, Index: j, Scale: 1, Disp: u * vecBytes})
		}
		ADDQ(U8(2*vecBytes), j)
		JMP(LabelRef(prefix + "_pairs"))

		Label(prefix + "_vectors")
		ADDQ(U8(vecBytes), end)
		CMPQ(j, end)
		JG(LabelRef(prefix + "_tail"))
		t := YMM()
		VMOVUPS(Mem{Base: y, Index: j, Scale: 1}, t)
		for r := 0; r < rows; r++ {
			VFMADD231PS(Mem{Base: wr[r], Index: j, Scale: 1}, scalars[r], t)
		}
		VMOVUPS(t, Mem{Base: y, Index: j, Scale: 1})
		ADDQ(U8(vecBytes), j)

		Label(prefix + "_tail")
		CMPQ(j, rowBytes)
		JAE(LabelRef(prefix + "_next"))
		s := XMM()
		VMOVSS(Mem{Base: y, Index: j, Scale: 1}, s)
		for r := 0; r < rows; r++ {
			ws := XMM()
			VMOVSS(Mem{Base: wr[r], Index: j, Scale: 1}, ws)
			VFMADD231SS(ws, scalars[r].AsX(), s)
		}
		VMOVSS(s, Mem{Base: y, Index: j, Scale: 1})
		ADDQ(U8(4), j)
		JMP(LabelRef(prefix + "_tail"))

		Label(prefix + "_next")
		MOVQ(rowBytes, stride)
		LEAQ(Mem{Base: wr[rows-1], Index: stride, Scale: 1}, w0)
		ADDQ(U8(4*rows), x)
		SUBQ(U8(rows), rowsLeft)
	}

	Label("mattvec_blocks")
	CMPQ(rowsLeft, U8(rowsPerBlock))
	JB(LabelRef("mattvec_rows"))
	block("mattvec4", rowsPerBlock)
	JMP(LabelRef("mattvec_blocks"))

	Label("mattvec_rows")
	TESTQ(rowsLeft, rowsLeft)
	JZ(LabelRef("mattvec_done"))
	block("mattvec1", 1)
	JMP(LabelRef("mattvec_rows"))

	Label("mattvec_done")
	VZEROUPPER()
	RET()
}
