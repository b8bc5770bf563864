package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
	"github.com/simdrnn/simdrnn/internal/testutil/ref"
)

// runCase is a network and the input run is given.
type runCase struct {
	name  string
	spec  netSpec
	steps int
	batch int
}

var runCases = []runCase{
	{"lstm features, head every step", netSpec{cfg: cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 4, NumLayers: 2}, outputs: 2}, 5, 3},
	{"gru embedding, softmax head on the final state", netSpec{cfg: cells.Config{Mode: cells.GRU, InputSize: 4, HiddenSize: 5, NumLayers: 1}, vocab: 9, outputs: 3, activation: cells.Softmax, headInput: cells.FinalState}, 6, 2},
	{"rnn without head, sigmoid", netSpec{cfg: cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 3, NumLayers: 1, NoBias: true}, activation: cells.Sigmoid}, 4, 1},
	{"bidirectional lstm, head without bias", netSpec{cfg: cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 2, NumLayers: 2, Bidirectional: true}, outputs: 2, noHeadBias: true}, 3, 2},
}

// input returns random inputs of the case and their .npy file: float32
// [T, B, I], or int64 ids [T, B] for an embedding.
func (c runCase) input(t *testing.T, rng *rand.Rand) (cells.Input, string) {
	if c.spec.vocab > 0 {
		ids := randomIDs(rng, c.steps*c.batch, c.spec.vocab)
		return cells.Input{IDs: ids}, writeFile(t, "x.npy", npyI64(t, []int{c.steps, c.batch}, ids))
	}
	x := uniform(rng, c.steps*c.batch*c.spec.cfg.InputSize)
	for i := range x {
		x[i] *= 4
	}
	return cells.Input{X: x}, writeFile(t, "x.npy", npyF32(t, []int{c.steps, c.batch, c.spec.cfg.InputSize}, x))
}

// wantDims returns Y's shape for the case.
func (c runCase) wantDims(net *cells.Network) []int {
	if c.spec.headInput == cells.FinalState {
		return []int{c.batch, net.OutputSize()}
	}
	return []int{c.steps, c.batch, net.OutputSize()}
}

// TestRunMatchesForward checks that run writes exactly what Network.Forward
// computes, in the shape the help promises, and that -stream gives the same
// within float32 rounding (bidirectional models cannot stream: a clear
// error).
func TestRunMatchesForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for i, c := range runCases {
		t.Run(c.name, func(t *testing.T) {
			modelPath, net := saveNetwork(t, c.spec, uint64(10+i))
			in, xPath := c.input(t, rng)
			want, err := net.Forward(in, c.steps, c.batch, nil)
			require.NoError(t, err)
			yPath := filepath.Join(t.TempDir(), "y.npy")
			code, out, errOut := cli("run", "-model", modelPath, "-in", xPath, "-out", yPath)
			require.Equal(t, 0, code, errOut)
			require.Empty(t, out)
			y := readNpy(t, yPath)
			require.Equal(t, c.wantDims(net), y.Shape)
			require.Equal(t, want.Y, y.F32)

			streamPath := filepath.Join(t.TempDir(), "stream.npy")
			code, _, errOut = cli("run", "-stream", "-model", modelPath, "-in", xPath, "-out", streamPath)
			if c.spec.cfg.Bidirectional {
				require.Equal(t, 1, code)
				require.Contains(t, errOut, "-stream: the model is bidirectional, so it cannot run step by step")
				require.NoFileExists(t, streamPath)
				return
			}
			require.Equal(t, 0, code, errOut)
			s := readNpy(t, streamPath)
			require.Equal(t, y.Shape, s.Shape)
			require.InDeltaSlice(t, want.Y, s.F32, 1e-5)
		})
	}
}

