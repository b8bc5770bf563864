package main

import (
	"fmt"
	"github.com/simdrnn/simdrnn/asm/internal/actconst"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// This file emits the activations (Sigmoid, Tanh) and the fused LSTM, GRU
// and RNN pointwise kernels. Every kernel is one pass over rows of hidden
// units: the body is written once against load/store callbacks and emitted
// twice, for whole vectors of eight units (VMOVUPS) and for the tail one
// unit at a time (VMOVSS into lane 0; the other lanes hold zeros, which
// every body maps to finite values and which are never stored).
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

// actConst is the table of 32-byte constants (eight equal lanes each).
var (
	actConstMem   Mem
	actConstIndex = map[string]int{}
)

var actConstValues = []string{
	"absmask",
	"signmask",
	"one",
	"log2e",
	"shifter",
	"c1",
	"c2",
	"p0",
	"p1",
	"p2",
	"p3",
	"p4",
	"p5",
	"sigmoidClamp",
	"tanhClamp",
	"two64",
	"twoM64",
}

func emitActConsts() {
	actConstMem = GLOBL("actconst", RODATA|NOPTR)
	for i, name := range actConstValues {
		actConstIndex[name] = i
		for lane := 0; lane < vecFloats; lane++ {
			DATA(i*vecBytes+4*lane, U32(actconst.Bits[name]))
		}
	}
}

// kc returns the memory operand of the named constant.
func kc(name string) Mem {
	i, ok := actConstIndex[name]
	if !ok {
		panic("no constant " + name)
	}
	return actConstMem.Offset(i * vecBytes)
}

// loadConst loads the named constant into a new register.
func loadConst(name string) VecVirtual {
	r := YMM()
	VMOVUPS(kc(name), r)
	return r
}

// kreg returns a new register holding the named constant, free to
// overwrite: a copy of the register it is pinned to, if any, else loaded.
func kreg(name string) VecVirtual {
	if p, ok := pinned[name]; ok {
		r := YMM()
		VMOVAPS(p, r)
		return r
	}
	return loadConst(name)
}

// kconst returns a register holding the named constant for reading only:
// the register it is pinned to, if any, else a new one loaded.
func kconst(name string) VecVirtual {
	if p, ok := pinned[name]; ok {
		return p
	}
	return loadConst(name)
}

// pinned holds the constants that a kernel keeps in registers throughout
// (pinConstants); kreg copies them and kconst reads them instead of loading.
var pinned = map[string]VecVirtual{}

// pinConstants loads the named constants into the registers that kreg and
// kconst use until unpinConstants.
func pinConstants(names ...string) {
	for _, name := range names {
		pinned[name] = loadConst(name)
	}
}

// unpinConstants ends pinConstants: kreg and kconst load again.
func unpinConstants() { clear(pinned) }

// expm1Core returns kb and p for t in [0, 208]: kb = t·log₂e + 1.5·2²³
// rounded once, so that kb − 1.5·2²³ is the integer k = round(t·log₂e)
// (to nearest even) and kb's bits are those of 1.5·2²³ plus k (whose low
// nine bits are zero, so kb's bits shifted left by 23 are k·2²³); and
// p = expm1(r) = exp(r) − 1 for the reduced argument r = k·ln 2 − t, so
// that exp(−t) = 2⁻ᵏ·(1 + p). NaN gives NaN in p.
func expm1Core(t VecVirtual) (kb, p VecVirtual) {
	kb = kreg("shifter")
	VFMADD231PS(kc("log2e"), t, kb)
	k := YMM()
	VSUBPS(kc("shifter"), kb, k) // k, exact
	r := YMM()
	VMOVAPS(t, r)
	VFMSUB231PS(kc("c1"), k, r) // r = k·C1 − t, exact
	VFMADD231PS(kc("c2"), k, r) // r += k·C2
	// Estrin's scheme: ((p0·r + p1)·r² + (p2·r + p3))·r² + (p4·r + p5),
	// three FMAs deep instead of five.
	r2 := YMM()
	VMULPS(r, r, r2)
	y := kreg("p0")
	VFMADD213PS(kc("p1"), r, y)
	b := kreg("p2")
	VFMADD213PS(kc("p3"), r, b)
	VFMADD213PS(b, r2, y)
	c := kreg("p4")
	VFMADD213PS(kc("p5"), r, c)
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
	VMULPS(kc("twoM64"), p, p)
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
	t := YMM()
	VANDPS(kc("absmask"), x, t)
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
	a := YMM()
	VANDPS(kc("absmask"), x, a)
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
	VANDPS(kc("signmask"), x, sign)
	VORPS(sign, y, y)
	return y
}

// pwOperand is one slice argument of a pointwise kernel: blocks is its row
// length in units of the hidden size (1 for B×H, 4 for the LSTM's B×4H).
type pwOperand struct {
	param  string
	blocks int
}

// pwIO gives a kernel body access to its operands at the current unit.
type pwIO struct {
	vector  bool
	disp    int // byte offset of the current vector within an unrolled step
	ptr     map[string]GPVirtual
	hb, hb3 GPVirtual // hidden·4 and 3·hidden·4 bytes
}

func (io *pwIO) mem(param string, block int) Mem {
	p, ok := io.ptr[param]
	if !ok {
		panic("no operand " + param)
	}
	switch block {
	case 0:
		return Mem{Base: p, Disp: io.disp}
	case 1:
		return Mem{Base: p, Index: io.hb, Scale: 1, Disp: io.disp}
	case 2:
		return Mem{Base: p, Index: io.hb, Scale: 2, Disp: io.disp}
	case 3:
		return Mem{Base: p, Index: io.hb3, Scale: 1, Disp: io.disp}
	}
	panic(fmt.Sprint("block ", block))
}

// load returns block of param at the current unit: eight lanes, or one in
// lane 0 with zeros above.
func (io *pwIO) load(param string, block int) VecVirtual {
	if io.vector {
		v := YMM()
		VMOVUPS(io.mem(param, block), v)
		return v
	}
	v := XMM()
	VMOVSS(io.mem(param, block), v)
	return v.AsY().(VecVirtual)
}

func (io *pwIO) store(param string, block int, v VecVirtual) {
	if io.vector {
		VMOVUPS(v, io.mem(param, block))
		return
	}
	VMOVSS(v.AsX(), io.mem(param, block))
}

// pointwise emits one kernel with signature sig, which must end in
// "hidden, batch int": for each of batch rows, body runs for units 0 …
// hidden−1 of every operand. hidden, batch ≥ 1.
func pointwise(name, sig, doc string, ops []pwOperand, body func(io *pwIO)) {
	pointwise2(name, sig, doc, ops, body, nil, nil)
}

// pointwise2 is pointwise with an optional main loop over pairs of vectors
// whose body is split in two phases, emitted as first(0), first(1),
// second(0), second(1): the second phase of a vector (a long dependent
// chain) then overlaps the first phase of the other instead of waiting for
// it. first returns the registers second needs.
func pointwise2(name, sig, doc string, ops []pwOperand, body func(io *pwIO),
	first func(io *pwIO) []VecVirtual, second func(io *pwIO, state []VecVirtual)) {
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc)
	io := &pwIO{ptr: map[string]GPVirtual{}}
	io.hb = loadGP(Param("hidden"))
	SHLQ(U8(2), io.hb)
	maxBlocks := 1
	for _, op := range ops {
		maxBlocks = max(maxBlocks, op.blocks)
		io.ptr[op.param] = loadGP(Param(op.param).Base())
	}
	if maxBlocks == 4 {
		io.hb3 = GP64()
		LEAQ(Mem{Base: io.hb, Index: io.hb, Scale: 2}, io.hb3)
	}
	rows := loadGP(Param("batch"))

	Label(name + "_row")
	n := loadGP(Param("hidden"))
	if first != nil {
		Label(name + "_pairs")
		CMPQ(n, U8(2*vecFloats))
		JB(LabelRef(name + "_vectors"))
		io.vector = true
		var states [2][]VecVirtual
		for u := 0; u < 2; u++ {
			io.disp = u * vecBytes
			states[u] = first(io)
		}
		for u := 0; u < 2; u++ {
			io.disp = u * vecBytes
			second(io, states[u])
		}
		io.disp = 0
		for _, op := range ops {
			ADDQ(U8(2*vecBytes), io.ptr[op.param])
		}
		SUBQ(U8(2*vecFloats), n)
		JMP(LabelRef(name + "_pairs"))
	}
	Label(name + "_vectors")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef(name + "_tail"))
	io.vector = true
	body(io)
	for _, op := range ops {
		ADDQ(U8(vecBytes), io.ptr[op.param])
	}
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef(name + "_vectors"))

	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_next"))
	io.vector = false
	body(io)
	for _, op := range ops {
		ADDQ(U8(4), io.ptr[op.param])
	}
	DECQ(n)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_next")
	for _, op := range ops {
		p := io.ptr[op.param]
		switch op.blocks {
		case 1:
		case 2:
			ADDQ(io.hb, p)
		case 3:
			LEAQ(Mem{Base: p, Index: io.hb, Scale: 2}, p)
		case 4:
			ADDQ(io.hb3, p)
		default:
			panic("blocks")
		}
	}
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	VZEROUPPER()
	RET()
}

