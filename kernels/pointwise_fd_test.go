package kernels_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// The backward kernels are checked against central finite differences of
// float64 forward passes: for a loss L = Σ dh·h' (+ Σ dc·c' for the LSTM),
// each gradient the kernels produce must match (L(v+ε) − L(v−ε))/2ε.

func sig64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// numGrad returns the central difference of loss with respect to each
// element of v (changed and restored in place).
func numGrad(v []float64, loss func() float64) []float64 {
	g := make([]float64, len(v))
	for k := range v {
		old := v[k]
		step := 1e-6 * math.Max(1, math.Abs(old))
		v[k] = old + step
		up := loss()
		v[k] = old - step
		down := loss()
		v[k] = old
		g[k] = (up - down) / (2 * step)
	}
	return g
}

func to64(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

func requireGrad(t *testing.T, name string, got []float32, want []float64) {
	t.Helper()
	require.Equal(t, len(want), len(got), name)
	for k := range want {
		if d := math.Abs(float64(got[k]) - want[k]); d > 1e-4*(1+math.Abs(want[k])) {
			t.Fatalf("%s[%d] = %v, finite difference %v", name, k, got[k], want[k])
		}
	}
}

func filled(seed uint64, n int, scale float32) []float32 {
	s := make([]float32, n)
	kerneltest.Fill(kerneltest.Rand(seed), s)
	kernels.Scale(scale, s)
	return s
}

func TestLSTMBackwardFiniteDifferences(t *testing.T) {
	const batch, hidden = 2, 5
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		gates, cPrev := filled(1, 4*batch*hidden, 3), filled(2, batch*hidden, 1)
		dh, dc := filled(3, batch*hidden, 1), filled(4, batch*hidden, 1)
		g64, c64 := to64(gates), to64(cPrev)
		loss := func() float64 {
			sum := 0.0
			for b := 0; b < batch; b++ {
				for j := 0; j < hidden; j++ {
					g := g64[4*b*hidden:]
					i, f, gg, o := sig64(g[j]), sig64(g[hidden+j]), math.Tanh(g[2*hidden+j]), sig64(g[3*hidden+j])
					c := f*c64[b*hidden+j] + i*gg
					sum += float64(dh[b*hidden+j])*o*math.Tanh(c) + float64(dc[b*hidden+j])*c
				}
			}
			return sum
		}
		c := append([]float32(nil), cPrev...)
		h, cache := make([]float32, batch*hidden), make([]float32, 4*batch*hidden)
		kernels.LSTMForwardBatch(h, c, gates, cache, batch)
		dgates, dcPrev := make([]float32, 4*batch*hidden), make([]float32, batch*hidden)
		kernels.LSTMBackwardBatch(dgates, dcPrev, cache, cPrev, c, dh, dc, batch)
		requireGrad(t, "dgates", dgates, numGrad(g64, loss))
		requireGrad(t, "dcPrev", dcPrev, numGrad(c64, loss))
	})
}

func TestGRUBackwardFiniteDifferences(t *testing.T) {
	const batch, hidden = 2, 5
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		in, hid := filled(5, 3*batch*hidden, 2), filled(6, 3*batch*hidden, 2)
		h, dh := filled(7, batch*hidden, 1), filled(8, batch*hidden, 1)
		in64, hid64, h64 := to64(in), to64(hid), to64(h)
		loss := func() float64 {
			sum := 0.0
			for b := 0; b < batch; b++ {
				for j := 0; j < hidden; j++ {
					x, y := in64[3*b*hidden:], hid64[3*b*hidden:]
					r := sig64(x[j] + y[j])
					z := sig64(x[hidden+j] + y[hidden+j])
					n := math.Tanh(x[2*hidden+j] + r*y[2*hidden+j])
					sum += float64(dh[b*hidden+j]) * ((1-z)*n + z*h64[b*hidden+j])
				}
			}
			return sum
		}
		hNew, cache := make([]float32, batch*hidden), make([]float32, 4*batch*hidden)
		kernels.GRUForwardBatch(hNew, h, in, hid, cache, batch)
		dIn, dHid, dhPrev := make([]float32, 3*batch*hidden), make([]float32, 3*batch*hidden), make([]float32, batch*hidden)
		kernels.GRUBackwardBatch(dIn, dHid, dhPrev, cache, h, dh, batch)
		requireGrad(t, "dInputGates", dIn, numGrad(in64, loss))
		requireGrad(t, "dHiddenGates", dHid, numGrad(hid64, loss))
		requireGrad(t, "dhPrev", dhPrev, numGrad(h64, loss))
	})
}

