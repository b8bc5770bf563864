//go:build (!amd64 && !arm64) || purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// microKernel computes one MR×NR tile; see microKernelGeneric.
func microKernel(_ level.Level, kc int, a, b, c []float32, ldc int, add bool) {
	microKernelGeneric(kc, a, b, c, ldc, add)
}
