package main

func rnnKernels(fl *file) {
	pointwise(fl, "reluSIMD", []string{"dst", "x"},
		"reluSIMD sets dst[i] = max(x[i], +0), NaN kept, for i < hidden·batch.",
		[]pwOperand{{"dst", 1}, {"x", 1}}, false,
		func(k *pw) {
			x := k.load("x", 0)
			zero := k.vec()
			k.zero(zero)
			k.word(FMAX(S4, x, x, zero)) // NaN stays NaN; max(−0, +0) = +0
			k.store("dst", 0, x)
		})
	pointwise(fl, "rnnTanhBackwardSIMD", []string{"dpre", "h", "dh"},
		"rnnTanhBackwardSIMD sets dpre[i] = dh[i]·(1 − h[i]²).",
		[]pwOperand{{"dpre", 1}, {"h", 1}, {"dh", 1}}, true,
		func(k *pw) {
			h := k.load("h", 0)
			t := k.oneMinusSquare(h)
			dh := k.load("dh", 0)
			k.mulIn(t, dh)
			k.store("dpre", 0, t)
		})
	pointwise(fl, "rnnReLUBackwardSIMD", []string{"dpre", "h", "dh"},
		"rnnReLUBackwardSIMD sets dpre[i] = 0 where h[i] ≤ 0, else dh[i].",
		[]pwOperand{{"dpre", 1}, {"h", 1}, {"dh", 1}}, false,
		func(k *pw) {
			h := k.load("h", 0)
			k.word(FCMLE0(S4, h, h)) // h ≤ 0 (false for NaN)
			dh := k.load("dh", 0)
			k.word(BIC(S4, dh, dh, h))
			k.store("dpre", 0, dh)
		})
}
