package kernels_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// stepShapes are the (H, I) of the step tests: every H up to five blocks
// of eight and a tail, inputs shorter and longer than a vector, with and
// without a partial vector, and multiples of 16 (AVX2's strided kernels)
// of one to several groups of eight blocks.
func stepShapes() (shapes [][2]int) {
	for h := 1; h <= 41; h++ {
		for _, in := range []int{1, 3, 8, 13, 24} {
			shapes = append(shapes, [2]int{h, in})
		}
	}
	return append(shapes, [2]int{48, 5}, [2]int{64, 64}, [2]int{80, 13}, [2]int{128, 37}, [2]int{192, 1})
}

type lstmStepCase struct {
	h, c, w, xh, bias []float32
}

func newLSTMStepCase(seed uint64, hidden, inputs int) lstmStepCase {
	r := kerneltest.Rand(seed)
	k := inputs + hidden
	s := lstmStepCase{h: make([]float32, hidden), c: make([]float32, hidden), w: make([]float32, 4*hidden*k),
		xh: make([]float32, k), bias: make([]float32, 4*hidden)}
	for _, v := range [][]float32{s.c, s.w, s.xh, s.bias} {
		kerneltest.Fill(r, v)
	}
	kernels.Scale(float32(2/math.Sqrt(float64(k))), s.w) // pre-activations of a few units
	return s
}

type gruStepCase struct {
	h, wIH, wHH, x, hPrev, bIH, bHH []float32
}

func newGRUStepCase(seed uint64, hidden, inputs int) gruStepCase {
	r := kerneltest.Rand(seed)
	s := gruStepCase{h: make([]float32, hidden), wIH: make([]float32, 3*hidden*inputs), wHH: make([]float32, 3*hidden*hidden),
		x: make([]float32, inputs), hPrev: make([]float32, hidden), bIH: make([]float32, 3*hidden), bHH: make([]float32, 3*hidden)}
	for _, v := range [][]float32{s.wIH, s.wHH, s.x, s.hPrev, s.bIH, s.bHH} {
		kerneltest.Fill(r, v)
	}
	kernels.Scale(float32(2/math.Sqrt(float64(inputs))), s.wIH)
	kernels.Scale(float32(2/math.Sqrt(float64(hidden))), s.wHH)
	return s
}

// rowSum64 returns bias + Σ w[row]·v in float64 and Σ|w[row]·v|.
func rowSum64(w, v []float32, bias float32, row int) (sum, abs float64) {
	sum = float64(bias)
	for j, x := range v {
		p := float64(w[row*len(v)+j]) * float64(x)
		sum += p
		abs += math.Abs(p)
	}
	return sum, abs + math.Abs(float64(bias))
}

// TestLSTMStep checks LSTMStep against the float64 equations and against
// MatVecAdd + LSTMForwardBatch at the same level: the same bits where the doc
// promises them (AVX2, H a multiple of eight), else within the bounds.
func TestLSTMStep(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, sh := range stepShapes() {
			hidden, inputs := sh[0], sh[1]
			s := newLSTMStepCase(uint64(hidden*100+inputs), hidden, inputs)
			cOld := append([]float32(nil), s.c...)
			kernels.LSTMStep(s.h, s.c, s.w, s.xh, s.bias)

			gates := append([]float32(nil), s.bias...)
			kernels.MatVecAdd(gates, s.w, s.xh)
			h2, c2 := make([]float32, hidden), append([]float32(nil), cOld...)
			kernels.LSTMForwardBatch(h2, c2, gates, nil, 1)
			name := fmt.Sprintf("H=%d I=%d", hidden, inputs)
			if level.Active == level.AVX2 && hidden%8 == 0 {
				require.Equal(t, h2, s.h, name)
				require.Equal(t, c2, s.c, name)
			}
			for j := 0; j < hidden; j++ {
				var pre, abs [4]float64
				for g := range pre {
					pre[g], abs[g] = rowSum64(s.w, s.xh, s.bias[g*hidden+j], g*hidden+j)
				}
				i, f, gg, o := sig64(pre[0]), sig64(pre[1]), math.Tanh(pre[2]), sig64(pre[3])
				c := f*float64(cOld[j]) + i*gg
				h := o * math.Tanh(c)
				// Each pre-activation is off by up to γ(K+1)·Σ|w·x|, which
				// moves an activation by at most that much; 4 ULP-sized
				// terms cover the activations and the products.
				e := kerneltest.Gamma(inputs+hidden+1) * (abs[0] + abs[1] + abs[2] + abs[3])
				require.True(t, kerneltest.Close(s.c[j], c, 2*e+8*kerneltest.U*(1+math.Abs(c))), "%s c[%d] = %v, want %v", name, j, s.c[j], c)
				require.True(t, kerneltest.Close(s.h[j], h, 3*e+8*kerneltest.U*(1+math.Abs(c))), "%s h[%d] = %v, want %v", name, j, s.h[j], h)
				require.True(t, kerneltest.Close(s.h[j], float64(h2[j]), 3*e+8*kerneltest.U*(1+math.Abs(c))), "%s h[%d] vs unfused", name, j)
			}
		}
	})
}

