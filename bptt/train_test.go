package bptt_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
)

// addingBatch fills x (steps × batch × 2, time-major) with the adding
// problem: each step holds a value from U(0, 1) and a marker; two steps per
// sample are marked, one in each half, and the target is the sum of their
// values. Predicting the mean 1 gives an MSE of 1/6.
func addingBatch(r *rand.Rand, x, target []float32, steps, batch int) {
	clear(x)
	for b := 0; b < batch; b++ {
		for s := 0; s < steps; s++ {
			x[(s*batch+b)*2] = float32(r.Float64())
		}
		i, j := r.IntN(steps/2), steps/2+r.IntN(steps/2)
		x[(i*batch+b)*2+1] = 1
		x[(j*batch+b)*2+1] = 1
		target[b] = x[(i*batch+b)*2] + x[(j*batch+b)*2]
	}
}

// Training bars of TestAddingProblem: within addingSteps Adam steps the
// held-out MSE falls below addingBar (the trivial predictor's is 1/6).
const (
	addingT     = 50
	addingSteps = 2000
	addingBar   = 0.01
)

// TestAddingProblem trains an LSTM and a GRU (hidden 24, a dense head on the
// final state, Adam at 0.02, clipping at norm 1, batch 16, fixed seeds) on the adding problem
// at T = 50: the model must carry two values across up to 49 steps.
//
// It trains for real (about 2 s natively, 2.5 min under qemu for arm64), so
// the -short runs, which make test uses only to check dispatch on emulated
// CPUs after the full runs, leave it out.
func TestAddingProblem(t *testing.T) {
	if testing.Short() {
		t.Skip("training test: runs in the full native and purego runs of make test, not under qemu or in the -short dispatch runs")
	}
	for _, mode := range []cells.Mode{cells.LSTM, cells.GRU} {
		t.Run(mode.String(), func(t *testing.T) {
			const hidden, batch, evalBatch = 24, 16, 256
			cfg := cells.Config{Mode: mode, InputSize: 2, HiddenSize: hidden, NumLayers: 1}
			net, err := bptt.NewRandom(cfg, 7)
			require.NoError(t, err)
			if mode == cells.LSTM {
				// The forget gate's bias at 1 (Gers et al.; Jozefowicz
				// et al. 2015): the cell keeps its contents from the
				// start instead of after a long plateau.
				fill(net.Param("bias_ih_l0").Data[hidden:2*hidden], 1)
			}
			head := bptt.NewDense("head", hidden, 1, 8)
			params := append(append([]*bptt.Param(nil), net.Params()...), head.Params()...)
			opt := bptt.NewAdam(2e-2)
			tape := net.NewTape()
			tape.SetInputGrad(false)

			r := rand.New(rand.NewPCG(9, 10))
			x, target := make([]float32, addingT*batch*2), make([]float32, batch)
			evalX, evalTarget := make([]float32, addingT*evalBatch*2), make([]float32, evalBatch)
			addingBatch(rand.New(rand.NewPCG(11, 12)), evalX, evalTarget, addingT, evalBatch)
			pred, dpred, dh := make([]float32, evalBatch), make([]float32, evalBatch), make([]float32, batch*hidden)

			evaluate := func() float64 {
				require.NoError(t, net.Forward(tape, evalX, addingT, evalBatch, nil))
				head.Forward(pred, tape.HN(), evalBatch)
				return bptt.MSE(dpred, pred, evalTarget)
			}
			start := evaluate()
			var mse float64
			step := 0
			for step = 1; step <= addingSteps; step++ {
				addingBatch(r, x, target, addingT, batch)
				bptt.ZeroGrad(params)
				require.NoError(t, net.Forward(tape, x, addingT, batch, nil))
				hN := tape.HN()
				head.Forward(pred[:batch], hN, batch)
				bptt.MSE(dpred[:batch], pred[:batch], target)
				head.Backward(dh, dpred[:batch], hN, batch)
				require.NoError(t, net.Backward(tape, nil, dh, nil))
				require.NoError(t, bptt.CheckFinite(params))
				bptt.ClipGradNorm(params, 1)
				opt.Step(params)
				if step%50 == 0 {
					if mse = evaluate(); mse < addingBar {
						break
					}
				}
			}
			t.Logf("%v: held-out MSE %.4f at start, %.5f after %d steps", mode, start, mse, step)
			require.Less(t, mse, addingBar, "held-out MSE after %d steps", addingSteps)
		})
	}
}

func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}
