// Package torchcase reads the reference cases that the PyTorch scripts of
// the tests write (cells/testdata/make_vectors.py: outputs and final
// states; bptt/testdata/make_grads.py: the same plus upstream gradients and
// PyTorch's gradients). All values are float64; inputs and weights hold
// float32 values.
package torchcase

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/simdrnn/simdrnn/cells"
)

// Case is one model with its inputs and PyTorch's results. Fields a script
// does not write stay empty.
type Case struct {
	Name          string `json:"name"`
	Mode          string `json:"mode"` // LSTM, GRU, GRUResetBefore or RNN
	InputSize     int    `json:"input_size"`
	HiddenSize    int    `json:"hidden_size"`
	NumLayers     int    `json:"num_layers"`
	Bidirectional bool   `json:"bidirectional"`
	Nonlinearity  string `json:"nonlinearity"` // tanh or relu for RNN
	Batch         int    `json:"batch"`
	Steps         int    `json:"steps"`
	Lengths       []int  `json:"lengths"` // empty: every sample has all steps
	Weights       map[string]struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"weights"`
	X  []float64 `json:"x"` // time-major, steps × batch × input
	H0 []float64 `json:"h0"`
	C0 []float64 `json:"c0"`
	Y  []float64 `json:"y"`
	HN []float64 `json:"h_n"`
	CN []float64 `json:"c_n"`

	// Gradient cases: loss = Σ y⊙dy + Σ h_n⊙dh_n (+ Σ c_n⊙dc_n) and its
	// gradients by parameter name, and under "x", "h0" and "c0".
	DY    []float64            `json:"dy"`
	DHN   []float64            `json:"dh_n"`
	DCN   []float64            `json:"dc_n"`
	Loss  float64              `json:"loss"`
	Grads map[string][]float64 `json:"grads"`
}

// Load reads the cases of a JSON file written by one of the scripts.
func Load(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Cases []Case `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(file.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases", path)
	}
	return file.Cases, nil
}

// Config returns the case's model configuration.
func (c Case) Config() cells.Config {
	mode := map[string]cells.Mode{"LSTM": cells.LSTM, "GRU": cells.GRU, "GRUResetBefore": cells.GRUResetBefore}[c.Mode]
	if c.Mode == "RNN" {
		mode = cells.RNNTanh
		if c.Nonlinearity == "relu" {
			mode = cells.RNNReLU
		}
	}
	return cells.Config{Mode: mode, InputSize: c.InputSize, HiddenSize: c.HiddenSize, NumLayers: c.NumLayers, Bidirectional: c.Bidirectional}
}

// Params returns the weights as float32, by PyTorch name.
func (c Case) Params() map[string][]float32 {
	params := map[string][]float32{}
	for name, w := range c.Weights {
		params[name] = F32(w.Data)
	}
	return params
}

// F32 converts float64 values to float32 (nil stays nil).
func F32(s []float64) []float32 {
	if s == nil {
		return nil
	}
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}
