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
//	    C1 + C2 = ln 2; p = expm1(r) = r + r²·P(r), P of degree 4 (a
//	    minimax fit, asm/internal/actconst) evaluated by Estrin's scheme;
//	    exp(−t) = 2⁻ᵏ(1 + p).
//	exp(−t) for σ: 2⁻ᵏ applied as 2⁶⁴⁻ᵏ · 2⁻⁶⁴ so that a subnormal result
//	    is rounded once.
//	num/(1+e), 0 ≤ e ≤ 1:  q = 1+e, s = num/q, then one correction
//	    s += (fma(−s, q, num) − s·((1−q)+e))·rcp(q), which removes the
//	    rounding errors of q and of the division.
//	σ(x) = e/(1+e) for x < 0, 1/(1+e) otherwise, e = exp(−min(|x|, 104)).
//	tanh(x) = ±(1 − e)/(1 + e), e = exp(−2·min(|x|, 10)), with 1 − e from
//	    p by one FMA, 1 + e as 2 − (1 − e), and both rounding errors carried
//	    into the division's correction (tanhVecs).
//
// The clamps are VMINPS with the argument as the second source, so a NaN
// passes through them and through every later operation.

// The vector math below works on several independent vectors at once: each
// step is emitted for every vector before the next step, so that the long
// dependent chain of one vector overlaps those of the others instead of
// waiting in the scheduler (the flat kernels run two or more vectors per
// iteration; the fused kernels pass one).

// ymms returns n new YMM registers.
func ymms(n int) []VecVirtual {
	r := make([]VecVirtual, n)
	for i := range r {
		r[i] = YMM()
	}
	return r
}

// kregs returns n new registers, each holding the named constant (kreg).
func kregs(name string, n int) []VecVirtual {
	r := make([]VecVirtual, n)
	for i := range r {
		r[i] = kreg(name)
	}
	return r
}

// expConsts names the constants of one exp core: σ's works on t = |x|,
// tanh's on t/2 = |x| with every constant scaled by a power of two (so that
// the doubling costs no instruction and no rounding changes).
type expConsts struct {
	shifter  string    // S = 1.5·2²³ + the bias of the scale kb gives
	negLog2e string    // −log₂e, times 2 for tanh
	c1, c2   string    // C1, C2, halved for tanh
	p        [5]string // P's coefficients, p_i·2^(i+1) for tanh
}

var (
	sigmoidExp = expConsts{"sigmoidShifter", "negLog2e", "c1", "c2",
		[5]string{"p0", "p1", "p2", "p3", "p4"}}
	tanhExp = expConsts{"tanhShifter", "negTwoLog2e", "c1Half", "c2Half",
		[5]string{"t0", "t1", "t2", "t3", "t4"}}
)

// expm1Core returns kb and p for u in [0, 208] (σ) or [0, 104] (tanh),
// lane by lane of every vector, with t = u for σ and t = 2u for tanh: kb =
// S − t·log₂e rounded once, so that kb − S is −k for the integer k =
// round(t·log₂e) (to nearest even) and kb's bits are those of 1.5·2²³
// plus the bias less k (at most 511, so kb's bits shifted left by 23 are
// the float32 2^(bias−127−k)); and p = expm1(r) = exp(r) − 1 for the
// reduced argument r = k·ln 2 − t, so that exp(−t) = 2⁻ᵏ·(1 + p) (for
// tanh p/2 and r/2: every step on halved values, exactly). NaN gives NaN
// in p.
func expm1Core(t []VecVirtual, c expConsts) (kb, p []VecVirtual) {
	n := len(t)
	kb = kregs(c.shifter, n)
	for i := range n {
		VFMADD231PS(constMem(c.negLog2e), t[i], kb[i])
	}
	nk := ymms(n)
	for i := range n {
		VSUBPS(constMem(c.shifter), kb[i], nk[i]) // −k, exact
	}
	r := ymms(n)
	for i := range n {
		VMOVAPS(t[i], r[i])
		VFNMSUB231PS(constMem(c.c1), nk[i], r[i]) // r = k·C1 − t, exact
	}
	for i := range n {
		VFNMADD231PS(constMem(c.c2), nk[i], r[i]) // r += k·C2
	}
	// Estrin's scheme: (p0 + p1·r) + r²·((p2 + p3·r) + r²·p4), three FMAs
	// deep instead of four.
	r2 := ymms(n)
	for i := range n {
		VMULPS(r[i], r[i], r2[i])
	}
	y := kregs(c.p[1], n)
	for i := range n {
		VFMADD213PS(constMem(c.p[0]), r[i], y[i]) // y = p1·r + p0
	}
	b := kregs(c.p[3], n)
	for i := range n {
		VFMADD213PS(constMem(c.p[2]), r[i], b[i]) // b = p3·r + p2
	}
	for i := range n {
		VFMADD231PS(constMem(c.p[4]), r2[i], b[i]) // b += p4·r²
	}
	for i := range n {
		VFMADD231PS(b[i], r2[i], y[i]) // y += b·r²
	}
	for i := range n {
		VFMADD213PS(r[i], r2[i], y[i]) // p = y·r² + r
	}
	return kb, y
}

