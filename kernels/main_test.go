package kernels_test

import (
	"testing"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// TestMain binds the shared drivers to the level-taking entry points of
// export_test.go, so that the per-level runs need not force level.Active and
// can run in parallel (see kerneltest.ForEachLevelParallel), then fails the
// run when a level this CPU/build offers was not exercised, or when
// SIMDRNN_REQUIRE_LEVELS / SIMDRNN_EXPECT_LEVEL are not met.
func TestMain(m *testing.M) {
	kerneltest.SetLevelKernels(levelKernels)
	kerneltest.Main(m)
}

func levelKernels(l level.Level) kerneltest.Kernels {
	return kerneltest.Kernels{
		Dot:         func(x, y []float32) float32 { return kernels.DotAt(l, x, y) },
		Axpy:        func(alpha float32, x, y []float32) { kernels.AxpyAt(l, alpha, x, y) },
		Scale:       func(alpha float32, x []float32) { kernels.ScaleAt(l, alpha, x) },
		MatVec:      func(y, w, x []float32) { kernels.MatVecAt(l, y, w, x) },
		MatVecAdd:   func(y, w, x []float32) { kernels.MatVecAddAt(l, y, w, x) },
		MatVecBatch: func(y, w, x []float32, batch int) { kernels.MatVecBatchAt(l, y, w, x, batch) },
		MatVecBatchAdd: func(y, w, x []float32, batch int) {
			kernels.MatVecBatchAddAt(l, y, w, x, batch)
		},
		MatTVecAdd: func(y, w, x []float32) { kernels.MatTVecAddAt(l, y, w, x) },
		Rank1Add:   func(w, a, b []float32) { kernels.Rank1AddAt(l, w, a, b) },
		MatMul: func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
			kernels.MatMulAt(l, transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
		},
		MatMulAdd: func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
			kernels.MatMulAddAt(l, transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
		},
		MatMulPacked: func(transA bool, m int, a []float32, lda int, b *kernels.PackedMatrix, c []float32, ldc int) {
			kernels.MatMulPackedAt(l, transA, m, a, lda, b, c, ldc)
		},
		MatMulPackedAdd: func(transA bool, m int, a []float32, lda int, b *kernels.PackedMatrix, c []float32, ldc int) {
			kernels.MatMulPackedAddAt(l, transA, m, a, lda, b, c, ldc)
		},
		LSTMStep: func(h, c, w, xh, bias []float32) { kernels.LSTMStepAt(l, h, c, w, xh, bias) },
		GRUStep: func(h, wIH, wHH, x, hPrev, bIH, bHH []float32) {
			kernels.GRUStepAt(l, h, wIH, wHH, x, hPrev, bIH, bHH)
		},
	}
}
