package main

// One NEON register holds four float32s.
const (
	vecBytes  = 16
	vecFloats = 4
)

func dot(fl *file) {
	f := fl.text("dotSIMD", "(x []float32, y []float32) float32",
		"dotSIMD returns Σ x[i]·y[i]; len(y) ≥ len(x) > 0.")
	x, y, n := R(0), R(1), R(2)
	f.op("MOVD %s, %v", f.arg("x_base"), x)
	f.op("MOVD %s, %v", f.arg("x_len"), n)
	f.op("MOVD %s, %v", f.arg("y_base"), y)

	// Eight accumulators, 32 floats a block: enough independent FMLA
	// chains to cover the FMA latency of wide cores.
	const unroll = 8
	xs, ys, acc := vecs(0, unroll), vecs(8, unroll), vecs(16, unroll)
	f.zero(acc...)

	f.label("dot_blocks")
	f.op("CMP $%d, %v", unroll*vecFloats, n)
	f.op("BLT dot_vectors")
	for h := 0; h < unroll; h += 4 {
		f.op("VLD1.P 64(%v), %s", x, list(xs[h:h+4]))
		f.op("VLD1.P 64(%v), %s", y, list(ys[h:h+4]))
	}
	for u := range unroll {
		f.fmla(acc[u], xs[u], ys[u])
	}
	f.op("SUB $%d, %v, %v", unroll*vecFloats, n, n)
	f.op("B dot_blocks")

	f.label("dot_vectors")
	f.op("CMP $%d, %v", vecFloats, n)
	f.op("BLT dot_reduce")
	f.op("VLD1.P %d(%v), %s", vecBytes, x, list(xs[:1]))
	f.op("VLD1.P %d(%v), %s", vecBytes, y, list(ys[:1]))
	f.fmla(acc[0], xs[0], ys[0])
	f.op("SUB $%d, %v, %v", vecFloats, n, n)
	f.op("B dot_vectors")

	// Sum the accumulators in a tree, then the lanes; the scalar tail
	// continues from that sum.
	f.label("dot_reduce")
	for step := 1; step < unroll; step *= 2 {
		for u := 0; u+step < unroll; u += 2 * step {
			f.word(FADD(S4, acc[u], acc[u], acc[u+step]))
		}
	}
	sum := acc[0]
	f.word(FADDP(S4, sum, sum, sum))
	f.word(FADDPScalar(sum, sum))

	f.label("dot_tail")
	f.op("CBZ %v, dot_done", n)
	f.op("FMOVS.P 4(%v), %s", x, xs[0].F())
	f.op("FMOVS.P 4(%v), %s", y, ys[0].F())
	f.op("FMADDS %s, %s, %s, %s", ys[0].F(), sum.F(), xs[0].F(), sum.F())
	f.op("SUB $1, %v, %v", n, n)
	f.op("B dot_tail")

	f.label("dot_done")
	f.op("FMOVS %s, %s", sum.F(), f.arg("ret"))
	f.op("RET")
}

// axpyLoops emits y[i] += alpha·x[i] for the n elements at x and y, with
// alpha in every lane of V0, advancing x and y; it falls through when done.
// Each element gets one fused multiply-add.
func axpyLoops(f *function, prefix string, x, y, n R) {
	const alpha = V(0)
	xs, ys := vecs(1, 4), vecs(5, 4)

	f.label(prefix + "_blocks")
	f.op("CMP $%d, %v", 4*vecFloats, n)
	f.op("BLT %s_vectors", prefix)
	f.op("VLD1.P 64(%v), %s", x, list(xs))
	f.op("VLD1 (%v), %s", y, list(ys))
	for u := range ys {
		f.fmla(ys[u], xs[u], alpha)
	}
	f.op("VST1.P %s, 64(%v)", list(ys), y)
	f.op("SUB $%d, %v, %v", 4*vecFloats, n, n)
	f.op("B %s_blocks", prefix)

	f.label(prefix + "_vectors")
	f.op("CMP $%d, %v", vecFloats, n)
	f.op("BLT %s_tail", prefix)
	f.op("VLD1.P %d(%v), %s", vecBytes, x, list(xs[:1]))
	f.op("VLD1 (%v), %s", y, list(ys[:1]))
	f.fmla(ys[0], xs[0], alpha)
	f.op("VST1.P %s, %d(%v)", list(ys[:1]), vecBytes, y)
	f.op("SUB $%d, %v, %v", vecFloats, n, n)
	f.op("B %s_vectors", prefix)

	f.label(prefix + "_tail")
	f.op("CBZ %v, %s_done", n, prefix)
	f.op("FMOVS.P 4(%v), %s", x, xs[0].F())
	f.op("FMOVS (%v), %s", y, ys[0].F())
	f.op("FMADDS %s, %s, %s, %s", alpha.F(), ys[0].F(), xs[0].F(), ys[0].F())
	f.op("FMOVS.P %s, 4(%v)", ys[0].F(), y)
	f.op("SUB $1, %v, %v", n, n)
	f.op("B %s_tail", prefix)
	f.label(prefix + "_done")
}

func axpy(fl *file) {
	f := fl.text("axpySIMD", "(alpha float32, x []float32, y []float32)",
		"axpySIMD sets y[i] += alpha·x[i]; len(y) ≥ len(x) > 0.")
	x, y, n := R(0), R(1), R(2)
	f.op("FMOVS %s, F0", f.arg("alpha"))
	f.op("VDUP V0.S[0], V0.S4")
	f.op("MOVD %s, %v", f.arg("x_base"), x)
	f.op("MOVD %s, %v", f.arg("x_len"), n)
	f.op("MOVD %s, %v", f.arg("y_base"), y)
	axpyLoops(f, "axpy", x, y, n)
	f.op("RET")
}

