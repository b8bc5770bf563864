package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/shape"

	"github.com/simdrnn/simdrnn/internal/level"
)

// MatVec sets y = W·x, the recurrent product of an LSTM or GRU step.
//
// W is len(y)×len(x), row-major. Reference loop:
//
//	for i := range y {
//		sum := float32(0)
//		for j := range x { sum += w[i*len(x)+j] * x[j] }
//		y[i] = sum
//	}
//
// Shapes: len(w) == len(y)·len(x) (panics otherwise). y must not overlap w or
// x. Error bound: per row, γ(n)·Σ_j|w[i][j]·x[j]| + n·2⁻¹⁴⁹, n = len(x).
func MatVec(y, w, x []float32) {
	matVecAt(level.Active, "MatVec", y, w, x, 1, false)
}

// MatVecAdd sets y += W·x.
//
// W is len(y)×len(x), row-major. Reference loop:
//
//	for i := range y {
//		sum := float32(0)
//		for j := range x { sum += w[i*len(x)+j] * x[j] }
//		y[i] += sum
//	}
//
// Each row's sum is formed first and then added to y[i]. Shapes: len(w) ==
// len(y)·len(x) (panics otherwise). y must not overlap w or x. Error bound:
// per row, γ(n+1)·(|y[i]| + Σ_j|w[i][j]·x[j]|) + (n+1)·2⁻¹⁴⁹, n = len(x).
func MatVecAdd(y, w, x []float32) {
	matVecAt(level.Active, "MatVecAdd", y, w, x, 1, true)
}

// MatVecBatch sets y[b] = W·x[b] for each of batch vectors, reading W from
// memory once for up to eight vectors: at batch 2–8 a step costs about one
// pass over the weights, not batch passes (at the AVX2 level batches 4–8
// take four rows at a time against two or three vectors, so they read each
// block of four rows two or three times: from memory once, then from L1
// or L2).
//
// x is batch×n and y batch×m, both row-major (vector b of x is
// x[b*n:(b+1)*n]); W is m×n. Reference loop:
//
//	for b := 0; b < batch; b++ {
//		MatVec(y[b*m:(b+1)*m], w, x[b*n:(b+1)*n])
//	}
//
// Shapes: batch ≥ 1, len(x) = batch·n, len(y) = batch·m, len(w) = m·n
// (panics otherwise). y must not overlap w or x. Error bound: as MatVec.
func MatVecBatch(y, w, x []float32, batch int) {
	matVecAt(level.Active, "MatVecBatch", y, w, x, batch, false)
}

// MatVecBatchAdd sets y[b] += W·x[b] for each of batch vectors; shapes,
// aliasing and layout as MatVecBatch, error bound as MatVecAdd.
func MatVecBatchAdd(y, w, x []float32, batch int) {
	matVecAt(level.Active, "MatVecBatchAdd", y, w, x, batch, true)
}

// matVecAt is the MatVec family at level l: kernel names the exported
// kernel for the panics.
func matVecAt(l level.Level, kernel string, y, w, x []float32, batch int, add bool) {
	checkMatVec(kernel, y, w, x, batch)
	matVecDispatch(l, y, w, x, len(y)/batch, len(x)/batch, batch, add)
}

func checkMatVec(kernel string, y, w, x []float32, batch int) {
	if batch < 1 {
		panic(fmt.Sprintf("kernels.%s: batch = %d; want batch ≥ 1", kernel, batch))
	}
	if len(x)%batch != 0 || len(y)%batch != 0 {
		panic(fmt.Sprintf("kernels.%s: len(x) = %d, len(y) = %d; want multiples of batch = %d", kernel, len(x), len(y), batch))
	}
	rows, cols := len(y)/batch, len(x)/batch
	if want, ok := shape.Mul(rows, cols); !ok || len(w) != want {
		panic(fmt.Sprintf("kernels.%s: len(w) = %d; want len(y)/batch × len(x)/batch = %d × %d = %s", kernel, len(w), rows, cols, product(rows, cols)))
	}
}

// matVecDispatch handles the empty shapes, so the assembly always sees
// rows ≥ 1 and cols ≥ 1.
func matVecDispatch(l level.Level, y, w, x []float32, rows, cols, batch int, add bool) {
	if rows == 0 {
		return
	}
	if cols == 0 {
		// Every row sum is +0; adding it keeps the IEEE rule −0 + +0 = +0.
		for i := range y {
			if add {
				y[i] += 0
			} else {
				y[i] = 0
			}
		}
		return
	}
	matVec(l, y, w, x, rows, cols, batch, add)
}

// matVecGeneric computes four rows at a time so that each element of x is
// loaded once per four rows.
func matVecGeneric(y, w, x []float32, rows, cols, batch int, add bool) {
	for b := 0; b < batch; b++ {
		xb := x[b*cols : (b+1)*cols]
		yb := y[b*rows : (b+1)*rows]
		i := 0
		for ; i+4 <= rows; i += 4 {
			w0 := w[i*cols : (i+1)*cols]
			w1 := w[(i+1)*cols : (i+2)*cols]
			w2 := w[(i+2)*cols : (i+3)*cols]
			w3 := w[(i+3)*cols : (i+4)*cols]
			var s0, s1, s2, s3 float32
			for j, v := range xb {
				s0 += w0[j] * v
				s1 += w1[j] * v
				s2 += w2[j] * v
				s3 += w3[j] * v
			}
			if add {
				yb[i] += s0
				yb[i+1] += s1
				yb[i+2] += s2
				yb[i+3] += s3
			} else {
				yb[i], yb[i+1], yb[i+2], yb[i+3] = s0, s1, s2, s3
			}
		}
		for ; i < rows; i++ {
			s := dotGeneric(w[i*cols:(i+1)*cols], xb)
			if add {
				yb[i] += s
			} else {
				yb[i] = s
			}
		}
	}
}
