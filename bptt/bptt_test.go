package bptt_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/internal/testutil/torchcase"
)

func TestMain(m *testing.M) { kerneltest.Main(m) }

// loadGradCases reads testdata/pytorch_grads.json (see
// testdata/make_grads.py): models, their inputs and upstream gradients, and
// PyTorch's float64 outputs and gradients of loss = Σ y⊙dy + Σ h_n⊙dh_n
// (+ Σ c_n⊙dc_n).
func loadGradCases(t *testing.T) []torchcase.Case {
	cases, err := torchcase.Load("testdata/pytorch_grads.json")
	require.NoError(t, err)
	return cases
}

var f32 = torchcase.F32

// sequenceOptions returns the case's initial states and lengths.
func sequenceOptions(gc torchcase.Case) *cells.SequenceOptions {
	opts := &cells.SequenceOptions{H0: f32(gc.H0)}
	if gc.Mode == "LSTM" {
		opts.C0 = f32(gc.C0)
	}
	if len(gc.Lengths) > 0 {
		opts.Lengths = gc.Lengths
	}
	return opts
}

// Gradient tolerance: 1e-4 relative to PyTorch's float64 value, with an
// absolute floor of 1e-5 for values near zero (the gradients are O(1)).
const gradRel, gradAbs = 1e-4, 1e-5

func requireClose(t *testing.T, what string, got []float32, want []float64, rel, abs float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= rel*math.Abs(want[i])+abs) {
			require.Failf(t, "mismatch", "%s[%d] = %v, want %v (difference %g)", what, i, got[i], want[i], d)
		}
	}
}

// TestGradientsMatchPyTorch runs every case made by PyTorch at every kernel
// level: outputs, final states and the gradients of every parameter, of the
// input and of the initial states.
func TestGradientsMatchPyTorch(t *testing.T) {
	cases := loadGradCases(t)
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, gc := range cases {
			t.Run(gc.Name, func(t *testing.T) {
				net, err := bptt.New(gc.Config(), gc.Params())
				require.NoError(t, err)
				tape := net.NewTape()
				require.NoError(t, net.Forward(tape, f32(gc.X), gc.Steps, gc.Batch, sequenceOptions(gc)))
				requireClose(t, "y", tape.Y(), gc.Y, 1e-5, 1e-6)
				requireClose(t, "h_n", tape.HN(), gc.HN, 1e-5, 1e-6)
				if gc.Mode == "LSTM" {
					requireClose(t, "c_n", tape.CN(), gc.CN, 1e-5, 1e-6)
				}
				require.NoError(t, net.Backward(tape, f32(gc.DY), f32(gc.DHN), f32(gc.DCN)))
				for _, p := range net.Params() {
					want, ok := gc.Grads[p.Name]
					require.True(t, ok, p.Name)
					requireClose(t, "grad "+p.Name, p.Grad, want, gradRel, gradAbs)
				}
				requireClose(t, "grad x", tape.DX(), gc.Grads["x"], gradRel, gradAbs)
				requireClose(t, "grad h0", tape.DH0(), gc.Grads["h0"], gradRel, gradAbs)
				if gc.Mode == "LSTM" {
					requireClose(t, "grad c0", tape.DC0(), gc.Grads["c0"], gradRel, gradAbs)
				}
			})
		}
	})
}