func scale(fl *file) {
	f := fl.text("scaleSIMD", "(alpha float32, x []float32)",
		"scaleSIMD sets x[i] *= alpha; len(x) > 0.")
	const alpha = V(0)
	x, n := R(0), R(2)
	f.op("FMOVS %s, %s", f.arg("alpha"), alpha.F())
	f.op("VDUP %s, %s", alpha.Lane(0), alpha.S4())
	f.op("MOVD %s, %v", f.arg("x_base"), x)
	f.op("MOVD %s, %v", f.arg("x_len"), n)
	xs := vecs(1, 4)

	// One rounded multiply per element: the same bits as the generic code.
	f.label("scale_blocks")
	f.op("CMP $%d, %v", 4*vecFloats, n)
	f.op("BLT scale_vectors")
	f.op("VLD1 (%v), %s", x, list(xs))
	for _, v := range xs {
		f.word(FMUL(S4, v, v, alpha))
	}
	f.op("VST1.P %s, 64(%v)", list(xs), x)
	f.op("SUB $%d, %v, %v", 4*vecFloats, n, n)
	f.op("B scale_blocks")

	f.label("scale_vectors")
	f.op("CMP $%d, %v", vecFloats, n)
	f.op("BLT scale_tail")
	f.op("VLD1 (%v), %s", x, list(xs[:1]))
	f.word(FMUL(S4, xs[0], xs[0], alpha))
	f.op("VST1.P %s, %d(%v)", list(xs[:1]), vecBytes, x)
	f.op("SUB $%d, %v, %v", vecFloats, n, n)
	f.op("B scale_vectors")

	f.label("scale_tail")
	f.op("CBZ %v, scale_done", n)
	f.op("FMOVS (%v), %s", x, xs[0].F())
	f.op("FMULS %s, %s, %s", alpha.F(), xs[0].F(), xs[0].F())
	f.op("FMOVS.P %s, 4(%v)", xs[0].F(), x)
	f.op("SUB $1, %v, %v", n, n)
	f.op("B scale_tail")
	f.label("scale_done")
	f.op("RET")
}

// rank1Add emits W += a·bᵀ: for each row i, an axpy of b scaled by a[i]
// into the row. The rows are contiguous, so the w pointer just runs on.
func rank1Add(fl *file) {
	f := fl.text("rank1AddSIMD", "(w []float32, a []float32, b []float32)",
		"rank1AddSIMD sets w[i*len(b)+j] += a[i]·b[j]; len(w) = len(a)·len(b) > 0.")
	b, w, n := R(0), R(1), R(2)
	a, rowsLeft, b0, cols := R(3), R(4), R(5), R(6)
	f.op("MOVD %s, %v", f.arg("w_base"), w)
	f.op("MOVD %s, %v", f.arg("a_base"), a)
	f.op("MOVD %s, %v", f.arg("a_len"), rowsLeft)
	f.op("MOVD %s, %v", f.arg("b_base"), b0)
	f.op("MOVD %s, %v", f.arg("b_len"), cols)

	f.label("rank1_rows")
	f.op("VLD1R.P 4(%v), [V0.S4]", a)
	f.op("MOVD %v, %v", b0, b)
	f.op("MOVD %v, %v", cols, n)
	axpyLoops(f, "rank1", b, w, n)
	f.op("SUB $1, %v, %v", rowsLeft, rowsLeft)
	f.op("CBNZ %v, rank1_rows", rowsLeft)
	f.op("RET")
}

// matTVecAdd emits y += Wᵀ·x four rows of W at a time, so each element of
// y is loaded and stored once per four rows. x[i..i+3] sit in the lanes of
// V0 and multiply the rows through FMLA by element; y[j] is updated row
// after row with one fused multiply-add per row, the order of the reference
// loop.
func matTVecAdd(fl *file) {
	f := fl.text("matTVecAddSIMD", "(y []float32, w []float32, x []float32)",
		"matTVecAddSIMD sets y[j] += Σ_i w[i*len(y)+j]·x[i]; len(w) = len(x)·len(y) > 0.")
	yp, n, cols, rowBytes := R(0), R(1), R(2), R(3)
	w, x, rowsLeft := R(4), R(5), R(6)
	wr := []R{7, 8, 9, 10}
	const xv = V(0)
	ys := vecs(4, 4)

	f.op("MOVD %s, %v", f.arg("y_len"), cols)
	f.op("LSL $2, %v, %v", cols, rowBytes)
	f.op("MOVD %s, %v", f.arg("w_base"), w)
	f.op("MOVD %s, %v", f.arg("x_base"), x)
	f.op("MOVD %s, %v", f.arg("x_len"), rowsLeft)

	block := func(prefix string, rows int) {
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
		wv := make([][]V, rows)
		for r := range wv {
			wv[r] = vecs(V(8+4*r), 4)
		}

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

		// Scalar tail with x[i+r] broadcast out of V0's lanes.
		f.label(prefix + "_tail")
		f.op("CBZ %v, %s_next", n, prefix)
		scalars := []V{xv}
		if rows > 1 {
			scalars = vecs(24, rows)
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