// oneMinus returns 1 − v.
func oneMinus(v VecVirtual) VecVirtual {
	r := kreg("one")
	VSUBPS(v, r, r)
	return r
}

// oneMinusSquare returns 1 − v², rounded once.
func oneMinusSquare(v VecVirtual) VecVirtual {
	r := YMM()
	VMOVAPS(v, r)
	VFNMADD213PS(kc("one"), v, r) // r = −v·r + 1
	return r
}

// mul returns a·b.
func mul(a, b VecVirtual) VecVirtual {
	r := YMM()
	VMULPS(b, a, r)
	return r
}

// activationKernels emits the activation and fused pointwise kernels.
func activationKernels() {
	emitActConsts()
	flat := []pwOperand{{"dst", 1}, {"x", 1}}
	pointwise("sigmoidSIMD", "func(dst, x []float32, hidden, batch int)",
		"sigmoidSIMD sets dst[i] = σ(x[i]) for i < hidden·batch.", flat,
		func(io *pwIO) { io.store("dst", 0, sigmoidVec(io.load("x", 0))) })
	pointwise("tanhSIMD", "func(dst, x []float32, hidden, batch int)",
		"tanhSIMD sets dst[i] = tanh(x[i]) for i < hidden·batch.", flat,
		func(io *pwIO) { io.store("dst", 0, tanhVec(io.load("x", 0))) })
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

	for _, withCache := range []bool{false, true} {
		lstmForward(withCache)
		gruForward(withCache)
	}
	lstmBackward()
	gruBackward()
	gruResetBefore()
}

func cacheName(base string, withCache bool) string {
	if withCache {
		return base + "CacheSIMD"
	}
	return base + "SIMD"
}

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
