package bptt_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// clipParams returns parameters of 3, 1500 (more than one norm block) and
// 40 elements with random gradients scaled by scale.
func clipParams(seed uint64, scale float32) []*bptt.Param {
	r := kerneltest.Rand(seed)
	var params []*bptt.Param
	for _, spec := range []struct {
		name string
		n    int
	}{{"weight_ih_l0", 3}, {"weight_hh_l0", 1500}, {"bias_ih_l0", 40}} {
		n := spec.n
		p := &bptt.Param{Name: spec.name, Shape: []int{n}, Data: make([]float32, n), Grad: make([]float32, n)}
		kerneltest.Fill(r, p.Grad)
		for i := range p.Grad {
			p.Grad[i] *= scale
		}
		params = append(params, p)
	}
	return params
}

func gradNorm(params []*bptt.Param) float64 {
	sum := 0.0
	for _, p := range params {
		for _, g := range p.Grad {
			sum += float64(g) * float64(g)
		}
	}
	return math.Sqrt(sum)
}

func gradCopy(params []*bptt.Param) [][]float32 {
	out := make([][]float32, len(params))
	for k, p := range params {
		out[k] = append([]float32(nil), p.Grad...)
	}
	return out
}

// TestClipGradNorm checks the returned norm, the clipped norm, that the
// direction is kept (every element scaled by the same float32 factor,
// rounded once) and that gradients under the threshold keep their bits.
func TestClipGradNorm(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		params := clipParams(81, 0.5)
		norm := gradNorm(params)
		before := gradCopy(params)

		// Below the threshold: unchanged bit for bit.
		total := bptt.ClipGradNorm(params, norm+1e-5)
		require.InEpsilon(t, norm, total, 1e-6)
		require.Equal(t, before, gradCopy(params))

		// Above: scaled to maxNorm, same direction.
		const maxNorm = 1.5
		total = bptt.ClipGradNorm(params, maxNorm)
		require.InEpsilon(t, norm, total, 1e-6)
		coef := float32(maxNorm / (total + 1e-6))
		dot, after := 0.0, 0.0
		for k, p := range params {
			for i, g := range p.Grad {
				want := float32(float64(coef) * float64(before[k][i]))
				require.Equal(t, math.Float32bits(want), math.Float32bits(g), "%s[%d]", p.Name, i)
				dot += float64(g) * float64(before[k][i])
				after += float64(g) * float64(g)
			}
		}
		require.InEpsilon(t, maxNorm, math.Sqrt(after), 1e-6)
		cosine := dot / (math.Sqrt(after) * norm)
		require.InDelta(t, 1, cosine, 1e-12)

		// A second clip finds the norm at the threshold (within PyTorch's
		// 1e-6 and rounding) and barely moves anything.
		total = bptt.ClipGradNorm(params, maxNorm)
		require.InEpsilon(t, maxNorm, total, 1e-6)
	})
}

// TestClipGradNormNonFinite checks PyTorch's behaviour: a NaN gradient
// makes the norm and every gradient NaN; an infinite one makes the norm
// +Inf and the finite gradients zero.
func TestClipGradNormNonFinite(t *testing.T) {
	params := clipParams(82, 1)
	params[1].Grad[700] = float32(math.NaN())
	require.True(t, math.IsNaN(bptt.ClipGradNorm(params, 1)))
	for _, p := range params {
		for _, g := range p.Grad {
			require.True(t, math.IsNaN(float64(g)))
		}
	}
	params = clipParams(83, 1)
	params[0].Grad[1] = float32(math.Inf(-1))
	require.True(t, math.IsInf(bptt.ClipGradNorm(params, 1), 1))
	require.Zero(t, params[2].Grad[5])
	require.Panics(t, func() { bptt.ClipGradNorm(params, -1) })
}

// TestClipGradValue checks the clamp, that NaN stays NaN and values inside
// keep their bits.
func TestClipGradValue(t *testing.T) {
	nan := float32(math.NaN())
	p := &bptt.Param{Name: "w", Grad: []float32{-3, -0.5, 0.25, 2, nan, float32(math.Inf(1)), float32(math.Copysign(0, -1))}}
	bptt.ClipGradValue([]*bptt.Param{p}, 1)
	require.Equal(t, []float32{-1, -0.5, 0.25, 1}, p.Grad[:4])
	require.True(t, math.IsNaN(float64(p.Grad[4])))
	require.Equal(t, float32(1), p.Grad[5])
	require.True(t, math.Signbit(float64(p.Grad[6])))
	require.PanicsWithValue(t, "bptt.ClipGradValue: limit = -1; want limit ≥ 0", func() { bptt.ClipGradValue(nil, -1) })
}

// TestCheckFinite checks that the first non-finite gradient is named, in
// parameter order, and that large finite gradients (whose squares overflow
// float32) pass.
func TestCheckFinite(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		params := clipParams(84, 1)
		require.NoError(t, bptt.CheckFinite(params))

		params[1].Grad[1200] = 3e38 // squares overflow; still finite
		require.NoError(t, bptt.CheckFinite(params))

		params[1].Grad[1300] = float32(math.Inf(-1))
		params[2].Grad[0] = float32(math.NaN())
		params[1].Grad[17] = float32(math.NaN())
		err := bptt.CheckFinite(params)
		require.EqualError(t, err, "bptt: gradient of weight_hh_l0[17] is NaN")
		var nf *bptt.NonFiniteError
		require.True(t, errors.As(err, &nf))
		require.Equal(t, "weight_hh_l0", nf.Param)
		require.Equal(t, 17, nf.Index)

		params[1].Grad[17] = 0
		require.EqualError(t, bptt.CheckFinite(params), "bptt: gradient of weight_hh_l0[1300] is -Inf")
		params[1].Grad[1300] = 0
		require.EqualError(t, bptt.CheckFinite(params), "bptt: gradient of bias_ih_l0[0] is NaN")
		params[2].Grad[0] = float32(math.Inf(1))
		require.EqualError(t, bptt.CheckFinite(params), "bptt: gradient of bias_ih_l0[0] is +Inf")
	})
}