// expNegScale returns exp(−t) = 2⁻ᵏ(1 + p) from σ's expm1Core results for
// t in [0, 208] (NaN gives NaN).
func expNegScale(kb, p []VecVirtual) []VecVirtual {
	// 2⁻ᵏ as 2⁶⁴⁻ᵏ · 2⁻⁶⁴ so that a subnormal result is rounded once:
	// 2⁶⁴⁻ᵏ (k ≤ 150, so a normal number) is kb's low bits shifted into
	// the exponent, 2⁶⁴⁻ᵏ + 2⁶⁴⁻ᵏ·p is 2⁶⁴⁻ᵏ·(1 + p) rounded once (a
	// normal number), and the product with 2⁻⁶⁴ rounds once more only if
	// it is subnormal.
	n := len(kb)
	s := ymms(n)
	for i := range n {
		VPSLLD(U8(23), kb[i], s[i]) // 2⁶⁴⁻ᵏ: the bits of 1.5·2²³ shift out
	}
	for i := range n {
		VFMADD213PS(s[i], s[i], p[i])
	}
	for i := range n {
		VMULPS(constMem("twoM64"), p[i], p[i])
	}
	return p
}

// divOnePlus returns num/(1+e) for e in [0, 1], with the rounding errors of
// 1+e and of the division corrected; one must hold 1.0 in every lane.
func divOnePlus(num, e []VecVirtual, one VecVirtual) []VecVirtual {
	n := len(num)
	q := ymms(n)
	for i := range n {
		VADDPS(e[i], one, q[i])
	}
	s := ymms(n)
	for i := range n {
		VDIVPS(q[i], num[i], s[i])
	}
	eq := ymms(n)
	for i := range n {
		VSUBPS(q[i], one, eq[i])
		VADDPS(e[i], eq[i], eq[i]) // eq = (1 − q) + e, the rounding error of q
	}
	res := ymms(n)
	for i := range n {
		VMOVAPS(num[i], res[i])
		VFNMADD231PS(q[i], s[i], res[i]) // res = num − s·q, exact
	}
	for i := range n {
		VFNMADD231PS(eq[i], s[i], res[i]) // res −= s·eq
	}
	rc := ymms(n)
	for i := range n {
		VRCPPS(q[i], rc[i])
	}
	for i := range n {
		VFMADD231PS(rc[i], res[i], s[i]) // s += res/q
	}
	return s
}

// vecIn returns x as a register: x itself, or a new register loaded from x
// when it is memory. The flat activations pass their arguments as memory, so
// that each is loaded where it is used instead of occupying a register
// between its first and last use (which lets three vectors interleave in
// Y0–Y15).
func vecIn(x Op) VecVirtual {
	if v, ok := x.(VecVirtual); ok {
		return v
	}
	v := YMM()
	VMOVUPS(x, v)
	return v
}

// sigmoidVec returns σ(x).
func sigmoidVec(x VecVirtual) VecVirtual { return sigmoidVecs([]Op{x})[0] }

// sigmoidVecs returns σ of every vector of x (registers or memory, vecIn).
func sigmoidVecs(x []Op) []VecVirtual {
	Comment("σ(x) = e/(1+e) or 1/(1+e), e = exp(−min(|x|, 104))")
	n := len(x)
	t := ymms(n)
	for i := range n {
		VANDPS(constMem("absmask"), vecIn(x[i]), t[i])
		VMINPS(t[i], kconst("sigmoidClamp"), t[i]) // NaN stays NaN
	}
	e := expNegScale(expm1Core(t, sigmoidExp))
	one := kconst("one")
	num := ymms(n)
	for i := range n {
		VBLENDVPS(vecIn(x[i]), e[i], one, num[i]) // x < 0 (sign bit set): e, else 1
	}
	return divOnePlus(num, e, one)
}

// tanhVec returns tanh(x).
func tanhVec(x VecVirtual) VecVirtual { return tanhVecs([]Op{x})[0] }

