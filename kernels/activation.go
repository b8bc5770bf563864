package kernels

import (
	"fmt"
	"math"
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
// Algorithm: e = exp(−|x|) with |x| clamped (AVX2 104, generic 110);
// σ = e/(1+e) for x < 0 and 1/(1+e) otherwise, so that neither side suffers
// cancellation. The generic
// level evaluates exp in float64 (a 64-entry table of 2^(j/64) and a cubic);
// the AVX2 level in float32 with FMA (two-constant Cody–Waite reduction
// around n = round(|x|·log₂e), a degree-7 polynomial, 2⁻ⁿ applied in two
// exponent-bit steps so subnormal results round once), a true division and
// one residual correction of it.
func Sigmoid(dst, x []float32) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("kernels.Sigmoid: len(dst) = %d, len(x) = %d; want equal lengths", len(dst), len(x)))
	}
	if len(x) == 0 {
		return
	}
	sigmoid(dst, x)
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
// Algorithm: for |x| < 0.625 (generic: 0.0625) an odd polynomial
// x + x³·P(x²); otherwise (1−e)/(1+e) with e = exp(−2|x|), |x| clamped to 10,
// computed as 1 − 2e/(1+e) (AVX2, with the division corrected as in Sigmoid)
// or directly in float64 (generic); the sign is restored last.
func Tanh(dst, x []float32) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("kernels.Tanh: len(dst) = %d, len(x) = %d; want equal lengths", len(dst), len(x)))
	}
	if len(x) == 0 {
		return
	}
	tanh(dst, x)
}

// sigmoidGeneric is sigmoidScalar written out in the loop (the compiler
// does not inline it), which halves the time per element.
func sigmoidGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	one := math.Float64bits(1)
	for i, v := range x {
		xf := float64(v)
		a := math.Abs(xf)
		if a > 110 {
			a = 110
		}
		kf := -a*sixtyFourOverLn2 + shifter
		bits := math.Float64bits(kf)
		r := (kf-shifter)*-ln2OverSixtyFour - a
		e := math.Float64frombits(exp2Table[bits&63]+bits>>6<<52) * ((1 + r) + r*r*(0.5+r*(1.0/6)))
		negative := uint64(int64(math.Float64bits(xf)) >> 63)
		num := math.Float64frombits(math.Float64bits(e)&negative | one&^negative)
		dst[i] = float32(num / (1 + e))
	}
}

// tanhGeneric is tanhScalar written out in the loop, like sigmoidGeneric.
func tanhGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		xf := float64(v)
		a := math.Abs(xf)
		var y float64
		if a < 0.0625 {
			z := a * a
			y = a + a*z*(-1.0/3+z*(2.0/15+z*(-17.0/315)))
		} else {
			if a > 10 {
				a = 10
			}
			kf := -2*a*sixtyFourOverLn2 + shifter
			bits := math.Float64bits(kf)
			r := (kf-shifter)*-ln2OverSixtyFour - 2*a
			e := math.Float64frombits(exp2Table[bits&63]+bits>>6<<52) * ((1 + r) + r*r*(0.5+r*(1.0/6)))
			y = (1 - e) / (1 + e)
		}
		dst[i] = float32(math.Copysign(y, xf))
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
