package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/shape"

	"github.com/simdrnn/simdrnn/internal/level"
)

// MatTVecAdd sets y += Wᵀ·x: the backward pass's dh = W_hhᵀ·dG and
// dx = W_ihᵀ·dG.
//
// W is len(x)×len(y), row-major (the same W that MatVec multiplies from the
// other side). Reference loop:
//
//	for i := range x {
//		for j := range y { y[j] += w[i*len(y)+j] * x[i] }
//	}
//
// Each y[j] is accumulated in place, row after row. Shapes: len(w) ==
// len(x)·len(y) (panics otherwise). y must not overlap w or x. Error bound:
// per element, γ(m+1)·(|y[j]| + Σ_i|w[i][j]·x[i]|) + (m+1)·2⁻¹⁴⁹, m = len(x).
func MatTVecAdd(y, w, x []float32) { matTVecAddAt(level.Active, y, w, x) }

// matTVecAddAt is MatTVecAdd at level l.
func matTVecAddAt(l level.Level, y, w, x []float32) {
	if want, ok := shape.Mul(len(x), len(y)); !ok || len(w) != want {
		panic(fmt.Sprintf("kernels.MatTVecAdd: len(w) = %d; want len(x) × len(y) = %d × %d = %s", len(w), len(x), len(y), product(len(x), len(y))))
	}
	if len(x) == 0 || len(y) == 0 {
		return
	}
	matTVecAdd(l, y, w, x)
}

func matTVecAddGeneric(y, w, x []float32) {
	cols := len(y)
	i := 0
	for ; i+4 <= len(x); i += 4 {
		x0, x1, x2, x3 := x[i], x[i+1], x[i+2], x[i+3]
		w0 := w[i*cols : (i+1)*cols]
		w1 := w[(i+1)*cols : (i+2)*cols]
		w2 := w[(i+2)*cols : (i+3)*cols]
		w3 := w[(i+3)*cols : (i+4)*cols]
		for j := range y {
			v := y[j]
			v += w0[j] * x0
			v += w1[j] * x1
			v += w2[j] * x2
			v += w3[j] * x3
			y[j] = v
		}
	}
	for ; i < len(x); i++ {
		axpyGeneric(x[i], w[i*cols:(i+1)*cols], y)
	}
}
