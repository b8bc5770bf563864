package cells_test

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/internal/testutil/ref"
	"github.com/simdrnn/simdrnn/internal/testutil/torchcase"
)

func TestMain(m *testing.M) { kerneltest.Main(m) }

// loadVectors reads testdata/pytorch_vectors.json (see
// testdata/make_vectors.py).
func loadVectors(t *testing.T) []torchcase.Case {
	cases, err := torchcase.Load("testdata/pytorch_vectors.json")
	require.NoError(t, err)
	return cases
}

var f32 = torchcase.F32

// Tolerance of the parity tests: 1e-5 relative to the float64 value, with
// an absolute floor of 1e-6 for values near zero.
const relTol, absTol = 1e-5, 1e-6

func requireClose(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > relTol*math.Abs(want[i])+absTol || math.IsNaN(float64(got[i])) {
			require.Failf(t, "mismatch", "%s[%d] = %v, want %v (difference %g)", what, i, got[i], want[i], d)
		}
	}
}

// TestPyTorchParity runs every case made by PyTorch at every kernel level.
func TestPyTorchParity(t *testing.T) {
	vectors := loadVectors(t)
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, vc := range vectors {
			t.Run(vc.Name, func(t *testing.T) {
				model, err := cells.New(vc.Config(), vc.Params())
				require.NoError(t, err)
				opts := &cells.SequenceOptions{H0: f32(vc.H0), C0: f32(vc.C0)}
				if len(vc.Lengths) > 0 {
					opts.Lengths = vc.Lengths
				}
				if vc.Mode != "LSTM" {
					opts.C0 = nil
				}
				out, err := model.Forward(f32(vc.X), vc.Steps, vc.Batch, opts)
				require.NoError(t, err)
				requireClose(t, "y", out.Y, vc.Y)
				requireClose(t, "h_n", out.HN, vc.HN)
				if vc.Mode == "LSTM" {
					requireClose(t, "c_n", out.CN, vc.CN)
				}
			})
		}
	})
}

// TestReferenceMatchesPyTorch checks the float64 reference (used where
// PyTorch has no counterpart, as for the reset-before GRU) against PyTorch.
func TestReferenceMatchesPyTorch(t *testing.T) {
	for _, vc := range loadVectors(t) {
		cfg := vc.Config()
		y, hN, cN := ref.CellForward(ref.CellConfig{
			Mode: int(cfg.Mode), Input: vc.InputSize, Hidden: vc.HiddenSize, Layers: vc.NumLayers,
			Bidirectional: vc.Bidirectional, Params: vc.Params(), X: f32(vc.X), Steps: vc.Steps, Batch: vc.Batch,
			Lengths: nilIfEmpty(vc.Lengths), H0: f32(vc.H0), C0: f32(vc.C0),
		})
		for _, pair := range []struct {
			name      string
			got, want []float64
		}{{"y", y, vc.Y}, {"h_n", hN, vc.HN}, {"c_n", cN, vc.CN}} {
			require.Len(t, pair.got, len(pair.want), "%s %s", vc.Name, pair.name)
			for i := range pair.want {
				require.InDelta(t, pair.want[i], pair.got[i], 1e-9, "%s %s[%d]", vc.Name, pair.name, i)
			}
		}
	}
}

func nilIfEmpty(s []int) []int {
	if len(s) == 0 {
		return nil
	}
	return s
}

// randomModel returns a model with uniform ±1/√H weights (PyTorch's
// initialisation) and the parameters it was built from.
func randomModel(t *testing.T, cfg cells.Config, seed uint64) (*cells.Model, map[string][]float32) {
	r := kerneltest.Rand(seed)
	params := map[string][]float32{}
	scale := 1 / float32(math.Sqrt(float64(cfg.HiddenSize)))
	for _, spec := range cfg.Params() {
		data := make([]float32, spec.Size())
		kerneltest.Fill(r, data)
		for i := range data {
			data[i] *= scale
		}
		params[spec.Name] = data
	}
	model, err := cells.New(cfg, params)
	require.NoError(t, err)
	return model, params
}

func randomSlice(seed uint64, n int) []float32 {
	s := make([]float32, n)
	kerneltest.Fill(kerneltest.Rand(seed), s)
	return s
}

