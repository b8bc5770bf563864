//go:build !purego

package kernels_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// TestStridedStepKernels runs the strided AVX2 step kernels directly at
// hidden sizes the dispatch may not give them (GRUStep takes the strided
// kernel only from H = 128 on): they must give the same bits as the plain
// kernels, which TestLSTMStep and TestGRUStep hold to MatVecAdd followed by
// the pointwise kernel.
func TestStridedStepKernels(t *testing.T) {
	kerneltest.NeedLevel(t, level.AVX2)
	r := rand.New(rand.NewPCG(3, 5))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.NormFloat64()) * 0.3
		}
		return s
	}
	for _, hidden := range []int{16, 32, 48, 64, 80, 112} {
		for _, inputs := range []int{1, 8, 13} {
			name := fmt.Sprintf("H=%d I=%d", hidden, inputs)
			cols := inputs + hidden
			w, xh, bias, c := fill(4*hidden*cols), fill(cols), fill(4*hidden), fill(hidden)
			h1, h2 := make([]float32, hidden), make([]float32, hidden)
			c1, c2 := append([]float32(nil), c...), append([]float32(nil), c...)
			kernels.LSTMStepSIMD(h1, c1, w, xh, bias, hidden, cols)
			kernels.LSTMStepStridedSIMD(h2, c2, w, xh, bias, hidden, cols)
			require.Equal(t, h1, h2, "LSTM h "+name)
			require.Equal(t, c1, c2, "LSTM c "+name)

			wIH, wHH, x, hPrev := fill(3*hidden*inputs), fill(3*hidden*hidden), fill(inputs), fill(hidden)
			bIH, bHH := fill(3*hidden), fill(3*hidden)
			kernels.GRUStepSIMD(h1, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs)
			kernels.GRUStepStridedSIMD(h2, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs)
			require.Equal(t, h1, h2, "GRU h "+name)
		}
	}
}
