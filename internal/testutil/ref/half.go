package ref

import "math"

// F16Value is the value of the IEEE binary16 code h by the format's
// definition, in float64 (NaN for every NaN code).
func F16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, frac := int(h>>10)&0x1f, float64(h&0x3ff)
	switch {
	case exp == 0x1f && frac == 0:
		return math.Inf(int(sign))
	case exp == 0x1f:
		return math.NaN()
	case exp == 0:
		return sign * math.Ldexp(frac, -24)
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}

// BF16Value is the value of the bfloat16 code h by the format's definition.
func BF16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, frac := int(h>>7)&0xff, float64(h&0x7f)
	switch {
	case exp == 0xff && frac == 0:
		return math.Inf(int(sign))
	case exp == 0xff:
		return math.NaN()
	case exp == 0:
		return sign * math.Ldexp(frac, -133)
	}
	return sign * math.Ldexp(128+frac, exp-134)
}
