package kerneltest

import (
	"testing"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/kernels"
)

// Kernels is the linear-algebra and step kernels bound to one level, as the specs
// and MatMulCase call them. Each function is the exported kernel of the
// same name, checks and panics included.
type Kernels struct {
	Dot             func(x, y []float32) float32
	Axpy            func(alpha float32, x, y []float32)
	Scale           func(alpha float32, x []float32)
	MatVec          func(y, w, x []float32)
	MatVecAdd       func(y, w, x []float32)
	MatVecBatch     func(y, w, x []float32, batch int)
	MatVecBatchAdd  func(y, w, x []float32, batch int)
	MatTVecAdd      func(y, w, x []float32)
	Rank1Add        func(w, a, b []float32)
	MatMul          func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)
	MatMulAdd       func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)
	MatMulPacked    func(transA bool, m int, a []float32, lda int, b *kernels.PackedMatrix, c []float32, ldc int)
	MatMulPackedAdd func(transA bool, m int, a []float32, lda int, b *kernels.PackedMatrix, c []float32, ldc int)
	LSTMStep        func(h, c, w, xh, bias []float32)
	GRUStep         func(h, wIH, wHH, x, hPrev, bIH, bHH []float32)

	// bound reports that the functions run one fixed level, not
	// level.Active, so they may run in parallel with other levels.
	bound bool
}

// Exported is the exported kernels, which run level.Active.
var Exported = &Kernels{
	Dot: kernels.Dot, Axpy: kernels.Axpy, Scale: kernels.Scale,
	MatVec: kernels.MatVec, MatVecAdd: kernels.MatVecAdd,
	MatVecBatch: kernels.MatVecBatch, MatVecBatchAdd: kernels.MatVecBatchAdd,
	MatTVecAdd: kernels.MatTVecAdd, Rank1Add: kernels.Rank1Add,
	MatMul: kernels.MatMul, MatMulAdd: kernels.MatMulAdd,
	MatMulPacked: kernels.MatMulPacked, MatMulPackedAdd: kernels.MatMulPackedAdd,
	LSTMStep: kernels.LSTMStep, GRUStep: kernels.GRUStep,
}

// LevelKernels, when set, returns the kernels bound to level l. Package
// kernels' TestMain sets it (from kernels/export_test.go, which reaches the
// unexported level-taking entry points without public API); elsewhere
// (fuzz, bench, cells, bptt) it is nil and the drivers below fall back to
// forcing level.Active around the Exported kernels, sequentially.
var LevelKernels func(l level.Level) Kernels

// SetLevelKernels installs at as LevelKernels; the Kernels it returns are
// marked as bound to their level.
func SetLevelKernels(at func(l level.Level) Kernels) {
	LevelKernels = func(l level.Level) Kernels {
		k := at(l)
		k.bound = true
		return k
	}
}

// Parallel calls t.Parallel when k is bound to a level. Unbound (Exported)
// kernels read level.Active, which a sequential caller forced for the
// duration of its own function only: its subtests must not be deferred.
func (k *Kernels) Parallel(t *testing.T) {
	if k.bound {
		t.Parallel()
	}
}

// ForEachLevelParallel runs f as a subtest once per available level, with
// the kernels of that level, and records that the level was exercised.
//
// With LevelKernels set, the subtests are parallel (t.Parallel) and level.Active
// is not touched. This is safe next to the tests that force level.Active
// (ForEachLevel, WithLevel: allocation tests, dispatch checks, anything
// reading level.Active), which all stay sequential: Go runs a test's
// parallel subtests only after the test's own function returned, and does
// not start the next top-level test until they all finished, so a parallel
// subtest never overlaps a sequential top-level test. Top-level tests must
// therefore not call t.Parallel themselves while any test forces the level.
//
// Without LevelKernels, f runs sequentially with the level forced and the
// Exported kernels.
func ForEachLevelParallel(t *testing.T, f func(t *testing.T, k *Kernels)) {
	t.Helper()
	for _, l := range Levels() {
		t.Run(l.String(), func(t *testing.T) {
			markExercised(l)
			if LevelKernels != nil {
				k := LevelKernels(l)
				t.Parallel()
				f(t, &k)
				return
			}
			WithLevel(l, func() { f(t, Exported) })
		})
	}
}

// ParallelLevels calls t.Parallel when LevelKernels is set: for subtests
// that run every level through it (MatMulCase.RunEveryLevel) without
// touching level.Active. The rule of ForEachLevelParallel applies.
func ParallelLevels(t *testing.T) {
	if LevelKernels != nil {
		t.Parallel()
	}
}

// kernelsAt runs f with the kernels of level l: bound ones when
// LevelKernels is set, else the Exported ones with l forced.
func kernelsAt(l level.Level, f func(k *Kernels)) {
	if LevelKernels != nil {
		markExercised(l)
		k := LevelKernels(l)
		f(&k)
		return
	}
	WithLevel(l, func() { f(Exported) })
}

// ForEachLevelAt runs f as a parallel subtest once per available level,
// handing it the level, and records that the level was exercised: for
// kernels whose level-taking entry points the test calls directly
// (kernels/export_test.go). The rule of ForEachLevelParallel applies.
func ForEachLevelAt(t *testing.T, f func(t *testing.T, l level.Level)) {
	t.Helper()
	for _, l := range Levels() {
		t.Run(l.String(), func(t *testing.T) {
			markExercised(l)
			t.Parallel()
			f(t, l)
		})
	}
}
