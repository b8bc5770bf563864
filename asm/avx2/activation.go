package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// This file emits the activations σ and tanh (Sigmoid, Tanh) and holds the
// vector math that the fused pointwise and step kernels share.
//
// The algorithms, in float32 with FMA (σ is kernels/activation.go's; tanh
// is one formula over the whole range, unlike the generic level's split
// form, because the LSTM and GRU steps spend much of their non-product time
// in it; asm/neon emits the same algorithms):
//
//	exp core, 0 ≤ t ≤ 208:  k = round(t·log₂e) to nearest even, as the low
//	    bits of t·log₂e + 1.5·2²³; r = (k·C1 − t) + k·C2 with
//	    C1 = 0.693359375 (k·C1 and the first difference are exact) and
//	    C1 + C2 = ln 2; p = expm1(r) = r + r²·P(r), P of degree 5 (Cephes
//	    expf) evaluated by Estrin's scheme; exp(−t) = 2⁻ᵏ(1 + p).
//	exp(−t) for σ: 2⁻ᵏ applied as 2⁶⁴⁻ᵏ · 2⁻⁶⁴ so that a subnormal result
//	    is rounded once.
//	num/(1+e), 0 ≤ e ≤ 1:  q = 1+e, s = num/q, then one correction
//	    s += (fma(−s, q, num) − s·((1−q)+e))·rcp(q), which removes the
//	    rounding errors of q and of the division.
//	σ(x) = e/(1+e) for x < 0, 1/(1+e) otherwise, e = exp(−min(|x|, 104)).
//	tanh(x) = ±(1 − e)/(1 + e), e = exp(−2·min(|x|, 10)), with 1 − e and e
//	    each from p by one FMA and their rounding errors carried into the
//	    division's correction (tanhVec).
//
// The clamps are VMINPS with the argument as the second source, so a NaN
// passes through them and through every later operation.

// expm1Core returns kb and p for t in [0, 208]: kb = t·log₂e + 1.5·2²³
// rounded once, so that kb − 1.5·2²³ is the integer k = round(t·log₂e)
// (to nearest even) and kb's bits are those of 1.5·2²³ plus k (whose low
// nine bits are zero, so kb's bits shifted left by 23 are k·2²³); and
// p = expm1(r) = exp(r) − 1 for the reduced argument r = k·ln 2 − t, so
// that exp(−t) = 2⁻ᵏ·(1 + p). NaN gives NaN in p.
func expm1Core(t VecVirtual) (kb, p VecVirtual) {
	kb = kreg("shifter")
	VFMADD231PS(constMem("log2e"), t, kb)
	k := YMM()
	VSUBPS(constMem("shifter"), kb, k) // k, exact
	r := YMM()
	VMOVAPS(t, r)
	VFMSUB231PS(constMem("c1"), k, r) // r = k·C1 − t, exact
	VFMADD231PS(constMem("c2"), k, r) // r += k·C2
	// Estrin's scheme: ((p0·r + p1)·r² + (p2·r + p3))·r² + (p4·r + p5),
	// three FMAs deep instead of five.
	r2 := YMM()
	VMULPS(r, r, r2)
	y := kreg("p0")
	VFMADD213PS(constMem("p1"), r, y)
	b := kreg("p2")
	VFMADD213PS(constMem("p3"), r, b)
	VFMADD213PS(b, r2, y)
	c := kreg("p4")
	VFMADD213PS(constMem("p5"), r, c)
	VFMADD213PS(c, r2, y)
	VFMADD213PS(r, r2, y) // p = y·r² + r
	return kb, y
}

// expNegScale returns exp(−t) = 2⁻ᵏ(1 + p) from expm1Core's results for
// t in [0, 208] (NaN gives NaN).
func expNegScale(kb, p VecVirtual) VecVirtual {
	// 2⁻ᵏ as 2⁶⁴⁻ᵏ · 2⁻⁶⁴ so that a subnormal result is rounded once:
	// 2⁶⁴⁻ᵏ (k ≤ 150, so a normal number) is built in the exponent bits,
	// 2⁶⁴⁻ᵏ + 2⁶⁴⁻ᵏ·p is 2⁶⁴⁻ᵏ·(1 + p) rounded once (a normal number),
	// and the product with 2⁻⁶⁴ rounds once more only if it is subnormal.
	ki := YMM()
	VPSLLD(U8(23), kb, ki) // k·2²³: the bits of 1.5·2²³ shift out
	s := YMM()
	VPSUBD(ki, kconst("two64"), s)
	VFMADD213PS(s, s, p)
	VMULPS(constMem("twoM64"), p, p)
	return p
}

