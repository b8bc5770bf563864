package bptt_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// gradCheckModel is a dense layer and a cross-entropy loss on a fixed
// batch, with its gradients filled.
type gradCheckModel struct {
	dense            *bptt.Dense
	x, logits, dlogs []float32
	labels           []int
}

func newGradCheckModel() *gradCheckModel {
	const rows, in, classes = 8, 6, 4
	m := &gradCheckModel{
		dense:  bptt.NewDense("head", in, classes, 3),
		x:      make([]float32, rows*in),
		logits: make([]float32, rows*classes),
		dlogs:  make([]float32, rows*classes),
		labels: []int{0, 1, 2, 3, 3, 2, 1, 0},
	}
	kerneltest.Fill(kerneltest.Rand(111), m.x)
	m.dense.Forward(m.logits, m.x, rows)
	bptt.SoftmaxCrossEntropy(m.dlogs, m.logits, m.labels, classes)
	m.dense.Backward(nil, m.dlogs, m.x, rows)
	return m
}

func (m *gradCheckModel) loss() float64 {
	m.dense.Forward(m.logits, m.x, len(m.labels))
	return bptt.SoftmaxCrossEntropy(nil, m.logits, m.labels, len(m.logits)/len(m.labels))
}

func dataBits(params []*bptt.Param) [][]uint32 {
	out := make([][]uint32, len(params))
	for k, p := range params {
		for _, v := range p.Data {
			out[k] = append(out[k], math.Float32bits(v))
		}
	}
	return out
}

// TestGradCheck checks that correct gradients pass, every element once,
// with the data restored bit for bit.
func TestGradCheck(t *testing.T) {
	m := newGradCheckModel()
	params := m.dense.Params()
	before := dataBits(params)
	grads := [][]float32{append([]float32(nil), params[0].Grad...), append([]float32(nil), params[1].Grad...)}
	res, err := bptt.GradCheck(params, m.loss, bptt.GradCheckOptions{})
	require.NoError(t, err)
	require.Equal(t, 4*6+4, res.Checked)
	require.Zero(t, res.Failed)
	require.LessOrEqual(t, res.Worst.Error, res.Worst.Allowed)
	require.Equal(t, before, dataBits(params), "data restored bit for bit")
	require.Equal(t, grads, [][]float32{params[0].Grad, params[1].Grad}, "Grad untouched")

	// Tighter float32 settings still pass on this small model.
	_, err = bptt.GradCheck(params, m.loss, bptt.GradCheckOptions{Eps: 1e-3, RTol: 1e-3, ATol: 1e-5})
	require.NoError(t, err)
}

// TestGradCheckCatchesWrongGradient checks that one wrong element fails,
// is reported as the worst, and that the error names it.
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	m := newGradCheckModel()
	params := m.dense.Params()
	params[0].Grad[13] += 0.05
	res, err := bptt.GradCheck(params, m.loss, bptt.GradCheckOptions{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "1 of 28 elements differ; worst head.weight[13]")
	require.Equal(t, 1, res.Failed)
	require.Equal(t, "head.weight", res.Worst.Param)
	require.Equal(t, 13, res.Worst.Index)
	require.InDelta(t, 0.05, res.Worst.Analytic-res.Worst.Numeric, 1e-3)

	// A bias gradient with the wrong sign.
	m = newGradCheckModel()
	params = m.dense.Params()
	params[1].Grad[2] = -params[1].Grad[2]
	_, err = bptt.GradCheck(params, m.loss, bptt.GradCheckOptions{})
	require.ErrorContains(t, err, "worst head.bias[2]")
}

// TestGradCheckSample checks MaxPerParam: at most that many elements per
// parameter, the same ones for the same seed.
func TestGradCheckSample(t *testing.T) {
	m := newGradCheckModel()
	params := m.dense.Params()
	res, err := bptt.GradCheck(params, m.loss, bptt.GradCheckOptions{MaxPerParam: 5, Seed: 9})
	require.NoError(t, err)
	require.Equal(t, 5+4, res.Checked)

	// A wrong element is found by the sample that contains it and only
	// then; over many seeds some samples must miss it and some hit it.
	params[0].Grad[7] += 1
	hits := 0
	for seed := uint64(0); seed < 40; seed++ {
		res, err := bptt.GradCheck(params, m.loss, bptt.GradCheckOptions{MaxPerParam: 6, Seed: seed})
		again, _ := bptt.GradCheck(params, m.loss, bptt.GradCheckOptions{MaxPerParam: 6, Seed: seed})
		require.Equal(t, res, again, "same seed, same sample")
		if err != nil {
			hits++
			require.Equal(t, 7, res.Worst.Index)
		}
	}
	require.Greater(t, hits, 0)
	require.Less(t, hits, 40)
}

// TestGradCheckErrors checks an unrepresentable perturbation, bad options
// and that a panicking loss leaves the data restored.
func TestGradCheckErrors(t *testing.T) {
	p := &bptt.Param{Name: "w", Data: []float32{1, 1e9}, Grad: []float32{0, 0}}
	_, err := bptt.GradCheck([]*bptt.Param{p}, func() float64 { return 0 }, bptt.GradCheckOptions{})
	require.EqualError(t, err, "bptt.GradCheck: cannot perturb w[1] = 1e+09 by Eps = 0.01 in float32")
	require.Equal(t, []float32{1, 1e9}, p.Data)

	_, err = bptt.GradCheck([]*bptt.Param{p}, func() float64 { return 0 }, bptt.GradCheckOptions{Eps: -1})
	require.ErrorContains(t, err, "Eps = -1")

	calls := 0
	require.Panics(t, func() {
		_, _ = bptt.GradCheck([]*bptt.Param{p}, func() float64 {
			if calls++; calls == 2 {
				panic("boom")
			}
			return 0
		}, bptt.GradCheckOptions{})
	})
	require.Equal(t, []float32{1, 1e9}, p.Data, "restored after a panic in loss")

	// A NaN loss fails the element.
	p = &bptt.Param{Name: "w", Data: []float32{1}, Grad: []float32{0}}
	res, err := bptt.GradCheck([]*bptt.Param{p}, func() float64 { return math.NaN() }, bptt.GradCheckOptions{})
	require.Error(t, err)
	require.Equal(t, 1, res.Failed)
}