// TestRunFloat64 checks run's output against an independent float64
// computation: embedding lookup, the float64 reference LSTM, the head and
// a softmax.
func TestRunFloat64(t *testing.T) {
	spec := netSpec{cfg: cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 4, NumLayers: 1}, vocab: 7, outputs: 3, activation: cells.Softmax}
	modelPath, net := saveNetwork(t, spec, 21)
	const steps, batch = 6, 2
	ids := []int64{0, 6, 3, 3, 1, 5, 2, 0, 4, 6, 5, 1}
	xPath := writeFile(t, "ids.npy", npyI64(t, []int{steps, batch}, ids))
	yPath := filepath.Join(t.TempDir(), "y.npy")
	code, _, errOut := cli("run", "-model", modelPath, "-in", xPath, "-out", yPath)
	require.Equal(t, 0, code, errOut)
	y := readNpy(t, yPath)
	require.Equal(t, []int{steps, batch, 3}, y.Shape)

	params := net.Parameters()
	emb := params["embedding.weight"]
	x := make([]float32, 0, steps*batch*3)
	for _, id := range ids {
		x = append(x, emb[id*3:(id+1)*3]...)
	}
	rnn := map[string][]float32{}
	for _, p := range spec.cfg.Params() {
		rnn[p.Name] = params["rnn."+p.Name]
	}
	h, _, _ := ref.CellForward(ref.CellConfig{Mode: ref.ModeLSTM, Input: 3, Hidden: 4, Layers: 1, Params: rnn, X: x, Steps: steps, Batch: batch})
	w, b := params["fc.weight"], params["fc.bias"]
	for row := 0; row < steps*batch; row++ {
		logits := make([]float64, 3)
		var sum float64
		for o := range logits {
			logits[o] = float64(b[o])
			for j := 0; j < 4; j++ {
				logits[o] += float64(w[o*4+j]) * h[row*4+j]
			}
			logits[o] = math.Exp(logits[o])
			sum += logits[o]
		}
		for o := range logits {
			require.InDelta(t, logits[o]/sum, y.F32[row*3+o], 1e-5, "step %d sample %d output %d", row/batch, row%batch, o)
		}
	}
}

// TestRunBatchFirst checks that -batch-first reads [B, T, …] and writes
// [B, T, O], the transposes of the time-major run.
func TestRunBatchFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for i, c := range runCases[:2] {
		modelPath, net := saveNetwork(t, c.spec, uint64(30+i))
		in, _ := c.input(t, rng)
		want, err := net.Forward(in, c.steps, c.batch, nil)
		require.NoError(t, err)
		var xPath string
		if in.IDs != nil {
			xPath = writeFile(t, "x.npy", npyI64(t, []int{c.batch, c.steps}, transpose(in.IDs, c.steps, c.batch, 1)))
		} else {
			width := c.spec.cfg.InputSize
			xPath = writeFile(t, "x.npy", npyF32(t, []int{c.batch, c.steps, width}, transpose(in.X, c.steps, c.batch, width)))
		}
		for _, stream := range []string{"-stream=false", "-stream=true"} {
			yPath := filepath.Join(t.TempDir(), "y.npy")
			code, _, errOut := cli("run", "-batch-first", stream, "-model", modelPath, "-in", xPath, "-out", yPath)
			require.Equal(t, 0, code, errOut)
			y := readNpy(t, yPath)
			outputs := net.OutputSize()
			if c.spec.headInput == cells.FinalState {
				require.Equal(t, []int{c.batch, outputs}, y.Shape)
				require.InDeltaSlice(t, want.Y, y.F32, 1e-5)
				continue
			}
			require.Equal(t, []int{c.batch, c.steps, outputs}, y.Shape)
			require.InDeltaSlice(t, transpose(want.Y, c.steps, c.batch, outputs), y.F32, 1e-5, stream)
		}
	}
}

