package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/level"
)

// Dot returns the dot product of x and y.
//
// Reference loop:
//
//	sum := float32(0)
//	for i := range x { sum += x[i] * y[i] }
//
// Shapes: len(x) == len(y) (panics otherwise). x and y may overlap.
// Error bound: |Dot − exact| ≤ γ(n)·Σ|x[i]·y[i]| + n·2⁻¹⁴⁹, n = len(x).
func Dot(x, y []float32) float32 { return dotAt(level.Active, x, y) }

// dotAt is Dot at level l (the exported kernel passes level.Active; the
// tests run each level through it in parallel).
func dotAt(l level.Level, x, y []float32) float32 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kernels.Dot: len(x) = %d, len(y) = %d; want equal lengths", len(x), len(y)))
	}
	if len(x) == 0 {
		return 0
	}
	return dot(l, x, y)
}

func dotGeneric(x, y []float32) float32 {
	var s0, s1, s2, s3 float32
	n := len(x)
	y = y[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < n; i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}
