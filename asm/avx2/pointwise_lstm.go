package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/reg"
)

func lstmForward(withCache bool) {
	ops := []pwOperand{{"h", 1}, {"c", 1}, {"gates", 4}}
	if withCache {
		ops = append(ops, pwOperand{"cache", 4})
	}
	name := cacheName("lstmForward", withCache)
	// First phase: the gate activations and c'; second: h = o·tanh(c').
	first := func(io *pwIO) []VecVirtual {
		act := func(block int, f func(VecVirtual) VecVirtual) VecVirtual {
			v := f(io.load("gates", block))
			if withCache {
				io.store("cache", block, v)
			}
			return v
		}
		i := act(0, sigmoidVec)
		g := act(2, tanhVec)
		ig := mul(i, g)
		f := act(1, sigmoidVec)
		c := io.load("c", 0)
		VFMADD213PS(ig, f, c) // c = f·c + i·g
		io.store("c", 0, c)
		o := act(3, sigmoidVec)
		return []VecVirtual{c, o}
	}
	second := func(io *pwIO, state []VecVirtual) {
		io.store("h", 0, mul(state[1], tanhVec(state[0])))
	}
	pointwise2(name, "func(h, c, gates, cache []float32, hidden, batch int)",
		name+" is one LSTM pointwise step over batch rows of hidden units.", ops,
		func(io *pwIO) { second(io, first(io)) }, first, second)
}

func lstmBackward() {
	ops := []pwOperand{{"dgates", 4}, {"dcPrev", 1}, {"cache", 4}, {"cPrev", 1}, {"c", 1}, {"dh", 1}, {"dc", 1}}
	pointwise("lstmBackwardSIMD", "func(dgates, dcPrev, cache, cPrev, c, dh, dc []float32, hidden, batch int)",
		"lstmBackwardSIMD is one LSTM pointwise backward step over batch rows of hidden units.", ops,
		func(io *pwIO) {
			th := tanhVec(io.load("c", 0))
			dh := io.load("dh", 0)
			o := io.load("cache", 3)
			dc := io.load("dc", 0)
			VFMADD231PS(oneMinusSquare(th), mul(dh, o), dc) // dc += dh·o·(1 − th²)
			do := mul(dh, th)
			VMULPS(o, do, do)
			VMULPS(oneMinus(o), do, do)
			io.store("dgates", 3, do)
			i := io.load("cache", 0)
			g := io.load("cache", 2)
			di := mul(dc, g)
			VMULPS(i, di, di)
			VMULPS(oneMinus(i), di, di)
			io.store("dgates", 0, di)
			dg := mul(dc, i)
			VMULPS(oneMinusSquare(g), dg, dg)
			io.store("dgates", 2, dg)
			f := io.load("cache", 1)
			df := mul(dc, io.load("cPrev", 0))
			VMULPS(f, df, df)
			VMULPS(oneMinus(f), df, df)
			io.store("dgates", 1, df)
			io.store("dcPrev", 0, mul(dc, f))
		})
}
