//go:build (!amd64 && !arm64) || purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// Only the generic level exists on this architecture or in the purego
// build.

func dot(_ level.Level, x, y []float32) float32         { return dotGeneric(x, y) }
func axpy(_ level.Level, alpha float32, x, y []float32) { axpyGeneric(alpha, x, y) }
func scale(_ level.Level, alpha float32, x []float32)   { scaleGeneric(alpha, x) }
func matTVecAdd(_ level.Level, y, w, x []float32)       { matTVecAddGeneric(y, w, x) }
func rank1Add(_ level.Level, w, a, b []float32)         { rank1AddGeneric(w, a, b) }
func matVec(_ level.Level, y, w, x []float32, rows, cols, batch int, add bool) {
	matVecGeneric(y, w, x, rows, cols, batch, add)
}