// TestGRUStep is TestLSTMStep for GRUStep.
func TestGRUStep(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, sh := range stepShapes() {
			hidden, inputs := sh[0], sh[1]
			s := newGRUStepCase(uint64(hidden*100+inputs), hidden, inputs)
			kernels.GRUStep(s.h, s.wIH, s.wHH, s.x, s.hPrev, s.bIH, s.bHH)

			in, hid := append([]float32(nil), s.bIH...), append([]float32(nil), s.bHH...)
			kernels.MatVecAdd(in, s.wIH, s.x)
			kernels.MatVecAdd(hid, s.wHH, s.hPrev)
			h2 := make([]float32, hidden)
			kernels.GRUForwardBatch(h2, s.hPrev, in, hid, nil, 1)
			name := fmt.Sprintf("H=%d I=%d", hidden, inputs)
			if level.Active == level.AVX2 && hidden%8 == 0 {
				require.Equal(t, h2, s.h, name)
			}
			for j := 0; j < hidden; j++ {
				var xs, hs, xa, ha [3]float64
				for g := range xs {
					xs[g], xa[g] = rowSum64(s.wIH, s.x, s.bIH[g*hidden+j], g*hidden+j)
					hs[g], ha[g] = rowSum64(s.wHH, s.hPrev, s.bHH[g*hidden+j], g*hidden+j)
				}
				r, z := sig64(xs[0]+hs[0]), sig64(xs[1]+hs[1])
				n := math.Tanh(xs[2] + r*hs[2])
				h := n + z*(float64(s.hPrev[j])-n)
				e := kerneltest.Gamma(max(inputs, hidden)+2) * (xa[0] + xa[1] + xa[2] + ha[0] + ha[1] + ha[2])
				bound := 3*e + 8*kerneltest.U*(1+math.Abs(h))
				require.True(t, kerneltest.Close(s.h[j], h, bound), "%s h[%d] = %v, want %v", name, j, s.h[j], h)
				require.True(t, kerneltest.Close(s.h[j], float64(h2[j]), bound), "%s h[%d] vs unfused", name, j)
			}
		}
	})
}

