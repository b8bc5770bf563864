package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
)

// modelFlags are the flags that say how to read a model file; they pass
// through to cells.LoadOptions.
type modelFlags struct {
	precision, cell, activation, headInput string
	rnnPrefix, embeddingPrefix, headPrefix string
}

// register adds the flags to fs.
func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.precision, "precision", "auto", "precision of the recurrent weights: f32, f16, bf16, int8, or auto (the file's: f16, bf16 or int8 when every recurrent weight is stored so, else f32)")
	fs.StringVar(&m.cell, "cell", "", "recurrent cell when the file cannot tell: rnn_tanh, rnn_relu, gru_reset_before (lstm, gru too)")
	fs.StringVar(&m.activation, "activation", "auto", "activation of the outputs: none, softmax, sigmoid, or auto (the file's metadata, else none)")
	fs.StringVar(&m.headInput, "head-input", "auto", "what the head reads: steps (every step's output), final (the final state), or auto (the file's metadata, else steps)")
	fs.StringVar(&m.rnnPrefix, "rnn-prefix", "", "tensor name prefix of the recurrent module, e.g. \"rnn.\" (default: found in the file)")
	fs.StringVar(&m.embeddingPrefix, "embedding-prefix", "", "tensor name prefix of the embedding, \"-\" for none (default: found in the file)")
	fs.StringVar(&m.headPrefix, "head-prefix", "", "tensor name prefix of the head, \"-\" for none (default: found in the file)")
}

// loadedModel is a network read from a file, with the file's header.
type loadedModel struct {
	path   string
	net    *cells.Network
	header *safetensors.Header
	size   int64 // the file's bytes
	// autoPrecision says the precision was taken from the file's dtypes.
	autoPrecision bool
}

// load reads the network at path as the flags say. A bad flag value is a
// usage error; a bad file an error naming the file.
func (m *modelFlags) load(path string) (*loadedModel, error) {
	opts := &cells.LoadOptions{
		Cell:            m.cell,
		RNNPrefix:       m.rnnPrefix,
		EmbeddingPrefix: m.embeddingPrefix,
		HeadPrefix:      m.headPrefix,
	}
	var err error
	if m.activation != "auto" {
		if opts.Activation, err = cells.ParseActivation(m.activation); err != nil || m.activation == "" {
			return nil, usageError("-activation %q: want none, softmax, sigmoid or auto", m.activation)
		}
	}
	if m.headInput != "auto" {
		if opts.HeadInput, err = cells.ParseHeadInput(m.headInput); err != nil || m.headInput == "" {
			return nil, usageError("-head-input %q: want steps, final or auto", m.headInput)
		}
	}
	if m.precision != "auto" {
		if opts.Precision, err = cells.ParsePrecision(m.precision); err != nil {
			return nil, usageError("-precision %q: want f32, f16, bf16, int8 or auto", m.precision)
		}
	}

	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a safetensors file", path)
	}
	header, err := safetensors.ReadHeader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable safetensors file: %v", path, err)
	}
	lm := &loadedModel{path: path, header: header, size: info.Size()}
	if m.precision == "auto" {
		opts.Precision, lm.autoPrecision = storedPrecision(header), true
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	if lm.net, err = cells.ReadNetwork(f, opts); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return lm, nil
}

// storedPrecision returns the precision the file's recurrent weight
// matrices (…weight_ih_lK, …weight_hh_lK) are stored in when they all
// share F16, BF16 or I8, and F32 otherwise.
func storedPrecision(h *safetensors.Header) cells.Precision {
	dtypes := map[string]bool{}
	for _, name := range h.Names() {
		if strings.Contains(name, "weight_ih_l") || strings.Contains(name, "weight_hh_l") {
			dtype, _, _ := h.Info(name)
			dtypes[dtype] = true
		}
	}
	if len(dtypes) == 1 {
		switch {
		case dtypes["F16"]:
			return cells.F16
		case dtypes["BF16"]:
			return cells.BF16
		case dtypes["I8"]:
			return cells.Int8
		}
	}
	return cells.F32
}

// precisions are the formats a recurrent model can keep its weights in.
var precisions = []cells.Precision{cells.F32, cells.F16, cells.BF16, cells.Int8}