// divOnePlus returns num/(1+e) for e in [0, 1], with the rounding errors of
// 1+e and of the division corrected; one must hold 1.0 in every lane.
func divOnePlus(num, e, one VecVirtual) VecVirtual {
	q := YMM()
	VADDPS(e, one, q)
	s := YMM()
	VDIVPS(q, num, s)
	eq := YMM()
	VSUBPS(q, one, eq)
	VADDPS(e, eq, eq) // eq = (1 − q) + e, the rounding error of q
	res := YMM()
	VMOVAPS(num, res)
	VFNMADD231PS(q, s, res)  // res = num − s·q, exact
	VFNMADD231PS(eq, s, res) // res −= s·eq
	rc := YMM()
	VRCPPS(q, rc)
	VFMADD231PS(rc, res, s) // s += res/q
	return s
}

// sigmoidVec returns σ(x).
func sigmoidVec(x VecVirtual) VecVirtual {
	Comment("σ(x) = e/(1+e) or 1/(1+e), e = exp(−min(|x|, 104))")
	t := YMM()
	VANDPS(constMem("absmask"), x, t)
	VMINPS(t, kconst("sigmoidClamp"), t) // NaN stays NaN
	e := expNegScale(expm1Core(t))
	one := kconst("one")
	num := YMM()
	VBLENDVPS(x, e, one, num) // x < 0 (sign bit set): e, else 1
	return divOnePlus(num, e, one)
}

// tanhVec returns tanh(x) as (1 − e)/(1 + e), e = exp(−2a), a = |x|
// clamped to 10, with neither part formed by a cancelling subtraction: one
// exp core gives k and p with e = 2⁻ᵏ(1 + p) (k ≤ 29, so 2⁻ᵏ is built
// exactly in the exponent bits); then m = 1 − e = (1 − 2⁻ᵏ) − 2⁻ᵏp and e =
// 2⁻ᵏ + 2⁻ᵏp each round once, and their rounding errors are recovered
// exactly (the difference before each last FMA is exact). The quotient
// y = m/q, q = 1 + e, is corrected by res/q with res = (m − y·q) +
// (dm − y·eq), eq = (1 − q) + e + de, so that it approximates
// (m + dm)/(1 + e + de); the two halves of res are formed side by side so
// that only the last add and FMA wait for both. The sign of x is restored
// last.
func tanhVec(x VecVirtual) VecVirtual {
	Comment("tanh(x) = ±(1−e)/(1+e), e = exp(−2·min(|x|, 10))")
	a := YMM()
	VANDPS(constMem("absmask"), x, a)
	t := YMM()
	VMINPS(a, kconst("tanhClamp"), t) // NaN stays NaN
	VADDPS(t, t, t)
	kb, p := expm1Core(t)
	one := kconst("one")
	ki := YMM()
	VPSLLD(U8(23), kb, ki) // k·2²³: the bits of 1.5·2²³ shift out
	scale := YMM()
	VPSUBD(ki, one, scale) // 2⁻ᵏ: the bits of 1.0 less k in the exponent
	m, dm := YMM(), YMM()
	VSUBPS(scale, one, m) // 1 − 2⁻ᵏ, exact
	VMOVAPS(m, dm)
	VFNMADD231PS(scale, p, m) // m = (1 − 2⁻ᵏ) − 2⁻ᵏp
	VSUBPS(m, dm, dm)
	VFNMADD231PS(scale, p, dm) // dm
	e, de := YMM(), YMM()
	VMOVAPS(scale, e)
	VFMADD231PS(scale, p, e) // e = 2⁻ᵏ + 2⁻ᵏp
	VSUBPS(e, scale, de)
	VFMADD231PS(scale, p, de) // de
	q, y := YMM(), YMM()
	VADDPS(e, one, q)
	VDIVPS(q, m, y)
	eq := YMM()
	VSUBPS(q, one, eq) // 1 − q, exact
	VADDPS(e, eq, eq)
	VADDPS(de, eq, eq)      // eq
	VFNMADD231PS(eq, y, dm) // dm − y·eq
	VFNMADD231PS(q, y, m)   // m − y·q, exact
	VADDPS(dm, m, m)        // res
	rc := YMM()
	VRCPPS(q, rc)
	VFMADD231PS(rc, m, y)
	sign := YMM()
	VANDPS(constMem("signmask"), x, sign)
	VORPS(sign, y, y)
	return y
}

// activationKernels emits the flat activations σ and tanh.
func activationKernels() {
	flat := []pwOperand{{"dst", 1}, {"x", 1}}
	pointwise("sigmoidSIMD", "func(dst, x []float32, hidden, batch int)",
		"sigmoidSIMD sets dst[i] = σ(x[i]) for i < hidden·batch.", flat,
		func(io *pwIO) { io.store("dst", 0, sigmoidVec(io.load("x", 0))) })
	pointwise("tanhSIMD", "func(dst, x []float32, hidden, batch int)",
		"tanhSIMD sets dst[i] = tanh(x[i]) for i < hidden·batch.", flat,
		func(io *pwIO) { io.store("dst", 0, tanhVec(io.load("x", 0))) })
}
