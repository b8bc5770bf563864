//go:build amd64 || arm64

package bptt_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
)

// panicValue returns what f panics with (nil if it returns).
func panicValue(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// uncheckedParams returns the parameters an unchecked (wrapping) count of
// cfg's first layer asks for, empty where that count is not small: the
// parameters New accepted before sizes were checked.
func uncheckedParams(cfg cells.Config) map[string][]float32 {
	gh := map[cells.Mode]int{cells.LSTM: 4, cells.GRU: 3, cells.GRUResetBefore: 3, cells.RNNTanh: 1, cells.RNNReLU: 1}[cfg.Mode] * cfg.HiddenSize
	small := func(n int) []float32 {
		if n < 0 || n > 1<<16 {
			n = 0
		}
		return make([]float32, n)
	}
	return map[string][]float32{
		"weight_ih_l0": small(gh * cfg.InputSize), "weight_hh_l0": small(gh * cfg.HiddenSize),
		"bias_ih_l0": small(gh), "bias_hh_l0": small(gh),
	}
}

// TestNetBadConfigs checks that NewRandom and New refuse bad configurations
// with an error before allocating: negative sizes panicked in makeslice,
// wrapped ones built a Net, HiddenSize 2⁴⁰ was a fatal out-of-memory.
func TestNetBadConfigs(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  cells.Config
		want string
	}{
		{"I=-1", cells.Config{Mode: cells.LSTM, InputSize: -1, HiddenSize: 2, NumLayers: 1}, "input size -1"},
		{"H=-3", cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: -3, NumLayers: 1}, "hidden size -3"},
		{"I=MinInt", cells.Config{Mode: cells.RNNTanh, InputSize: math.MinInt, HiddenSize: 2, NumLayers: 1}, "want all ≥ 1"},
		{"I=0", cells.Config{Mode: cells.RNNTanh, InputSize: 0, HiddenSize: 2, NumLayers: 1}, "input size 0"},
		{"layers=0", cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 2, NumLayers: 0}, "layers 0"},
		{"I=2^61,H=2", cells.Config{Mode: cells.LSTM, InputSize: 1 << 61, HiddenSize: 2, NumLayers: 1}, "weight_ih_l0"},
		{"H=2^62", cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 1 << 62, NumLayers: 1}, "gates × hidden size"},
		{"H=2^40", cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 1 << 40, NumLayers: 1}, "does not fit in an int"},
		{"H=2^23", cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: 1 << 23, NumLayers: 1}, "do not fit in memory"}, // 2⁴⁸ bytes
		{"I=MaxInt", cells.Config{Mode: cells.RNNReLU, InputSize: math.MaxInt, HiddenSize: 1, NumLayers: 1}, "joined weights [W_ih | W_hh], 1 × (9223372036854775807 + 1)"},
		{"layers=MaxInt", cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 2, NumLayers: math.MaxInt}, "does not fit in an int"},
		{"layers=2^40", cells.Config{Mode: cells.GRU, InputSize: 1, HiddenSize: 1, NumLayers: 1 << 40}, "do not fit in memory"},
		{"unknown mode", cells.Config{Mode: -1, InputSize: 2, HiddenSize: 2, NumLayers: 1}, "unknown mode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { _, err = bptt.NewRandom(c.cfg, 1) })
			require.ErrorContains(t, err, c.want)
			require.NotPanics(t, func() { _, err = bptt.New(c.cfg, uncheckedParams(c.cfg)) })
			require.ErrorContains(t, err, c.want)
		})
	}
	var err error
	require.NotPanics(t, func() { _, err = bptt.FromModel(nil) })
	require.ErrorContains(t, err, "nil")
}

