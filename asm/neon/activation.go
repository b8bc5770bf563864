package main

import (
	"fmt"
	"github.com/simdrnn/simdrnn/asm/internal/actconst"
)

// This file emits the activations σ and tanh as straight-line NEON code on
// one register of four lanes; pointwise.go wraps them in the loops of the
// activation and fused LSTM, GRU and RNN kernels. The algorithms are those of
// ../avx2/activation.go, instruction for instruction where NEON has the same
// operation (k comes from FRINTN of the rounded t·log₂e, where AVX2 adds
// 1.5·2²³ in an FMA; the two differ only when that rounding crosses a tie,
// and either k gives a result within the bound):
//
//	exp core, 0 ≤ t ≤ 208:  k = round(t·log₂e) (FRINTN, ties to even);
//	    r = (k·C1 − t) + k·C2 with C1 = 0.693359375 (k·C1 and the first
//	    difference are exact) and C1 + C2 = ln 2; p = expm1(r) = r + r²·P(r),
//	    P of degree 4 (a minimax fit, asm/internal/actconst) by Estrin's
//	    scheme; exp(−t) = 2⁻ᵏ(1 + p).
//	exp(−t) for σ: 2⁻ᵏ applied as 2^−⌊k/2⌋ · 2^−⌈k/2⌉ through the exponent
//	    bits so a subnormal result is rounded once.
//	num/(1+e), 0 ≤ e ≤ 1:  q = 1+e, s = num/q (FDIV), then one correction
//	    s += (fma(−s, q, num) − s·((1−q)+e))·rcp(q), rcp the 8-bit FRECPE
//	    estimate, which removes the rounding errors of q and of the division.
//	σ(x) = e/(1+e) for x < 0, 1/(1+e) otherwise, e = exp(−min(|x|, 104)).
//	tanh(x) = ±(1 − e)/(1 + e), e = exp(−2·min(|x|, 10)), with 1 − e from
//	    p by one FMA, 1 + e as 2 − (1 − e), and both rounding errors carried
//	    into the division's correction (tanh).
//
// NEON's FMIN returns NaN when either operand is NaN, so the clamps pass a
// NaN on; every later operation keeps it (FCVTZS turns it into the harmless
// exponent step 0). Linux runs with FPCR.FZ clear: subnormals are kept.
//
// The constants are pinned in the top vector registers (V18–V31) for the
// whole kernel (loaded once per call with MOVW and VDUP: the generator has
// no data section); the temporaries come from the bottom of the function's
// register file (alloc.go), V0–V17.

// actConstOrder fixes the order of the constants' registers.
var actConstOrder = []string{
	"sigmoidClamp",
	"log2e",
	"c1",
	"c2",
	"p0",
	"p1",
	"p2",
	"p3",
	"p4",
	"one",
	"two",
	"bias",
	"tanhClamp",
	"absmask",
}

// kernel is a function under construction with the registers of its
// activation constants.
type kernel struct {
	*function
	consts map[string]V
}

// constReg returns the register of the named constant.
func (k *kernel) constReg(name string) V {
	r, ok := k.consts[name]
	if !ok {
		panic(fmt.Sprintf("%s: no constant %s loaded", k.name, name))
	}
	return r
}

// loadConsts pins the constants in the top vector registers for the rest
// of the function and broadcasts each into its register.
func (k *kernel) loadConsts() {
	regs := k.vecRunTop(len(actConstOrder))
	k.consts = map[string]V{}
	k.comment("activation constants")
	k.scope(func() {
		gp := k.gp()
		for i, name := range actConstOrder {
			r := regs[i]
			k.consts[name] = r
			k.op("MOVW $0x%08x, %v", actconst.Bits[name], gp)
			k.op("VDUP %v, %s // %s", gp, r.S4(), name)
		}
	})
}

// mov copies src to a new temporary.
func (k *kernel) mov(src V) V {
	d := k.vec()
	k.op("VMOV V%d.B16, V%d.B16", int(src), int(d))
	return d
}

// fmlaTo emits acc += a·b, fused.
func (k *kernel) fmlaTo(acc, a, b V) { k.fmla(acc, a, b) }

// fmls emits acc −= a·b, fused (VFMLS Vm, Vn, Vd is fmls vd, vn, vm).
func (k *kernel) fmls(acc, a, b V) {
	k.op("VFMLS %s, %s, %s", b.S4(), a.S4(), acc.S4())
}

// bsl emits mask = mask ? a : b bit by bit (bsl vd, vn, vm with d the mask).
func (k *kernel) bsl(mask, a, b V) {
	k.op("VBSL V%d.B16, V%d.B16, V%d.B16", int(b), int(a), int(mask))
}

