package main

func scale(fl *file) {
	f := fl.text("scaleSIMD", "(alpha float32, x []float32)",
		"scaleSIMD sets x[i] *= alpha; len(x) > 0.")
	alpha := f.vec()
	x, n := f.gp(), f.gp()
	f.op("FMOVS %s, %s", f.arg("alpha"), alpha.F())
	f.op("VDUP %s, %s", alpha.Lane(0), alpha.S4())
	f.op("MOVD %s, %v", f.arg("x_base"), x)
	f.op("MOVD %s, %v", f.arg("x_len"), n)
	xs := f.vecRun(4)

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
