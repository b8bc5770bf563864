package cells_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/internal/testutil/ref"
)

var reducedPrecisions = []cells.Precision{cells.F16, cells.BF16, cells.Int8}

// precisionTolerance is how far outputs at p may be from the float64
// reference computed on the weights the model holds (Parameters): F16 and
// BF16 sum exactly those weights in float32 (the f32 tolerance); Int8 also
// quantizes the state vector of every recurrent product (and, streaming,
// the inputs), half a step of max|h|/127 per product.
func precisionTolerance(p cells.Precision) (rel, abs float64) {
	if p == cells.Int8 {
		return 0, 0.02
	}
	return relTol, absTol
}

func requireNear(t *testing.T, what string, got []float32, want []float64, rel, abs float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= rel*math.Abs(want[i])+abs) {
			require.Failf(t, "mismatch", "%s[%d] = %v, want %v (difference %g)", what, i, got[i], want[i], d)
		}
	}
}

// reducedModel returns a random F32 model converted to p, and the
// parameters the converted model computes with.
func reducedModel(t *testing.T, cfg cells.Config, p cells.Precision, seed uint64) (*cells.Model, map[string][]float32) {
	f32Model, _ := randomModel(t, cfg, seed)
	m, err := f32Model.WithPrecision(p)
	require.NoError(t, err)
	require.Equal(t, p, m.Precision())
	require.Equal(t, cells.F32, f32Model.Precision())
	return m, m.Parameters()
}

// TestPrecisionAgainstReference runs Forward at every reduced precision
// over every mode, stacks, both directions, lengths, no biases and batches
// over 8 (the packed, widened recurrent product) at every level, against
// the float64 reference on the weights the model holds.
func TestPrecisionAgainstReference(t *testing.T) {
	modes := []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, p := range reducedPrecisions {
			rel, abs := precisionTolerance(p)
			for _, mode := range modes {
				for k, shape := range []struct {
					in, hidden, layers, batch, steps int
					bidir, noBias                    bool
					lengths                          []int
				}{
					{5, 7, 1, 1, 6, false, false, nil},
					{13, 19, 2, 3, 5, true, false, []int{5, 0, 3}},
					{8, 40, 1, 4, 7, false, true, []int{1, 7, 7, 2}},
					{6, 9, 2, 11, 5, true, true, []int{5, 1, 5, 0, 3, 5, 2, 4, 5, 1, 5}},
				} {
					t.Run(fmt.Sprintf("%v/%v/%d", p, mode, k), func(t *testing.T) {
						cfg := cells.Config{Mode: mode, InputSize: shape.in, HiddenSize: shape.hidden, NumLayers: shape.layers, Bidirectional: shape.bidir, NoBias: shape.noBias}
						model, params := reducedModel(t, cfg, p, uint64(20+k))
						states := shape.layers * cfg.OutputSize() * shape.batch
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
						requireNear(t, "y", out.Y, y, rel, abs)
						requireNear(t, "h_n", out.HN, hN, rel, abs)
						if mode == cells.LSTM {
							requireNear(t, "c_n", out.CN, cN, rel, abs)
						}
					})
				}
			}
		}
	})
}

// TestPrecisionStreaming checks that Step at every precision (batch 1: the
// fused F16/BF16/Int8 step kernels; batch 3: the batched products) follows
// the float64 reference step by step, as Forward does.
func TestPrecisionStreaming(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, p := range reducedPrecisions {
			rel, abs := precisionTolerance(p)
			for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU} {
				for _, batch := range []int{1, 3} {
					cfg := cells.Config{Mode: mode, InputSize: 6, HiddenSize: 37, NumLayers: 2}
					model, params := reducedModel(t, cfg, p, 5)
					const steps = 9
					x := randomSlice(6, steps*batch*cfg.InputSize)
					y, hN, _ := ref.CellForward(ref.CellConfig{Mode: int(mode), Input: cfg.InputSize, Hidden: cfg.HiddenSize, Layers: cfg.NumLayers,
						Params: params, X: x, Steps: steps, Batch: batch})
					state, err := model.NewState(batch)
					require.NoError(t, err)
					out := make([]float32, batch*cfg.HiddenSize)
					for step := 0; step < steps; step++ {
						require.NoError(t, model.Step(state, x[step*batch*cfg.InputSize:(step+1)*batch*cfg.InputSize], out))
						requireNear(t, fmt.Sprintf("%v %v batch %d step %d", p, mode, batch, step), out, y[step*batch*cfg.HiddenSize:(step+1)*batch*cfg.HiddenSize], rel, abs)
					}
					requireNear(t, "h", state.Hidden(1), hN[batch*cfg.HiddenSize:], rel, abs)
				}
			}
		}
	})
}