// tanhVecs returns tanh of every vector of x (registers or memory, vecIn)
// as (1 − e)/(1 + e), e = exp(−2a), a = |x| clamped to 10, with the
// numerator not formed by a cancelling subtraction: one exp core gives k and
// p with e = 2⁻ᵏ(1 + p) (k ≤ 29, so 2⁻ᵏ is built exactly in the exponent
// bits); then m = 1 − e = (1 − 2⁻ᵏ) − 2⁻ᵏp rounds once and its rounding
// error dm is recovered exactly (the difference before the last FMA is
// exact). 1 − 2⁻ᵏ itself is exact for k ≤ 24; for k ≥ 25 (|x| > 8.49) it
// rounds to 1, so that numerator and denominator both miss 2⁻ᵏ ≤ 2⁻²⁵,
// at most one ULP of a result within 2⁻²³ of 1. The denominator is
// 1 + e = 2 − (m + dm): q = 2 − m rounds once, and eq = ((2 − q) − m) − dm
// is what q misses (both differences exact, Sterbenz). The quotient y = m/q
// is corrected by res/q with res = (m − y·q) + (dm − y·eq), so that it
// approximates (m + dm)/(q + eq); the two halves of res are formed side by
// side so that only the last add and FMA wait for both. The sign of x is
// restored last.
func tanhVecs(x []Op) []VecVirtual {
	Comment("tanh(x) = ±(1−e)/(1+e), e = exp(−2·min(|x|, 10))")
	n := len(x)
	t := ymms(n)
	for i := range n {
		a := YMM()
		VANDPS(constMem("absmask"), vecIn(x[i]), a)
		VMINPS(a, kconst("tanhClamp"), t[i]) // NaN stays NaN
	}
	kb, p := expm1Core(t, tanhExp) // p/2 for the exp core of 2·t
	one := kconst("one")
	scale := ymms(n)
	for i := range n {
		VPSLLD(U8(23), kb[i], scale[i]) // 2¹⁻ᵏ: the bits of 1.5·2²³ shift out
	}
	m, dm := ymms(n), ymms(n)
	for i := range n {
		VMOVAPS(one, m[i])
		VFNMADD231PS(constMem("half"), scale[i], m[i]) // 1 − 2⁻ᵏ, exact
		VMOVAPS(m[i], dm[i])
		VFNMADD231PS(scale[i], p[i], m[i]) // m = (1 − 2⁻ᵏ) − 2⁻ᵏp
	}
	for i := range n {
		VSUBPS(m[i], dm[i], dm[i])
		VFNMADD231PS(scale[i], p[i], dm[i]) // dm
	}
	two := kconst("two")
	q, y := ymms(n), ymms(n)
	for i := range n {
		VSUBPS(m[i], two, q[i]) // q = 2 − m
	}
	for i := range n {
		VDIVPS(q[i], m[i], y[i])
	}
	eq := ymms(n)
	for i := range n {
		VSUBPS(q[i], two, eq[i])    // 2 − q, exact
		VSUBPS(m[i], eq[i], eq[i])  // − m, exact
		VSUBPS(dm[i], eq[i], eq[i]) // eq
	}
	for i := range n {
		VFNMADD231PS(eq[i], y[i], dm[i]) // dm − y·eq
		VFNMADD231PS(q[i], y[i], m[i])   // m − y·q, exact
		VADDPS(dm[i], m[i], m[i])        // res
	}
	for i := range n {
		rc := YMM()
		VRCPPS(q[i], rc)
		VFMADD231PS(rc, m[i], y[i])
	}
	for i := range n {
		sign := YMM()
		VANDPS(constMem("signmask"), vecIn(x[i]), sign)
		VORPS(sign, y[i], y[i])
	}
	return y
}

// activationUnroll is how many vectors the flat activations handle per
// iteration of their main loop.
const activationUnroll = 3

// activationKernels emits the flat activations σ and tanh. Their operands
// are B×H with every row contiguous, so one pass covers hidden·batch units.
func activationKernels() {
	flat := []pwOperand{{"dst", 1}, {"x", 1}}
	pointwiseN("sigmoidSIMD", "func(dst, x []float32, hidden, batch int)",
		"sigmoidSIMD sets dst[i] = σ(x[i]) for i < hidden·batch.", flat, activationUnroll,
		func(io *pwIO, n int) { io.stores("dst", 0, sigmoidVecs(io.args("x", 0, n))) })
	pointwiseN("tanhSIMD", "func(dst, x []float32, hidden, batch int)",
		"tanhSIMD sets dst[i] = tanh(x[i]) for i < hidden·batch.", flat, activationUnroll,
		func(io *pwIO, n int) { io.stores("dst", 0, tanhVecs(io.args("x", 0, n))) })
}
