package ref

import "math"

// MatMul returns op(A)·op(B) as an m×n row-major slice (or C + op(A)·op(B)
// with add, each element's sum formed first from +0), where op(A)[i][p] is
// a[i*lda+p], or a[p*lda+i] with transA, and op(B)[p][j] is b[p*ldb+j], or
// b[j*ldb+p] with transB. It also returns Σ_p |op(A)[i][p]·op(B)[p][j]| per
// element, the scale of the error bound.
func MatMul(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, add bool) (out, scale []float64) {
	out = make([]float64, m*n)
	scale = make([]float64, m*n)
	// op(A) row by row and op(B) column by column, widened once, so the
	// inner loop runs over contiguous values; the sums are the same, term
	// by term in the same order, as indexing the operands directly.
	opA := make([]float64, m*k)
	opB := make([]float64, n*k) // column j of op(B) at opB[j*k:]
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			if transA {
				opA[i*k+p] = float64(a[p*lda+i])
			} else {
				opA[i*k+p] = float64(a[i*lda+p])
			}
		}
	}
	for j := 0; j < n; j++ {
		for p := 0; p < k; p++ {
			if transB {
				opB[j*k+p] = float64(b[j*ldb+p])
			} else {
				opB[j*k+p] = float64(b[p*ldb+j])
			}
		}
	}
	for i := 0; i < m; i++ {
		row := opA[i*k : (i+1)*k]
		for j := 0; j < n; j++ {
			col := opB[j*k : (j+1)*k]
			sum, abs := 0.0, 0.0
			for p, av := range row {
				prod := av * col[p]
				sum += prod
				abs += math.Abs(prod)
			}
			if add {
				cv := float64(c[i*ldc+j])
				sum = cv + sum
				abs += math.Abs(cv)
			}
			out[i*n+j], scale[i*n+j] = sum, abs
		}
	}
	return out, scale
}
