package main

import (
	"fmt"
	"strings"
)

// This file emits the NEON activation and fused pointwise kernels (the
// per-element code is in activation.go). Every kernel is one pass over batch
// rows of hidden units; its body is written once against load and store
// callbacks and emitted twice: for whole vectors of four units (VLD1/VST1 of
// one register) and for the tail one unit at a time (FMOVS into lane 0, which
// clears the other lanes: zeros, which every body maps to finite values and
// which are never stored). Nothing is read or written past the slices.
//
// Register use: R0–R9 the operand pointers, R10 hidden, R11–R13 hidden·4,
// ·8 and ·12 bytes, R14 the rows left, R15 the units left in the row, R16
// an address scratch, R17 the constant scratch; vector registers as in
// activation.go.

// pwOperand is one slice argument of a pointwise kernel: blocks is its row
// length in units of the hidden size (1 for B×H, 4 for the LSTM's B×4H).
type pwOperand struct {
	param  string
	blocks int
}

// pw is a pointwise kernel under construction.
type pw struct {
	*kernel
	vector bool
	ptr    map[string]R
	hb     [4]R // hb[b]: b·hidden·4 bytes, b = 1, 2, 3
}

const (
	pwHidden = R(10)
	pwRows   = R(14)
	pwLeft   = R(15)
	pwAddr   = R(16)
	pwConst  = R(17)
)

// addr returns the address operand of block of param at the current unit.
func (k *pw) addr(param string, block int) string {
	p, ok := k.ptr[param]
	if !ok {
		panic("no operand " + param)
	}
	if block == 0 {
		return fmt.Sprintf("(%v)", p)
	}
	k.op("ADD %v, %v, %v", k.hb[block], p, pwAddr)
	return fmt.Sprintf("(%v)", pwAddr)
}

// load returns block of param at the current unit in a new register: four
// lanes, or one in lane 0 with zeros above.
func (k *pw) load(param string, block int) V {
	v := k.alloc()
	a := k.addr(param, block)
	if k.vector {
		k.op("VLD1 %s, [%s]", a, v.S4())
	} else {
		k.op("FMOVS %s, %s", a, v.F())
	}
	return v
}

// store writes v to block of param at the current unit.
func (k *pw) store(param string, block int, v V) {
	a := k.addr(param, block)
	if k.vector {
		k.op("VST1 [%s], %s", v.S4(), a)
	} else {
		k.op("FMOVS %s, %s", v.F(), a)
	}
}

// pointwise emits one kernel whose Go parameters are the operands' slices
// in the order of params, then hidden and batch: for each of batch rows,
// body runs for units 0 … hidden−1 of every operand. hidden, batch ≥ 1.
// consts says whether the body uses the activation constants.
func pointwise(fl *file, name string, params []string, doc string, ops []pwOperand, consts bool, body func(k *pw)) {
	sig := "(" + strings.Join(params, ", ") + " []float32, hidden, batch int)"
	f := fl.text(name, sig, doc)
	k := &pw{kernel: &kernel{function: f}, ptr: map[string]R{}}
	k.op("MOVD %s, %v", k.arg("hidden"), pwHidden)
	maxBlocks := 1
	for i, op := range ops {
		maxBlocks = max(maxBlocks, op.blocks)
		k.ptr[op.param] = R(i)
		k.op("MOVD %s, %v", k.arg(op.param+"_base"), R(i))
	}
	if maxBlocks > 1 {
		k.hb[1] = R(11)
		k.op("LSL $2, %v, %v", pwHidden, k.hb[1])
	}
	if maxBlocks > 2 {
		k.hb[2] = R(12)
		k.op("ADD %v, %v, %v", k.hb[1], k.hb[1], k.hb[2])
	}
	if maxBlocks > 3 {
		k.hb[3] = R(13)
		k.op("ADD %v, %v, %v", k.hb[1], k.hb[2], k.hb[3])
	}
	k.op("MOVD %s, %v", k.arg("batch"), pwRows)
	if consts {
		k.loadConsts(pwConst)
	}

	k.label(name + "_row")
	k.op("MOVD %v, %v", pwHidden, pwLeft)
	k.label(name + "_vectors")
	k.op("CMP $%d, %v", vecFloats, pwLeft)
	k.op("BLT %s_tail", name)
	k.vector = true
	body(k)
	k.check()
	for _, op := range ops {
		k.op("ADD $%d, %v", vecBytes, k.ptr[op.param])
	}
	k.op("SUB $%d, %v", vecFloats, pwLeft)
	k.op("B %s_vectors", name)

	k.label(name + "_tail")
	k.op("CBZ %v, %s_next", pwLeft, name)
	k.vector = false
	body(k)
	k.check()
	for _, op := range ops {
		k.op("ADD $4, %v", k.ptr[op.param])
	}
	k.op("SUB $1, %v", pwLeft)
	k.op("B %s_tail", name)

	// The pointers stand at the end of block 0 of the row: skip the others.
	k.label(name + "_next")
	for _, op := range ops {
		if op.blocks > 1 {
			k.op("ADD %v, %v", k.hb[op.blocks-1], k.ptr[op.param])
		}
	}
	k.op("SUB $1, %v", pwRows)
	k.op("CBNZ %v, %s_row", pwRows, name)
	k.op("RET")
}

