package kernels

import (
	"fmt"
	"math"

	"github.com/simdrnn/simdrnn/internal/level"
)

// Sigmoid sets dst[i] = σ(x[i]) = 1/(1+exp(−x[i])).
//
// Reference loop:
//
//	for i := range x { dst[i] = 1 / (1 + exp(-x[i])) }
//
// Shapes: len(dst) == len(x) (panics otherwise). dst may be x itself; partial
// overlap gives unspecified results.
//
// Error bound: at most 2 ULP from the correctly rounded result for every
// float32 input, at every level (the generic level, which works in float64,
// stays within 0.51 ULP). The
// ULP of a result y is that of the exact value: 2^(e−23) for |y| in
// [2^e, 2^(e+1)), and 2⁻¹⁴⁹ in the subnormal range.
//
// Special values: σ(NaN) = NaN, σ(+Inf) = 1, σ(−Inf) = +0, and results never
// leave [0, 1]; σ(x) rounds to exactly 1 for x > 17.33 and to +0 for
// x < −103.97. Subnormal range: subnormal inputs give 0.5; for x < −87.34 the
// result is subnormal and is computed with gradual underflow (never flushed to
// zero), within the same 2 ULP where the ULP is 2⁻¹⁴⁹.
//
// Algorithm: e = exp(−|x|) with |x| clamped (AVX2 and NEON 104, generic
// 110); σ = e/(1+e) for x < 0 and 1/(1+e) otherwise, so that neither side
// suffers cancellation. The generic level evaluates exp in float64 (a
// 64-entry table of 2^(j/64) and a cubic); AVX2 and NEON in float32 with FMA
// (two-constant Cody–Waite reduction around n = round(|x|·log₂e), exp(r) =
// 1 + r + r²·P(r) with P a degree-4 minimax polynomial, 2⁻ⁿ applied through
// the exponent bits so that subnormal results round once), a true division
// and one residual correction of it. AVX2 computes three vectors of eight per
// iteration, their steps interleaved.
func Sigmoid(dst, x []float32) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("kernels.Sigmoid: len(dst) = %d, len(x) = %d; want equal lengths", len(dst), len(x)))
	}
	if len(x) == 0 {
		return
	}
	sigmoid(level.Active, dst, x)
}

// Tanh sets dst[i] = tanh(x[i]).
//
// Reference loop:
//
//	for i := range x { dst[i] = tanh(x[i]) }
//
// Shapes: len(dst) == len(x) (panics otherwise). dst may be x itself; partial
// overlap gives unspecified results.
//
// Error bound: at most 2 ULP from the correctly rounded result for every
// float32 input, at every level (ULP as for Sigmoid; the generic level stays
// within 0.51 ULP).
//
// Special values: tanh(NaN) = NaN, tanh(±0) = ±0, tanh(±Inf) = ±1, and results
// never leave [−1, 1]; tanh(x) rounds to exactly ±1 for |x| > 9.01.
// Subnormal range: subnormal inputs give themselves (tanh(x) = x correctly
// rounded), never flushed to zero.
//
// Algorithm: (1−e)/(1+e) with e = exp(−2|x|), |x| clamped to 10, and the
// sign restored last. The generic level splits the range: an odd polynomial
// x + x³·P(x²) in float64 for |x| < 0.0625, the quotient in float64 above.
// AVX2 and NEON use the quotient for every x, in float32: 1 − e from Sigmoid's
// exp core (r = 2|x| reduced, the same polynomial) with one rounding, 1 + e
// as 2 − (1 − e) with another, and both rounding errors join the division's
// correction (as in Sigmoid); one formula instead of two branches blended is
// much of what makes the fused LSTM and GRU steps cheap.
func Tanh(dst, x []float32) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("kernels.Tanh: len(dst) = %d, len(x) = %d; want equal lengths", len(dst), len(x)))
	}
	if len(x) == 0 {
		return
	}
	tanh(level.Active, dst, x)
}

