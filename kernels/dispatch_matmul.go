//go:build (amd64 || arm64) && !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// microKernel computes one MR×NR tile; see microKernelGeneric.
func microKernel(l level.Level, kc int, a, b, c []float32, ldc int, add bool) {
	switch l {
	case level.AVX2, level.NEON:
		_ = c[(matMulMR-1)*ldc+matMulNR-1] // the tile lies inside c
		gemm6x16SIMD(kc, &a[0], &b[0], &c[0], ldc, add)
		return
	}
	microKernelGeneric(kc, a, b, c, ldc, add)
}
