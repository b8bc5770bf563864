package bptt_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// optimParams returns two parameters (7 and 33 elements) with random data.
func optimParams(seed uint64) []*bptt.Param {
	r := kerneltest.Rand(seed)
	var params []*bptt.Param
	for k, n := range []int{7, 33} {
		p := &bptt.Param{Name: fmt.Sprintf("p%d", k), Shape: []int{n}, Data: make([]float32, n), Grad: make([]float32, n)}
		kerneltest.Fill(r, p.Data)
		params = append(params, p)
	}
	return params
}

// widen returns the parameters' data as float64, one slice per parameter.
func widen(params []*bptt.Param) [][]float64 {
	out := make([][]float64, len(params))
	for k, p := range params {
		out[k] = make([]float64, len(p.Data))
		for i, v := range p.Data {
			out[k][i] = float64(v)
		}
	}
	return out
}

// requireNear checks every parameter against its float64 trajectory.
func requireNear(t *testing.T, params []*bptt.Param, want [][]float64, tol float64, step int) {
	t.Helper()
	for k, p := range params {
		for i, v := range p.Data {
			require.InDelta(t, want[k][i], float64(v), tol, "step %d: %s[%d]", step, p.Name, i)
		}
	}
}

// TestSGD follows torch.optim.SGD's update, written out in float64, for
// several steps of each variant.
func TestSGD(t *testing.T) {
	variants := []bptt.SGD{
		{LR: 0.1},
		{LR: 0.1, WeightDecay: 0.01},
		{LR: 0.05, Momentum: 0.9},
		{LR: 0.05, Momentum: 0.9, Dampening: 0.3, WeightDecay: 1e-3},
		{LR: 0.05, Momentum: 0.9, Nesterov: true},
		{LR: 0.05, Momentum: 0.5, Nesterov: true, WeightDecay: 0.1},
	}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, v := range variants {
			t.Run(fmt.Sprintf("%+v", v), func(t *testing.T) {
				opt := v
				params := optimParams(31)
				want := widen(params)
				bufs := make([][]float64, len(params))
				for k := range bufs {
					bufs[k] = make([]float64, len(want[k]))
				}
				r := kerneltest.Rand(32)
				for step := 1; step <= 6; step++ {
					for k, p := range params {
						kerneltest.Fill(r, p.Grad)
						for i := range want[k] {
							d := float64(p.Grad[i]) + v.WeightDecay*want[k][i]
							if v.Momentum != 0 {
								if step == 1 {
									bufs[k][i] = d
								} else {
									bufs[k][i] = v.Momentum*bufs[k][i] + (1-v.Dampening)*d
								}
								if v.Nesterov {
									d += v.Momentum * bufs[k][i]
								} else {
									d = bufs[k][i]
								}
							}
							want[k][i] -= v.LR * d
						}
					}
					grads := make([][]float32, len(params))
					for k, p := range params {
						grads[k] = append([]float32(nil), p.Grad...)
					}
					opt.Step(params)
					for k, p := range params {
						require.Equal(t, grads[k], p.Grad, "Step must not change Grad")
					}
					requireNear(t, params, want, 2e-6, step)
				}
			})
		}
	})
}

// TestAdam follows torch.optim.Adam's update, written out in float64, over
// many steps, with and without weight decay.
func TestAdam(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, wd := range []float64{0, 0.05} {
			opt := bptt.NewAdam(0.01)
			opt.WeightDecay = wd
			params := optimParams(41)
			want := widen(params)
			ms, vs := make([][]float64, len(params)), make([][]float64, len(params))
			for k := range params {
				ms[k], vs[k] = make([]float64, len(want[k])), make([]float64, len(want[k]))
			}
			r := kerneltest.Rand(42)
			for step := 1; step <= 50; step++ {
				for k, p := range params {
					kerneltest.Fill(r, p.Grad)
					for i := range want[k] {
						g := float64(p.Grad[i]) + wd*want[k][i]
						ms[k][i] = 0.9*ms[k][i] + 0.1*g
						vs[k][i] = 0.999*vs[k][i] + 0.001*g*g
						mHat := ms[k][i] / (1 - math.Pow(0.9, float64(step)))
						vHat := vs[k][i] / (1 - math.Pow(0.999, float64(step)))
						want[k][i] -= 0.01 * mHat / (math.Sqrt(vHat) + 1e-8)
					}
				}
				opt.Step(params)
				// Each step moves a parameter by at most about lr = 0.01;
				// float32 rounding of p (~6e-8) and of the update (a few
				// ulps of 0.01) accumulate over the steps.
				requireNear(t, params, want, 1e-6*float64(step), step)
			}
		}
	})
}

