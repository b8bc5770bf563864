//go:build (!amd64 && !arm64) || purego

package kernels

func dot(x, y []float32) float32         { return dotGeneric(x, y) }
func axpy(alpha float32, x, y []float32) { axpyGeneric(alpha, x, y) }
func scale(alpha float32, x []float32)   { scaleGeneric(alpha, x) }
func matTVecAdd(y, w, x []float32)       { matTVecAddGeneric(y, w, x) }
func rank1Add(w, a, b []float32)         { rank1AddGeneric(w, a, b) }
func matVec(y, w, x []float32, rows, cols, batch int, add bool) {
	matVecGeneric(y, w, x, rows, cols, batch, add)
}
