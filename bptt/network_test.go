package bptt_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// trainedNet returns a Net of cfg with a head of outputs, both trained a
// few Adam steps (MSE of the head on every step's output against random
// targets), so that the weights are not their initial draw.
func trainedNet(t *testing.T, cfg cells.Config, outputs int, seed uint64) (*bptt.Net, *bptt.Dense) {
	const steps, batch = 5, 3
	net, err := bptt.NewRandom(cfg, seed)
	require.NoError(t, err)
	head := bptt.NewDense("fc", cfg.OutputSize(), outputs, seed+1)
	params := append(append([]*bptt.Param(nil), net.Params()...), head.Params()...)
	r := kerneltest.Rand(seed + 2)
	x, target := randomSlice(r, steps*batch*cfg.InputSize), randomSlice(r, steps*batch*outputs)
	pred, dpred := make([]float32, len(target)), make([]float32, len(target))
	dy := make([]float32, steps*batch*cfg.OutputSize())
	tape := net.NewTape()
	opt := bptt.NewAdam(1e-2)
	for range 3 {
		bptt.ZeroGrad(params)
		require.NoError(t, net.Forward(tape, x, steps, batch, nil))
		head.Forward(pred, tape.Y(), steps*batch)
		bptt.MSE(dpred, pred, target)
		head.Backward(dy, dpred, tape.Y(), steps*batch)
		require.NoError(t, net.Backward(tape, dy, nil, nil))
		opt.Step(params)
	}
	return net, head
}

// saveAndLoad saves nw to a file and loads it back with cells.LoadNetwork.
func saveAndLoad(t *testing.T, nw *cells.Network) *cells.Network {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, nw.SaveSafetensors(path))
	loaded, err := cells.LoadNetwork(path, nil)
	require.NoError(t, err)
	return loaded
}

// TestNetworkSavesWhatTrainingComputes: a trained stacked bidirectional
// GRU (and a one-layer LSTM) with a dense head, converted by Net.Network,
// saved and loaded by cells.LoadNetwork, gives what the training side
// computes (the Net's Forward, the head on Tape.LastHN or Tape.Y, the
// activation in float64), for either head input, with and without a head,
// time-major and batch-first, with per-sample lengths.
func TestNetworkSavesWhatTrainingComputes(t *testing.T) {
	const steps, batch, outputs = 6, 4, 3
	lengths := []int{6, 2, 0, 5}
	for _, cfg := range []cells.Config{
		{Mode: cells.GRU, InputSize: 3, HiddenSize: 5, NumLayers: 2, Bidirectional: true},
		{Mode: cells.LSTM, InputSize: 2, HiddenSize: 4, NumLayers: 1},
	} {
		net, head := trainedNet(t, cfg, outputs, 40)
		x := randomSlice(kerneltest.Rand(41), steps*batch*cfg.InputSize)
		tape := net.NewTape()
		for _, c := range []struct {
			in         cells.HeadInput
			act        cells.Activation
			head       bool
			batchFirst bool
		}{
			{cells.FinalState, cells.NoActivation, true, false},
			{cells.EveryStep, cells.NoActivation, true, true},
			{cells.EveryStep, cells.Sigmoid, true, false},
			{cells.FinalState, cells.Sigmoid, false, true},
			{cells.EveryStep, cells.NoActivation, false, false},
		} {
			t.Run(cfg.Mode.String()+"/"+c.in.String()+"/"+c.act.String(), func(t *testing.T) {
				var h *bptt.Dense
				if c.head {
					h = head
				}
				nw, err := net.Network(h, c.act, c.in)
				require.NoError(t, err)
				loaded := saveAndLoad(t, nw)
				parts := loaded.Parts()
				require.Equal(t, c.in, parts.HeadInput)
				require.Equal(t, c.act, parts.Activation)
				require.Equal(t, cells.DefaultRNNPrefix, parts.RNNPrefix)
				require.Equal(t, cfg, parts.RNN.Config())
				require.Equal(t, c.head, parts.Head != nil)

				opts := &cells.SequenceOptions{Lengths: lengths, BatchFirst: c.batchFirst}
				got, err := loaded.Forward(cells.Input{X: x}, steps, batch, opts)
				require.NoError(t, err)

				require.NoError(t, net.Forward(tape, x, steps, batch, opts))
				headIn, rows := tape.Y(), steps*batch
				if c.in == cells.FinalState {
					headIn, rows = tape.LastHN(), batch
				}
				want := append([]float32(nil), headIn...)
				if c.head {
					require.Equal(t, "fc.", parts.HeadPrefix)
					want = make([]float32, rows*outputs)
					head.Forward(want, headIn, rows)
				}
				if c.act == cells.Sigmoid {
					for i, v := range want {
						want[i] = float32(1 / (1 + math.Exp(-float64(v))))
					}
				}
				require.Len(t, got.Y, len(want))
				for i := range want {
					require.InDelta(t, want[i], got.Y[i], 1e-6+1e-5*math.Abs(float64(want[i])), "Y[%d]", i)
				}
				require.Equal(t, tape.HN(), got.HN)
			})
		}
	}
}

