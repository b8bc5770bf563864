//go:build !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// microKernel computes one MR×NR tile; see microKernelGeneric.
func microKernel(kc int, a, b, c []float32, ldc int, add bool) {
	if level.Active == level.AVX2 {
		_ = c[(matMulMR-1)*ldc+matMulNR-1] // the tile lies inside c
		gemm6x16AVX2(kc, &a[0], &b[0], &c[0], ldc, add)
		return
	}
	microKernelGeneric(kc, a, b, c, ldc, add)
}

// microKernelRows computes the first mr < MR rows of an MR×NR tile straight
// into c (AVX2; the 6-row panel of a is read as packed) and reports whether
// it could; other levels go through the edge tile.
func microKernelRows(kc, mr int, a, b, c []float32, ldc int, add bool) bool {
	if level.Active != level.AVX2 {
		return false
	}
	_ = c[(mr-1)*ldc+matMulNR-1] // the rows lie inside c
	_ = a[matMulMR*kc-1]
	_ = b[matMulNR*kc-1]
	switch mr {
	case 5:
		gemm5x16AVX2(kc, &a[0], &b[0], &c[0], ldc, add)
	case 4:
		gemm4x16AVX2(kc, &a[0], &b[0], &c[0], ldc, add)
	case 3:
		gemm3x16AVX2(kc, &a[0], &b[0], &c[0], ldc, add)
	case 2:
		gemm2x16AVX2(kc, &a[0], &b[0], &c[0], ldc, add)
	case 1:
		gemm1x16AVX2(kc, &a[0], &b[0], &c[0], ldc, add)
	default:
		return false
	}
	return true
}

// packATrans runs packATransGeneric's loop; len(dst) = panels·6·kc and
// len(src) = (kc−1)·lda + panels·6 (the caller slices them so).
func packATrans(dst, src []float32, kc, panels, lda int) {
	if level.Active != level.AVX2 {
		packATransGeneric(dst, src, kc, panels, lda)
		return
	}
	_ = dst[panels*matMulMR*kc-1]
	_ = src[(kc-1)*lda+panels*matMulMR-1]
	packATransAVX2(&dst[0], &src[0], kc, panels, lda)
}
