package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// Scale multiplies x by alpha in place.
//
// Reference loop:
//
//	for i := range x { x[i] *= alpha }
//
// Error bound: exact rounding; every level returns the same bits,
// float32(float64(alpha)·float64(x[i])).
func Scale(alpha float32, x []float32) { scaleAt(level.Active, alpha, x) }

// scaleAt is Scale at level l.
func scaleAt(l level.Level, alpha float32, x []float32) {
	if len(x) == 0 {
		return
	}
	scale(l, alpha, x)
}

func scaleGeneric(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}
