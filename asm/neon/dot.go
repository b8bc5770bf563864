package main

// One NEON register holds four float32s.
const (
	vecBytes  = 16
	vecFloats = 4
)

func dot(fl *file) {
	f := fl.text("dotSIMD", "(x []float32, y []float32) float32",
		"dotSIMD returns Σ x[i]·y[i]; len(y) ≥ len(x) > 0.")
	x, y, n := f.gp(), f.gp(), f.gp()
	f.op("MOVD %s, %v", f.arg("x_base"), x)
	f.op("MOVD %s, %v", f.arg("x_len"), n)
	f.op("MOVD %s, %v", f.arg("y_base"), y)

	// Eight accumulators, 32 floats a block: enough independent FMLA
	// chains to cover the FMA latency of wide cores.
	const unroll = 8
	xs, ys, acc := f.vecRun(unroll), f.vecRun(unroll), f.vecRun(unroll)
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
