package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

var (
	pwHidden  = append(seq(0, 3*widest+1), 64, 100, 257)
	pwBatches = []int{1, 2, 3, 5}
)

// pwShapes returns the (batch, hidden) pairs a pointwise spec is swept over:
// flat kernels see every length as one row.
func pwShapes(sp kerneltest.PWSpec) [][2]int {
	var out [][2]int
	if sp.Flat {
		for _, n := range vectorLengths {
			out = append(out, [2]int{1, n})
		}
		return out
	}
	for _, b := range pwBatches {
		for _, h := range pwHidden {
			out = append(out, [2]int{b, h})
		}
	}
	return out
}

// runPW fills padded operands at the given offsets, runs and checks the
// spec, and checks the padding.
func runPW(sp kerneltest.PWSpec, batch, hidden int, offsets []int, r *rand.Rand, modify func(ops [][]float32)) error {
	sizes := sp.Sizes(batch, hidden)
	ops := make([][]float32, len(sizes))
	checks := make([]func() error, len(sizes))
	for i, n := range sizes {
		ops[i], checks[i] = kerneltest.Padded(n, offsets[i%len(offsets)])
	}
	kerneltest.FillPW(r, sp, ops, batch, hidden)
	if modify != nil {
		modify(ops)
	}
	if err := sp.Execute(ops, batch, hidden); err != nil {
		return err
	}
	for i, check := range checks {
		if err := check(); err != nil {
			return fmt.Errorf("%s b%d h%d operand %s: %w", sp.Name, batch, hidden, sp.Operands[i].Name, err)
		}
	}
	return nil
}

// TestPointwise sweeps every activation and fused pointwise kernel over
// batches, hidden sizes and start offsets at every level, against the
// float64 reference.
func TestPointwise(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, sp := range kerneltest.PWSpecs {
			t.Run(sp.Name, func(t *testing.T) {
				r := kerneltest.Rand(11)
				for k, s := range pwShapes(sp) {
					if s[1] <= 3*widest+1 && s[0] == 1 {
						for off := 0; off < 16; off++ {
							require.NoError(t, runPW(sp, s[0], s[1], []int{off, (off + 5) % 16, (off + 9) % 16}, r, nil))
						}
						continue
					}
					require.NoError(t, runPW(sp, s[0], s[1], []int{k % 16, (k * 7) % 16, (k * 11) % 16}, r, nil))
				}
			})
		}
	})
}

// pwSpecials are injected into the inputs of the pointwise kernels: NaN,
// ±Inf, ±0, subnormals, values that saturate or underflow the activations
// and values around the algorithms' thresholds.
var pwSpecials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.Copysign(0, -1)), 0, 1e-40, -3e-39, math.SmallestNonzeroFloat32,
	1e18, -1e18, 200, -200, -104, -95, 89, 17, -17, 9.5, -9.5, 0.625, -0.625, 0.0625, 1, -1,
}

// TestPointwiseSpecialValues injects special values into the inputs, at
// most one per unit (so that two specials never meet in one formula, where
// 0·Inf in float32 against tiny·Inf in float64 is a matter of rounding).
func TestPointwiseSpecialValues(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, sp := range kerneltest.PWSpecs {
			t.Run(sp.Name, func(t *testing.T) {
				r := kerneltest.Rand(12)
				for _, s := range [][2]int{{1, 1}, {1, 9}, {2, 17}, {3, 40}} {
					for trial := 0; trial < 100; trial++ {
						err := runPW(sp, s[0], s[1], []int{trial % 16, (trial * 3) % 16, (trial * 5) % 16}, r, func(ops [][]float32) {
							injectSpecials(r, sp, ops, s[0], s[1], 1+trial%4)
						})
						require.NoError(t, err)
					}
				}
			})
		}
	})
}

