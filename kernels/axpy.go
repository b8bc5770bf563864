package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/level"
)

// Axpy adds alpha·x to y.
//
// Reference loop:
//
//	for i := range y { y[i] += alpha * x[i] }
//
// Shapes: len(x) == len(y) (panics otherwise). x and y may be the same slice;
// partial overlap gives unspecified results.
// Error bound: each y[i] is within γ(2)·(|y[i]| + |alpha·x[i]|) + 2⁻¹⁴⁹ of the
// exact value (one rounding with FMA, two without). Without FMA (the generic
// level on amd64) alpha·x[i] is rounded on its own and may overflow to ±Inf
// where the exact result is finite.
func Axpy(alpha float32, x, y []float32) { axpyAt(level.Active, alpha, x, y) }

// axpyAt is Axpy at level l.
func axpyAt(l level.Level, alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kernels.Axpy: len(x) = %d, len(y) = %d; want equal lengths", len(x), len(y)))
	}
	if len(x) == 0 {
		return
	}
	axpy(l, alpha, x, y)
}

func axpyGeneric(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}
