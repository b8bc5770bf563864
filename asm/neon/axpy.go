package main

// axpyLoops emits y[i] += alpha·x[i] for the n elements at x and y, with
// alpha in every lane, advancing x and y; it falls through when done.
// Each element gets one fused multiply-add.
func axpyLoops(f *function, prefix string, alpha V, x, y, n R) {
	f.scope(func() { axpyLoopsIn(f, prefix, alpha, x, y, n) })
}

func axpyLoopsIn(f *function, prefix string, alpha V, x, y, n R) {
	xs, ys := f.vecRun(4), f.vecRun(4)

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
	x, y, n := f.gp(), f.gp(), f.gp()
	alpha := f.vec()
	f.op("FMOVS %s, %s", f.arg("alpha"), alpha.F())
	f.op("VDUP %s, %s", alpha.Lane(0), alpha.S4())
	f.op("MOVD %s, %v", f.arg("x_base"), x)
	f.op("MOVD %s, %v", f.arg("x_len"), n)
	f.op("MOVD %s, %v", f.arg("y_base"), y)
	axpyLoops(f, "axpy", alpha, x, y, n)
	f.op("RET")
}