// injectSpecials puts count special values into distinct units of random
// input operands.
func injectSpecials(r *rand.Rand, sp kerneltest.PWSpec, ops [][]float32, batch, hidden, count int) {
	var inputs []int
	for i, op := range sp.Operands {
		if !op.Output || op.Kinds != "o" && op.Kinds[0] != 'o' {
			inputs = append(inputs, i)
		}
	}
	used := map[int]bool{}
	for c := 0; c < count && len(used) < batch*hidden; c++ {
		unit := r.IntN(batch * hidden)
		if used[unit] {
			continue
		}
		used[unit] = true
		i := inputs[r.IntN(len(inputs))]
		blocks := sp.Operands[i].Blocks()
		k := r.IntN(blocks)
		if sp.Operands[i].Kinds[k] == 'o' {
			continue
		}
		b, j := unit/hidden, unit%hidden
		ops[i][(b*blocks+k)*hidden+j] = pwSpecials[r.IntN(len(pwSpecials))]
	}
}

// TestActivationAliasing checks that dst may be x itself and that the
// documented aliases of the fused kernels (cache = gates, dcPrev = dc,
// hNew = h, dhPrev = dh) give the results of separate slices.
func TestActivationAliasing(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		r := kerneltest.Rand(13)
		for _, n := range []int{1, 7, 8, 9, 33, 100} {
			x := make([]float32, n)
			kerneltest.Fill(r, x)
			kernels.Scale(8, x)
			for _, f := range []func(dst, x []float32){kernels.Sigmoid, kernels.Tanh, kernels.RNNReLUForward} {
				want := make([]float32, n)
				f(want, x)
				got := append([]float32(nil), x...)
				f(got, got)
				require.Equal(t, want, got)
			}
		}
		const batch, hidden = 3, 37 // pairs of vectors, one vector and a tail per row
		fill := func(n int, scale float32) []float32 {
			s := make([]float32, n)
			kerneltest.Fill(r, s)
			kernels.Scale(scale, s)
			return s
		}
		gates, c := fill(4*batch*hidden, 8), fill(batch*hidden, 1)
		h1, c1, cache1 := make([]float32, batch*hidden), append([]float32(nil), c...), make([]float32, 4*batch*hidden)
		kernels.LSTMForwardBatch(h1, c1, gates, cache1, batch)
		h2, c2, g2 := make([]float32, batch*hidden), append([]float32(nil), c...), append([]float32(nil), gates...)
		kernels.LSTMForwardBatch(h2, c2, g2, g2, batch)
		require.Equal(t, h1, h2)
		require.Equal(t, c1, c2)
		require.Equal(t, cache1, g2)

		cPrev, dh, dc := fill(batch*hidden, 1), fill(batch*hidden, 1), fill(batch*hidden, 1)
		dgates1, dcPrev1 := make([]float32, 4*batch*hidden), make([]float32, batch*hidden)
		kernels.LSTMBackwardBatch(dgates1, dcPrev1, cache1, cPrev, c1, dh, dc, batch)
		dgates2, dc2 := make([]float32, 4*batch*hidden), append([]float32(nil), dc...)
		kernels.LSTMBackwardBatch(dgates2, dc2, cache1, cPrev, c1, dh, dc2, batch)
		require.Equal(t, dgates1, dgates2)
		require.Equal(t, dcPrev1, dc2)

		hPrev, in, hid := fill(batch*hidden, 1), fill(3*batch*hidden, 4), fill(3*batch*hidden, 4)
		hNew1, gcache := make([]float32, batch*hidden), make([]float32, 4*batch*hidden)
		kernels.GRUForwardBatch(hNew1, hPrev, in, hid, gcache, batch)
		hNew2 := append([]float32(nil), hPrev...)
		kernels.GRUForwardBatch(hNew2, hNew2, in, hid, nil, batch)
		require.Equal(t, hNew1, hNew2)

		dIn, dHid, dhPrev1 := make([]float32, 3*batch*hidden), make([]float32, 3*batch*hidden), make([]float32, batch*hidden)
		kernels.GRUBackwardBatch(dIn, dHid, dhPrev1, gcache, hPrev, dh, batch)
		dh2 := append([]float32(nil), dh...)
		kernels.GRUBackwardBatch(dIn, dHid, dh2, gcache, hPrev, dh2, batch)
		require.Equal(t, dhPrev1, dh2)
	})
}