// sequenceShapes are steps and batches that do not describe x of T = 6,
// B = 2 (48 values for input 4), with a fragment of the error.
var sequenceShapes = []struct {
	steps, batch int
	want         string
}{
	{6, 4, "len(x) = 48; want steps × batch × input = 6 × 4 × 4 = 96"}, // the batch divides len(x) by accident
	{3, 2, "len(x) = 48; want steps × batch × input = 3 × 2 × 4 = 24"},
	{1, 1 << 62, "overflows an int"}, // 4·2⁶² wraps to 0: a division by zero before
	{1 << 62, 1, "overflows an int"},
	{math.MaxInt, math.MaxInt, "overflows an int"},
	{0, 2, "steps = 0"},
	{6, 0, "batch = 0"},
	{-6, -2, "want both ≥ 1"},
}

// TestNetForwardShapes checks that Net.Forward takes the steps from the
// caller and refuses shapes that do not match x, overflow or are not
// positive, leaving the tape as the last good Forward left it.
func TestNetForwardShapes(t *testing.T) {
	for _, bidir := range []bool{false, true} {
		cfg := cells.Config{Mode: cells.GRU, InputSize: 4, HiddenSize: 3, NumLayers: 2, Bidirectional: bidir}
		net, err := bptt.NewRandom(cfg, 40)
		require.NoError(t, err)
		tape := net.NewTape()
		x := make([]float32, 6*2*cfg.InputSize)
		require.NoError(t, net.Forward(tape, x, 6, 2, nil))
		y := tape.Y()
		for _, c := range sequenceShapes {
			require.NotPanics(t, func() { err = net.Forward(tape, x, c.steps, c.batch, nil) }, "steps %d batch %d", c.steps, c.batch)
			require.ErrorContains(t, err, c.want, "steps %d batch %d", c.steps, c.batch)
			require.ErrorContains(t, err, "bptt: Forward")
			require.NotPanics(t, func() {
				err = net.Forward(tape, x, c.steps, c.batch, &cells.SequenceOptions{BatchFirst: true, Lengths: []int{1, 2}})
			})
			require.Error(t, err)
		}
		require.Equal(t, y, tape.Y(), "a refused Forward leaves the tape alone")
		require.NoError(t, net.Backward(tape, nil, nil, nil))
		require.NoError(t, net.Forward(tape, x, 12, 1, nil))
		require.Len(t, tape.Y(), 12*cfg.OutputSize())
		require.ErrorContains(t, net.Forward(nil, x, 6, 2, nil), "another Net")
		require.ErrorContains(t, net.Forward(&bptt.Tape{}, x, 6, 2, nil), "another Net")
	}
}

// TestTruncatedShapes checks TruncatedBPTT's steps and batch as Forward's,
// and a nil tape.
func TestTruncatedShapes(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 4, HiddenSize: 3, NumLayers: 2}
	net, err := bptt.NewRandom(cfg, 41)
	require.NoError(t, err)
	x := make([]float32, 6*2*cfg.InputSize)
	chunks := 0
	opts := bptt.TruncatedOptions{K1: 2, K2: 3, Loss: func(int, []float32, []float32) float64 { chunks++; return 1 }}
	for _, c := range sequenceShapes {
		require.NotPanics(t, func() { _, err = net.TruncatedBPTT(net.NewTape(), x, c.steps, c.batch, opts) }, "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, c.want, "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "bptt: TruncatedBPTT")
	}
	require.Zero(t, chunks, "no chunk runs on a refused shape")
	require.NotPanics(t, func() { _, err = net.TruncatedBPTT(nil, x, 6, 2, opts) })
	require.ErrorContains(t, err, "another Net")

	loss, err := net.TruncatedBPTT(net.NewTape(), x, 6, 2, opts)
	require.NoError(t, err)
	require.Equal(t, 3.0, loss, "6 steps in chunks of 2")
	opts.K1, opts.K2 = math.MaxInt, math.MaxInt
	loss, err = net.TruncatedBPTT(net.NewTape(), x, 12, 1, opts)
	require.NoError(t, err)
	require.Equal(t, 1.0, loss, "one window of all 12 steps")
}