// TestRunErrors checks that malformed inputs, model files and flags give
// clear errors and a non-zero status, and leave no output behind.
func TestRunErrors(t *testing.T) {
	features, _ := saveNetwork(t, netSpec{cfg: cells.Config{Mode: cells.GRU, InputSize: 3, HiddenSize: 2, NumLayers: 1}, outputs: 2}, 40)
	embedding, _ := saveNetwork(t, netSpec{cfg: cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 2, NumLayers: 1}, vocab: 5}, 41)
	good := npyF32(t, []int{2, 1, 3}, make([]float32, 6))
	f4 := make([]byte, 24)
	for _, c := range []struct {
		name, model string
		x           []byte
		want        string
	}{
		{"truncated", features, good[:len(good)-5], "the data ends after 4 of 6 elements"},
		{"empty file", features, nil, "not a .npy file"},
		{"bad magic", features, append([]byte("\x93NUMPZ"), good[6:]...), `not a .npy file: it starts with "\x93NUMPZ"`},
		{"big-endian", features, npyRaw("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 1, 3), }", f4), "big-endian"},
		{"fortran order", features, npyRaw("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1, 3), }", f4), "Fortran order"},
		{"float64", features, npyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1, 1), }", f4), `dtype "<f8"`},
		{"rank 2", features, npyF32(t, []int{2, 3}, make([]float32, 6)), "float32 [2 3]; want float32 [T, B, 3] (the network's input size is 3)"},
		{"wrong input size", features, npyF32(t, []int{2, 1, 4}, make([]float32, 8)), "float32 [2 1 4]; want float32 [T, B, 3]"},
		{"no steps", features, npyF32(t, []int{0, 1, 3}, nil), "float32 [0 1 3] is empty"},
		{"ids for features", features, npyI64(t, []int{2, 1}, []int64{0, 1}), "int64 [2 1]; want float32 [T, B, 3]"},
		{"features for ids", embedding, good, "float32 [2 1 3]; want int64 token ids [T, B] (the network starts with an embedding of vocabulary 5)"},
		{"ids of rank 3", embedding, npyI64(t, []int{2, 1, 1}, []int64{0, 1}), "int64 [2 1 1]; want int64 token ids [T, B]"},
		{"id too large", embedding, npyI64(t, []int{2, 2}, []int64{0, 1, 4, 5}), "token id 5 at step 1 of sequence 1 is outside the vocabulary [0, 5)"},
		{"negative id", embedding, npyI64(t, []int{1, 2}, []int64{-1, 1}), "token id -1 at step 0 of sequence 0 is outside the vocabulary [0, 5)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			xPath := writeFile(t, "x.npy", c.x)
			yPath := filepath.Join(t.TempDir(), "y.npy")
			code, out, errOut := cli("run", "-model", c.model, "-in", xPath, "-out", yPath)
			require.Equal(t, 1, code, errOut)
			require.Empty(t, out)
			require.Contains(t, errOut, "simdrnn run: "+xPath+": ")
			require.Contains(t, errOut, c.want)
			require.NoFileExists(t, yPath)
		})
	}
}