// TestAgainstReference covers every mode — the reset-before GRU above all,
// which PyTorch lacks — with stacks, both directions, per-sample lengths,
// odd sizes, no biases and batches over 8, against the float64 reference.
func TestAgainstReference(t *testing.T) {
	modes := []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, mode := range modes {
			for k, shape := range []struct {
				in, hidden, layers, batch, steps int
				bidir, noBias                    bool
				lengths                          []int
			}{
				{5, 7, 1, 1, 6, false, false, nil},
				{13, 19, 2, 3, 5, true, false, []int{5, 0, 3}},
				{8, 16, 1, 4, 7, false, true, []int{1, 7, 7, 2}},
				{3, 33, 2, 2, 4, true, false, nil},
				// Over engine.PackedRows samples: W_hh packed for the steps.
				{6, 9, 2, 11, 5, true, true, []int{5, 1, 5, 0, 3, 5, 2, 4, 5, 1, 5}},
			} {
				t.Run(fmt.Sprintf("%v/%d", mode, k), func(t *testing.T) {
					cfg := cells.Config{Mode: mode, InputSize: shape.in, HiddenSize: shape.hidden, NumLayers: shape.layers, Bidirectional: shape.bidir, NoBias: shape.noBias}
					model, params := randomModel(t, cfg, uint64(10+k))
					states := shape.layers * cfg.OutputSize() / shape.hidden * shape.batch * shape.hidden
					x := randomSlice(1, shape.steps*shape.batch*shape.in)
					h0 := randomSlice(2, states)
					var c0 []float32
					if mode == cells.LSTM {
						c0 = randomSlice(3, states)
					}
					out, err := model.Forward(x, shape.steps, shape.batch, &cells.SequenceOptions{Lengths: shape.lengths, H0: h0, C0: c0})
					require.NoError(t, err)
					y, hN, cN := ref.CellForward(ref.CellConfig{
						Mode: int(mode), Input: shape.in, Hidden: shape.hidden, Layers: shape.layers, Bidirectional: shape.bidir,
						Params: params, X: x, Steps: shape.steps, Batch: shape.batch, Lengths: shape.lengths, H0: h0, C0: c0,
					})
					requireClose(t, "y", out.Y, y)
					requireClose(t, "h_n", out.HN, hN)
					if mode == cells.LSTM {
						requireClose(t, "c_n", out.CN, cN)
					}
				})
			}
		}
	})
}

// TestStreamingMatchesSequence checks that Step, one time step at a time,
// gives Forward's outputs and final states.
func TestStreamingMatchesSequence(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU} {
			cfg := cells.Config{Mode: mode, InputSize: 6, HiddenSize: 21, NumLayers: 2}
			model, _ := randomModel(t, cfg, 5)
			const steps, batch = 9, 3
			x := randomSlice(6, steps*batch*cfg.InputSize)
			seq, err := model.Forward(x, steps, batch, nil)
			require.NoError(t, err)
			state, err := model.NewState(batch)
			require.NoError(t, err)
			y := make([]float32, batch*cfg.HiddenSize)
			for step := 0; step < steps; step++ {
				require.NoError(t, model.Step(state, x[step*batch*cfg.InputSize:(step+1)*batch*cfg.InputSize], y))
				requireClose(t, fmt.Sprintf("%v step %d", mode, step), y, f64(seq.Y[step*batch*cfg.HiddenSize:(step+1)*batch*cfg.HiddenSize]))
			}
			for layer := 0; layer < cfg.NumLayers; layer++ {
				at := layer * batch * cfg.HiddenSize
				requireClose(t, "h", state.Hidden(layer), f64(seq.HN[at:at+batch*cfg.HiddenSize]))
				if mode == cells.LSTM {
					requireClose(t, "c", state.Cell(layer), f64(seq.CN[at:at+batch*cfg.HiddenSize]))
				}
			}
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

// TestBatchFirst checks the batch-first layout gives the time-major result
// transposed.
func TestBatchFirst(t *testing.T) {
	cfg := cells.Config{Mode: cells.GRU, InputSize: 4, HiddenSize: 5, NumLayers: 1, Bidirectional: true}
	model, _ := randomModel(t, cfg, 7)
	const steps, batch = 3, 2
	x := randomSlice(8, steps*batch*cfg.InputSize)
	timeMajor, err := model.Forward(x, steps, batch, nil)
	require.NoError(t, err)
	xb := make([]float32, len(x))
	for tt := 0; tt < steps; tt++ {
		for b := 0; b < batch; b++ {
			copy(xb[(b*steps+tt)*cfg.InputSize:], x[(tt*batch+b)*cfg.InputSize:(tt*batch+b+1)*cfg.InputSize])
		}
	}
	batchFirst, err := model.Forward(xb, steps, batch, &cells.SequenceOptions{BatchFirst: true})
	require.NoError(t, err)
	w := cfg.OutputSize()
	for tt := 0; tt < steps; tt++ {
		for b := 0; b < batch; b++ {
			require.Equal(t, timeMajor.Y[(tt*batch+b)*w:(tt*batch+b+1)*w], batchFirst.Y[(b*steps+tt)*w:(b*steps+tt+1)*w])
		}
	}
	require.Equal(t, timeMajor.HN, batchFirst.HN)
}

// TestStepAllocatesNothing checks zero heap allocations per step at every
// level.
func TestStepAllocatesNothing(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU} {
			cfg := cells.Config{Mode: mode, InputSize: 32, HiddenSize: 64, NumLayers: 2}
			model, _ := randomModel(t, cfg, 9)
			for _, batch := range []int{1, 4} {
				state, err := model.NewState(batch)
				require.NoError(t, err)
				x, y := randomSlice(10, batch*cfg.InputSize), make([]float32, batch*cfg.HiddenSize)
				allocs := testing.AllocsPerRun(50, func() {
					if err := model.Step(state, x, y); err != nil {
						panic(err)
					}
				})
				require.Zero(t, allocs, "%v batch %d", mode, batch)
			}
		}
	})
}

