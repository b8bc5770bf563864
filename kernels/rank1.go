package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/shape"

	"github.com/simdrnn/simdrnn/internal/level"
)

// Rank1Add sets W += a·bᵀ: one step's weight gradient dW += dG·xᵀ.
//
// W is len(a)×len(b), row-major. Reference loop:
//
//	for i := range a {
//		for j := range b { w[i*len(b)+j] += a[i] * b[j] }
//	}
//
// Shapes: len(w) == len(a)·len(b) (panics otherwise). w must not overlap a or
// b. Error bound: per element, γ(2)·(|w[i][j]| + |a[i]·b[j]|) + 2⁻¹⁴⁹; as in
// Axpy, without FMA a[i]·b[j] is rounded on its own and may overflow to ±Inf.
func Rank1Add(w, a, b []float32) { rank1AddAt(level.Active, w, a, b) }

// rank1AddAt is Rank1Add at level l.
func rank1AddAt(l level.Level, w, a, b []float32) {
	if want, ok := shape.Mul(len(a), len(b)); !ok || len(w) != want {
		panic(fmt.Sprintf("kernels.Rank1Add: len(w) = %d; want len(a) × len(b) = %d × %d = %s", len(w), len(a), len(b), product(len(a), len(b))))
	}
	if len(a) == 0 || len(b) == 0 {
		return
	}
	rank1Add(l, w, a, b)
}

func rank1AddGeneric(w, a, b []float32) {
	cols := len(b)
	for i, v := range a {
		axpyGeneric(v, b, w[i*cols:(i+1)*cols])
	}
}
