package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// rnnKernels emits ReLU and the RNN pointwise backward steps.
func rnnKernels() {
	flat := []pwOperand{{"dst", 1}, {"x", 1}}
	pointwise("reluSIMD", "func(dst, x []float32, hidden, batch int)",
		"reluSIMD sets dst[i] = max(x[i], +0), NaN kept, for i < hidden·batch.", flat,
		func(io *pwIO) {
			x := io.load("x", 0)
			zero := YMM()
			VXORPS(zero, zero, zero)
			VMAXPS(x, zero, x) // 0 > x ? 0 : x (x when NaN)
			VADDPS(zero, x, x) // −0 → +0
			io.store("dst", 0, x)
		})
	pointwise("rnnTanhBackwardSIMD", "func(dpre, h, dh []float32, hidden, batch int)",
		"rnnTanhBackwardSIMD sets dpre[i] = dh[i]·(1 − h[i]²).",
		[]pwOperand{{"dpre", 1}, {"h", 1}, {"dh", 1}},
		func(io *pwIO) {
			t := oneMinusSquare(io.load("h", 0))
			io.store("dpre", 0, mul(io.load("dh", 0), t))
		})
	pointwise("rnnReLUBackwardSIMD", "func(dpre, h, dh []float32, hidden, batch int)",
		"rnnReLUBackwardSIMD sets dpre[i] = 0 where h[i] ≤ 0, else dh[i].",
		[]pwOperand{{"dpre", 1}, {"h", 1}, {"dh", 1}},
		func(io *pwIO) {
			h := io.load("h", 0)
			zero := YMM()
			VXORPS(zero, zero, zero)
			VCMPPS(U8(2), zero, h, h) // h ≤ 0 (false for NaN)
			dh := io.load("dh", 0)
			VANDNPS(dh, h, h)
			io.store("dpre", 0, h)
		})
}
