package bench

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// activationInput returns n arguments spread over [−10, 10), where both
// activations do real work.
func activationInput(n int) []float32 {
	x := make([]float32, n)
	kerneltest.Fill(kerneltest.Rand(21), x)
	kernels.Scale(10, x)
	return x
}

// reportPerElement reports ns/element alongside ns/op.
func reportPerElement(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/element")
}

// BenchmarkSigmoid and BenchmarkTanh time the kernels at every level on
// n = 4096, and, as level=mathpkg, the loop over the math package they are
// measured against (float64 math.Exp / math.Tanh per element).
func BenchmarkSigmoid(b *testing.B) {
	benchActivation(b, kernels.Sigmoid, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	})
}

func BenchmarkTanh(b *testing.B) {
	benchActivation(b, kernels.Tanh, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = float32(math.Tanh(float64(v)))
		}
	})
}

func benchActivation(b *testing.B, kernel, mathLoop func(dst, x []float32)) {
	const n = 4096
	x := activationInput(n)
	dst := make([]float32, n)
	for _, l := range kerneltest.Levels() {
		b.Run(fmt.Sprintf("level=%v/n=%d", l, n), func(b *testing.B) {
			kerneltest.WithLevel(l, func() {
				b.ReportAllocs()
				b.SetBytes(4 * n)
				for b.Loop() {
					kernel(dst, x)
				}
				reportPerElement(b, n)
			})
		})
	}
	b.Run(fmt.Sprintf("level=mathpkg/n=%d", n), func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(4 * n)
		for b.Loop() {
			mathLoop(dst, x)
		}
		reportPerElement(b, n)
	})
}

// BenchmarkLSTMForward times the fused LSTM pointwise step (with the
// backward cache written) for batch 1 at every level and H.
func BenchmarkLSTMForward(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		gates, c, out, cache := lstmPointwiseData(h)
		for b.Loop() {
			kernels.LSTMForwardBatch(out, c, gates, cache, 1)
		}
		reportPerElement(b, h)
	})
}

// BenchmarkGRUForward times the fused GRU (reset-after) pointwise step
// (with the backward cache written) for batch 1 at every level and H.
func BenchmarkGRUForward(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		r := kerneltest.Rand(uint64(h))
		in, hid, hPrev := make([]float32, 3*h), make([]float32, 3*h), make([]float32, h)
		kerneltest.Fill(r, in)
		kerneltest.Fill(r, hid)
		kerneltest.Fill(r, hPrev)
		out, cache := make([]float32, h), make([]float32, 4*h)
		for b.Loop() {
			kernels.GRUForwardBatch(out, hPrev, in, hid, cache, 1)
		}
		reportPerElement(b, h)
	})
}

// BenchmarkLSTMBackward times the fused LSTM pointwise backward step.
func BenchmarkLSTMBackward(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		gates, c, out, cache := lstmPointwiseData(h)
		cPrev := append([]float32(nil), c...)
		kernels.LSTMForwardBatch(out, c, gates, cache, 1)
		dgates, dcPrev, dc := make([]float32, 4*h), make([]float32, h), make([]float32, h)
		for b.Loop() {
			kernels.LSTMBackwardBatch(dgates, dcPrev, cache, cPrev, c, out, dc, 1)
		}
		reportPerElement(b, h)
	})
}

func lstmPointwiseData(h int) (gates, c, out, cache []float32) {
	r := kerneltest.Rand(uint64(h))
	gates, c = make([]float32, 4*h), make([]float32, h)
	kerneltest.Fill(r, gates)
	kernels.Scale(4, gates)
	kerneltest.Fill(r, c)
	return gates, c, make([]float32, h), make([]float32, 4*h)
}

// BenchmarkLSTMPointwiseShare measures, in one run, the fused pointwise
// step of an LSTM with H = 256 (LSTMForwardBatch with cache) against the
// matrix·vector product of the same step, W = 4H × 2H = 1024 × 512
// (kernels.MatVec), alternating the two; it reports the pointwise step as a
// percentage of the product ("%pointwise", the bar is ≤ 5).
func BenchmarkLSTMPointwiseShare(b *testing.B) {
	const h = 256
	for _, l := range kerneltest.Levels() {
		b.Run(fmt.Sprintf("level=%v/H=%d", l, h), func(b *testing.B) {
			kerneltest.WithLevel(l, func() {
				w, x, y := lstmWeights(h)
				gates, c, out, cache := lstmPointwiseData(h)
				var product, pointwise time.Duration
				for b.Loop() {
					t0 := time.Now()
					kernels.MatVec(y, w, x)
					t1 := time.Now()
					kernels.LSTMForwardBatch(out, c, gates, cache, 1)
					t2 := time.Now()
					product += t1.Sub(t0)
					pointwise += t2.Sub(t1)
				}
				b.ReportMetric(100*pointwise.Seconds()/product.Seconds(), "%pointwise")
				b.ReportMetric(float64(product.Nanoseconds())/float64(b.N), "ns/matvec")
				b.ReportMetric(float64(pointwise.Nanoseconds())/float64(b.N), "ns/pointwise")
			})
		})
	}
}