// TestGRUResetBeforeFiniteDifferences runs the whole reset-before step with a
// small W_hn: the two forward phases around hn = W_hn·(r⊙h), and the two
// backward phases around drh = W_hnᵀ·dn.
func TestGRUResetBeforeFiniteDifferences(t *testing.T) {
	const batch, hidden = 2, 5
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		in, hid := filled(9, 3*batch*hidden, 2), filled(10, 2*batch*hidden, 2)
		h, dh, w := filled(11, batch*hidden, 1), filled(12, batch*hidden, 1), filled(13, hidden*hidden, 0.5)
		in64, hid64, h64 := to64(in), to64(hid), to64(h)
		loss := func() float64 {
			sum := 0.0
			for b := 0; b < batch; b++ {
				x, y, hb := in64[3*b*hidden:], hid64[2*b*hidden:], h64[b*hidden:]
				rh := make([]float64, hidden)
				for j := range rh {
					rh[j] = sig64(x[j]+y[j]) * hb[j]
				}
				for j := 0; j < hidden; j++ {
					hn := 0.0
					for k := range rh {
						hn += float64(w[j*hidden+k]) * rh[k]
					}
					z := sig64(x[hidden+j] + y[hidden+j])
					n := math.Tanh(x[2*hidden+j] + hn)
					sum += float64(dh[b*hidden+j]) * ((1-z)*n + z*hb[j])
				}
			}
			return sum
		}
		rh, cache, hn := make([]float32, batch*hidden), make([]float32, 3*batch*hidden), make([]float32, batch*hidden)
		kernels.GRUResetBeforeGatesBatch(rh, cache, in, hid, h, batch)
		kernels.MatVecBatch(hn, w, rh, batch)
		hNew := make([]float32, batch*hidden)
		kernels.GRUResetBeforeOutputBatch(hNew, cache, h, in, hn, batch)

		dGates, dhPrev := make([]float32, 3*batch*hidden), make([]float32, batch*hidden)
		kernels.GRUResetBeforeBackwardOutputBatch(dGates, dhPrev, cache, h, dh, batch)
		drh := make([]float32, batch*hidden)
		for b := 0; b < batch; b++ {
			kernels.MatTVecAdd(drh[b*hidden:(b+1)*hidden], w, dGates[(3*b+2)*hidden:(3*b+3)*hidden])
		}
		kernels.GRUResetBeforeBackwardGatesBatch(dGates, dhPrev, cache, h, drh, batch)
		requireGrad(t, "dGates", dGates, numGrad(in64, loss))
		dHid := make([]float32, 0, 2*batch*hidden)
		for b := 0; b < batch; b++ {
			dHid = append(dHid, dGates[3*b*hidden:(3*b+2)*hidden]...)
		}
		requireGrad(t, "dGates (hidden side r, z)", dHid, numGrad(hid64, loss))
		requireGrad(t, "dhPrev", dhPrev, numGrad(h64, loss))
	})
}

func TestRNNBackwardFiniteDifferences(t *testing.T) {
	const n = 11
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		pre, dh := filled(14, n, 3), filled(15, n, 1)
		for i := range pre {
			if math.Abs(float64(pre[i])) < 1e-3 {
				pre[i] = 0.5 // keep away from ReLU's kink
			}
		}
		pre64 := to64(pre)
		for _, relu := range []bool{false, true} {
			loss := func() float64 {
				sum := 0.0
				for i, v := range pre64 {
					a := math.Tanh(v)
					if relu {
						a = math.Max(v, 0)
					}
					sum += float64(dh[i]) * a
				}
				return sum
			}
			h, dpre := make([]float32, n), make([]float32, n)
			if relu {
				kernels.RNNReLUForward(h, pre)
				kernels.RNNReLUBackward(dpre, h, dh)
			} else {
				kernels.RNNTanhForward(h, pre)
				kernels.RNNTanhBackward(dpre, h, dh)
			}
			requireGrad(t, "dpre", dpre, numGrad(pre64, loss))
		}
	})
}
