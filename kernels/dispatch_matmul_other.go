//go:build (!amd64 && !arm64) || purego

package kernels

// microKernel computes one MR×NR tile; see microKernelGeneric.
func microKernel(kc int, a, b, c []float32, ldc int, add bool) {
	microKernelGeneric(kc, a, b, c, ldc, add)
}

// microKernelRows: edge rows go through the edge tile at this level.
func microKernelRows(_, _ int, _, _, _ []float32, _ int, _ bool) bool { return false }

func packATrans(dst, src []float32, kc, panels, lda int) {
	packATransGeneric(dst, src, kc, panels, lda)
}

func packA6(dst, r0, r1, r2, r3, r4, r5 []float32) {
	packA6Generic(dst, r0, r1, r2, r3, r4, r5)
}