// TestModelFileErrors checks the errors of files that are not models, for
// every command.
func TestModelFileErrors(t *testing.T) {
	modelPath, net := saveNetwork(t, netSpec{cfg: cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 2, NumLayers: 1}, outputs: 1}, 50)
	whole, err := os.ReadFile(modelPath)
	require.NoError(t, err)
	// The same tensors but one, without metadata.
	params := net.Parameters()
	without := func(name string) string {
		var tensors []safetensors.Tensor
		for _, p := range net.Parts().RNN.Config().Params() {
			if p.Name != name {
				tensors = append(tensors, safetensors.Tensor{Name: "rnn." + p.Name, Shape: p.Shape, Data: params["rnn."+p.Name]})
			}
		}
		tensors = append(tensors, safetensors.Tensor{Name: "fc.weight", Shape: []int{1, 2}, Data: params["fc.weight"]},
			safetensors.Tensor{Name: "fc.bias", Shape: []int{1}, Data: params["fc.bias"]})
		var buf bytes.Buffer
		require.NoError(t, safetensors.Write(&buf, tensors, nil))
		return writeFile(t, "missing.safetensors", buf.Bytes())
	}
	xPath := writeFile(t, "x.npy", npyF32(t, []int{1, 1, 2}, []float32{1, 2}))
	dir := t.TempDir()
	for _, c := range []struct {
		name, path, want string
	}{
		{"truncated", writeFile(t, "m.safetensors", whole[:len(whole)-9]), "not a readable safetensors file: safetensors: tensor \"rnn.weight_ih_l0\": ends at byte 204 of the data section, which has only 195 bytes"},
		{"header cut", writeFile(t, "m.safetensors", whole[:20]), "not a readable safetensors file: safetensors: header length"},
		{"garbage", writeFile(t, "m.safetensors", []byte("this is not a model, it is a sentence of text")), "not a readable safetensors file: safetensors: header length"},
		{"empty", writeFile(t, "m.safetensors", nil), "not a readable safetensors file: safetensors: truncated length prefix"},
		{"missing weight", without("weight_hh_l0"), "tensor rnn.weight_hh_l0 is missing from the file"},
		{"missing bias", without("bias_hh_l0"), "needs tensor rnn.bias_hh_l0 of shape [8]"},
		{"absent", filepath.Join(dir, "none.safetensors"), "no such file or directory"},
		{"directory", dir, "is a directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"inspect", c.path},
				{"run", "-model", c.path, "-in", xPath, "-out", filepath.Join(dir, "y.npy")},
				{"bench", "-steps", "1", "-warmup", "0", c.path},
			} {
				code, out, errOut := cli(args...)
				require.Equal(t, 1, code, "%v: %s", args, errOut)
				require.Empty(t, out)
				require.Contains(t, errOut, "simdrnn "+args[0]+": ")
				require.Contains(t, errOut, c.want, args)
				require.NoFileExists(t, filepath.Join(dir, "y.npy"))
			}
		})
	}
}

// TestFlagErrors checks usage errors: status 2 and a message naming the
// flag.
func TestFlagErrors(t *testing.T) {
	modelPath, _ := saveNetwork(t, netSpec{cfg: cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: 2, NumLayers: 1}}, 60)
	xPath := writeFile(t, "x.npy", npyF32(t, []int{1, 1, 2}, []float32{1, 2}))
	yPath := filepath.Join(t.TempDir(), "y.npy")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"inspect"}, "want one MODEL file, got 0 arguments"},
		{[]string{"inspect", modelPath, modelPath}, "want one MODEL file, got 2 arguments"},
		{[]string{"inspect", "-nonsense", modelPath}, "flag provided but not defined: -nonsense"},
		{[]string{"inspect", "-precision", "f64", modelPath}, `-precision "f64": want f32, f16, bf16, int8 or auto`},
		{[]string{"inspect", "-activation", "relu", modelPath}, `-activation "relu": want none, softmax, sigmoid or auto`},
		{[]string{"inspect", "-head-input", "last", modelPath}, `-head-input "last": want steps, final or auto`},
		{[]string{"run", "-in", xPath, "-out", yPath}, "-model is required"},
		{[]string{"run", "-model", modelPath, "-out", yPath}, "-in is required"},
		{[]string{"run", "-model", modelPath, "-in", xPath}, "-out is required"},
		{[]string{"run", "-model", modelPath, "-in", xPath, "-out", yPath, "extra"}, `unexpected arguments ["extra"]`},
		{[]string{"bench", "-levels", "sse9", modelPath}, `-levels: "sse9" is not a level`},
		{[]string{"bench", "-precisions", "f8", modelPath}, `-precisions: "f8" is not f32, f16, bf16 or int8`},
		{[]string{"bench", "-batches", "1,0", modelPath}, `-batches: "0" is not a batch size`},
		{[]string{"bench", "-steps", "0", modelPath}, "-steps 0: want at least 1"},
		{[]string{"bench", "-time", "0s", modelPath}, "-time 0s: want a positive duration"},
	} {
		code, out, errOut := cli(c.args...)
		require.Equal(t, 2, code, "%v: %s", c.args, errOut)
		require.Empty(t, out, c.args)
		require.Contains(t, errOut, c.want, c.args)
	}
	require.NoFileExists(t, yPath)

	code, out, _ := cli("help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "simdrnn run [flags] -model MODEL -in X.npy -out Y.npy")
	code, _, errOut := cli("run", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, errOut, "or [B, O] when the head reads the\nfinal state")
}
