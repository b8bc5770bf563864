package actconst

import (
	"math"
	"testing"
)

// TestPolynomial checks the bound the comment on P0…P4 states: with the
// float32 coefficients evaluated exactly (float64), 1 + r + r²·P(r) is
// within 4·10⁻⁹ of exp(r), relatively, on the whole reduced range (|r| a
// little beyond ln 2/2, for the rounding of k).
func TestPolynomial(t *testing.T) {
	p := []float64{float64(float32(P0)), float64(float32(P1)), float64(float32(P2)),
		float64(float32(P3)), float64(float32(P4))}
	const steps = 1 << 20
	bound := math.Ln2 / 2 * (1 + 0x1p-20)
	worst, at := 0.0, 0.0
	for i := -steps; i <= steps; i++ {
		r := bound * float64(i) / steps
		poly := 0.0
		for j := len(p) - 1; j >= 0; j-- {
			poly = poly*r + p[j]
		}
		got := r + r*r*poly
		if e := math.Abs(got-math.Expm1(r)) / math.Exp(r); e > worst {
			worst, at = e, r
		}
	}
	t.Logf("max relative error %.3g at r = %.6f", worst, at)
	if worst > 4e-9 {
		t.Errorf("max relative error %.3g at r = %.6f, want ≤ 4e-9", worst, at)
	}
}
