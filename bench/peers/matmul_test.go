package peers

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/simdrnn/simdrnn/kernels"
)

// matMulShapes are the GEMM issue's shapes, m×k · k×n: squares, the input
// projection of T = 100 steps (100×256 · 256×1024, 100×512 · 512×2048) and a
// weight gradient (1024×100 · 100×512).
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

type matMulImpl struct {
	name string
	run  func(m, n, k int, a, b, c []float32)
}

func matMulImpls() []matMulImpl {
	impls := []matMulImpl{
		{"simdrnn", func(m, n, k int, a, b, c []float32) { kernels.MatMul(false, false, m, n, k, a, k, b, n, c, n) }},
		{"simdrnn-2workers", func(m, n, k int, a, b, c []float32) {
			previous := kernels.SetMatMulWorkers(2)
			kernels.MatMul(false, false, m, n, k, a, k, b, n, c, n)
			kernels.SetMatMulWorkers(previous)
		}},
		{"gonum", func(m, n, k int, a, b, c []float32) {
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
				blas32.General{Rows: m, Cols: k, Stride: k, Data: a},
				blas32.General{Rows: k, Cols: n, Stride: n, Data: b}, 0,
				blas32.General{Rows: m, Cols: n, Stride: n, Data: c})
		}},
	}
	if OpenBLASAvailable {
		impls = append(impls, matMulImpl{"openblas", Sgemm})
	}
	return impls
}

// BenchmarkMatMul reports GFLOP/s (2·m·n·k per call) of C = A·B for each
// implementation, single-threaded except simdrnn-2workers.
func BenchmarkMatMul(b *testing.B) {
	for _, s := range matMulShapes {
		a, bm := make([]float32, s.m*s.k), make([]float32, s.k*s.n)
		fill(a, 1)
		fill(bm, 2)
		for _, impl := range matMulImpls() {
			b.Run(fmt.Sprintf("shape=%s/impl=%s", s.name, impl.name), func(b *testing.B) {
				c := make([]float32, s.m*s.n)
				b.ReportAllocs()
				for b.Loop() {
					impl.run(s.m, s.n, s.k, a, bm, c)
				}
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestMatMulPeersAgree checks every implementation computes the same product.
func TestMatMulPeersAgree(t *testing.T) {
	m, n, k := 37, 53, 71
	a, bm := make([]float32, m*k), make([]float32, k*n)
	fill(a, 3)
	fill(bm, 4)
	want := make([]float32, m*n)
	kernels.MatMul(false, false, m, n, k, a, k, bm, n, want, n)
	for _, impl := range matMulImpls() {
		c := make([]float32, m*n)
		impl.run(m, n, k, a, bm, c)
		for i := range c {
			if math.Abs(float64(c[i]-want[i])) > 1e-4*float64(k) {
				t.Fatalf("%s: c[%d] = %v, simdrnn %v", impl.name, i, c[i], want[i])
			}
		}
	}
}

func fill(s []float32, seed uint64) {
	x := seed*0x9e3779b97f4a7c15 + 1
	for i := range s {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		s[i] = float32(x>>40)/float32(1<<24)*2 - 1
	}
}
