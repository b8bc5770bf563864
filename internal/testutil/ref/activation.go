package ref

import "math"

// Sigmoid returns σ(x) = 1/(1+exp(−x)) in float64, computed without
// cancellation on either side (relative error a few float64 ULP).
func Sigmoid(x float32) float64 {
	v := float64(x)
	if v < 0 {
		e := math.Exp(v)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(-v))
}

// Tanh returns tanh(x) in float64.
func Tanh(x float32) float64 { return math.Tanh(float64(x)) }

// ULP returns the unit in the last place of a float32 result whose exact
// value is y: 2^(e−23) for |y| in [2^e, 2^(e+1)), and 2⁻¹⁴⁹ (the spacing of
// subnormals) below 2⁻¹²⁶ and at 0.
func ULP(y float64) float64 {
	const minNormalExp = 1023 - 126 // biased float64 exponent of 2⁻¹²⁶
	e := math.Float64bits(y) >> 52 & 0x7ff
	if e < minNormalExp || e == 0x7ff {
		return 0x1p-149
	}
	return math.Float64frombits((e - 23) << 52)
}

// ULPError returns |got − want| in ULP of want (see ULP), want being the
// exact result: a correctly rounded got is within 0.5. NaN against NaN and
// equal values (zeros of the same sign, equal infinities) give 0; a NaN or
// an infinity against anything else, and a zero of the wrong sign against a
// zero, give +Inf.
func ULPError(got float32, want float64) float64 {
	g := float64(got)
	switch {
	case math.IsNaN(want) || math.IsNaN(g):
		if math.IsNaN(want) && math.IsNaN(g) {
			return 0
		}
		return math.Inf(1)
	case g == want:
		if g == 0 && math.Signbit(g) != math.Signbit(want) {
			return math.Inf(1)
		}
		return 0
	case math.IsInf(want, 0) || math.IsInf(g, 0):
		return math.Inf(1)
	}
	return math.Abs(g-want) / ULP(want)
}
