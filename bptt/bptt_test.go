package bptt_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/kerneltest"
)

func TestMain(m *testing.M) { kerneltest.Main(m) }

// gradCase is one case of testdata/pytorch_grads.json (see
// testdata/make_grads.py): a model, its inputs and upstream gradients, and
// PyTorch's float64 outputs and gradients of loss = Σ y⊙dy + Σ h_n⊙dh_n
// (+ Σ c_n⊙dc_n).
type gradCase struct {
	Name          string `json:"name"`
	Mode          string `json:"mode"`
	InputSize     int    `json:"input_size"`
	HiddenSize    int    `json:"hidden_size"`
	NumLayers     int    `json:"num_layers"`
	Bidirectional bool   `json:"bidirectional"`
	Nonlinearity  string `json:"nonlinearity"`
	Batch         int    `json:"batch"`
	Steps         int    `json:"steps"`
	Lengths       []int  `json:"lengths"`
	Weights       map[string]struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"weights"`
	X     []float64            `json:"x"`
	H0    []float64            `json:"h0"`
	C0    []float64            `json:"c0"`
	DY    []float64            `json:"dy"`
	DHN   []float64            `json:"dh_n"`
	DCN   []float64            `json:"dc_n"`
	Y     []float64            `json:"y"`
	HN    []float64            `json:"h_n"`
	CN    []float64            `json:"c_n"`
	Loss  float64              `json:"loss"`
	Grads map[string][]float64 `json:"grads"`
}

func loadGradCases(t *testing.T) []gradCase {
	data, err := os.ReadFile("testdata/pytorch_grads.json")
	require.NoError(t, err)
	var file struct {
		Cases []gradCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(data, &file))
	require.NotEmpty(t, file.Cases)
	return file.Cases
}

func f32(s []float64) []float32 {
	if s == nil {
		return nil
	}
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

func (gc gradCase) config() cells.Config {
	mode := map[string]cells.Mode{"LSTM": cells.LSTM, "GRU": cells.GRU, "GRUResetBefore": cells.GRUResetBefore}[gc.Mode]
	if gc.Mode == "RNN" {
		mode = cells.RNNTanh
		if gc.Nonlinearity == "relu" {
			mode = cells.RNNReLU
		}
	}
	return cells.Config{Mode: mode, InputSize: gc.InputSize, HiddenSize: gc.HiddenSize, NumLayers: gc.NumLayers, Bidirectional: gc.Bidirectional}
}

func (gc gradCase) params() map[string][]float32 {
	params := map[string][]float32{}
	for name, w := range gc.Weights {
		params[name] = f32(w.Data)
	}
	return params
}

func (gc gradCase) options() *cells.SequenceOptions {
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
				net, err := bptt.New(gc.config(), gc.params())
				require.NoError(t, err)
				tape := net.NewTape()
				require.NoError(t, net.Forward(tape, f32(gc.X), gc.Batch, gc.options()))
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
