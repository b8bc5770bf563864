package cells_test

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/internal/testutil/ref"
)

// netCase is one network shape of the tests.
type netCase struct {
	mode               cells.Mode
	in, hidden, layers int
	bidir              bool
	vocab, out         int // 0: no embedding, no head
	headBias           bool
	act                cells.Activation
	headInput          cells.HeadInput
	steps, batch       int
	lengths            []int
	batchFirst         bool
}

var netCases = []netCase{
	{cells.LSTM, 6, 9, 2, true, 11, 5, true, cells.Softmax, cells.EveryStep, 4, 3, []int{4, 1, 3}, true},
	{cells.GRU, 5, 7, 1, false, 0, 3, false, cells.Sigmoid, cells.FinalState, 6, 2, []int{2, 6}, false},
	{cells.GRU, 4, 8, 2, true, 0, 4, true, cells.NoActivation, cells.FinalState, 5, 3, []int{5, 0, 2}, false},
	{cells.RNNTanh, 3, 5, 1, false, 7, 0, false, cells.Softmax, cells.EveryStep, 3, 2, nil, false},
	{cells.GRUResetBefore, 4, 6, 1, true, 0, 0, false, cells.NoActivation, cells.FinalState, 3, 10, nil, true},
	{cells.LSTM, 8, 16, 1, false, 20, 3, true, cells.NoActivation, cells.EveryStep, 7, 1, nil, false},
}

// randomNetwork builds the network of c with uniform ±1/√fan-in weights and
// returns it with its recurrent parameters and the embedding and head
// weights.
func randomNetwork(t *testing.T, c netCase, seed uint64) (net *cells.Network, params map[string][]float32, emb, w, b []float32) {
	cfg := cells.Config{Mode: c.mode, InputSize: c.in, HiddenSize: c.hidden, NumLayers: c.layers, Bidirectional: c.bidir}
	model, params := randomModel(t, cfg, seed)
	parts := cells.NetworkParts{RNN: model, Activation: c.act, HeadInput: c.headInput}
	if c.vocab > 0 {
		emb = randomSlice(seed+1, c.vocab*c.in)
		e, err := cells.NewEmbedding(c.vocab, c.in, emb)
		require.NoError(t, err)
		parts.Embedding = e
	}
	if c.out > 0 {
		w = randomSlice(seed+2, c.out*cfg.OutputSize())
		scale := 1 / float32(math.Sqrt(float64(cfg.OutputSize())))
		for i := range w {
			w[i] *= scale
		}
		if c.headBias {
			b = randomSlice(seed+3, c.out)
		}
		l, err := cells.NewLinear(cfg.OutputSize(), c.out, w, b)
		require.NoError(t, err)
		parts.Head = l
	}
	net, err := cells.NewNetwork(parts)
	require.NoError(t, err)
	return net, params, emb, w, b
}

// netInput returns a random input for c: token ids or features, in c's
// layout.
func netInput(c netCase, seed uint64) cells.Input {
	r := kerneltest.Rand(seed)
	rows := c.steps * c.batch
	var in cells.Input
	if c.vocab > 0 {
		in.IDs = make([]int64, rows)
		for i := range in.IDs {
			in.IDs[i] = int64(r.IntN(c.vocab))
		}
	} else {
		in.X = randomSlice(seed+1, rows*c.in)
	}
	return in
}

