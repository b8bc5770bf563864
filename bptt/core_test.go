package bptt_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

var allModes = []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU}

// randomParams returns parameters for cfg drawn from U(−0.5, 0.5).
func randomParams(cfg cells.Config, r *rand.Rand) map[string][]float32 {
	params := map[string][]float32{}
	for _, spec := range cfg.Params() {
		data := make([]float32, spec.Size())
		for i := range data {
			data[i] = float32(r.Float64() - 0.5)
		}
		params[spec.Name] = data
	}
	return params
}

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// netCase is a configuration with inputs for the property tests.
type netCase struct {
	cfg     cells.Config
	batch   int
	steps   int
	lengths []int
}

func (nc netCase) String() string {
	return fmt.Sprintf("%v/I%d/H%d/L%d/bi=%v/nobias=%v/B%d/T%d/len=%v", nc.cfg.Mode, nc.cfg.InputSize, nc.cfg.HiddenSize,
		nc.cfg.NumLayers, nc.cfg.Bidirectional, nc.cfg.NoBias, nc.batch, nc.steps, nc.lengths)
}

func propertyCases() []netCase {
	var out []netCase
	for i, mode := range allModes {
		out = append(out,
			netCase{cells.Config{Mode: mode, InputSize: 3, HiddenSize: 5, NumLayers: 1}, 1, 4, nil},
			netCase{cells.Config{Mode: mode, InputSize: 7, HiddenSize: 9, NumLayers: 2, NoBias: i%2 == 0}, 11, 5, nil},
			netCase{cells.Config{Mode: mode, InputSize: 4, HiddenSize: 6, NumLayers: 2, Bidirectional: true}, 3, 6, []int{2, 6, 0}},
			netCase{cells.Config{Mode: mode, InputSize: 17, HiddenSize: 10, NumLayers: 1}, 9, 3, []int{3, 1, 2, 3, 3, 1, 2, 0, 3}},
		)
	}
	return out
}

// TestForwardMatchesCells: the recorded forward pass computes what
// cells.Model.Forward does, batch-first and time-major.
func TestForwardMatchesCells(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for ci, nc := range propertyCases() {
			t.Run(nc.String(), func(t *testing.T) {
				r := kerneltest.Rand(uint64(ci))
				params := randomParams(nc.cfg, r)
				net, err := bptt.New(nc.cfg, params)
				require.NoError(t, err)
				model, err := cells.New(nc.cfg, params)
				require.NoError(t, err)
				states := nc.cfg.NumLayers * nc.batch * nc.cfg.OutputSize()
				x := randomSlice(r, nc.steps*nc.batch*nc.cfg.InputSize)
				opts := &cells.SequenceOptions{Lengths: nc.lengths, H0: randomSlice(r, states)}
				if nc.cfg.Mode == cells.LSTM {
					opts.C0 = randomSlice(r, states)
				}
				tape := net.NewTape()
				for _, batchFirst := range []bool{false, true} {
					opts.BatchFirst = batchFirst
					want, err := model.Forward(x, nc.steps, nc.batch, opts)
					require.NoError(t, err)
					require.NoError(t, net.Forward(tape, x, nc.steps, nc.batch, opts))
					requireClose(t, "y", tape.Y(), f64(want.Y), 1e-5, 1e-6)
					requireClose(t, "h_n", tape.HN(), f64(want.HN), 1e-5, 1e-6)
					if want.CN != nil {
						requireClose(t, "c_n", tape.CN(), f64(want.CN), 1e-5, 1e-6)
					}
				}
			})
		}
	})
}

func f64(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// run does one Forward and Backward with the given upstream gradients and
// returns the gradients (parameters by name, then "x", "h0", "c0").
func run(t *testing.T, net *bptt.Net, tape *bptt.Tape, x []float32, steps, batch int, opts *cells.SequenceOptions, dy, dhN, dcN []float32) map[string][]float32 {
	t.Helper()
	net.ZeroGrad()
	require.NoError(t, net.Forward(tape, x, steps, batch, opts))
	require.NoError(t, net.Backward(tape, dy, dhN, dcN))
	grads := map[string][]float32{}
	for _, p := range net.Params() {
		grads[p.Name] = append([]float32(nil), p.Grad...)
	}
	grads["x"] = append([]float32(nil), tape.DX()...)
	grads["h0"] = append([]float32(nil), tape.DH0()...)
	grads["c0"] = append([]float32(nil), tape.DC0()...)
	return grads
}

// transpose turns outer × inner × width into inner × outer × width.
func transpose(src []float32, outer, inner, width int) []float32 {
	dst := make([]float32, len(src))
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			copy(dst[(i*outer+o)*width:(i*outer+o+1)*width], src[(o*inner+i)*width:(o*inner+i+1)*width])
		}
	}
	return dst
}

