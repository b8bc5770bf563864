package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/reg"
)

// sigmoidSum returns σ(a + b) for a block of two operands.
func sigmoidSum(io *pwIO, a, b string, block int) VecVirtual {
	x := io.load(a, block)
	if io.vector {
		VADDPS(io.mem(b, block), x, x)
	} else {
		// A memory operand would read 32 bytes: add a VMOVSS-loaded value.
		VADDPS(io.load(b, block), x, x)
	}
	return sigmoidVec(x)
}

// blend returns n + z·(h − n).
func blend(z, h, n VecVirtual) VecVirtual {
	d := YMM()
	VSUBPS(n, h, d)
	VFMADD213PS(n, z, d)
	return d
}

func gruForward(withCache bool) {
	ops := []pwOperand{{"hNew", 1}, {"h", 1}, {"inputGates", 3}, {"hiddenGates", 3}}
	if withCache {
		ops = append(ops, pwOperand{"cache", 4})
	}
	name := cacheName("gruForward", withCache)
	// First phase: r, z and the argument of tanh; second: n and h'. The
	// pairs loop overlaps one vector's tanh with the other's sigmoids.
	first := func(io *pwIO) []VecVirtual {
		r := sigmoidSum(io, "inputGates", "hiddenGates", 0)
		if withCache {
			io.store("cache", 0, r)
		}
		hn := io.load("hiddenGates", 2)
		if withCache {
			io.store("cache", 3, hn)
		}
		VFMADD213PS(io.load("inputGates", 2), r, hn) // r·hn + xn
		z := sigmoidSum(io, "inputGates", "hiddenGates", 1)
		if withCache {
			io.store("cache", 1, z)
		}
		return []VecVirtual{hn, z}
	}
	second := func(io *pwIO, state []VecVirtual) {
		n := tanhVec(state[0])
		if withCache {
			io.store("cache", 2, n)
		}
		io.store("hNew", 0, blend(state[1], io.load("h", 0), n))
	}
	pointwise2(name, "func(hNew, h, inputGates, hiddenGates, cache []float32, hidden, batch int)",
		name+" is one GRU (reset-after) pointwise step over batch rows of hidden units.", ops,
		func(io *pwIO) { second(io, first(io)) }, first, second)
}

func gruBackward() {
	ops := []pwOperand{{"dInputGates", 3}, {"dHiddenGates", 3}, {"dhPrev", 1}, {"cache", 4}, {"h", 1}, {"dh", 1}}
	pointwise("gruBackwardSIMD", "func(dInputGates, dHiddenGates, dhPrev, cache, h, dh []float32, hidden, batch int)",
		"gruBackwardSIMD is one GRU (reset-after) pointwise backward step over batch rows of hidden units.", ops,
		func(io *pwIO) {
			dh := io.load("dh", 0)
			z := io.load("cache", 1)
			n := io.load("cache", 2)
			omz := oneMinus(z)
			omn2 := oneMinusSquare(n)
			// dz = ((dh·(h − n))·z)·(1 − z)
			dz := io.load("h", 0)
			VSUBPS(n, dz, dz)
			VMULPS(dh, dz, dz)
			VMULPS(z, dz, dz)
			VMULPS(omz, dz, dz)
			io.store("dInputGates", 1, dz)
			io.store("dHiddenGates", 1, dz)
			io.store("dhPrev", 0, mul(dh, z))
			r := io.load("cache", 0)
			// dr = ((((dh·hn)·(1−z))·(1−n²))·r)·(1−r)
			dr := mul(dh, io.load("cache", 3))
			VMULPS(omz, dr, dr)
			VMULPS(omn2, dr, dr)
			VMULPS(r, dr, dr)
			VMULPS(oneMinus(r), dr, dr)
			io.store("dInputGates", 0, dr)
			io.store("dHiddenGates", 0, dr)
			// dn = (dh·(1−z))·(1−n²)
			dn := mul(dh, omz)
			VMULPS(omn2, dn, dn)
			io.store("dInputGates", 2, dn)
			io.store("dHiddenGates", 2, mul(dn, r))
		})
}

func gruResetBefore() {
	pointwise("gruResetBeforeGatesSIMD", "func(rh, cache, inputGates, hiddenGates, h []float32, hidden, batch int)",
		"gruResetBeforeGatesSIMD computes r, z and r·h over batch rows of hidden units.",
		[]pwOperand{{"rh", 1}, {"cache", 3}, {"inputGates", 3}, {"hiddenGates", 2}, {"h", 1}},
		func(io *pwIO) {
			r := sigmoidSum(io, "inputGates", "hiddenGates", 0)
			io.store("cache", 0, r)
			io.store("rh", 0, mul(r, io.load("h", 0)))
			io.store("cache", 1, sigmoidSum(io, "inputGates", "hiddenGates", 1))
		})
	pointwise("gruResetBeforeOutputSIMD", "func(hNew, cache, h, inputGates, hn []float32, hidden, batch int)",
		"gruResetBeforeOutputSIMD computes n and h' over batch rows of hidden units.",
		[]pwOperand{{"hNew", 1}, {"cache", 3}, {"h", 1}, {"inputGates", 3}, {"hn", 1}},
		func(io *pwIO) {
			x := io.load("inputGates", 2)
			VADDPS(io.load("hn", 0), x, x)
			n := tanhVec(x)
			io.store("cache", 2, n)
			io.store("hNew", 0, blend(io.load("cache", 1), io.load("h", 0), n))
		})
	pointwise("gruResetBeforeBackwardOutputSIMD", "func(dGates, dhPrev, cache, h, dh []float32, hidden, batch int)",
		"gruResetBeforeBackwardOutputSIMD computes dz, dn and dh·z over batch rows of hidden units.",
		[]pwOperand{{"dGates", 3}, {"dhPrev", 1}, {"cache", 3}, {"h", 1}, {"dh", 1}},
		func(io *pwIO) {
			dh := io.load("dh", 0)
			z := io.load("cache", 1)
			n := io.load("cache", 2)
			omz := oneMinus(z)
			dz := io.load("h", 0)
			VSUBPS(n, dz, dz)
			VMULPS(dh, dz, dz)
			VMULPS(z, dz, dz)
			VMULPS(omz, dz, dz)
			io.store("dGates", 1, dz)
			dn := mul(dh, omz)
			VMULPS(oneMinusSquare(n), dn, dn)
			io.store("dGates", 2, dn)
			io.store("dhPrev", 0, mul(dh, z))
		})
	pointwise("gruResetBeforeBackwardGatesSIMD", "func(dGates, dhPrev, cache, h, drh []float32, hidden, batch int)",
		"gruResetBeforeBackwardGatesSIMD computes dr and adds drh·r to dhPrev over batch rows of hidden units.",
		[]pwOperand{{"dGates", 3}, {"dhPrev", 1}, {"cache", 3}, {"h", 1}, {"drh", 1}},
		func(io *pwIO) {
			drh := io.load("drh", 0)
			r := io.load("cache", 0)
			dr := mul(drh, io.load("h", 0))
			VMULPS(r, dr, dr)
			VMULPS(oneMinus(r), dr, dr)
			io.store("dGates", 0, dr)
			dhp := io.load("dhPrev", 0)
			VFMADD231PS(r, drh, dhp)
			io.store("dhPrev", 0, dhp)
		})
}
