//go:build amd64 || arm64

package cells_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
)

// wrappingParams returns the parameters an unchecked count of cfg's shapes
// asks for: each tensor's product computed with wrapping int arithmetic, as
// ParamSpec.Size once did (empty where it does not come out as a small
// count). Before sizes were checked, New accepted them for InputSize 2⁶¹
// with HiddenSize 2 (the LSTM's W_ih of 8·2⁶¹ values wraps to 0) and for
// HiddenSize 2⁶², and the model died in Forward or NewState.
func wrappingParams(cfg cells.Config) map[string][]float32 {
	gates := map[cells.Mode]int{cells.LSTM: 4, cells.GRU: 3, cells.GRUResetBefore: 3}[cfg.Mode]
	if gates == 0 {
		gates = 1
	}
	dirs := 1
	if cfg.Bidirectional {
		dirs = 2
	}
	small := func(n int) []float32 {
		if n < 0 || n > 1<<16 {
			n = 0
		}
		return make([]float32, n)
	}
	params := map[string][]float32{}
	gh := gates * cfg.HiddenSize
	for layer := 0; layer < min(cfg.NumLayers, 4); layer++ {
		in := cfg.InputSize
		if layer > 0 {
			in = dirs * cfg.HiddenSize
		}
		for dir := 0; dir < dirs; dir++ {
			suffix := fmt.Sprintf("_l%d", layer)
			if dir == 1 {
				suffix += "_reverse"
			}
			params["weight_ih"+suffix] = small(gh * in)
			params["weight_hh"+suffix] = small(gh * cfg.HiddenSize)
			params["bias_ih"+suffix] = small(gh)
			params["bias_hh"+suffix] = small(gh)
		}
	}
	return params
}

// badConfigs are configurations that cannot be built: wrapped, absurd or
// invalid sizes. want is a fragment of the error.
var badConfigs = []struct {
	name string
	cfg  cells.Config
	want string
}{
	{"I=2^61,H=2 wraps W_ih to 0", cells.Config{Mode: cells.LSTM, InputSize: 1 << 61, HiddenSize: 2, NumLayers: 1}, "weight_ih_l0 of shape [8 2305843009213693952]"},
	{"H=2^62 wraps G·H to 0", cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 1 << 62, NumLayers: 1}, "gates × hidden size"},
	{"GRU H=2^62", cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: 1 << 62, NumLayers: 1}, "gates × hidden size"},
	{"RNN H=2^62 bidirectional", cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 1 << 62, NumLayers: 2, Bidirectional: true}, "output size"},
	{"H=2^40", cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 1 << 40, NumLayers: 1}, "weight_hh_l0 of shape [4398046511104 1099511627776]"},
	// Representable, but beyond 2⁴⁷ bytes, the most shape.MemoryLimit allows.
	{"H=2^23 beyond memory", cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 1 << 23, NumLayers: 1}, "do not fit in memory"},
	{"I=2^46 beyond memory", cells.Config{Mode: cells.RNNReLU, InputSize: 1 << 46, HiddenSize: 1, NumLayers: 1}, "do not fit in memory"},
	{"H=2^31,I=2^31", cells.Config{Mode: cells.GRUResetBefore, InputSize: 1 << 31, HiddenSize: 1 << 31, NumLayers: 1}, "does not fit in an int"},
	{"I=MaxInt", cells.Config{Mode: cells.LSTM, InputSize: math.MaxInt, HiddenSize: 1, NumLayers: 1}, "weight_ih_l0"},
	{"H=MaxInt", cells.Config{Mode: cells.RNNTanh, InputSize: 1, HiddenSize: math.MaxInt, NumLayers: 1}, "does not fit in an int"},
	{"layers=MaxInt", cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 2, NumLayers: math.MaxInt}, "does not fit in an int"},
	{"layers=2^40", cells.Config{Mode: cells.GRU, InputSize: 1, HiddenSize: 1, NumLayers: 1 << 40}, "do not fit in memory"},
	{"I=-1", cells.Config{Mode: cells.LSTM, InputSize: -1, HiddenSize: 2, NumLayers: 1}, "input size -1"},
	{"H=-3", cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: -3, NumLayers: 1}, "hidden size -3"},
	{"H=MinInt", cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: math.MinInt, NumLayers: 1}, "want all ≥ 1"},
	{"I=0", cells.Config{Mode: cells.RNNTanh, InputSize: 0, HiddenSize: 2, NumLayers: 1}, "input size 0"},
	{"H=0", cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 0, NumLayers: 1}, "hidden size 0"},
	{"layers=0", cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 2, NumLayers: 0}, "layers 0"},
	{"layers=-1", cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 2, NumLayers: -1}, "layers -1"},
	{"unknown mode", cells.Config{Mode: 9, InputSize: 2, HiddenSize: 2, NumLayers: 1}, "unknown mode"},
}

// TestBadConfigs checks that New refuses every bad configuration with an
// error, before it allocates, given the parameters an unchecked count asks
// for; Validate says the same, and Params lists nothing.
func TestBadConfigs(t *testing.T) {
	for _, c := range badConfigs {
		t.Run(c.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { _, err = cells.New(c.cfg, wrappingParams(c.cfg)) })
			require.ErrorContains(t, err, c.want)
			require.ErrorContains(t, c.cfg.Validate(), c.want)
			require.Nil(t, c.cfg.Params())
		})
	}
}