// TestStepNonFinite checks that a NaN or an infinity in the input reaches
// every unit as it does through the unfused kernels (every weight here is
// nonzero, so a NaN input makes every output NaN).
func TestStepNonFinite(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
			for _, hidden := range []int{5, 16, 21} {
				s := newLSTMStepCase(7, hidden, 9)
				s.xh[3] = bad
				cOld := append([]float32(nil), s.c...)
				kernels.LSTMStep(s.h, s.c, s.w, s.xh, s.bias)
				gates := append([]float32(nil), s.bias...)
				kernels.MatVecAdd(gates, s.w, s.xh)
				h2, c2 := make([]float32, hidden), cOld
				kernels.LSTMForwardBatch(h2, c2, gates, nil, 1)
				for j := range s.h {
					for _, p := range [][2]float32{{s.h[j], h2[j]}, {s.c[j], c2[j]}} {
						require.Equal(t, math.IsNaN(float64(p[1])), math.IsNaN(float64(p[0])), "LSTM H=%d unit %d: %v vs %v", hidden, j, p[0], p[1])
						if !math.IsNaN(float64(p[1])) {
							require.InDelta(t, p[1], p[0], 1e-6, "LSTM H=%d unit %d", hidden, j)
						}
					}
					if math.IsNaN(float64(bad)) {
						require.True(t, math.IsNaN(float64(s.h[j])), "LSTM H=%d unit %d: NaN input gave %v", hidden, j, s.h[j])
					}
				}
				g := newGRUStepCase(7, hidden, 9)
				g.x[3] = bad
				kernels.GRUStep(g.h, g.wIH, g.wHH, g.x, g.hPrev, g.bIH, g.bHH)
				in, hid := append([]float32(nil), g.bIH...), append([]float32(nil), g.bHH...)
				kernels.MatVecAdd(in, g.wIH, g.x)
				kernels.MatVecAdd(hid, g.wHH, g.hPrev)
				h2 = make([]float32, hidden)
				kernels.GRUForwardBatch(h2, g.hPrev, in, hid, nil, 1)
				for j := range g.h {
					require.Equal(t, math.IsNaN(float64(h2[j])), math.IsNaN(float64(g.h[j])), "GRU H=%d unit %d: %v vs %v", hidden, j, g.h[j], h2[j])
					if !math.IsNaN(float64(h2[j])) {
						require.InDelta(t, h2[j], g.h[j], 1e-6, "GRU H=%d unit %d", hidden, j)
					}
				}
			}
		}
	})
}

// TestStepBadLengths checks the panics name the kernel and the sizes and
// come before any operand is written, at every level.
func TestStepBadLengths(t *testing.T) {
	lstm := func(o [][]float32) { kernels.LSTMStep(o[0], o[1], o[2], o[3], o[4]) }
	gru := func(o [][]float32) { kernels.GRUStep(o[0], o[1], o[2], o[3], o[4], o[5], o[6]) }
	calls := []struct {
		kernel string
		sizes  []int
		want   []string
		run    func(ops [][]float32)
	}{
		// LSTMStep(h, c, w, xh, bias), H = 4, len(xh) = 7.
		{"LSTMStep", []int{4, 3, 112, 7, 16}, []string{"len(h) = 4", "len(c) = 3", "want len(c) = H"}, lstm},
		{"LSTMStep", []int{4, 4, 112, 6, 16}, []string{"len(w) = 112", "len(xh) = 6", "len(w) = 4H·len(xh)"}, lstm},
		{"LSTMStep", []int{4, 4, 112, 7, 15}, []string{"len(bias) = 15", "len(bias) = 4H"}, lstm},
		// GRUStep(h, wIH, wHH, x, hPrev, bIH, bHH), H = 4, I = 3.
		{"GRUStep", []int{4, 36, 48, 3, 4, 12, 11}, []string{"len(bHH) = 11", "len(bIH) = len(bHH) = 3H"}, gru},
		{"GRUStep", []int{4, 36, 47, 3, 4, 12, 12}, []string{"len(wHH) = 47", "len(wHH) = 3H·H"}, gru},
		{"GRUStep", []int{4, 36, 48, 2, 4, 12, 12}, []string{"len(wIH) = 36", "len(x) = 2", "len(wIH) = 3H·len(x)"}, gru},
		{"GRUStep", []int{4, 36, 48, 3, 5, 12, 12}, []string{"len(hPrev) = 5", "len(hPrev) = H"}, gru},
	}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, c := range calls {
			requireBadLengthPanic(t, 16, c.kernel, c.sizes, c.want, c.run)
		}
	})
}

// TestStepAllocatesNothing checks the steps allocate nothing at any level.
func TestStepAllocatesNothing(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		s := newLSTMStepCase(1, 21, 5)
		g := newGRUStepCase(1, 21, 5)
		require.Zero(t, testing.AllocsPerRun(20, func() { kernels.LSTMStep(s.h, s.c, s.w, s.xh, s.bias) }))
		require.Zero(t, testing.AllocsPerRun(20, func() { kernels.GRUStep(g.h, g.wIH, g.wHH, g.x, g.hPrev, g.bIH, g.bHH) }))
	})
}