// TestFromNetwork: a network saved by Net.Network and loaded comes back by
// FromNetwork with the same parameters, names and bits, and converts to
// the same network again; a head without a bias comes back without one,
// and saves without one; a network without a head gives no Dense.
func TestFromNetwork(t *testing.T) {
	cfg := cells.Config{Mode: cells.GRU, InputSize: 3, HiddenSize: 4, NumLayers: 2, Bidirectional: true}
	net, head := trainedNet(t, cfg, 2, 50)
	nw, err := net.Network(head, cells.Softmax, cells.FinalState)
	require.NoError(t, err)
	loaded := saveAndLoad(t, nw)

	net2, head2, err := bptt.FromNetwork(loaded)
	require.NoError(t, err)
	require.Equal(t, net.Config(), net2.Config())
	requireSameValues(t, net.Params(), net2.Params())
	requireSameValues(t, head.Params(), head2.Params())

	again, err := net2.Network(head2, loaded.Parts().Activation, loaded.Parts().HeadInput)
	require.NoError(t, err)
	require.Equal(t, nw.Parameters(), again.Parameters())
	require.Equal(t, nw.Parts().Activation, again.Parts().Activation)
	require.Equal(t, nw.Parts().HeadInput, again.Parts().HeadInput)

	// A head without a bias (nn.Linear(bias=False)).
	linear, err := cells.NewLinear(cfg.OutputSize(), 2, head.Weight.Data, nil)
	require.NoError(t, err)
	noBias, err := cells.NewNetwork(cells.NetworkParts{RNN: loaded.Parts().RNN, Head: linear, HeadInput: cells.FinalState, HeadPrefix: "out."})
	require.NoError(t, err)
	_, head3, err := bptt.FromNetwork(noBias)
	require.NoError(t, err)
	require.Nil(t, head3.Bias)
	require.Equal(t, []*bptt.Param{head3.Weight}, head3.Params())
	require.Equal(t, "out.weight", head3.Weight.Name)
	l, err := head3.Linear()
	require.NoError(t, err)
	require.Nil(t, l.Bias())
	saved, err := net2.Network(head3, cells.NoActivation, cells.FinalState)
	require.NoError(t, err)
	require.NotContains(t, saved.Parameters(), "out.bias")
	require.Contains(t, saved.Parameters(), "out.weight")

	// Without a head.
	headless, err := cells.NewNetwork(cells.NetworkParts{RNN: loaded.Parts().RNN})
	require.NoError(t, err)
	_, head4, err := bptt.FromNetwork(headless)
	require.NoError(t, err)
	require.Nil(t, head4)
}

// requireSameValues checks two parameter lists hold the same names, shapes
// and values (the gradients aside).
func requireSameValues(t *testing.T, want, got []*bptt.Param) {
	require.Len(t, got, len(want))
	for i, p := range want {
		require.Equal(t, p.Name, got[i].Name)
		require.Equal(t, p.Shape, got[i].Shape, p.Name)
		require.Equal(t, p.Data, got[i].Data, p.Name)
	}
}

// TestDenseWithoutBias: a Dense without a bias computes x·Wᵀ and its
// weight's gradient as one with a zero bias does, and no bias gradient.
func TestDenseWithoutBias(t *testing.T) {
	const rows, in, out = 5, 4, 3
	withBias := bptt.NewDense("fc", in, out, 1)
	clear(withBias.Bias.Data)
	linear, err := cells.NewLinear(in, out, withBias.Weight.Data, nil)
	require.NoError(t, err)
	cfg := cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: in, NumLayers: 1}
	rnn, err := cells.New(cfg, randomParams(cfg, kerneltest.Rand(2)))
	require.NoError(t, err)
	nw, err := cells.NewNetwork(cells.NetworkParts{RNN: rnn, Head: linear})
	require.NoError(t, err)
	_, noBias, err := bptt.FromNetwork(nw)
	require.NoError(t, err)

	r := kerneltest.Rand(3)
	x, dy := randomSlice(r, rows*in), randomSlice(r, rows*out)
	y1, y2 := make([]float32, rows*out), make([]float32, rows*out)
	dx1, dx2 := make([]float32, rows*in), make([]float32, rows*in)
	withBias.Forward(y1, x, rows)
	noBias.Forward(y2, x, rows)
	require.Equal(t, y1, y2)
	withBias.Backward(dx1, dy, x, rows)
	noBias.Backward(dx2, dy, x, rows)
	require.Equal(t, dx1, dx2)
	require.Equal(t, withBias.Weight.Grad, noBias.Weight.Grad)
}

// TestNetworkErrors: a misnamed head, a head of the wrong width, a nil
// network and one with an embedding are errors.
func TestNetworkErrors(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 3, NumLayers: 2}
	net, err := bptt.NewRandom(cfg, 1)
	require.NoError(t, err)

	head := bptt.NewDense("fc", 3, 2, 1)
	head.Bias.Name = "head.bias"
	_, err = net.Network(head, cells.NoActivation, cells.FinalState)
	require.ErrorContains(t, err, `the head's parameters are named "fc.weight" and "head.bias"`)
	_, err = net.Network(bptt.NewDense("fc", 4, 2, 1), cells.NoActivation, cells.FinalState)
	require.ErrorContains(t, err, "the head's input is 4 wide")
	_, err = net.Network(bptt.NewDense("rnn", 3, 2, 1), cells.NoActivation, cells.FinalState)
	require.ErrorContains(t, err, "must differ")
	nw, err := net.Network(bptt.NewDense("", 3, 2, 1), cells.NoActivation, cells.FinalState)
	require.NoError(t, err)
	require.Equal(t, cells.DefaultHeadPrefix, nw.Parts().HeadPrefix)

	_, _, err = bptt.FromNetwork(nil)
	require.ErrorContains(t, err, "nil")
	emb, err := cells.NewEmbedding(10, 2, make([]float32, 20))
	require.NoError(t, err)
	withEmb, err := cells.NewNetwork(cells.NetworkParts{Embedding: emb, RNN: nw.Parts().RNN})
	require.NoError(t, err)
	_, _, err = bptt.FromNetwork(withEmb)
	require.ErrorContains(t, err, "embedding")
}
