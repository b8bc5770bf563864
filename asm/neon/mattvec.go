package main

// matTVecAdd emits y += Wᵀ·x four rows of W at a time, so each element of
// y is loaded and stored once per four rows. x[i..i+3] sit in the lanes of
// one register, xv, and multiply the rows through FMLA by element; y[j] is updated row
// after row with one fused multiply-add per row, the order of the reference
// loop.
func matTVecAdd(fl *file) {
	f := fl.text("matTVecAddSIMD", "(y []float32, w []float32, x []float32)",
		"matTVecAddSIMD sets y[j] += Σ_i w[i*len(y)+j]·x[i]; len(w) = len(x)·len(y) > 0.")
	yp, n, cols, rowBytes := f.gp(), f.gp(), f.gp(), f.gp()
	w, x, rowsLeft := f.gp(), f.gp(), f.gp()
	wr := f.gps(4)
	xv := f.vec()
	ys := f.vecRun(4)

	f.op("MOVD %s, %v", f.arg("y_len"), cols)
	f.op("LSL $2, %v, %v", cols, rowBytes)
	f.op("MOVD %s, %v", f.arg("w_base"), w)
	f.op("MOVD %s, %v", f.arg("x_base"), x)
	f.op("MOVD %s, %v", f.arg("x_len"), rowsLeft)

	var blockIn func(prefix string, rows int)
	block := func(prefix string, rows int) {
		f.scope(func() { blockIn(prefix, rows) })
	}
	blockIn = func(prefix string, rows int) {
		if rows == 1 {
			f.op("FMOVS.P 4(%v), %s", x, xv.F())
		} else {
			f.op("VLD1.P %d(%v), %s", 4*rows, x, list([]V{xv}))
		}
		f.op("MOVD %v, %v", w, wr[0])
		for r := 1; r < rows; r++ {
			f.op("ADD %v, %v, %v", rowBytes, wr[r-1], wr[r])
		}
		f.op("MOVD %s, %v", f.arg("y_base"), yp)
		f.op("MOVD %v, %v", cols, n)
		wv := f.vecRuns(rows, 4)

		// units emits the loads, FMLAs and store of k vectors of columns.
		units := func(k int) {
			f.op("VLD1 (%v), %s", yp, list(ys[:k]))
			for r := 0; r < rows; r++ {
				f.op("VLD1.P %d(%v), %s", k*vecBytes, wr[r], list(wv[r][:k]))
			}
			for r := 0; r < rows; r++ {
				for u := 0; u < k; u++ {
					f.word(FMLAElem(S4, ys[u], wv[r][u], xv, r))
				}
			}
			f.op("VST1.P %s, %d(%v)", list(ys[:k]), k*vecBytes, yp)
			f.op("SUB $%d, %v, %v", k*vecFloats, n, n)
		}

		f.label(prefix + "_blocks")
		f.op("CMP $%d, %v", 4*vecFloats, n)
		f.op("BLT %s_vectors", prefix)
		units(4)
		f.op("B %s_blocks", prefix)

		f.label(prefix + "_vectors")
		f.op("CMP $%d, %v", vecFloats, n)
		f.op("BLT %s_tail", prefix)
		units(1)
		f.op("B %s_vectors", prefix)

		// Scalar tail with x[i+r] broadcast out of xv's lanes.
		f.label(prefix + "_tail")
		f.op("CBZ %v, %s_next", n, prefix)
		scalars := []V{xv}
		if rows > 1 {
			scalars = f.vecRun(rows)
			for r, s := range scalars {
				f.op("VDUP %s, %s", xv.Lane(r), s.S4())
			}
		}
		f.label(prefix + "_scalar")
		f.op("FMOVS (%v), %s", yp, ys[0].F())
		for r := 0; r < rows; r++ {
			f.op("FMOVS.P 4(%v), %s", wr[r], wv[r][0].F())
			f.op("FMADDS %s, %s, %s, %s", scalars[r].F(), ys[0].F(), wv[r][0].F(), ys[0].F())
		}
		f.op("FMOVS.P %s, 4(%v)", ys[0].F(), yp)
		f.op("SUB $1, %v, %v", n, n)
		f.op("CBNZ %v, %s_scalar", n, prefix)

		// The last row's pointer has reached the next block of rows.
		f.label(prefix + "_next")
		f.op("MOVD %v, %v", wr[rows-1], w)
		f.op("SUB $%d, %v, %v", rows, rowsLeft, rowsLeft)
	}

	f.label("mattvec_blocks")
	f.op("CMP $4, %v", rowsLeft)
	f.op("BLT mattvec_rows")
	block("mattvec4", 4)
	f.op("B mattvec_blocks")

	f.label("mattvec_rows")
	f.op("CBZ %v, mattvec_done", rowsLeft)
	block("mattvec1", 1)
	f.op("B mattvec_rows")

	f.label("mattvec_done")
	f.op("RET")
}