// refNetwork is the float64 reference of a network: the embedding rows,
// ref.CellForward, the head and the activation.
func refNetwork(c netCase, params map[string][]float32, emb, w, b []float32, in cells.Input) []float64 {
	rows := c.steps * c.batch
	// Time-major features.
	x := make([]float32, rows*c.in)
	for tt := 0; tt < c.steps; tt++ {
		for s := 0; s < c.batch; s++ {
			at := tt*c.batch + s
			if c.batchFirst {
				at = s*c.steps + tt
			}
			if c.vocab > 0 {
				copy(x[(tt*c.batch+s)*c.in:], emb[int(in.IDs[at])*c.in:(int(in.IDs[at])+1)*c.in])
			} else {
				copy(x[(tt*c.batch+s)*c.in:], in.X[at*c.in:(at+1)*c.in])
			}
		}
	}
	y, hN, _ := ref.CellForward(ref.CellConfig{
		Mode: int(c.mode), Input: c.in, Hidden: c.hidden, Layers: c.layers, Bidirectional: c.bidir,
		Params: params, X: x, Steps: c.steps, Batch: c.batch, Lengths: c.lengths,
	})
	dirs := 1
	if c.bidir {
		dirs = 2
	}
	width := dirs * c.hidden
	// The head's input rows, in the output layout.
	var headIn [][]float64
	if c.headInput == cells.FinalState {
		for s := 0; s < c.batch; s++ {
			row := make([]float64, 0, width)
			for d := 0; d < dirs; d++ {
				at := (((c.layers-1)*dirs+d)*c.batch + s) * c.hidden
				row = append(row, hN[at:at+c.hidden]...)
			}
			headIn = append(headIn, row)
		}
	} else {
		for i := 0; i < rows; i++ {
			tt, s := i/c.batch, i%c.batch
			if c.batchFirst {
				s, tt = i/c.steps, i%c.steps
			}
			at := (tt*c.batch + s) * width
			headIn = append(headIn, y[at:at+width])
		}
	}
	var out []float64
	for _, row := range headIn {
		o := row
		if c.out > 0 {
			o = make([]float64, c.out)
			for j := range o {
				if b != nil {
					o[j] = float64(b[j])
				}
				for k, v := range row {
					o[j] += float64(w[j*width+k]) * v
				}
			}
		}
		switch c.act {
		case cells.Sigmoid:
			for j := range o {
				o[j] = 1 / (1 + math.Exp(-o[j]))
			}
		case cells.Softmax:
			top, sum := math.Inf(-1), 0.0
			for _, v := range o {
				top = math.Max(top, v)
			}
			for _, v := range o {
				sum += math.Exp(v - top)
			}
			for j := range o {
				o[j] = math.Exp(o[j]-top) / sum
			}
		}
		out = append(out, o...)
	}
	return out
}

// TestNetworkAgainstReference runs networks with and without embedding and
// head, every activation and head input, stacks, directions, lengths and
// both layouts against the float64 reference at every level, through
// Forward and a reused ForwardInto.
func TestNetworkAgainstReference(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		var out cells.Output
		var ws cells.Workspace
		for k, c := range netCases {
			t.Run(fmt.Sprint(k), func(t *testing.T) {
				net, params, emb, w, b := randomNetwork(t, c, uint64(50+k))
				in := netInput(c, uint64(60+k))
				want := refNetwork(c, params, emb, w, b, in)
				opts := &cells.SequenceOptions{Lengths: c.lengths, BatchFirst: c.batchFirst}
				got, err := net.Forward(in, c.steps, c.batch, opts)
				require.NoError(t, err)
				requireClose(t, "y", got.Y, want)
				require.NoError(t, net.ForwardInto(&out, &ws, in, c.steps, c.batch, opts))
				require.Equal(t, bits(got.Y), bits(out.Y))
				require.Equal(t, bits(got.HN), bits(out.HN))
				require.Equal(t, bits(got.CN), bits(out.CN))
			})
		}
	})
}

// TestNetworkStreaming checks Step gives Forward's outputs step by step
// (EveryStep) and its last output equals the FinalState head.
func TestNetworkStreaming(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for k, c := range netCases {
			if c.bidir {
				continue
			}
			c.lengths, c.batchFirst = nil, false
			for _, p := range []cells.Precision{cells.F32, cells.Int8} {
				net, _, _, _, _ := randomNetwork(t, c, uint64(70+k))
				net, err := net.WithPrecision(p)
				require.NoError(t, err)
				in := netInput(c, uint64(80+k))
				seq, err := net.Forward(in, c.steps, c.batch, nil)
				require.NoError(t, err)
				state, err := net.NewState(c.batch)
				require.NoError(t, err)
				o := net.OutputSize()
				y := make([]float32, c.batch*o)
				for tt := 0; tt < c.steps; tt++ {
					var step cells.Input
					if in.IDs != nil {
						step.IDs = in.IDs[tt*c.batch : (tt+1)*c.batch]
					} else {
						step.X = in.X[tt*c.batch*c.in : (tt+1)*c.batch*c.in]
					}
					require.NoError(t, net.Step(state, step, y))
					if c.headInput == cells.EveryStep {
						requireClose(t, fmt.Sprintf("case %d %v step %d", k, p, tt), y, f64(seq.Y[tt*c.batch*o:(tt+1)*c.batch*o]))
					}
				}
				if c.headInput == cells.FinalState {
					requireClose(t, fmt.Sprintf("case %d %v final", k, p), y, f64(seq.Y))
				}
			}
		}
	})
}

