package bptt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestFiniteDifferences: GradCheck (central differences of the float32
// model, loss in float64) agrees with Backward on small models of every
// mode, stacked, bidirectional and with per-sample lengths, for every
// parameter element, the input and the initial states.
func TestFiniteDifferences(t *testing.T) {
	var cases []netCase
	for _, mode := range allModes {
		cases = append(cases,
			netCase{cells.Config{Mode: mode, InputSize: 2, HiddenSize: 3, NumLayers: 2}, 2, 4, nil},
			netCase{cells.Config{Mode: mode, InputSize: 3, HiddenSize: 2, NumLayers: 1, Bidirectional: true}, 3, 4, []int{4, 1, 3}})
	}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for ci, nc := range cases {
			t.Run(nc.String(), func(t *testing.T) {
				// A difference across ReLU's kink is not a derivative: the
				// ReLU cases' seeds are ones whose pre-activations all
				// stay farther than the step from zero.
				seed := uint64(500 + ci)
				if nc.cfg.Mode == cells.RNNReLU {
					seed += reluSeedShift
				}
				r := kerneltest.Rand(seed)
				net, err := bptt.New(nc.cfg, randomParams(nc.cfg, r))
				require.NoError(t, err)
				tape := net.NewTape()
				states := nc.cfg.NumLayers * nc.batch * nc.cfg.OutputSize()
				x := &bptt.Param{Name: "x", Data: randomSlice(r, nc.steps*nc.batch*nc.cfg.InputSize)}
				h0 := &bptt.Param{Name: "h0", Data: randomSlice(r, states)}
				c0 := &bptt.Param{Name: "c0", Data: randomSlice(r, states)}
				w := randomSlice(r, nc.steps*nc.batch*nc.cfg.OutputSize())
				v, u := randomSlice(r, states), randomSlice(r, states)
				lstm := nc.cfg.Mode == cells.LSTM
				opts := func() *cells.SequenceOptions {
					o := &cells.SequenceOptions{Lengths: nc.lengths, H0: h0.Data}
					if lstm {
						o.C0 = c0.Data
					}
					return o
				}
				// loss = Σ y⊙w + Σ h_n⊙v (+ Σ c_n⊙u), in float64.
				loss := func() float64 {
					require.NoError(t, net.Forward(tape, x.Data, nc.steps, nc.batch, opts()))
					sum := dot64(tape.Y(), w) + dot64(tape.HN(), v)
					if lstm {
						sum += dot64(tape.CN(), u)
					}
					return sum
				}
				net.ZeroGrad()
				loss()
				var dcN []float32
				if lstm {
					dcN = u
				}
				require.NoError(t, net.Backward(tape, w, v, dcN))
				x.Grad = append([]float32(nil), tape.DX()...)
				h0.Grad = append([]float32(nil), tape.DH0()...)
				params := append(net.Params(), x, h0)
				if lstm {
					c0.Grad = append([]float32(nil), tape.DC0()...)
					params = append(params, c0)
				}
				res, err := bptt.GradCheck(params, loss, bptt.GradCheckOptions{Eps: 3e-3, RTol: 1e-2, ATol: 2e-3})
				require.NoError(t, err, "worst: %+v", res.Worst)
				require.Positive(t, res.Checked)
			})
		}
	})
}

// reluSeedShift moves the ReLU cases off seed 500+ci, which puts one
// pre-activation within the step of the kink (shifts 1 … 7 pass as well).
const reluSeedShift = 1000

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