// TestNewErrors checks the constructor's errors name the tensor and sizes.
func TestNewErrors(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 2, NumLayers: 1}
	_, params := randomModel(t, cfg, 11)
	missing := map[string][]float32{}
	for k, v := range params {
		if k != "weight_hh_l0" {
			missing[k] = v
		}
	}
	_, err := cells.New(cfg, missing)
	require.ErrorContains(t, err, "weight_hh_l0 (shape [8 2]) is missing")

	wrong := map[string][]float32{}
	for k, v := range params {
		wrong[k] = v
	}
	wrong["bias_ih_l0"] = make([]float32, 7)
	_, err = cells.New(cfg, wrong)
	require.ErrorContains(t, err, "bias_ih_l0 has 7 values; want shape [8] = 8 values")

	wrong["bias_ih_l0"] = params["bias_ih_l0"]
	wrong["weight_ih_l1"] = make([]float32, 3)
	_, err = cells.New(cfg, wrong)
	require.ErrorContains(t, err, "unexpected parameters for a 1-layer LSTM: weight_ih_l1")

	_, err = cells.New(cells.Config{Mode: cells.GRU, InputSize: 0, HiddenSize: 2, NumLayers: 1}, nil)
	require.ErrorContains(t, err, "input size 0")

	model, _ := randomModel(t, cells.Config{Mode: cells.GRU, InputSize: 3, HiddenSize: 2, NumLayers: 1, Bidirectional: true}, 12)
	_, err = model.NewState(1)
	require.ErrorIs(t, err, cells.ErrBidirectional)
	_, err = model.Forward(make([]float32, 7), 1, 2, nil)
	require.ErrorContains(t, err, "len(x) = 7")
	_, err = model.Forward(make([]float32, 6), 2, 1, &cells.SequenceOptions{Lengths: []int{3}})
	require.ErrorContains(t, err, "length 3 of sample 0 is outside 0 … 2 steps")
}

// TestConcurrentUse shares one model among goroutines, each with its own
// state; `go test -race` proves no data race.
func TestConcurrentUse(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 8, HiddenSize: 16, NumLayers: 2}
	model, _ := randomModel(t, cfg, 13)
	x := randomSlice(14, 5*cfg.InputSize)
	want, err := model.Forward(x, 5, 1, nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			state, err := model.NewState(1)
			if err != nil {
				errs <- err
				return
			}
			y := make([]float32, cfg.HiddenSize)
			for step := 0; step < 5; step++ {
				if err := model.Step(state, x[step*cfg.InputSize:(step+1)*cfg.InputSize], y); err != nil {
					errs <- err
					return
				}
			}
			out, err := model.Forward(x, 5, 1, nil)
			if err != nil {
				errs <- err
				return
			}
			for i := range out.Y {
				if out.Y[i] != want.Y[i] {
					errs <- fmt.Errorf("goroutine result differs at %d", i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