// TestBatchFirstAndAccumulation: a batch-first call gives the gradients of
// the time-major one (dx in its own layout); a second Backward on the same
// tape adds the same gradients again (PyTorch's .grad semantics).
func TestBatchFirstAndAccumulation(t *testing.T) {
	for ci, nc := range propertyCases() {
		t.Run(nc.String(), func(t *testing.T) {
			r := kerneltest.Rand(uint64(100 + ci))
			net, err := bptt.New(nc.cfg, randomParams(nc.cfg, r))
			require.NoError(t, err)
			tape := net.NewTape()
			in, out := nc.cfg.InputSize, nc.cfg.OutputSize()
			x := randomSlice(r, nc.steps*nc.batch*in)
			dy := randomSlice(r, nc.steps*nc.batch*out)
			states := nc.cfg.NumLayers * nc.batch * out
			dhN := randomSlice(r, states)
			var dcN []float32
			if nc.cfg.Mode == cells.LSTM {
				dcN = randomSlice(r, states)
			}
			opts := &cells.SequenceOptions{Lengths: nc.lengths}
			want := run(t, net, tape, x, nc.steps, nc.batch, opts, dy, dhN, dcN)

			bf := &cells.SequenceOptions{Lengths: nc.lengths, BatchFirst: true}
			got := run(t, net, tape, transpose(x, nc.steps, nc.batch, in), nc.steps, nc.batch, bf, transpose(dy, nc.steps, nc.batch, out), dhN, dcN)
			got["x"] = transpose(got["x"], nc.batch, nc.steps, in)
			for name, w := range want {
				requireClose(t, "batch-first "+name, got[name], f64(w), 1e-6, 1e-6)
			}

			require.NoError(t, net.Backward(tape, transpose(dy, nc.steps, nc.batch, out), dhN, dcN))
			for _, p := range net.Params() {
				twice := f64(want[p.Name])
				for i := range twice {
					twice[i] *= 2
				}
				requireClose(t, "accumulated "+p.Name, p.Grad, twice, 1e-6, 1e-6)
			}
		})
	}
}

// TestSkipInputGrad: with SetInputGrad(false) every other gradient is the
// same bits as with it on, DX is nil, and turning it back on restores DX.
func TestSkipInputGrad(t *testing.T) {
	for ci, nc := range propertyCases() {
		t.Run(nc.String(), func(t *testing.T) {
			r := kerneltest.Rand(uint64(300 + ci))
			net, err := bptt.New(nc.cfg, randomParams(nc.cfg, r))
			require.NoError(t, err)
			in, out := nc.cfg.InputSize, nc.cfg.OutputSize()
			x := randomSlice(r, nc.steps*nc.batch*in)
			dy := randomSlice(r, nc.steps*nc.batch*out)
			for _, batchFirst := range []bool{false, true} {
				opts := &cells.SequenceOptions{Lengths: nc.lengths, BatchFirst: batchFirst}
				tape := net.NewTape()
				want := run(t, net, tape, x, nc.steps, nc.batch, opts, dy, nil, nil)
				require.Len(t, want["x"], len(x))
				tape.SetInputGrad(false)
				got := run(t, net, tape, x, nc.steps, nc.batch, opts, dy, nil, nil)
				require.Nil(t, tape.DX())
				for name, w := range want {
					if name != "x" {
						require.Equal(t, w, got[name], name)
					}
				}
				tape.SetInputGrad(true)
				require.Equal(t, want["x"], run(t, net, tape, x, nc.steps, nc.batch, opts, dy, nil, nil)["x"])
			}
		})
	}
}

// TestNoAllocationOnceWarm: Forward and Backward reuse the tape, at every
// level (the levels take different paths through the matrix products).
func TestNoAllocationOnceWarm(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for ci, nc := range propertyCases() {
			t.Run(nc.String(), func(t *testing.T) {
				r := kerneltest.Rand(uint64(200 + ci))
				net, err := bptt.New(nc.cfg, randomParams(nc.cfg, r))
				require.NoError(t, err)
				tape := net.NewTape()
				x := randomSlice(r, nc.steps*nc.batch*nc.cfg.InputSize)
				dy := randomSlice(r, nc.steps*nc.batch*nc.cfg.OutputSize())
				opts := &cells.SequenceOptions{Lengths: nc.lengths, BatchFirst: ci%2 == 1}
				step := func() {
					require.NoError(t, net.Forward(tape, x, nc.steps, nc.batch, opts))
					require.NoError(t, net.Backward(tape, dy, nil, nil))
				}
				step()
				require.Zero(t, testing.AllocsPerRun(5, step))
			})
		}
	})
}

// TestErrors: bad shapes and misuse return errors naming the sizes.
func TestErrors(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 4, NumLayers: 1}
	params := randomParams(cfg, kerneltest.Rand(1))
	net, err := bptt.New(cfg, params)
	require.NoError(t, err)
	tape := net.NewTape()
	x := make([]float32, 2*5*3)

	delete(params, "bias_hh_l0")
	_, err = bptt.New(cfg, params)
	require.ErrorContains(t, err, "bias_hh_l0")
	_, err = bptt.New(cells.Config{Mode: cells.GRU, InputSize: 0, HiddenSize: 4, NumLayers: 1}, nil)
	require.Error(t, err)

	require.ErrorContains(t, net.Backward(tape, nil, nil, nil), "no Forward")
	require.ErrorContains(t, net.Forward(tape, x[:7], 5, 2, nil), "len(x) = 7")
	require.ErrorContains(t, net.Forward(tape, x, 5, 0, nil), "batch = 0")
	require.ErrorContains(t, net.Forward(tape, x, 5, 2, &cells.SequenceOptions{Lengths: []int{5}}), "1 lengths for a batch of 2")
	require.ErrorContains(t, net.Forward(tape, x, 5, 2, &cells.SequenceOptions{Lengths: []int{6, 1}}), "length 6")
	require.ErrorContains(t, net.Forward(tape, x, 5, 2, &cells.SequenceOptions{H0: make([]float32, 3)}), "len(H0) = 3")
	other, err := bptt.New(cfg, randomParams(cfg, kerneltest.Rand(2)))
	require.NoError(t, err)
	require.ErrorContains(t, other.Forward(tape, x, 5, 2, nil), "another Net")

	require.NoError(t, net.Forward(tape, x, 5, 2, nil))
	require.ErrorContains(t, net.Backward(tape, make([]float32, 9), nil, nil), "len(dy) = 9")
	require.ErrorContains(t, net.Backward(tape, nil, make([]float32, 9), nil), "len(dhN) = 9")
	require.ErrorContains(t, net.Backward(tape, nil, nil, make([]float32, 9)), "dcN of length 9")
}
