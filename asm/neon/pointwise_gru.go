package main

// sigmoidSum returns σ(a + b) for a block of two operands.
func (k *pw) sigmoidSum(a, b string, block int) V {
	return k.result(func() V {
		x := k.load(a, block)
		y := k.load(b, block)
		k.word(FADD(S4, x, x, y))
		return k.sigmoid(x)
	})
}

// blend returns n + z·(h − n) in n's register.
func (k *pw) blend(z, h, n V) V {
	k.scope(func() {
		d := k.vec()
		k.word(FSUB(S4, d, h, n))
		k.fmlaTo(n, z, d)
	})
	return n
}

func gruForward(fl *file, withCache bool) {
	ops := []pwOperand{{"hNew", 1}, {"h", 1}, {"inputGates", 3}, {"hiddenGates", 3}}
	if withCache {
		ops = append(ops, pwOperand{"cache", 4})
	}
	name := cacheName("gruForward", withCache)
	pointwise(fl, name, []string{"hNew", "h", "inputGates", "hiddenGates", "cache"},
		name+" is one GRU (reset-after) pointwise step over batch rows of hidden units.", ops, true,
		func(k *pw) {
			n := k.result(func() V {
				xn := k.result(func() V {
					r := k.sigmoidSum("inputGates", "hiddenGates", 0)
					if withCache {
						k.store("cache", 0, r)
					}
					hn := k.load("hiddenGates", 2)
					if withCache {
						k.store("cache", 3, hn)
					}
					xn := k.load("inputGates", 2)
					k.fmlaTo(xn, r, hn) // r·hn + xn
					return xn
				})
				return k.tanh(xn)
			})
			if withCache {
				k.store("cache", 2, n)
			}
			z := k.sigmoidSum("inputGates", "hiddenGates", 1)
			if withCache {
				k.store("cache", 1, z)
			}
			h := k.load("h", 0)
			k.store("hNew", 0, k.blend(z, h, n))
		})
}

func gruBackward(fl *file) {
	params := []string{"dInputGates", "dHiddenGates", "dhPrev", "cache", "h", "dh"}
	ops := []pwOperand{{"dInputGates", 3}, {"dHiddenGates", 3}, {"dhPrev", 1}, {"cache", 4}, {"h", 1}, {"dh", 1}}
	pointwise(fl, "gruBackwardSIMD", params,
		"gruBackwardSIMD is one GRU (reset-after) pointwise backward step over batch rows of hidden units.", ops, true,
		func(k *pw) {
			dh := k.load("dh", 0)
			z := k.load("cache", 1)
			n := k.load("cache", 2)
			omz := k.oneMinus(z)
			omn2 := k.oneMinusSquare(n)
			// dz = ((dh·(h − n))·z)·(1 − z)
			dz := k.load("h", 0)
			k.word(FSUB(S4, dz, dz, n))
			k.release(n)
			k.mulIn(dz, dh)
			k.mulIn(dz, z)
			k.mulIn(dz, omz)
			k.store("dInputGates", 1, dz)
			k.store("dHiddenGates", 1, dz)
			k.release(dz)
			dhz := k.mul(dh, z)
			k.store("dhPrev", 0, dhz)
			k.release(dhz, z)
			r := k.load("cache", 0)
			// dr = ((((dh·hn)·(1−z))·(1−n²))·r)·(1−r)
			hn := k.load("cache", 3)
			dr := k.mul(dh, hn)
			k.release(hn)
			k.mulIn(dr, omz)
			k.mulIn(dr, omn2)
			k.mulIn(dr, r)
			omr := k.oneMinus(r)
			k.mulIn(dr, omr)
			k.store("dInputGates", 0, dr)
			k.store("dHiddenGates", 0, dr)
			k.release(dr, omr)
			// dn = (dh·(1−z))·(1−n²)
			dn := k.mul(dh, omz)
			k.mulIn(dn, omn2)
			k.store("dInputGates", 2, dn)
			k.mulIn(dn, r)
			k.store("dHiddenGates", 2, dn)
		})
}

func gruResetBefore(fl *file) {
	pointwise(fl, "gruResetBeforeGatesSIMD", []string{"rh", "cache", "inputGates", "hiddenGates", "h"},
		"gruResetBeforeGatesSIMD computes r, z and r·h over batch rows of hidden units.",
		[]pwOperand{{"rh", 1}, {"cache", 3}, {"inputGates", 3}, {"hiddenGates", 2}, {"h", 1}}, true,
		func(k *pw) {
			k.scope(func() {
				r := k.sigmoidSum("inputGates", "hiddenGates", 0)
				k.store("cache", 0, r)
				h := k.load("h", 0)
				k.mulIn(h, r)
				k.store("rh", 0, h)
			})
			z := k.sigmoidSum("inputGates", "hiddenGates", 1)
			k.store("cache", 1, z)
		})
	pointwise(fl, "gruResetBeforeOutputSIMD", []string{"hNew", "cache", "h", "inputGates", "hn"},
		"gruResetBeforeOutputSIMD computes n and h' over batch rows of hidden units.",
		[]pwOperand{{"hNew", 1}, {"cache", 3}, {"h", 1}, {"inputGates", 3}, {"hn", 1}}, true,
		func(k *pw) {
			n := k.result(func() V {
				x := k.load("inputGates", 2)
				k.word(FADD(S4, x, x, k.load("hn", 0)))
				return k.tanh(x)
			})
			k.store("cache", 2, n)
			z := k.load("cache", 1)
			h := k.load("h", 0)
			k.store("hNew", 0, k.blend(z, h, n))
		})
	pointwise(fl, "gruResetBeforeBackwardOutputSIMD", []string{"dGates", "dhPrev", "cache", "h", "dh"},
		"gruResetBeforeBackwardOutputSIMD computes dz, dn and dh·z over batch rows of hidden units.",
		[]pwOperand{{"dGates", 3}, {"dhPrev", 1}, {"cache", 3}, {"h", 1}, {"dh", 1}}, true,
		func(k *pw) {
			dh := k.load("dh", 0)
			z := k.load("cache", 1)
			n := k.load("cache", 2)
			omz := k.oneMinus(z)
			dz := k.load("h", 0)
			k.word(FSUB(S4, dz, dz, n))
			k.mulIn(dz, dh)
			k.mulIn(dz, z)
			k.mulIn(dz, omz)
			k.store("dGates", 1, dz)
			dn := k.mul(dh, omz)
			omn2 := k.oneMinusSquare(n)
			k.mulIn(dn, omn2)
			k.store("dGates", 2, dn)
			k.mulIn(dh, z)
			k.store("dhPrev", 0, dh)
		})
	pointwise(fl, "gruResetBeforeBackwardGatesSIMD", []string{"dGates", "dhPrev", "cache", "h", "drh"},
		"gruResetBeforeBackwardGatesSIMD computes dr and adds drh·r to dhPrev over batch rows of hidden units.",
		[]pwOperand{{"dGates", 3}, {"dhPrev", 1}, {"cache", 3}, {"h", 1}, {"drh", 1}}, true,
		func(k *pw) {
			drh := k.load("drh", 0)
			r := k.load("cache", 0)
			h := k.load("h", 0)
			dr := k.mul(drh, h)
			k.mulIn(dr, r)
			omr := k.oneMinus(r)
			k.mulIn(dr, omr)
			k.store("dGates", 0, dr)
			dhp := k.load("dhPrev", 0)
			k.fmlaTo(dhp, r, drh)
			k.store("dhPrev", 0, dhp)
		})
}