// sigmoidGeneric is sigmoidScalar written out in the loop (the compiler
// does not inline it), four elements at a time: the steps of four
// independent elements interleaved keep the core's pipelines busy where one
// element's chain of dependent operations would leave them idle (about 2×
// faster than one at a time). The numerator (e for x < 0, else 1) is chosen
// by a comparison instead of sigmoidScalar's sign mask; for −0 and NaN both
// give the same result, so every element is bit for bit sigmoidScalar's
// (TestGenericActivationsMatchScalar).
func sigmoidGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ds := (*[4]float32)(x[i:i+4]), (*[4]float32)(dst[i:i+4])
		x0 := float64(xs[0])
		a0 := math.Abs(x0)
		if a0 > 110 {
			a0 = 110
		}
		x1 := float64(xs[1])
		a1 := math.Abs(x1)
		if a1 > 110 {
			a1 = 110
		}
		x2 := float64(xs[2])
		a2 := math.Abs(x2)
		if a2 > 110 {
			a2 = 110
		}
		x3 := float64(xs[3])
		a3 := math.Abs(x3)
		if a3 > 110 {
			a3 = 110
		}
		k0 := -a0*sixtyFourOverLn2 + shifter
		b0 := math.Float64bits(k0)
		r0 := (k0-shifter)*-ln2OverSixtyFour - a0
		k1 := -a1*sixtyFourOverLn2 + shifter
		b1 := math.Float64bits(k1)
		r1 := (k1-shifter)*-ln2OverSixtyFour - a1
		k2 := -a2*sixtyFourOverLn2 + shifter
		b2 := math.Float64bits(k2)
		r2 := (k2-shifter)*-ln2OverSixtyFour - a2
		k3 := -a3*sixtyFourOverLn2 + shifter
		b3 := math.Float64bits(k3)
		r3 := (k3-shifter)*-ln2OverSixtyFour - a3
		e0 := math.Float64frombits(exp2Table[b0&63]+b0>>6<<52) * ((1 + r0) + r0*r0*(0.5+r0*(1.0/6)))
		e1 := math.Float64frombits(exp2Table[b1&63]+b1>>6<<52) * ((1 + r1) + r1*r1*(0.5+r1*(1.0/6)))
		e2 := math.Float64frombits(exp2Table[b2&63]+b2>>6<<52) * ((1 + r2) + r2*r2*(0.5+r2*(1.0/6)))
		e3 := math.Float64frombits(exp2Table[b3&63]+b3>>6<<52) * ((1 + r3) + r3*r3*(0.5+r3*(1.0/6)))
		num0 := 1.0
		if x0 < 0 {
			num0 = e0
		}
		ds[0] = float32(num0 / (1 + e0))
		num1 := 1.0
		if x1 < 0 {
			num1 = e1
		}
		ds[1] = float32(num1 / (1 + e1))
		num2 := 1.0
		if x2 < 0 {
			num2 = e2
		}
		ds[2] = float32(num2 / (1 + e2))
		num3 := 1.0
		if x3 < 0 {
			num3 = e3
		}
		ds[3] = float32(num3 / (1 + e3))
	}
	for ; i < len(x); i++ {
		dst[i] = sigmoidScalar(x[i])
	}
}

// tanhGeneric is tanhScalar written out in the loop four elements at a
// time, like sigmoidGeneric: both branches are evaluated for the four, and
// each element keeps the one tanhScalar takes (bit for bit its result).
func tanhGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ds := (*[4]float32)(x[i:i+4]), (*[4]float32)(dst[i:i+4])
		x0 := float64(xs[0])
		a0 := math.Abs(x0)
		c0 := min(a0, 10)
		x1 := float64(xs[1])
		a1 := math.Abs(x1)
		c1 := min(a1, 10)
		x2 := float64(xs[2])
		a2 := math.Abs(x2)
		c2 := min(a2, 10)
		x3 := float64(xs[3])
		a3 := math.Abs(x3)
		c3 := min(a3, 10)
		k0 := -2*c0*sixtyFourOverLn2 + shifter
		b0 := math.Float64bits(k0)
		r0 := (k0-shifter)*-ln2OverSixtyFour - 2*c0
		k1 := -2*c1*sixtyFourOverLn2 + shifter
		b1 := math.Float64bits(k1)
		r1 := (k1-shifter)*-ln2OverSixtyFour - 2*c1
		k2 := -2*c2*sixtyFourOverLn2 + shifter
		b2 := math.Float64bits(k2)
		r2 := (k2-shifter)*-ln2OverSixtyFour - 2*c2
		k3 := -2*c3*sixtyFourOverLn2 + shifter
		b3 := math.Float64bits(k3)
		r3 := (k3-shifter)*-ln2OverSixtyFour - 2*c3
		e0 := math.Float64frombits(exp2Table[b0&63]+b0>>6<<52) * ((1 + r0) + r0*r0*(0.5+r0*(1.0/6)))
		y0 := (1 - e0) / (1 + e0)
		e1 := math.Float64frombits(exp2Table[b1&63]+b1>>6<<52) * ((1 + r1) + r1*r1*(0.5+r1*(1.0/6)))
		y1 := (1 - e1) / (1 + e1)
		e2 := math.Float64frombits(exp2Table[b2&63]+b2>>6<<52) * ((1 + r2) + r2*r2*(0.5+r2*(1.0/6)))
		y2 := (1 - e2) / (1 + e2)
		e3 := math.Float64frombits(exp2Table[b3&63]+b3>>6<<52) * ((1 + r3) + r3*r3*(0.5+r3*(1.0/6)))
		y3 := (1 - e3) / (1 + e3)
		if a0 < 0.0625 {
			z := a0 * a0
			y0 = a0 + a0*z*(-1.0/3+z*(2.0/15+z*(-17.0/315)))
		}
		ds[0] = float32(math.Copysign(y0, x0))
		if a1 < 0.0625 {
			z := a1 * a1
			y1 = a1 + a1*z*(-1.0/3+z*(2.0/15+z*(-17.0/315)))
		}
		ds[1] = float32(math.Copysign(y1, x1))
		if a2 < 0.0625 {
			z := a2 * a2
			y2 = a2 + a2*z*(-1.0/3+z*(2.0/15+z*(-17.0/315)))
		}
		ds[2] = float32(math.Copysign(y2, x2))
		if a3 < 0.0625 {
			z := a3 * a3
			y3 = a3 + a3*z*(-1.0/3+z*(2.0/15+z*(-17.0/315)))
		}
		ds[3] = float32(math.Copysign(y3, x3))
	}
	for ; i < len(x); i++ {
		dst[i] = tanhScalar(x[i])
	}
}