// TestTapeBeforeForward checks a fresh tape's accessors return nil, not an
// index error.
func TestTapeBeforeForward(t *testing.T) {
	net, err := bptt.NewRandom(cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 3, NumLayers: 1}, 42)
	require.NoError(t, err)
	tape := net.NewTape()
	require.NotPanics(t, func() {
		require.Nil(t, tape.Y())
		require.Nil(t, tape.DX())
		require.Nil(t, tape.HN())
		require.Nil(t, tape.LastHN())
		require.Nil(t, tape.DH0())
	})
}

// TestHeadSizes checks that Dense and the losses panic with their name and
// the sizes when rows × width or labels × classes overflow (they sliced out
// of range before), and that GradCheck returns errors for nil inputs.
func TestHeadSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"NewDense 2^32×2^32", func() { bptt.NewDense("", 1<<32, 1<<32, 1) }, "bptt.NewDense: in = 4294967296, out = 4294967296: bptt: the weight: the number of values does not fit in an int"},
		{"NewDense 2^62×4", func() { bptt.NewDense("", 1<<62, 4, 1) }, "bptt.NewDense: in = 4611686018427387904, out = 4"},
		{"Dense.Forward rows 2^62", func() { bptt.NewDense("", 4, 4, 1).Forward(nil, nil, 1<<62) },
			"bptt.Dense.Forward: len(x) = 0; want rows × In = 4611686018427387904 × 4, which overflows an int (Dense 4→4)"},
		{"Dense.Backward rows MaxInt", func() { bptt.NewDense("", 4, 2, 1).Backward(nil, nil, nil, math.MaxInt) },
			"bptt.Dense.Backward: len(dy) = 0; want rows × Out = 9223372036854775807 × 2, which overflows an int (Dense 4→2)"},
		{"SoftmaxCrossEntropy classes 2^62", func() { bptt.SoftmaxCrossEntropy(nil, nil, []int{0, 0, 0, 0}, 1<<62) },
			"bptt.SoftmaxCrossEntropy: len(logits) = 0; want len(labels) × classes = 4 × 4611686018427387904, which overflows an int"},
		{"Accuracy classes 2^62", func() { bptt.Accuracy(nil, []int{0, 0, 0, 0}, 1<<62) },
			"bptt.Accuracy: len(logits) = 0; want len(labels) × classes = 4 × 4611686018427387904, which overflows an int"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := panicValue(c.f)
			require.IsType(t, "", v, "panics with a message, not a runtime error: %v", v)
			require.Contains(t, v, c.want)
		})
	}
	v := panicValue(func() { bptt.NewDense("", 1<<23, 1<<22, 1) })
	require.Contains(t, fmt.Sprint(v), "do not fit in memory", "2⁴⁵ weights: a message, not a fatal out-of-memory")

	var err error
	require.NotPanics(t, func() { _, err = bptt.GradCheck(nil, nil, bptt.GradCheckOptions{}) })
	require.ErrorContains(t, err, "loss is nil")
	require.NotPanics(t, func() {
		_, err = bptt.GradCheck([]*bptt.Param{nil}, func() float64 { return 0 }, bptt.GradCheckOptions{})
	})
	require.ErrorContains(t, err, "params[0] is nil")
}

// TestReducedPrecision checks that training refuses a reduced-precision
// configuration and that FromModel fine-tunes such a model from its
// float32 values, in float32.
func TestReducedPrecision(t *testing.T) {
	cfg := cells.Config{Mode: cells.GRU, InputSize: 3, HiddenSize: 4, NumLayers: 1}
	net, err := bptt.NewRandom(cfg, 1)
	require.NoError(t, err)
	f32, err := net.Model()
	require.NoError(t, err)
	i8, err := f32.WithPrecision(cells.Int8)
	require.NoError(t, err)
	bad := cfg
	bad.Precision = cells.Int8
	_, err = bptt.NewRandom(bad, 1)
	require.ErrorContains(t, err, "training runs in float32")
	tuned, err := bptt.FromModel(i8)
	require.NoError(t, err)
	require.Equal(t, cells.F32, tuned.Config().Precision)
	back, err := tuned.Model()
	require.NoError(t, err)
	require.Equal(t, i8.Parameters(), back.Parameters())
}