// TestParamSpecSize checks that Size refuses shapes it cannot count
// instead of wrapping (8·2⁶¹ came out as 0, which a zero-length tensor
// matched).
func TestParamSpecSize(t *testing.T) {
	require.Equal(t, 24, cells.ParamSpec{Shape: []int{8, 3}}.Size())
	require.Equal(t, 1, cells.ParamSpec{}.Size())
	require.Equal(t, 0, cells.ParamSpec{Shape: []int{0, 5}}.Size())
	require.Equal(t, -1, cells.ParamSpec{Shape: []int{8, 1 << 61}}.Size())
	require.Equal(t, -1, cells.ParamSpec{Shape: []int{math.MaxInt, 2}}.Size())
	require.Equal(t, -1, cells.ParamSpec{Shape: []int{-4, 2}}.Size())
	require.Equal(t, -1, cells.ParamSpec{Shape: []int{-4, -2}}.Size(), "two negatives do not make a size")
}

// TestNewStateSizes checks that NewState refuses batches whose state cannot
// be counted or would not fit in memory, instead of panicking in makeslice
// or dying of a fatal out-of-memory.
func TestNewStateSizes(t *testing.T) {
	for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU} {
		model, _ := randomModel(t, cells.Config{Mode: mode, InputSize: 2, HiddenSize: 3, NumLayers: 2}, 30)
		for _, c := range []struct {
			batch int
			want  string
		}{
			{1 << 40, "do not fit in memory"},
			{1 << 44, "do not fit in memory"}, // beyond 2⁴⁷ bytes at every mode
			{1 << 60, "does not fit in an int"},
			{math.MaxInt, "does not fit in an int"},
			{0, "batch = 0"},
			{-1, "batch = -1"},
			{math.MinInt, "want ≥ 1"},
		} {
			var err error
			require.NotPanics(t, func() { _, err = model.NewState(c.batch) }, "%v batch %d", mode, c.batch)
			require.ErrorContains(t, err, c.want, "%v batch %d", mode, c.batch)
			require.ErrorContains(t, err, "NewState", "%v batch %d", mode, c.batch)
		}
		state, err := model.NewState(4)
		require.NoError(t, err)
		require.Equal(t, 4, state.Batch())
	}
}

// TestStepBadState checks that Step and CopyFrom refuse a nil state and a
// state of another model.
func TestStepBadState(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 3, NumLayers: 1}
	model, _ := randomModel(t, cfg, 31)
	other, _ := randomModel(t, cfg, 32)
	x, y := make([]float32, 2), make([]float32, 3)
	var err error
	require.NotPanics(t, func() { err = model.Step(nil, x, y) })
	require.ErrorContains(t, err, "state is nil")
	require.NotPanics(t, func() { err = model.Step(&cells.State{}, x, y) })
	require.ErrorContains(t, err, "another model")
	state, err := other.NewState(1)
	require.NoError(t, err)
	require.ErrorContains(t, model.Step(state, x, y), "another model")
	require.ErrorContains(t, other.Step(state, make([]float32, 3), y), "len(x) = 3; want batch × input = 1 × 2 = 2")
	require.ErrorContains(t, other.Step(state, x, make([]float32, 2)), "len(y) = 2; want batch × hidden = 1 × 3 = 3")
	require.NotPanics(t, func() { err = state.CopyFrom(nil) })
	require.ErrorContains(t, err, "nil")
	require.PanicsWithValue(t, "cells: State.Hidden: layer = 1; want 0 ≤ layer < 1", func() { state.Hidden(1) })
	require.PanicsWithValue(t, "cells: State.Cell: layer = -1; want 0 ≤ layer < 1", func() { state.Cell(-1) })
}

// TestForwardShapes checks that Forward takes the steps from the caller and
// refuses every shape that does not match x, overflows or is not positive.
func TestForwardShapes(t *testing.T) {
	for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.RNNTanh} {
		cfg := cells.Config{Mode: mode, InputSize: 4, HiddenSize: 3, NumLayers: 2, Bidirectional: mode == cells.GRU}
		model, _ := randomModel(t, cfg, 33)
		x := randomSlice(34, 6*2*cfg.InputSize) // T = 6, B = 2
		for _, c := range []struct {
			steps, batch int
			want         string
		}{
			{6, 4, "len(x) = 48; want steps × batch × input = 6 × 4 × 4 = 96"}, // the batch divides len(x) by accident
			{3, 2, "len(x) = 48; want steps × batch × input = 3 × 2 × 4 = 24"},
			{12, 2, "len(x) = 48"},
			{1, 1 << 62, "overflows an int"}, // 4·2⁶² wraps to 0
			{1 << 62, 1, "overflows an int"},
			{1 << 61, 1 << 61, "overflows an int"},
			{math.MaxInt, math.MaxInt, "overflows an int"},
			{1 << 40, 1 << 20, "len(x) = 48"},
			{0, 2, "steps = 0"},
			{6, 0, "batch = 0"},
			{-6, -2, "want both ≥ 1"},
			{math.MinInt, 2, "want both ≥ 1"},
		} {
			var err error
			require.NotPanics(t, func() { _, err = model.Forward(x, c.steps, c.batch, nil) }, "%v steps %d batch %d", mode, c.steps, c.batch)
			require.ErrorContains(t, err, c.want, "%v steps %d batch %d", mode, c.steps, c.batch)
			require.NotPanics(t, func() {
				_, err = model.Forward(x, c.steps, c.batch, &cells.SequenceOptions{BatchFirst: true, Lengths: []int{1, 2}})
			})
			require.Error(t, err)
		}
		_, err := model.Forward(nil, 1, 1, nil)
		require.ErrorContains(t, err, "len(x) = 0")
		out, err := model.Forward(x, 6, 2, nil)
		require.NoError(t, err)
		require.Len(t, out.Y, 6*2*cfg.OutputSize())
		out, err = model.Forward(x, 12, 1, nil)
		require.NoError(t, err)
		require.Len(t, out.Y, 12*cfg.OutputSize())
	}
}