// exp2Table[j] holds the bits of 2^(j/64) in float64.
var exp2Table = func() (t [64]uint64) {
	for j := range t {
		t[j] = math.Float64bits(math.Exp2(float64(j) / 64))
	}
	return t
}()

const (
	sixtyFourOverLn2 = 64 / math.Ln2
	ln2OverSixtyFour = math.Ln2 / 64
	// shifter rounds to an integer when added: 1.5·2⁵², so that the low
	// bits of the sum hold k in two's complement.
	shifter = 0x1.8p52
)

// expNeg64 returns exp(−a) for 0 ≤ a ≤ 110 with a relative error below
// 2⁻³³: −a = k·ln2/64 + r with |r| ≤ ln2/128, exp(−a) = 2^(k/64)·exp(r),
// 2^(k/64) from the table (k mod 64) and the exponent bits (k div 64, both
// read from the bits of the rounded k), exp(r) by a cubic (truncation error
// r⁴/24 < 2⁻³⁴) evaluated two multiplications deep.
func expNeg64(a float64) float64 {
	kf := -a*sixtyFourOverLn2 + shifter
	bits := math.Float64bits(kf)
	r := (kf-shifter)*-ln2OverSixtyFour - a
	scale := math.Float64frombits(exp2Table[bits&63] + bits>>6<<52)
	return scale * ((1 + r) + r*r*(0.5+r*(1.0/6)))
}

// sigmoidScalar is the generic σ in float64; its only error that matters
// is the final rounding to float32. It is branch-free but for the clamp
// (the sign of x picks the numerator through a mask, as a mispredicted
// branch per element would cost more than the whole computation), and NaN
// needs no test: it passes through every operation.
func sigmoidScalar(v float32) float32 {
	x := float64(v)
	a := math.Abs(x)
	if a > 110 {
		a = 110
	}
	e := expNeg64(a)
	negative := uint64(int64(math.Float64bits(x)) >> 63)
	num := math.Float64frombits(math.Float64bits(e)&negative | math.Float64bits(1)&^negative)
	return float32(num / (1 + e))
}

// tanhScalar is the generic tanh in float64: an odd polynomial for
// |x| < 1/16 (truncation error below 2⁻³⁷ relative), else (1−e)/(1+e) with
// e = exp(−2|x|), whose cancellation costs at most a factor 8. NaN passes
// through the second branch.
func tanhScalar(v float32) float32 {
	x := float64(v)
	a := math.Abs(x)
	var y float64
	if a < 0.0625 {
		z := a * a
		y = a + a*z*(-1.0/3+z*(2.0/15+z*(-17.0/315)))
	} else {
		if a > 10 {
			a = 10
		}
		e := expNeg64(2 * a)
		y = (1 - e) / (1 + e)
	}
	return float32(math.Copysign(y, x))
}