// TestPrecisionStepAllocatesNothing checks zero allocations per Step at
// every precision, level and mode, at batch 1 and 4.
func TestPrecisionStepAllocatesNothing(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, p := range reducedPrecisions {
			for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU} {
				cfg := cells.Config{Mode: mode, InputSize: 32, HiddenSize: 64, NumLayers: 2}
				model, _ := reducedModel(t, cfg, p, 9)
				for _, batch := range []int{1, 4} {
					state, err := model.NewState(batch)
					require.NoError(t, err)
					x, y := randomSlice(10, batch*cfg.InputSize), make([]float32, batch*cfg.HiddenSize)
					allocs := testing.AllocsPerRun(20, func() {
						if err := model.Step(state, x, y); err != nil {
							panic(err)
						}
					})
					require.Zero(t, allocs, "%v %v batch %d", p, mode, batch)
				}
			}
		}
	})
}

// TestPrecisionMemory checks WeightBytes: F16 and BF16 hold half the bytes
// of F32, Int8 a quarter plus a scale per row.
func TestPrecisionMemory(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 256, HiddenSize: 256, NumLayers: 2}
	m, _ := randomModel(t, cfg, 1)
	f32Bytes := m.WeightBytes()
	weights := 0
	for _, spec := range cfg.Params() {
		if spec.Name[:6] == "weight" {
			weights += spec.Size()
		}
	}
	require.Equal(t, 4*weights, f32Bytes)
	for _, p := range reducedPrecisions {
		r, err := m.WithPrecision(p)
		require.NoError(t, err)
		want := 2 * weights
		if p == cells.Int8 {
			want = weights + 4*4*4*cfg.HiddenSize // one scale per row of the four matrices
		}
		require.Equal(t, want, r.WeightBytes(), "%v", p)
	}
}

// TestPrecisionSafetensors checks that WriteSafetensors keeps the
// precision and reads back bit for bit; that an F32 file loaded at a
// reduced precision equals the converted F32 model; and the load errors.
func TestPrecisionSafetensors(t *testing.T) {
	cfg := cells.Config{Mode: cells.GRU, InputSize: 5, HiddenSize: 12, NumLayers: 2, Bidirectional: true}
	f32Model, _ := randomModel(t, cfg, 3)
	var f32File bytes.Buffer
	require.NoError(t, f32Model.WriteSafetensors(&f32File, "rnn."))
	for _, p := range reducedPrecisions {
		m, err := f32Model.WithPrecision(p)
		require.NoError(t, err)
		var file bytes.Buffer
		require.NoError(t, m.WriteSafetensors(&file, "rnn."))
		st, err := safetensors.Read(bytes.NewReader(file.Bytes()))
		require.NoError(t, err)
		dtype, _, _ := st.Info("rnn.weight_hh_l1_reverse")
		require.Equal(t, map[cells.Precision]string{cells.F16: "F16", cells.BF16: "BF16", cells.Int8: "I8"}[p], dtype)
		require.Equal(t, p.String(), st.Metadata()["simdrnn_precision"])
		pcfg := cfg
		pcfg.Precision = p
		back, err := cells.ReadSafetensors(bytes.NewReader(file.Bytes()), pcfg, "rnn.")
		require.NoError(t, err)
		var again bytes.Buffer
		require.NoError(t, back.WriteSafetensors(&again, "rnn."))
		require.Equal(t, file.Bytes(), again.Bytes(), "%v: the file read back writes the same bytes", p)
		require.Equal(t, bitsOf(m.Parameters()), bitsOf(back.Parameters()))

		// An F32 file loaded at p is the F32 model converted.
		fromF32, err := cells.ReadSafetensors(bytes.NewReader(f32File.Bytes()), pcfg, "rnn.")
		require.NoError(t, err)
		require.Equal(t, bitsOf(m.Parameters()), bitsOf(fromF32.Parameters()), "%v", p)
		require.Equal(t, m.WeightBytes(), fromF32.WeightBytes())

		// The file read at F32 gives the values the model computes with
		// (int8: only at Int8).
		if p != cells.Int8 {
			wide, err := cells.ReadSafetensors(bytes.NewReader(file.Bytes()), cfg, "rnn.")
			require.NoError(t, err)
			require.Equal(t, bitsOf(m.Parameters()), bitsOf(wide.Parameters()))
		} else {
			_, err := cells.ReadSafetensors(bytes.NewReader(file.Bytes()), cfg, "rnn.")
			require.ErrorContains(t, err, "is int8 (I8): load it with Config.Precision = Int8")
		}
	}
}

func bitsOf(params map[string][]float32) map[string][]uint32 {
	out := map[string][]uint32{}
	for name, v := range params {
		b := make([]uint32, len(v))
		for i, x := range v {
			b[i] = math.Float32bits(x)
		}
		out[name] = b
	}
	return out
}