// TestNetworkAllocatesNothing checks Step and a warm ForwardInto allocate
// nothing, with an embedding, a head and softmax, at every precision.
func TestNetworkAllocatesNothing(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		c := netCase{cells.LSTM, 16, 32, 2, false, 50, 10, true, cells.Softmax, cells.EveryStep, 6, 4, nil, false}
		for _, p := range []cells.Precision{cells.F32, cells.F16, cells.BF16, cells.Int8} {
			net, _, _, _, _ := randomNetwork(t, c, 90)
			net, err := net.WithPrecision(p)
			require.NoError(t, err)
			for _, batch := range []int{1, 4} {
				state, err := net.NewState(batch)
				require.NoError(t, err)
				ids, y := make([]int64, batch), make([]float32, batch*net.OutputSize())
				allocs := testing.AllocsPerRun(20, func() {
					if err := net.Step(state, cells.Input{IDs: ids}, y); err != nil {
						panic(err)
					}
				})
				require.Zero(t, allocs, "%v batch %d", p, batch)
			}
			in := netInput(c, 91)
			var out cells.Output
			var ws cells.Workspace
			require.NoError(t, net.ForwardInto(&out, &ws, in, c.steps, c.batch, nil))
			allocs := testing.AllocsPerRun(5, func() {
				if err := net.ForwardInto(&out, &ws, in, c.steps, c.batch, nil); err != nil {
					panic(err)
				}
			})
			require.Zero(t, allocs, "%v ForwardInto", p)
		}
	})
}

// TestNetworkSafetensorsRoundTrip writes networks (every case, and int8)
// and reads them back: the same parts, prefixes and bits, and a second
// write gives the same bytes.
func TestNetworkSafetensorsRoundTrip(t *testing.T) {
	for k, c := range netCases {
		for _, p := range []cells.Precision{cells.F32, cells.BF16, cells.Int8} {
			net, _, _, _, _ := randomNetwork(t, c, uint64(100+k))
			net, err := net.WithPrecision(p)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, net.WriteSafetensors(&buf))
			back, err := cells.ReadNetwork(bytes.NewReader(buf.Bytes()), &cells.LoadOptions{Precision: p})
			require.NoError(t, err, "case %d %v", k, p)
			a, b := net.Parts(), back.Parts()
			require.Equal(t, a.RNN.Config(), b.RNN.Config())
			require.Equal(t, a.Activation, b.Activation)
			require.Equal(t, a.HeadInput, b.HeadInput)
			require.Equal(t, a.Embedding != nil, b.Embedding != nil)
			require.Equal(t, a.Head != nil, b.Head != nil)
			require.Equal(t, bitsOf(net.Parameters()), bitsOf(back.Parameters()))
			var again bytes.Buffer
			require.NoError(t, back.WriteSafetensors(&again))
			require.Equal(t, buf.Bytes(), again.Bytes(), "case %d %v", k, p)
		}
	}
	// A path, atomically.
	net, _, _, _, _ := randomNetwork(t, netCases[0], 110)
	path := filepath.Join(t.TempDir(), "net.safetensors")
	require.NoError(t, net.SaveSafetensors(path))
	back, err := cells.LoadNetwork(path, nil)
	require.NoError(t, err)
	require.Equal(t, bitsOf(net.Parameters()), bitsOf(back.Parameters()))
}

// writeTensors writes a safetensors file of the given tensors (zero data)
// and metadata, returning its bytes.
func writeTensors(t *testing.T, shapes map[string][]int, meta map[string]string) []byte {
	var tensors []safetensors.Tensor
	for name, s := range shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		tensors = append(tensors, safetensors.Tensor{Name: name, Shape: s, Data: randomSlice(uint64(n), n)})
	}
	var buf bytes.Buffer
	require.NoError(t, safetensors.Write(&buf, tensors, meta))
	return buf.Bytes()
}

// lstmShapes are the tensors of a one-layer LSTM of input in and hidden h
// under prefix.
func lstmShapes(prefix string, in, h int) map[string][]int {
	return map[string][]int{
		prefix + "weight_ih_l0": {4 * h, in}, prefix + "weight_hh_l0": {4 * h, h},
		prefix + "bias_ih_l0": {4 * h}, prefix + "bias_hh_l0": {4 * h},
	}
}

