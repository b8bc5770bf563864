package bench

import (
	"fmt"
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// matMulShapes are the squares and the LSTM shapes of the GEMM issue:
// m×k · k×n. The LSTM ones are the input projection of T = 100 steps
// (100×256 · 256×1024 and 100×512 · 512×2048) and a weight gradient
// (1024×100 · 100×512).
var matMulShapes = []struct {
	name    string
	m, n, k int
}{
	{"square256", 256, 256, 256},
	{"square512", 512, 512, 512},
	{"square1024", 1024, 1024, 1024},
	{"proj100x256x1024", 100, 1024, 256},
	{"proj100x512x2048", 100, 2048, 512},
	{"grad1024x100x512", 1024, 512, 100},
}

// BenchmarkMatMul reports GFLOP/s (2·m·n·k per call) of C = A·B.
func BenchmarkMatMul(b *testing.B) { benchMatMul(b, false) }

// BenchmarkMatMulTransB reports GFLOP/s of C = A·Wᵀ with W stored n×k (a
// weight matrix in PyTorch's layout, as the input projection of bptt's
// Forward and a Linear head call it), at the shapes of BenchmarkMatMul: B
// is packed from its transpose at each call.
func BenchmarkMatMulTransB(b *testing.B) { benchMatMul(b, true) }

// benchMatMul times MatMul at every level and shape, B stored k×n or, with
// transB, n×k.
func benchMatMul(b *testing.B, transB bool) {
	for _, l := range kerneltest.Levels() {
		for _, s := range matMulShapes {
			b.Run(fmt.Sprintf("level=%v/shape=%s", l, s.name), func(b *testing.B) {
				kerneltest.WithLevel(l, func() {
					r := kerneltest.Rand(3)
					a := make([]float32, s.m*s.k)
					bm := make([]float32, s.k*s.n)
					c := make([]float32, s.m*s.n)
					kerneltest.Fill(r, a)
					kerneltest.Fill(r, bm)
					ldb := s.n
					if transB {
						ldb = s.k
					}
					b.ReportAllocs()
					for b.Loop() {
						kernels.MatMul(false, transB, s.m, s.n, s.k, a, s.k, bm, ldb, c, s.n)
					}
					b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			})
		}
	}
}
