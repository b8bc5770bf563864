package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The level-taking entry points of the linear-algebra and step kernels, for package
// kernels' tests only (no public API): each is the exported kernel of the
// same name, checks and panics included, at level l instead of
// level.Active, so the tests run the levels in parallel. main_test.go hands
// them to kerneltest.

func DotAt(l level.Level, x, y []float32) float32 { return dotAt(l, x, y) }

func AxpyAt(l level.Level, alpha float32, x, y []float32) { axpyAt(l, alpha, x, y) }

func ScaleAt(l level.Level, alpha float32, x []float32) { scaleAt(l, alpha, x) }

func MatVecAt(l level.Level, y, w, x []float32) { matVecAt(l, "MatVec", y, w, x, 1, false) }

func MatVecAddAt(l level.Level, y, w, x []float32) { matVecAt(l, "MatVecAdd", y, w, x, 1, true) }

func MatVecBatchAt(l level.Level, y, w, x []float32, batch int) {
	matVecAt(l, "MatVecBatch", y, w, x, batch, false)
}

func MatVecBatchAddAt(l level.Level, y, w, x []float32, batch int) {
	matVecAt(l, "MatVecBatchAdd", y, w, x, batch, true)
}

func MatTVecAddAt(l level.Level, y, w, x []float32) { matTVecAddAt(l, y, w, x) }

func Rank1AddAt(l level.Level, w, a, b []float32) { rank1AddAt(l, w, a, b) }

func MatMulAt(l level.Level, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	matMulAt(l, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, false)
}

func MatMulAddAt(l level.Level, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	matMulAt(l, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, true)
}

func MatMulPackedAt(l level.Level, transA bool, m int, a []float32, lda int, b *PackedMatrix, c []float32, ldc int) {
	matMulPackedAt(l, transA, m, a, lda, b, c, ldc, false)
}

func MatMulPackedAddAt(l level.Level, transA bool, m int, a []float32, lda int, b *PackedMatrix, c []float32, ldc int) {
	matMulPackedAt(l, transA, m, a, lda, b, c, ldc, true)
}

func LSTMStepAt(l level.Level, h, c, w, xh, bias []float32) { lstmStepAt(l, h, c, w, xh, bias) }

func GRUStepAt(l level.Level, h, wIH, wHH, x, hPrev, bIH, bHH []float32) {
	gruStepAt(l, h, wIH, wHH, x, hPrev, bIH, bHH)
}

// The reduced-precision kernels at level l.

func MatVecF16At(l level.Level, y []float32, w []F16, x []float32, batch int, add bool) {
	matVecHalfAt(l, "MatVecF16", false, y, halfBits(w), x, batch, add)
}

func MatVecBF16At(l level.Level, y []float32, w []BF16, x []float32, batch int, add bool) {
	matVecHalfAt(l, "MatVecBF16", true, y, halfBits(w), x, batch, add)
}

func MatVecInt8At(l level.Level, y []float32, w []int8, ws []float32, x []int8, xs []float32, add bool) {
	matVecInt8At(l, "MatVecInt8", y, w, ws, x, xs, add)
}

func QuantizeVectorAt(l level.Level, q []int8, x []float32) float32 { return quantizeVector(l, q, x) }

func LSTMStepF16At(l level.Level, h, c []float32, wIH, wHH []F16, x, hPrev, bias []float32) {
	lstmStepHalfAt(l, "LSTMStepF16", false, h, c, halfBits(wIH), halfBits(wHH), x, hPrev, bias)
}

func LSTMStepBF16At(l level.Level, h, c []float32, wIH, wHH []BF16, x, hPrev, bias []float32) {
	lstmStepHalfAt(l, "LSTMStepBF16", true, h, c, halfBits(wIH), halfBits(wHH), x, hPrev, bias)
}

func GRUStepF16At(l level.Level, h []float32, wIH, wHH []F16, x, hPrev, bIH, bHH []float32) {
	gruStepHalfAt(l, "GRUStepF16", false, h, halfBits(wIH), halfBits(wHH), x, hPrev, bIH, bHH)
}

func GRUStepBF16At(l level.Level, h []float32, wIH, wHH []BF16, x, hPrev, bIH, bHH []float32) {
	gruStepHalfAt(l, "GRUStepBF16", true, h, halfBits(wIH), halfBits(wHH), x, hPrev, bIH, bHH)
}

func LSTMStepInt8At(l level.Level, h, c []float32, wIH []int8, sIH []float32, wHH []int8, sHH []float32, x, hPrev, bias []float32, q []int8) {
	lstmStepInt8At(l, h, c, wIH, sIH, wHH, sHH, x, hPrev, bias, q)
}

func GRUStepInt8At(l level.Level, h []float32, wIH []int8, sIH []float32, wHH []int8, sHH []float32, x, hPrev, bIH, bHH []float32, q []int8) {
	gruStepInt8At(l, h, wIH, sIH, wHH, sHH, x, hPrev, bIH, bHH, q)
}

// MatMulSplitOf returns how MatMul splits the first block of an m×n×k
// product at the current SetMatMulWorkers setting: workers and whether by
// columns.
func MatMulSplitOf(m, n, k int) (workers int, cols bool) {
	return matMulSplit(m, min(n, matMulNC), min(k, matMulKC))
}
