package kernels

import (
	"fmt"
	"testing"

	"github.com/simdrnn/simdrnn/internal/level"
)

// BenchmarkPackA times packA on one MC×KC block of a plain and of a
// transposed A (the per-step and input-projection products pack a plain A,
// the weight gradients a transposed one), at every available level; the
// report is ns per packed float. (An internal benchmark: packA is not
// exported, so package bench cannot reach it.)
func BenchmarkPackA(b *testing.B) {
	const mc, kc, lda = matMulMC, matMulKC, 1024
	a := make([]float32, (matMulMC+matMulKC)*lda)
	for i := range a {
		a[i] = float32(i % 97)
	}
	dst := make([]float32, matMulMC*matMulKC)
	for _, l := range level.Available() {
		for _, trans := range []bool{false, true} {
			b.Run(fmt.Sprintf("level=%v/transA=%v", l, trans), func(b *testing.B) {
				for b.Loop() {
					packA(l, dst, trans, a, lda, 0, 0, mc, kc)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(mc*kc), "ns/float")
			})
		}
	}
}
