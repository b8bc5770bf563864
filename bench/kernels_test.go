package bench

import (
	"fmt"
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

var hiddenSizes = []int{64, 128, 256, 512, 1024}

// lstmWeights returns W (4H × 2H) and vectors x (2H) and y (4H), filled.
func lstmWeights(h int) (w, x, y []float32) {
	r := kerneltest.Rand(uint64(h))
	w = make([]float32, 4*h*2*h)
	x = make([]float32, 2*h)
	y = make([]float32, 4*h)
	kerneltest.Fill(r, w)
	kerneltest.Fill(r, x)
	kerneltest.Fill(r, y)
	return w, x, y
}

// eachLevel runs one sub-benchmark per level and H.
func eachLevel(b *testing.B, body func(b *testing.B, h int)) {
	for _, l := range kerneltest.Levels() {
		for _, h := range hiddenSizes {
			b.Run(fmt.Sprintf("level=%v/H=%d", l, h), func(b *testing.B) {
				kerneltest.WithLevel(l, func() {
					b.ReportAllocs()
					body(b, h)
				})
			})
		}
	}
}

var sink float32

// BenchmarkDot streams two vectors of 4H·H float32s each: as many bytes as
// the 4H × 2H weight matrix.
func BenchmarkDot(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		w, _, _ := lstmWeights(h)
		half := len(w) / 2
		x, y := w[:half], w[half:]
		b.SetBytes(int64(4 * len(w)))
		for b.Loop() {
			sink += kernels.Dot(x, y)
		}
	})
}

func BenchmarkMatVec(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		w, x, y := lstmWeights(h)
		b.SetBytes(int64(4 * len(w)))
		for b.Loop() {
			kernels.MatVec(y, w, x)
		}
	})
}

func BenchmarkMatVecAdd(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		w, x, y := lstmWeights(h)
		b.SetBytes(int64(4 * len(w)))
		for b.Loop() {
			kernels.MatVecAdd(y, w, x)
		}
	})
}

// BenchmarkMatVecBatch reports bytes of W per call: with W read once per
// call, time per call should grow far slower than the batch.
func BenchmarkMatVecBatch(b *testing.B) {
	for _, l := range kerneltest.Levels() {
		for _, batch := range []int{1, 2, 4, 8} {
			for _, h := range hiddenSizes {
				b.Run(fmt.Sprintf("level=%v/B=%d/H=%d", l, batch, h), func(b *testing.B) {
					kerneltest.WithLevel(l, func() {
						b.ReportAllocs()
						w, _, _ := lstmWeights(h)
						r := kerneltest.Rand(7)
						x := make([]float32, batch*2*h)
						y := make([]float32, batch*4*h)
						kerneltest.Fill(r, x)
						b.SetBytes(int64(4 * len(w)))
						for b.Loop() {
							kernels.MatVecBatch(y, w, x, batch)
						}
					})
				})
			}
		}
	}
}

// BenchmarkMatTVecAdd is the backward pass's dx/dh product: y (2H) += Wᵀ·x (4H).
func BenchmarkMatTVecAdd(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		w, x, y := lstmWeights(h)
		b.SetBytes(int64(4 * len(w)))
		for b.Loop() {
			kernels.MatTVecAdd(x, w, y)
		}
	})
}

// BenchmarkRank1Add reads and writes W once: W (4H × 2H) += y·xᵀ, with
// small values so repeated calls stay finite.
func BenchmarkRank1Add(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		w, x, y := lstmWeights(h)
		kernels.Scale(1e-9, y)
		b.SetBytes(int64(4 * len(w)))
		for b.Loop() {
			kernels.Rank1Add(w, y, x)
		}
	})
}

// BenchmarkAxpy reads x and reads and writes y, each of 4H·H float32s.
func BenchmarkAxpy(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		w, _, _ := lstmWeights(h)
		half := len(w) / 2
		x, y := w[:half], w[half:]
		b.SetBytes(int64(4 * len(w)))
		for b.Loop() {
			kernels.Axpy(1e-9, x, y)
		}
	})
}

// BenchmarkScale reads and writes a vector of 8H·H float32s.
func BenchmarkScale(b *testing.B) {
	eachLevel(b, func(b *testing.B, h int) {
		w, _, _ := lstmWeights(h)
		b.SetBytes(int64(4 * len(w)))
		for b.Loop() {
			kernels.Scale(1, w)
		}
	})
}
