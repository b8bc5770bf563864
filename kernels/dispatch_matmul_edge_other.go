//go:build !amd64 || purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// microKernelRows: edge rows go through the edge tile at these levels.
func microKernelRows(_ level.Level, _, _ int, _, _, _ []float32, _ int, _ bool) bool { return false }

func packATrans(_ level.Level, dst, src []float32, kc, panels, lda int) {
	packATransGeneric(dst, src, kc, panels, lda)
}

func packA6(_ level.Level, dst, r0, r1, r2, r3, r4, r5 []float32) {
	packA6Generic(dst, r0, r1, r2, r3, r4, r5)
}

func packB16(_ level.Level, _, _ []float32, _, _ int) bool { return false }

func packBT16(_ level.Level, _, _ []float32, _, _ int) int { return 0 }
