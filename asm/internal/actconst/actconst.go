// Package actconst holds the constants of the vectorised Sigmoid and Tanh,
// shared by the generators so that every SIMD level uses the same reduction
// and polynomial: σ from exp(−|x|) with a two-constant Cody–Waite reduction
// and a degree-6 minimax polynomial, tanh as (1 − e)/(1 + e) from the same exp
// core over the whole range. The levels differ in how σ applies 2⁻ᵏ (AVX2
// builds 2⁶⁴⁻ᵏ and multiplies by 2⁻⁶⁴, NEON multiplies by 2^−⌊k/2⌋ then
// 2^−⌈k/2⌉) and in how they round k (AVX2 subtracts t·log₂e from a
// 1.5·2²³ shifter plus an exponent bias in one FMA, NEON uses FRINTN), so
// their results can differ in the last bit; each is within the documented
// bound.
package actconst

import "math"

const (
	One     = 1.0
	Log2e   = 1.44269504088896341 // log2(e), rounds k = round(x·log2e)
	Shifter = 0x1.8p23            // 1.5·2²³: x + Shifter rounds x to an integer in the low bits
	C1      = 0.693359375         // ln 2 = C1 + C2, C1 exact in float32
	C2      = -2.12194440e-4
	// exp(r) ≈ 1 + r + r²·(P0 + P1·r + P2·r² + P3·r³ + P4·r⁴) on
	// |r| ≤ ln 2/2: a Remez fit of the relative error of exp (weight
	// 1/exp(r)), coefficients rounded to float32, then checked
	// (TestPolynomial): relative error below 4·10⁻⁹, 0.03 of 2⁻²³, where
	// the degree-7 Cephes expf polynomial used before reached 0.014 of it;
	// the rounding in float32 arithmetic dominates either.
	P0           = 0.49999994
	P1           = 0.16666521
	P2           = 0.04166839
	P3           = 0.008368716
	P4           = 0.0013814602
	Bias         = 127 // float32 exponent bias, integer lanes
	SigmoidClamp = 104 // |x| beyond which σ is 1 or rounds to +0
	TanhClamp    = 10  // |x| beyond which tanh rounds to ±1
)

// Bits maps the generators' names of the constants to their float32 bits
// (integer lanes for the masks and the exponent bias).
var Bits = map[string]uint32{
	"absmask":  0x7fffffff,
	"signmask": 0x80000000,
	"bias":     Bias,
	"one":      math.Float32bits(One),
	"two":      math.Float32bits(2),
	"log2e":    math.Float32bits(Log2e),
	// AVX2 rounds k = round(t·log₂e) as the low bits of S − t·log₂e, S
	// the shifter plus an exponent bias, so that those bits shifted left
	// by 23 are the float32 2^(bias−127−k): 2⁶⁴⁻ᵏ for σ (bias 191), 2¹⁻ᵏ
	// for tanh (bias 128; tanh's exp core works on t/2 = |x| with every
	// constant scaled by a power of two, which changes no rounding).
	"negLog2e":       math.Float32bits(-float32(Log2e)),
	"negTwoLog2e":    math.Float32bits(-2 * float32(Log2e)),
	"sigmoidShifter": math.Float32bits(Shifter + 191),
	"tanhShifter":    math.Float32bits(Shifter + 128),
	"c1Half":         math.Float32bits(C1 / 2),
	"c2Half":         math.Float32bits(float32(C2) / 2),
	"half":           math.Float32bits(0.5),
	"t0":             math.Float32bits(2 * float32(P0)),
	"t1":             math.Float32bits(4 * float32(P1)),
	"t2":             math.Float32bits(8 * float32(P2)),
	"t3":             math.Float32bits(16 * float32(P3)),
	"t4":             math.Float32bits(32 * float32(P4)),
	"c1":             math.Float32bits(C1),
	"c2":             math.Float32bits(C2),
	"p0":             math.Float32bits(P0),
	"p1":             math.Float32bits(P1),
	"p2":             math.Float32bits(P2),
	"p3":             math.Float32bits(P3),
	"p4":             math.Float32bits(P4),
	"sigmoidClamp":   math.Float32bits(SigmoidClamp),
	"tanhClamp":      math.Float32bits(TanhClamp),
	"twoM64":         math.Float32bits(0x1p-64),
}