// expNeg returns exp(−t) lane by lane for t in [0, 208] in t's register
// (t is consumed); its temporaries are free again when it returns.
func (k *kernel) expNeg(t V) V { return k.result(func() V { return k.expNegIn(t) }) }

func (k *kernel) expNegIn(t V) V {
	kk, r := k.expm1Core(t)
	k.word(FADD(S4, r, r, k.constReg("one")))
	// 2⁻ᵏ in two steps: 2^−⌊k/2⌋ then 2^−(k−⌊k/2⌋), as exponent bits.
	k.word(FCVTZS(S4, kk, kk))
	k1 := k.vec()
	k.op("VUSHR $1, %s, %s", kk.S4(), k1.S4())
	k.op("VSUB %s, %s, %s", k1.S4(), kk.S4(), kk.S4())                 // kk = k − ⌊k/2⌋
	k.op("VSUB %s, %s, %s", k1.S4(), k.constReg("bias").S4(), k1.S4()) // 127 − ⌊k/2⌋
	k.op("VSUB %s, %s, %s", kk.S4(), k.constReg("bias").S4(), kk.S4()) // 127 − ⌈k/2⌉
	k.op("VSHL $23, %s, %s", k1.S4(), k1.S4())
	k.op("VSHL $23, %s, %s", kk.S4(), kk.S4())
	k.word(FMUL(S4, r, r, k1))
	k.word(FMUL(S4, r, r, kk))
	return r
}

// expm1Core returns k = round(t·log₂e) (a float) and p = expm1(r), r =
// k·ln 2 − t, lane by lane for t in [0, 208], so that exp(−t) = 2⁻ᵏ(1 + p):
// k in a new register, p in t's (t is consumed).
func (k *kernel) expm1Core(t V) (kk, r V) {
	k.scope(func() { kk, r = k.expm1CoreIn(t) })
	return kk, r
}

func (k *kernel) expm1CoreIn(t V) (V, V) {
	kk := k.vec()
	k.keep(kk)
	k.word(FMUL(S4, kk, t, k.constReg("log2e")))
	k.word(FRINTN(S4, kk, kk)) // k, to nearest even
	r := t
	k.word(FNEG(S4, r, t))
	k.fmlaTo(r, kk, k.constReg("c1")) // r = k·C1 − t, exact
	k.fmlaTo(r, kk, k.constReg("c2")) // r += k·C2
	// Estrin's scheme: (p0 + p1·r) + r²·((p2 + p3·r) + r²·p4), three FMAs
	// deep instead of four.
	r2 := k.vec()
	k.word(FMUL(S4, r2, r, r))
	y := k.mov(k.constReg("p0"))
	k.fmlaTo(y, r, k.constReg("p1")) // y = p0 + p1·r
	b := k.mov(k.constReg("p2"))
	k.fmlaTo(b, r, k.constReg("p3"))  // b = p2 + p3·r
	k.fmlaTo(b, r2, k.constReg("p4")) // b += p4·r²
	k.fmlaTo(y, r2, b)                // y += b·r²
	k.fmlaTo(r, r2, y)                // r = y·r² + r
	return kk, r
}

// divOnePlus returns num/(1+e) for e in [0, 1] in a new register, with the
// rounding errors of 1+e and of the division corrected; it releases num and
// keeps e.
func (k *kernel) divOnePlus(num, e V) V { return k.result(func() V { return k.divOnePlusIn(num, e) }) }

func (k *kernel) divOnePlusIn(num, e V) V {
	one := k.constReg("one")
	q := k.vec()
	k.word(FADD(S4, q, e, one))
	s := k.vec()
	k.word(FDIV(S4, s, num, q))
	eq := k.vec()
	k.word(FSUB(S4, eq, one, q))
	k.word(FADD(S4, eq, eq, e)) // eq = (1 − q) + e, the rounding error of q
	res := num
	k.fmls(res, s, q)  // res = num − s·q, exact
	k.fmls(res, s, eq) // res −= s·eq
	k.word(FRECPE(S4, eq, q))
	k.fmlaTo(s, res, eq) // s += res/q
	k.release(res)
	return s
}

// sigmoid returns σ(x) in a new register; x is kept.
func (k *kernel) sigmoid(x V) V { return k.result(func() V { return k.sigmoidIn(x) }) }