// TestPrecisionErrors checks the weights a precision cannot hold and bad
// int8 files.
func TestPrecisionErrors(t *testing.T) {
	cfg := cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 3, NumLayers: 1}
	_, params := randomModel(t, cfg, 4)
	params["weight_hh_l0"][4] = 70000
	f16 := cfg
	f16.Precision = cells.F16
	_, err := cells.New(f16, params)
	require.ErrorContains(t, err, "weight_hh_l0[4] = 70000 is beyond the range of f16")
	params["weight_hh_l0"][4] = float32(math.NaN())
	i8 := cfg
	i8.Precision = cells.Int8
	_, err = cells.New(i8, params)
	require.ErrorContains(t, err, "weight_hh_l0[4] = NaN cannot be quantized to int8")
	bad := cfg
	bad.Precision = 7
	require.ErrorContains(t, bad.Validate(), "unknown precision")
	wide := cells.Config{Mode: cells.GRU, InputSize: 1 << 18, HiddenSize: 1, NumLayers: 1, Precision: cells.Int8}
	require.ErrorContains(t, wide.Validate(), "wider than the int8 kernels take")
	_, err = cells.ParsePrecision("fp8")
	require.Error(t, err)
	for _, p := range append(reducedPrecisions, cells.F32) {
		got, err := cells.ParsePrecision(p.String())
		require.NoError(t, err)
		require.Equal(t, p, got)
	}

	// An int8 file with a −128 weight, a missing or a negative scale.
	params["weight_hh_l0"][4] = 0.5
	m, err := cells.New(i8, params)
	require.NoError(t, err)
	var file bytes.Buffer
	require.NoError(t, m.WriteSafetensors(&file, ""))
	st, err := safetensors.Read(bytes.NewReader(file.Bytes()))
	require.NoError(t, err)
	rewrite := func(edit func(ts []safetensors.Tensor) []safetensors.Tensor) []byte {
		var ts []safetensors.Tensor
		for _, name := range st.Names() {
			dtype, shape, _ := st.Info(name)
			t1 := safetensors.Tensor{Name: name, Shape: shape}
			if dtype == "I8" {
				lm := m.Parameters()[name] // values only to size the slice
				t1.DType, t1.Int8 = "I8", make([]int8, len(lm))
			} else {
				v, err := st.Tensor(name)
				require.NoError(t, err)
				t1.Data = v.Data
			}
			ts = append(ts, t1)
		}
		var out bytes.Buffer
		require.NoError(t, safetensors.Write(&out, edit(ts), nil))
		return out.Bytes()
	}
	for _, tc := range []struct {
		edit func([]safetensors.Tensor) []safetensors.Tensor
		want string
	}{
		{func(ts []safetensors.Tensor) []safetensors.Tensor {
			for _, x := range ts {
				if x.DType == "I8" {
					x.Int8[1] = -128
				}
			}
			return ts
		}, "holds -128 at 1"},
		{func(ts []safetensors.Tensor) []safetensors.Tensor {
			for _, x := range ts {
				if x.Name == "weight_ih_l0_scale" {
					x.Data[0] = -1
				}
			}
			return ts
		}, "weight_ih_l0_scale[0] = -1"},
		{func(ts []safetensors.Tensor) []safetensors.Tensor {
			var out []safetensors.Tensor
			for _, x := range ts {
				if x.Name != "weight_hh_l0_scale" {
					out = append(out, x)
				}
			}
			return out
		}, "needs its row scales weight_hh_l0_scale"},
	} {
		_, err := cells.ReadSafetensors(bytes.NewReader(rewrite(tc.edit)), i8, "")
		require.ErrorContains(t, err, tc.want)
	}
}

// TestSaveSafetensors saves models at every precision to a path and loads
// them back with the same bits; a directory that does not exist is an
// error and leaves nothing behind.
func TestSaveSafetensors(t *testing.T) {
	dir := t.TempDir()
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 5, NumLayers: 2}
	f32Model, _ := randomModel(t, cfg, 8)
	for _, p := range append([]cells.Precision{cells.F32}, reducedPrecisions...) {
		m, err := f32Model.WithPrecision(p)
		require.NoError(t, err)
		path := filepath.Join(dir, p.String()+".safetensors")
		require.NoError(t, m.SaveSafetensors(path, "rnn."))
		pcfg := cfg
		pcfg.Precision = p
		back, err := cells.LoadSafetensors(path, pcfg, "rnn.")
		require.NoError(t, err)
		require.Equal(t, bitsOf(m.Parameters()), bitsOf(back.Parameters()))
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 4, "no temporary files left")
	require.Error(t, f32Model.SaveSafetensors(filepath.Join(dir, "missing", "m.safetensors"), ""))
}