func with(m map[string][]int, extra map[string][]int) map[string][]int {
	out := map[string][]int{}
	for k, v := range m {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// TestReadNetworkFindsModules reads files without the exporter's metadata
// (as safetensors.torch.save_file writes them) and with contradicting or
// missing pieces.
func TestReadNetworkFindsModules(t *testing.T) {
	base := lstmShapes("lstm.", 6, 5)
	for _, c := range []struct {
		name      string
		shapes    map[string][]int
		meta      map[string]string
		opts      cells.LoadOptions
		emb, head string // expected prefixes ("" none)
		err       string
	}{
		{name: "bare", shapes: lstmShapes("", 6, 5)},
		{name: "embedding and head", shapes: with(base, map[string][]int{"embed.weight": {30, 6}, "out.weight": {3, 5}, "out.bias": {3}}), emb: "embed.", head: "out."},
		{name: "head without bias", shapes: with(base, map[string][]int{"embed.weight": {30, 6}, "out.weight": {3, 5}}), emb: "embed.", head: "out."},
		{name: "head only", shapes: with(base, map[string][]int{"fc.weight": {2, 5}, "fc.bias": {2}}), head: "fc."},
		{name: "embedding only", shapes: with(base, map[string][]int{"emb.weight": {9, 6}}), emb: "emb."},
		{name: "ambiguous one", shapes: with(lstmShapes("lstm.", 5, 5), map[string][]int{"x.weight": {9, 5}}), err: "could be the embedding or the head"},
		{name: "ambiguous resolved", shapes: with(lstmShapes("lstm.", 5, 5), map[string][]int{"x.weight": {9, 5}}), opts: cells.LoadOptions{HeadPrefix: cells.NoModule}, emb: "x."},
		{name: "two heads", shapes: with(base, map[string][]int{"a.weight": {2, 5}, "a.bias": {2}, "b.weight": {3, 5}, "b.bias": {3}}), err: "could each be the head"},
		{name: "two heads chosen", shapes: with(base, map[string][]int{"a.weight": {2, 5}, "a.bias": {2}, "b.weight": {3, 5}, "b.bias": {3}}), opts: cells.LoadOptions{HeadPrefix: "b."}, head: "b.", err: "a.bias, a.weight belong to no module"},
		{name: "layer norm", shapes: with(base, map[string][]int{"norm.weight": {5}, "norm.bias": {5}}), err: "norm.bias, norm.weight belong to no module"},
		{name: "two rnns", shapes: with(base, lstmShapes("lstm2.", 5, 5)), err: "2 recurrent modules"},
		{name: "two rnns chosen", shapes: with(base, lstmShapes("lstm2.", 5, 5)), opts: cells.LoadOptions{RNNPrefix: "lstm.", HeadPrefix: cells.NoModule}, err: "lstm2.bias_hh_l0, lstm2.bias_ih_l0"},
		{name: "no rnn", shapes: map[string][]int{"fc.weight": {2, 5}}, err: "0 recurrent modules"},
		{name: "metadata", shapes: with(base, map[string][]int{"e.weight": {30, 6}, "f.weight": {3, 5}, "f.bias": {3}}),
			meta: map[string]string{"simdrnn_network": `{"embedding":"e.","rnn":"lstm.","head":"f.","activation":"softmax","head_input":"final"}`}, emb: "e.", head: "f."},
		{name: "metadata without head", shapes: with(base, map[string][]int{"f.weight": {3, 5}}),
			meta: map[string]string{"simdrnn_network": `{"embedding":null,"rnn":"lstm.","head":null}`}, err: "f.weight belong to no module"},
		{name: "metadata wrong head", shapes: with(base, map[string][]int{"f.weight": {3, 4}}),
			meta: map[string]string{"simdrnn_network": `{"rnn":"lstm.","head":"f."}`}, err: "head's tensor f.weight has shape [3 4]"},
		{name: "metadata bad json", shapes: base, meta: map[string]string{"simdrnn_network": `{`}, err: "not a JSON object"},
		{name: "metadata bad activation", shapes: base, meta: map[string]string{"simdrnn_network": `{"rnn":"lstm.","activation":"tanh"}`}, err: "unknown activation"},
		{name: "explicit wrong embedding", shapes: with(base, map[string][]int{"e.weight": {30, 7}}), opts: cells.LoadOptions{EmbeddingPrefix: "e."}, err: "embedding's tensor e.weight has shape [30 7]"},
		{name: "head bias wrong", shapes: with(base, map[string][]int{"f.weight": {3, 5}, "f.bias": {4}}), opts: cells.LoadOptions{HeadPrefix: "f."}, err: "f.bias has shape [4]"},
		{name: "rnn cell option", shapes: map[string][]int{"weight_ih_l0": {5, 6}, "weight_hh_l0": {5, 5}}, opts: cells.LoadOptions{Cell: "rnn_relu"}},
		{name: "rnn cell missing", shapes: map[string][]int{"weight_ih_l0": {5, 6}, "weight_hh_l0": {5, 5}}, err: "tanh or ReLU"},
		{name: "rnn cell wrong", shapes: base, opts: cells.LoadOptions{Cell: "gru"}, err: "does not fit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := writeTensors(t, c.shapes, c.meta)
			net, err := cells.ReadNetwork(bytes.NewReader(data), &c.opts)
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			p := net.Parts()
			require.Equal(t, c.emb != "", p.Embedding != nil)
			require.Equal(t, c.head != "", p.Head != nil)
			if c.emb != "" {
				require.Equal(t, c.emb, p.EmbeddingPrefix)
			}
			if c.head != "" {
				require.Equal(t, c.head, p.HeadPrefix)
			}
			if c.meta != nil {
				require.Equal(t, cells.Softmax, p.Activation)
				require.Equal(t, cells.FinalState, p.HeadInput)
			}
			if c.opts.Cell == "rnn_relu" {
				require.Equal(t, cells.RNNReLU, p.RNN.Config().Mode)
			}
			// The tensors' values arrive: the parameters equal the file's.
			back := net.Parameters()
			require.Len(t, back, len(c.shapes))
		})
	}
}

// TestNetworkErrors checks constructors and calls reject bad sizes and
// inputs with errors naming them, before touching anything.
func TestNetworkErrors(t *testing.T) {
	_, err := cells.NewEmbedding(0, 3, nil)
	require.ErrorContains(t, err, "vocab × dim = 0 × 3")
	_, err = cells.NewEmbedding(2, 3, make([]float32, 5))
	require.ErrorContains(t, err, "len(weight) = 5")
	_, err = cells.NewEmbedding(math.MaxInt, 3, nil)
	require.Error(t, err)
	_, err = cells.NewLinear(3, 2, make([]float32, 6), make([]float32, 3))
	require.ErrorContains(t, err, "len(bias) = 3")
	_, err = cells.NewLinear(1<<40, 1<<40, nil, nil)
	require.Error(t, err)
	_, err = cells.NewNetwork(cells.NetworkParts{})
	require.ErrorContains(t, err, "nil")

	c := netCases[0]
	net, _, _, _, _ := randomNetwork(t, c, 120)
	model := net.Parts().RNN
	wrongHead, err := cells.NewLinear(7, 2, make([]float32, 14), nil)
	require.NoError(t, err)
	_, err = cells.NewNetwork(cells.NetworkParts{RNN: model, Head: wrongHead})
	require.ErrorContains(t, err, "head's input is 7 wide but the recurrent model's output is 18")
	wrongEmb, err := cells.NewEmbedding(3, 2, make([]float32, 6))
	require.NoError(t, err)
	_, err = cells.NewNetwork(cells.NetworkParts{RNN: model, Embedding: wrongEmb})
	require.ErrorContains(t, err, "embedding's rows are 2 wide")
	_, err = cells.NewNetwork(cells.NetworkParts{RNN: model, RNNPrefix: "a.", HeadPrefix: "a."})
	require.ErrorContains(t, err, "must differ")

	ids := make([]int64, c.steps*c.batch)
	_, err = net.Forward(cells.Input{IDs: ids[1:]}, c.steps, c.batch, nil)
	require.ErrorContains(t, err, "want steps × batch = 12 token ids")
	_, err = net.Forward(cells.Input{X: make([]float32, 72)}, c.steps, c.batch, nil)
	require.ErrorContains(t, err, "nil Input.X")
	ids[7] = 11
	_, err = net.Forward(cells.Input{IDs: ids}, c.steps, c.batch, nil)
	require.ErrorContains(t, err, "token id 11 at index 7 is outside the embedding's vocabulary [0, 11)")
	ids[7] = -1
	_, err = net.Forward(cells.Input{IDs: ids}, c.steps, c.batch, nil)
	require.ErrorContains(t, err, "token id -1")
	_, err = net.Forward(cells.Input{IDs: ids}, 0, c.batch, nil)
	require.Error(t, err)
	_, err = net.Forward(cells.Input{IDs: ids}, math.MaxInt, 3, nil)
	require.Error(t, err)
	_, err = net.NewState(1)
	require.ErrorIs(t, err, cells.ErrBidirectional)

	// A wide embedding: a batch whose embedded inputs would not fit in
	// memory is an error before anything is made, also where the
	// recurrent state alone would fit.
	wide := cells.Config{Mode: cells.GRU, InputSize: 1 << 16, HiddenSize: 2, NumLayers: 1}
	wideModel, _ := randomModel(t, wide, 123)
	wideEmb, err := cells.NewEmbedding(1, 1<<16, make([]float32, 1<<16))
	require.NoError(t, err)
	wideNet, err := cells.NewNetwork(cells.NetworkParts{Embedding: wideEmb, RNN: wideModel})
	require.NoError(t, err)
	_, err = wideNet.NewState(1 << 20) // 2³⁶ floats of embedded inputs; the state alone fits
	require.ErrorContains(t, err, "Network.NewState: the embedded inputs")
	_, err = wideNet.NewState(math.MaxInt / 1024)
	require.ErrorContains(t, err, "Network.NewState: the embedded inputs")
	_, err = wideNet.NewState(0)
	require.Error(t, err)

	// A features network streaming.
	c = netCases[1]
	net, _, _, _, _ = randomNetwork(t, c, 121)
	state, err := net.NewState(2)
	require.NoError(t, err)
	y := make([]float32, 2*net.OutputSize())
	require.ErrorContains(t, net.Step(state, cells.Input{IDs: []int64{1, 2}}, y), "no embedding")
	require.ErrorContains(t, net.Step(state, cells.Input{X: make([]float32, 9)}, y), "len(Input.X) = 9; want batch × input = 2 × 5")
	require.ErrorContains(t, net.Step(state, cells.Input{X: make([]float32, 10)}, y[1:]), "len(y) = 5; want batch × outputs = 2 × 3")
	require.ErrorContains(t, net.Step(nil, cells.Input{X: make([]float32, 10)}, y), "nil")
	other, _, _, _, _ := randomNetwork(t, c, 122)
	require.ErrorContains(t, other.Step(state, cells.Input{X: make([]float32, 10)}, y), "another network")
}

// TestSoftmaxSpecialValues checks the documented NaN and infinity rules.
func TestSoftmaxSpecialValues(t *testing.T) {
	cfg := cells.Config{Mode: cells.RNNTanh, InputSize: 1, HiddenSize: 3, NumLayers: 1, NoBias: true}
	model, err := cells.New(cfg, map[string][]float32{"weight_ih_l0": make([]float32, 3), "weight_hh_l0": make([]float32, 9)})
	require.NoError(t, err)
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		bias []float32
		want []float64 // NaN: NaN expected
	}{
		{[]float32{0, 0, 0}, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}},
		{[]float32{1, -inf, 1}, []float64{0.5, 0, 0.5}},
		{[]float32{1, float32(math.NaN()), 1}, []float64{math.NaN(), math.NaN(), math.NaN()}},
		{[]float32{1, inf, 1}, []float64{math.NaN(), math.NaN(), math.NaN()}},
		{[]float32{-inf, -inf, -inf}, []float64{math.NaN(), math.NaN(), math.NaN()}},
	} {
		head, err := cells.NewLinear(3, 3, make([]float32, 9), c.bias)
		require.NoError(t, err)
		net, err := cells.NewNetwork(cells.NetworkParts{RNN: model, Head: head, Activation: cells.Softmax})
		require.NoError(t, err)
		out, err := net.Forward(cells.Input{X: []float32{0}}, 1, 1, nil)
		require.NoError(t, err)
		for i, w := range c.want {
			if math.IsNaN(w) {
				require.True(t, math.IsNaN(float64(out.Y[i])), "%v: y[%d] = %v", c.bias, i, out.Y[i])
			} else {
				require.InDelta(t, w, out.Y[i], 1e-7, "%v", c.bias)
			}
		}
	}
}
