package main

// rank1Add emits W += a·bᵀ: for each row i, an axpy of b scaled by a[i]
// into the row. The rows are contiguous, so the w pointer just runs on.
func rank1Add(fl *file) {
	f := fl.text("rank1AddSIMD", "(w []float32, a []float32, b []float32)",
		"rank1AddSIMD sets w[i*len(b)+j] += a[i]·b[j]; len(w) = len(a)·len(b) > 0.")
	b, w, n := f.gp(), f.gp(), f.gp()
	a, rowsLeft, b0, cols := f.gp(), f.gp(), f.gp(), f.gp()
	alpha := f.vec()
	f.op("MOVD %s, %v", f.arg("w_base"), w)
	f.op("MOVD %s, %v", f.arg("a_base"), a)
	f.op("MOVD %s, %v", f.arg("a_len"), rowsLeft)
	f.op("MOVD %s, %v", f.arg("b_base"), b0)
	f.op("MOVD %s, %v", f.arg("b_len"), cols)

	f.label("rank1_rows")
	f.op("VLD1R.P 4(%v), %s", a, list([]V{alpha}))
	f.op("MOVD %v, %v", b0, b)
	f.op("MOVD %v, %v", cols, n)
	axpyLoops(f, "rank1", alpha, b, w, n)
	f.op("SUB $1, %v, %v", rowsLeft, rowsLeft)
	f.op("CBNZ %v, rank1_rows", rowsLeft)
	f.op("RET")
}
