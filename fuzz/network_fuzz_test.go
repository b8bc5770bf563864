package fuzz

import (
	"bytes"
	"testing"
	"testing/iotest"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
)

// networkSeed writes a small network file: an embedding, a recurrent model
// of the given mode, a head, and (with meta) the simdrnn_network metadata.
func networkSeed(f *testing.F, mode cells.Mode, bidir bool, p cells.Precision) []byte {
	cfg := cells.Config{Mode: mode, InputSize: 2, HiddenSize: 3, NumLayers: 2, Bidirectional: bidir}
	params := map[string][]float32{}
	for _, spec := range cfg.Params() {
		params[spec.Name] = make([]float32, spec.Size())
		for i := range params[spec.Name] {
			params[spec.Name][i] = float32(i%5) - 2
		}
	}
	model, err := cells.New(cfg, params)
	if err != nil {
		f.Fatal(err)
	}
	if model, err = model.WithPrecision(p); err != nil {
		f.Fatal(err)
	}
	emb, _ := cells.NewEmbedding(3, 2, []float32{1, 2, 3, 4, 5, 6})
	head, _ := cells.NewLinear(cfg.OutputSize(), 2, make([]float32, 2*cfg.OutputSize()), []float32{1, -1})
	net, err := cells.NewNetwork(cells.NetworkParts{Embedding: emb, RNN: model, Head: head, Activation: cells.Softmax})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := net.WriteSafetensors(&buf); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzReadNetwork feeds arbitrary bytes to cells.ReadNetwork: it must never
// panic, must accept or reject an input alike from a seekable reader and
// from a stream, and a network it accepts must write back to a file that
// reads back to the same bytes, and run one step of Forward.
func FuzzReadNetwork(f *testing.F) {
	for _, seed := range [][]byte{
		networkSeed(f, cells.LSTM, false, cells.F32),
		networkSeed(f, cells.GRU, true, cells.F32),
		networkSeed(f, cells.RNNReLU, false, cells.Int8),
	} {
		f.Add(seed)
		f.Add(seed[:len(seed)-1])
		f.Add(seed[:len(seed)/2])
	}
	var bare bytes.Buffer
	if err := safetensors.Write(&bare, []safetensors.Tensor{
		{Name: "rnn.weight_ih_l0", Shape: []int{3, 1}, Data: []float32{1, 2, 3}},
		{Name: "rnn.weight_hh_l0", Shape: []int{3, 1}, Data: []float32{1, 2, 3}},
		{Name: "fc.weight", Shape: []int{1, 1}, Data: []float32{1}},
		{Name: "e.weight", Shape: []int{2, 1}, Data: []float32{1, 2}},
	}, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(bare.Bytes())

	f.Fuzz(func(t *testing.T, input []byte) {
		net, err := cells.ReadNetwork(bytes.NewReader(input), nil)
		if _, errStream := cells.ReadNetwork(iotest.HalfReader(bytes.NewReader(input)), nil); (err == nil) != (errStream == nil) {
			t.Fatalf("ReadNetwork of a bytes.Reader: %v; of a stream: %v", err, errStream)
		}
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := net.WriteSafetensors(&out); err != nil {
			t.Fatalf("WriteSafetensors of a network read: %v", err)
		}
		back, err := cells.ReadNetwork(bytes.NewReader(out.Bytes()), &cells.LoadOptions{Precision: net.Parts().RNN.Precision()})
		if err != nil {
			t.Fatalf("ReadNetwork of the network written: %v", err)
		}
		var again bytes.Buffer
		if err := back.WriteSafetensors(&again); err != nil || !bytes.Equal(out.Bytes(), again.Bytes()) {
			t.Fatalf("written twice, the files differ (%v)", err)
		}
		in := cells.Input{X: make([]float32, net.InputSize())}
		if net.Parts().Embedding != nil {
			in = cells.Input{IDs: []int64{0}}
		}
		if _, err := net.Forward(in, 1, 1, nil); err != nil {
			t.Fatalf("Forward of one step: %v", err)
		}
	})
}