// check panics if the body left registers taken.
func (k *pw) check() {
	if k.used != 0 {
		panic(fmt.Sprintf("%s: body leaves registers %#x taken", k.name, k.used))
	}
}

// activationKernels emits the activation and fused pointwise kernels.
func activationKernels(fl *file) {
	flat := []pwOperand{{"dst", 1}, {"x", 1}}
	pointwise(fl, "sigmoidSIMD", []string{"dst", "x"},
		"sigmoidSIMD sets dst[i] = σ(x[i]) for i < hidden·batch.", flat, true,
		func(k *pw) {
			x := k.load("x", 0)
			s := k.sigmoid(x)
			k.store("dst", 0, s)
			k.release(x, s)
		})
	pointwise(fl, "tanhSIMD", []string{"dst", "x"},
		"tanhSIMD sets dst[i] = tanh(x[i]) for i < hidden·batch.", flat, true,
		func(k *pw) {
			x := k.load("x", 0)
			y := k.tanh(x)
			k.store("dst", 0, y)
			k.release(x, y)
		})
	lstmForwardNEON(fl, false)
	lstmForwardNEON(fl, true)
	lstmBackwardNEON(fl)
	rnnKernels(fl)
	gruForwardNEON(fl, false)
	gruForwardNEON(fl, true)
	gruBackwardNEON(fl)
	gruResetBeforeNEON(fl)
}

func cacheName(base string, withCache bool) string {
	if withCache {
		return base + "CacheSIMD"
	}
	return base + "SIMD"
}

func lstmForwardNEON(fl *file, withCache bool) {
	ops := []pwOperand{{"h", 1}, {"c", 1}, {"gates", 4}}
	if withCache {
		ops = append(ops, pwOperand{"cache", 4})
	}
	name := cacheName("lstmForward", withCache)
	pointwise(fl, name, []string{"h", "c", "gates", "cache"},
		name+" is one LSTM pointwise step over batch rows of hidden units.", ops, true,
		func(k *pw) {
			act := func(block int, f func(V) V) V {
				x := k.load("gates", block)
				v := f(x)
				k.release(x)
				if withCache {
					k.store("cache", block, v)
				}
				return v
			}
			i := act(0, k.sigmoid)
			g := act(2, k.tanh)
			ig := k.mul(i, g)
			k.release(i, g)
			f := act(1, k.sigmoid)
			c := k.load("c", 0)
			k.fmlaTo(ig, f, c) // c' = f·c + i·g
			k.release(f, c)
			c = ig
			k.store("c", 0, c)
			o := act(3, k.sigmoid)
			tc := k.tanh(c)
			k.mulIn(tc, o)
			k.store("h", 0, tc)
			k.release(c, o, tc)
		})
}

func lstmBackwardNEON(fl *file) {
	params := []string{"dgates", "dcPrev", "cache", "cPrev", "c", "dh", "dc"}
	ops := []pwOperand{{"dgates", 4}, {"dcPrev", 1}, {"cache", 4}, {"cPrev", 1}, {"c", 1}, {"dh", 1}, {"dc", 1}}
	pointwise(fl, "lstmBackwardSIMD", params,
		"lstmBackwardSIMD is one LSTM pointwise backward step over batch rows of hidden units.", ops, true,
		func(k *pw) {
			c := k.load("c", 0)
			th := k.tanh(c)
			k.release(c)
			dh := k.load("dh", 0)
			o := k.load("cache", 3)
			dc := k.load("dc", 0)
			omt := k.oneMinusSquare(th)
			dho := k.mul(dh, o)
			k.fmlaTo(dc, omt, dho) // dc += dh·o·(1 − th²)
			k.release(omt, dho)
			do := k.mul(dh, th)
			k.mulIn(do, o)
			omo := k.oneMinus(o)
			k.mulIn(do, omo)
			k.store("dgates", 3, do)
			k.release(th, dh, o, do, omo)
			i := k.load("cache", 0)
			g := k.load("cache", 2)
			di := k.mul(dc, g)
			k.mulIn(di, i)
			omi := k.oneMinus(i)
			k.mulIn(di, omi)
			k.store("dgates", 0, di)
			k.release(di, omi)
			dg := k.mul(dc, i)
			omg := k.oneMinusSquare(g)
			k.mulIn(dg, omg)
			k.store("dgates", 2, dg)
			k.release(i, g, dg, omg)
			f := k.load("cache", 1)
			cp := k.load("cPrev", 0)
			df := k.mul(dc, cp)
			k.mulIn(df, f)
			omf := k.oneMinus(f)
			k.mulIn(df, omf)
			k.store("dgates", 1, df)
			k.mulIn(dc, f)
			k.store("dcPrev", 0, dc)
			k.release(f, cp, df, omf, dc)
		})
}

