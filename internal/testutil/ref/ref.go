// Package ref holds the float64 reference implementation of every kernel.
//
// Each function takes float32 inputs, as the kernels do, and computes in
// float64 in the order the kernel's doc comment gives as its reference loop.
// The product of two float32 values is exact in float64, so the only error
// left in a reference result is float64 rounding of the sums, far below the
// float32 bounds the kernels promise. Tests, fuzz targets and benchmarks use
// this package and nothing else does.
package ref

import "math"

// Dot returns Σ x[i]·y[i], summed from +0.
func Dot(x, y []float32) float64 {
	sum := 0.0
	for i := range x {
		sum += float64(x[i]) * float64(y[i])
	}
	return sum
}

// AbsDot returns Σ |x[i]·y[i]|, the scale of the error bound of Dot.
func AbsDot(x, y []float32) float64 {
	sum := 0.0
	for i := range x {
		// math.Abs, not a sign test: a branch on random signs mispredicts
		// half the time and made this most of the tests' reference cost.
		sum += math.Abs(float64(x[i]) * float64(y[i]))
	}
	return sum
}

// Axpy returns y[i] + alpha·x[i] for every i.
func Axpy(alpha float32, x, y []float32) []float64 {
	out := make([]float64, len(y))
	for i := range y {
		out[i] = float64(y[i]) + float64(alpha)*float64(x[i])
	}
	return out
}

// Scale returns alpha·x[i] for every i.
func Scale(alpha float32, x []float32) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = float64(alpha) * float64(x[i])
	}
	return out
}

// MatVec returns W·x for the rows×cols matrix w (row-major), rows = len(w)/len(x).
// With add set it returns y + W·x, the sum of each row formed first from +0.
func MatVec(y, w, x []float32, add bool) []float64 {
	rows, cols := len(y), len(x)
	out := make([]float64, rows)
	for i := 0; i < rows; i++ {
		sum := Dot(w[i*cols:(i+1)*cols], x)
		if add {
			sum = float64(y[i]) + sum
		}
		out[i] = sum
	}
	return out
}

// MatVecBatch returns y[b] = W·x[b] (or y[b] + W·x[b] with add) for every
// batch row b; x is batch×cols, y batch×rows, both row-major.
func MatVecBatch(y, w, x []float32, batch int, add bool) []float64 {
	rows, cols := len(y)/batch, len(x)/batch
	out := make([]float64, 0, len(y))
	for b := 0; b < batch; b++ {
		out = append(out, MatVec(y[b*rows:(b+1)*rows], w, x[b*cols:(b+1)*cols], add)...)
	}
	return out
}

// MatTVecAdd returns y + Wᵀ·x where W is len(x)×len(y), each y[j] accumulated
// in place: y[j] + w[0][j]·x[0] + w[1][j]·x[1] + …
func MatTVecAdd(y, w, x []float32) []float64 {
	rows, cols := len(x), len(y)
	out := make([]float64, cols)
	for j := 0; j < cols; j++ {
		sum := float64(y[j])
		for i := 0; i < rows; i++ {
			sum += float64(w[i*cols+j]) * float64(x[i])
		}
		out[j] = sum
	}
	return out
}

// MatTVecAbs returns |y| + |W|ᵀ·|x|, the scale of the error bound of MatTVecAdd.
func MatTVecAbs(y, w, x []float32) []float64 {
	rows, cols := len(x), len(y)
	out := make([]float64, cols)
	for j := 0; j < cols; j++ {
		sum := abs(float64(y[j]))
		for i := 0; i < rows; i++ {
			sum += abs(float64(w[i*cols+j]) * float64(x[i]))
		}
		out[j] = sum
	}
	return out
}

// Rank1Add returns W + a·bᵀ where W is len(a)×len(b).
func Rank1Add(w, a, b []float32) []float64 {
	rows, cols := len(a), len(b)
	out := make([]float64, len(w))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			out[i*cols+j] = float64(w[i*cols+j]) + float64(a[i])*float64(b[j])
		}
	}
	return out
}

func abs(v float64) float64 { return math.Abs(v) }