func (k *kernel) sigmoidIn(x V) V {
	t := k.vec()
	k.word(FABS(S4, t, x))
	k.word(FMIN(S4, t, t, k.constReg("sigmoidClamp"))) // NaN stays NaN
	e := k.expNeg(t)
	num := k.vec()
	k.word(FCMLT0(S4, num, x))       // x < 0 (−0 takes 1/(1+e), the same 0.5)
	k.bsl(num, e, k.constReg("one")) // x < 0 ? e : 1
	return k.divOnePlus(num, e)
}

// tanh returns tanh(x) in a new register; x is kept. As AVX2's tanhVecs:
// (1 − e)/(1 + e) with m = 1 − e = (1 − 2⁻ᵏ) − 2⁻ᵏp rounded once (2⁻ᵏ,
// k ≤ 29, built in the exponent bits) and its rounding error dm recovered
// exactly; the denominator q = 2 − m rounded once, with eq = ((2 − q) − m)
// − dm what it misses; and y = m/q corrected by res·rcp(q), res =
// (m − y·q) + (dm − y·eq).
func (k *kernel) tanh(x V) V { return k.result(func() V { return k.tanhIn(x) }) }

func (k *kernel) tanhIn(x V) V {
	one, two := k.constReg("one"), k.constReg("two")
	t := k.vec()
	k.word(FABS(S4, t, x))
	k.word(FMIN(S4, t, t, k.constReg("tanhClamp"))) // NaN stays NaN
	k.word(FADD(S4, t, t, t))
	kk, p := k.expm1Core(t)
	k.word(FCVTZS(S4, kk, kk))
	k.op("VSHL $23, %s, %s", kk.S4(), kk.S4())
	scale := kk
	k.op("VSUB %s, %s, %s", kk.S4(), one.S4(), scale.S4()) // 2⁻ᵏ: 1.0 less k in the exponent
	m := k.vec()
	k.word(FSUB(S4, m, one, scale)) // 1 − 2⁻ᵏ, exact
	dm := k.mov(m)
	k.fmls(m, scale, p) // m = (1 − 2⁻ᵏ) − 2⁻ᵏp
	k.word(FSUB(S4, dm, dm, m))
	k.fmls(dm, scale, p) // dm
	k.release(scale, p)
	q := k.vec()
	k.word(FSUB(S4, q, two, m)) // q = 2 − m
	y := k.vec()
	k.word(FDIV(S4, y, m, q))
	eq := k.vec()
	k.word(FSUB(S4, eq, two, q)) // 2 − q, exact
	k.word(FSUB(S4, eq, eq, m))  // − m, exact
	k.word(FSUB(S4, eq, eq, dm)) // eq
	k.fmls(dm, y, eq)            // dm − y·eq
	k.fmls(m, y, q)              // m − y·q, exact
	k.word(FADD(S4, m, m, dm))
	k.word(FRECPE(S4, q, q))
	k.fmlaTo(y, m, q) // y += res·rcp(q)
	// The sign of x, also for ±0.
	k.op("VBIF V%d.B16, V%d.B16, V%d.B16", int(k.constReg("absmask")), int(x), int(y))
	return y
}

// oneMinus returns 1 − v in a new register.
func (k *kernel) oneMinus(v V) V {
	r := k.vec()
	k.word(FSUB(S4, r, k.constReg("one"), v))
	return r
}

// oneMinusSquare returns 1 − v², rounded once, in a new register.
func (k *kernel) oneMinusSquare(v V) V {
	r := k.mov(k.constReg("one"))
	k.fmls(r, v, v)
	return r
}

// mul returns a·b in a new register.
func (k *kernel) mul(a, b V) V {
	r := k.vec()
	k.word(FMUL(S4, r, a, b))
	return r
}

// mulIn sets a = a·b.
func (k *kernel) mulIn(a, b V) { k.word(FMUL(S4, a, a, b)) }

// activationKernels emits the flat activations σ and tanh.
func activationKernels(fl *file) {
	flat := []pwOperand{{"dst", 1}, {"x", 1}}
	pointwise(fl, "sigmoidSIMD", []string{"dst", "x"},
		"sigmoidSIMD sets dst[i] = σ(x[i]) for i < hidden·batch.", flat, true,
		func(k *pw) {
			x := k.load("x", 0)
			s := k.sigmoid(x)
			k.store("dst", 0, s)
		})
	pointwise(fl, "tanhSIMD", []string{"dst", "x"},
		"tanhSIMD sets dst[i] = tanh(x[i]) for i < hidden·batch.", flat, true,
		func(k *pw) {
			x := k.load("x", 0)
			y := k.tanh(x)
			k.store("dst", 0, y)
		})
}