func rnnKernels(fl *file) {
	pointwise(fl, "reluSIMD", []string{"dst", "x"},
		"reluSIMD sets dst[i] = max(x[i], +0), NaN kept, for i < hidden·batch.",
		[]pwOperand{{"dst", 1}, {"x", 1}}, false,
		func(k *pw) {
			x := k.load("x", 0)
			zero := k.alloc()
			k.zero(zero)
			k.word(FMAX(S4, x, x, zero)) // NaN stays NaN; max(−0, +0) = +0
			k.store("dst", 0, x)
			k.release(x, zero)
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
			k.release(h, t, dh)
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
			k.release(h, dh)
		})
}

// sigmoidSum returns σ(a + b) for a block of two operands.
func (k *pw) sigmoidSum(a, b string, block int) V {
	x := k.load(a, block)
	y := k.load(b, block)
	k.word(FADD(S4, x, x, y))
	s := k.sigmoid(x)
	k.release(x, y)
	return s
}

// blend returns n + z·(h − n) in n's register.
func (k *pw) blend(z, h, n V) V {
	d := k.alloc()
	k.word(FSUB(S4, d, h, n))
	k.fmlaTo(n, z, d)
	k.release(d)
	return n
}

func gruForwardNEON(fl *file, withCache bool) {
	ops := []pwOperand{{"hNew", 1}, {"h", 1}, {"inputGates", 3}, {"hiddenGates", 3}}
	if withCache {
		ops = append(ops, pwOperand{"cache", 4})
	}
	name := cacheName("gruForward", withCache)
	pointwise(fl, name, []string{"hNew", "h", "inputGates", "hiddenGates", "cache"},
		name+" is one GRU (reset-after) pointwise step over batch rows of hidden units.", ops, true,
		func(k *pw) {
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
			k.release(r, hn)
			n := k.tanh(xn)
			k.release(xn)
			if withCache {
				k.store("cache", 2, n)
			}
			z := k.sigmoidSum("inputGates", "hiddenGates", 1)
			if withCache {
				k.store("cache", 1, z)
			}
			h := k.load("h", 0)
			k.store("hNew", 0, k.blend(z, h, n))
			k.release(z, h, n)
		})
}

func gruBackwardNEON(fl *file) {
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
			k.release(dh, omz, omn2, r, dn)
		})
}

func gruResetBeforeNEON(fl *file) {
	pointwise(fl, "gruResetBeforeGatesSIMD", []string{"rh", "cache", "inputGates", "hiddenGates", "h"},
		"gruResetBeforeGatesSIMD computes r, z and r·h over batch rows of hidden units.",
		[]pwOperand{{"rh", 1}, {"cache", 3}, {"inputGates", 3}, {"hiddenGates", 2}, {"h", 1}}, true,
		func(k *pw) {
			r := k.sigmoidSum("inputGates", "hiddenGates", 0)
			k.store("cache", 0, r)
			h := k.load("h", 0)
			k.mulIn(h, r)
			k.store("rh", 0, h)
			k.release(r, h)
			z := k.sigmoidSum("inputGates", "hiddenGates", 1)
			k.store("cache", 1, z)
			k.release(z)
		})
	pointwise(fl, "gruResetBeforeOutputSIMD", []string{"hNew", "cache", "h", "inputGates", "hn"},
		"gruResetBeforeOutputSIMD computes n and h' over batch rows of hidden units.",
		[]pwOperand{{"hNew", 1}, {"cache", 3}, {"h", 1}, {"inputGates", 3}, {"hn", 1}}, true,
		func(k *pw) {
			x := k.load("inputGates", 2)
			hn := k.load("hn", 0)
			k.word(FADD(S4, x, x, hn))
			n := k.tanh(x)
			k.release(x, hn)
			k.store("cache", 2, n)
			z := k.load("cache", 1)
			h := k.load("h", 0)
			k.store("hNew", 0, k.blend(z, h, n))
			k.release(z, h, n)
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
			k.release(dh, z, n, omz, dz, dn, omn2)
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
			k.release(drh, r, h, dr, omr, dhp)
		})
}
