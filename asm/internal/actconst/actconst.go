// Package actconst holds the constants of the vectorised Sigmoid and Tanh,
// shared by the generators so that every SIMD level uses the same reduction
// and polynomial: σ from exp(−|x|) with a two-constant Cody–Waite reduction
// and the Cephes expf polynomial, tanh as (1 − e)/(1 + e) from the same exp
// core over the whole range. The levels differ in how σ applies 2⁻ᵏ (AVX2
// builds 2⁶⁴⁻ᵏ and multiplies by 2⁻⁶⁴, NEON multiplies by 2^−⌊k/2⌋ then
// 2^−⌈k/2⌉) and in how they round k (AVX2 adds a 1.5·2²³ shifter in an
// FMA, NEON uses FRINTN), so their results can differ in the last bit; each
// is within the documented bound.
package actconst

import "math"

const (
	One          = 1.0
	Log2e        = 1.44269504088896341 // log2(e), rounds k = round(x·log2e)
	Shifter      = 0x1.8p23            // 1.5·2²³: x + Shifter rounds x to an integer in the low bits
	C1           = 0.693359375         // ln 2 = C1 + C2, C1 exact in float32
	C2           = -2.12194440e-4
	P0           = 1.9875691500e-4 // exp(r) ≈ 1 + r + r²·(P5 + r·(P4 + …))
	P1           = 1.3981999507e-3
	P2           = 8.3334519073e-3
	P3           = 4.1665795894e-2
	P4           = 1.6666665459e-1
	P5           = 5.0000001201e-1
	Bias         = 127 // float32 exponent bias, integer lanes
	SigmoidClamp = 104 // |x| beyond which σ is 1 or rounds to +0
	TanhClamp    = 10  // |x| beyond which tanh rounds to ±1
)

// Bits maps the generators' names of the constants to their float32 bits
// (integer lanes for the masks and the exponent bias).
var Bits = map[string]uint32{
	"absmask":      0x7fffffff,
	"signmask":     0x80000000,
	"bias":         Bias,
	"one":          math.Float32bits(One),
	"log2e":        math.Float32bits(Log2e),
	"shifter":      math.Float32bits(Shifter),
	"c1":           math.Float32bits(C1),
	"c2":           math.Float32bits(C2),
	"p0":           math.Float32bits(P0),
	"p1":           math.Float32bits(P1),
	"p2":           math.Float32bits(P2),
	"p3":           math.Float32bits(P3),
	"p4":           math.Float32bits(P4),
	"p5":           math.Float32bits(P5),
	"sigmoidClamp": math.Float32bits(SigmoidClamp),
	"tanhClamp":    math.Float32bits(TanhClamp),
	"two64":        math.Float32bits(0x1p64),
	"twoM64":       math.Float32bits(0x1p-64),
}
