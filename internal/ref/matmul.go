package ref

// MatMul returns op(A)·op(B) as an m×n row-major slice (or C + op(A)·op(B)
// with add, each element's sum formed first from +0), where op(A)[i][p] is
// a[i*lda+p], or a[p*lda+i] with transA, and op(B)[p][j] is b[p*ldb+j], or
// b[j*ldb+p] with transB. It also returns Σ_p |op(A)[i][p]·op(B)[p][j]| per
// element, the scale of the error bound.
func MatMul(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, add bool) (out, scale []float64) {
	out = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			sum, abs := 0.0, 0.0
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				prod := float64(av) * float64(bv)
				sum += prod
				if prod < 0 {
					prod = -prod
				}
				abs += prod
			}
			if add {
				cv := float64(c[i*ldc+j])
				sum = cv + sum
				if cv < 0 {
					cv = -cv
				}
				abs += cv
			}
			out[i*n+j], scale[i*n+j] = sum, abs
		}
	}
	return out, scale
}