// TestAdamFirstStep checks that Adam's first step moves each element by
// LR against the sign of its gradient (m̂/√v̂ = g/|g|), separately for a
// parameter that joins later: the step count is per parameter, as in
// PyTorch.
func TestAdamFirstStep(t *testing.T) {
	params := optimParams(51)
	for _, p := range params {
		for i := range p.Grad {
			p.Grad[i] = float32(i%3) - 1.25
		}
	}
	opt := bptt.NewAdam(0.1)
	before := widen(params)
	opt.Step(params[:1])
	opt.Step(params[:1])
	opt.Step(params) // params[1]'s first step
	for i, v := range params[1].Data {
		want := before[1][i] - 0.1*math.Copysign(1, float64(params[1].Grad[i]))
		require.InDelta(t, want, float64(v), 1e-6, "p1[%d]", i)
	}
}

// TestOptimizersNoAllocations checks that Step allocates nothing once each
// parameter has its state.
func TestOptimizersNoAllocations(t *testing.T) {
	params := optimParams(61)
	for _, p := range params {
		kerneltest.Fill(kerneltest.Rand(62), p.Grad)
	}
	opts := map[string]bptt.Optimizer{
		"sgd":      &bptt.SGD{LR: 0.01},
		"momentum": &bptt.SGD{LR: 0.01, Momentum: 0.9, WeightDecay: 1e-4},
		"nesterov": &bptt.SGD{LR: 0.01, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-4},
		"adam":     bptt.NewAdam(1e-3),
	}
	for name, opt := range opts {
		opt.Step(params)
		require.Zero(t, testing.AllocsPerRun(20, func() { opt.Step(params) }), name)
	}
}

// TestOptimizersBadHyperParameters checks that hyper-parameters PyTorch
// rejects panic with a message naming them, before any parameter changes.
func TestOptimizersBadHyperParameters(t *testing.T) {
	cases := []struct {
		opt  bptt.Optimizer
		want string
	}{
		{&bptt.SGD{LR: -1}, "bptt.SGD: LR = -1"},
		{&bptt.SGD{LR: 0.1, Momentum: math.NaN()}, "Momentum = NaN"},
		{&bptt.SGD{LR: 0.1, Nesterov: true}, "bptt.SGD: Nesterov with Momentum = 0"},
		{&bptt.SGD{LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}, "Dampening = 0.1"},
		{&bptt.Adam{LR: 0.1, Beta1: 1, Beta2: 0.999}, "Beta1 = 1"},
		{&bptt.Adam{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: -1}, "Eps = -1"},
	}
	for _, c := range cases {
		params := optimParams(71)
		for _, p := range params {
			kerneltest.Fill(kerneltest.Rand(72), p.Grad)
		}
		before := widen(params)
		var message string
		func() {
			defer func() { message = fmt.Sprint(recover()) }()
			c.opt.Step(params)
		}()
		require.Contains(t, message, c.want)
		require.Equal(t, before, widen(params))
	}
	bad := &bptt.Param{Name: "w", Data: make([]float32, 3), Grad: make([]float32, 2)}
	require.PanicsWithValue(t, "bptt.Adam: parameter w has len(Data) = 3, len(Grad) = 2; want equal lengths", func() { bptt.NewAdam(0.1).Step([]*bptt.Param{bad}) })
}
