package cells

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/kernels"
)

// Mode is the kind of recurrent cell.
type Mode int

const (
	// LSTM is PyTorch's nn.LSTM.
	LSTM Mode = iota
	// GRU is PyTorch's nn.GRU: the reset gate multiplies W_hn·h + b_hn.
	GRU
	// GRUResetBefore applies the reset gate before the product:
	// W_hn·(r⊙h). It is Keras' reset_after=False and ONNX's
	// linear_before_reset=0; PyTorch has no such layer.
	GRUResetBefore
	// RNNTanh is PyTorch's nn.RNN with nonlinearity='tanh'.
	RNNTanh
	// RNNReLU is PyTorch's nn.RNN with nonlinearity='relu'.
	RNNReLU
)

func (m Mode) String() string {
	switch m {
	case LSTM:
		return "LSTM"
	case GRU:
		return "GRU"
	case GRUResetBefore:
		return "GRUResetBefore"
	case RNNTanh:
		return "RNNTanh"
	case RNNReLU:
		return "RNNReLU"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// gates returns how many gate blocks of H rows the weights hold.
func (m Mode) gates() int {
	switch m {
	case LSTM:
		return 4
	case GRU, GRUResetBefore:
		return 3
	}
	return 1
}

// Config describes a model as PyTorch's constructor arguments do.
type Config struct {
	Mode          Mode
	InputSize     int  // I, features per step of the input
	HiddenSize    int  // H
	NumLayers     int  // stacked layers, ≥ 1
	Bidirectional bool // a reverse direction per layer
	NoBias        bool // PyTorch's bias=False: no bias tensors
}

func (c Config) directions() int {
	if c.Bidirectional {
		return 2
	}
	return 1
}

// OutputSize is the width of the model's output per step and sample: H, or
// 2H when bidirectional (for a Config that passes Validate: otherwise the
// product may not fit in an int).
func (c Config) OutputSize() int { return c.directions() * c.HiddenSize }

// validate is Validate, under the name New and the loaders call.
func (c Config) validate() error { return c.Validate() }

// ParamSpec names one parameter tensor and its PyTorch shape.
type ParamSpec struct {
	Name  string
	Shape []int
}

// Size returns the number of elements of the tensor, or −1 if a dimension
// is negative or the product does not fit in an int (never for the Params
// of a Config that passes Validate).
func (p ParamSpec) Size() int {
	n, ok := shape.Prod(p.Shape...)
	if !ok {
		return -1
	}
	return n
}

// Params lists the model's parameters in PyTorch's order (named_parameters).
// It returns nil for a Config that fails Validate, whose shapes could not
// be counted or would not fit in memory.
func (c Config) Params() []ParamSpec {
	if c.Validate() != nil {
		return nil
	}
	var specs []ParamSpec
	gh := c.Mode.gates() * c.HiddenSize
	for layer := 0; layer < c.NumLayers; layer++ {
		in := c.InputSize
		if layer > 0 {
			in = c.OutputSize()
		}
		for dir := 0; dir < c.directions(); dir++ {
			suffix := paramSuffix(layer, dir)
			specs = append(specs,
				ParamSpec{"weight_ih" + suffix, []int{gh, in}},
				ParamSpec{"weight_hh" + suffix, []int{gh, c.HiddenSize}})
			if !c.NoBias {
				specs = append(specs,
					ParamSpec{"bias_ih" + suffix, []int{gh}},
					ParamSpec{"bias_hh" + suffix, []int{gh}})
			}
		}
	}
	return specs
}

// Model is a stack of recurrent layers with their weights. It is read-only
// after New and safe for concurrent use. Besides the PyTorch-layout weights
// it builds, once, on first use and per layer: [W_ih | W_hh] for the
// streaming step of LSTMs and RNNs (at the first NewState), and W_ih packed
// for the input projection (at the first Forward); each is about the size of
// the weights it copies.
type Model struct {
	cfg    Config
	layers [][]*direction // [layer][direction]
}

// direction is one direction of one layer.
type direction struct {
	mode          Mode
	input, hidden int
	weightIH      []float32 // G·H × input, PyTorch layout
	weightHH      []float32 // G·H × H
	biasIH        []float32 // G·H (zeros without bias)
	biasHH        []float32 // G·H
	// inputBias is what the input side's pre-activations start from:
	// b_ih + b_hh for LSTM and RNN (both biases sit outside any product),
	// b_ih alone for the GRUs (b_hn sits inside the reset product).
	inputBias []float32

	// joined is [W_ih | W_hh], G·H × (input + H), for the streaming step of
	// LSTMs and RNNs: one product over x‖h streams all the weights in one
	// pass. It is built on the first NewState, so models used only for
	// sequences do not hold the weights twice.
	joinOnce sync.Once
	joined   []float32

	// packedIH is W_ihᵀ packed for the input projection of Forward, built
	// on the first Forward (streaming-only users don't pay its memory).
	packOnce sync.Once
	packedIH kernels.PackedMatrix
}

// packedInput returns W_ihᵀ packed for MatMulPacked, packing it once.
func (d *direction) packedInput() *kernels.PackedMatrix {
	d.packOnce.Do(func() {
		d.packedIH.Pack(true, d.input, d.mode.gates()*d.hidden, d.weightIH, d.input)
	})
	return &d.packedIH
}

// joinedWeights returns [W_ih | W_hh], building it once.
func (d *direction) joinedWeights() []float32 {
	d.joinOnce.Do(func() {
		rows, width := d.mode.gates()*d.hidden, d.input+d.hidden
		d.joined = make([]float32, rows*width)
		for i := 0; i < rows; i++ {
			copy(d.joined[i*width:i*width+d.input], d.weightIH[i*d.input:(i+1)*d.input])
			copy(d.joined[i*width+d.input:(i+1)*width], d.weightHH[i*d.hidden:(i+1)*d.hidden])
		}
	})
	return d.joined
}

// New returns a model with the given configuration and parameters, keyed
// by PyTorch's names (see Config.Params for names and shapes; each value is
// the tensor's elements in row-major order). It returns an error naming the
// tensor and the sizes if a parameter is missing, unexpected, or of the
// wrong size. The weights are copied.
func New(cfg Config, params map[string][]float32) (*Model, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	specs := cfg.Params()
	known := make(map[string]bool, len(specs))
	for _, spec := range specs {
		known[spec.Name] = true
		data, ok := params[spec.Name]
		if !ok {
			return nil, fmt.Errorf("cells: %v parameter %s (shape %v) is missing", cfg.Mode, spec.Name, spec.Shape)
		}
		if len(data) != spec.Size() {
			return nil, fmt.Errorf("cells: %v parameter %s has %d values; want shape %v = %d values", cfg.Mode, spec.Name, len(data), spec.Shape, spec.Size())
		}
	}
	var extra []string
	for name := range params {
		if !known[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, fmt.Errorf("cells: unexpected parameters for a %d-layer %v: %s", cfg.NumLayers, cfg.Mode, strings.Join(extra, ", "))
	}

	m, err := allocate(cfg)
	if err != nil {
		return nil, err
	}
	for name, dst := range m.paramBuffers() {
		copy(dst, params[name])
	}
	m.finish()
	return m, nil
}

// allocate returns a model for a validated cfg with every parameter zero,
// to be filled through paramBuffers and completed by finish. Parameters
// that would not fit in memory (see shape.Fits) are an error, not a panic.
func allocate(cfg Config) (*Model, error) {
	gh, ok := shape.Mul(cfg.Mode.gates(), cfg.HiddenSize)
	total := 0
	for layer := 0; ok && layer < cfg.NumLayers; layer++ {
		in := cfg.InputSize
		if layer > 0 {
			in, ok = shape.Mul(cfg.directions(), cfg.HiddenSize)
		}
		// W_ih, W_hh, b_ih, b_hh and the derived input bias: G·H·(in+H+3).
		var n, width int
		if ok {
			width, ok = shape.Add(in, cfg.HiddenSize)
		}
		if ok {
			width, ok = shape.Add(width, 3)
		}
		if ok {
			n, ok = shape.Mul(gh, width)
		}
		if ok {
			n, ok = shape.Mul(n, cfg.directions())
		}
		if ok {
			total, ok = shape.Add(total, n)
		}
	}
	if !ok || !shape.Fits(total, 4) {
		return nil, fmt.Errorf("cells: the parameters of a %d-layer %v with input size %d and hidden size %d do not fit in memory", cfg.NumLayers, cfg.Mode, cfg.InputSize, cfg.HiddenSize)
	}
	m := &Model{cfg: cfg}
	for layer := 0; layer < cfg.NumLayers; layer++ {
		in := cfg.InputSize
		if layer > 0 {
			in = cfg.OutputSize()
		}
		var dirs []*direction
		for dir := 0; dir < cfg.directions(); dir++ {
			dirs = append(dirs, &direction{
				mode: cfg.Mode, input: in, hidden: cfg.HiddenSize,
				weightIH: make([]float32, gh*in),
				weightHH: make([]float32, gh*cfg.HiddenSize),
				biasIH:   make([]float32, gh),
				biasHH:   make([]float32, gh),
			})
		}
		m.layers = append(m.layers, dirs)
	}
	return m, nil
}

// paramBuffers returns the parameters of a model from allocate under
// PyTorch's names (those of Config.Params; no biases with NoBias), sharing
// its memory: writing into them sets the parameters.
func (m *Model) paramBuffers() map[string][]float32 {
	out := map[string][]float32{}
	for layer, dirs := range m.layers {
		for dir, d := range dirs {
			suffix := paramSuffix(layer, dir)
			out["weight_ih"+suffix] = d.weightIH
			out["weight_hh"+suffix] = d.weightHH
			if !m.cfg.NoBias {
				out["bias_ih"+suffix] = d.biasIH
				out["bias_hh"+suffix] = d.biasHH
			}
		}
	}
	return out
}

// finish derives what the model computes from its parameters once they are
// set: the input side's bias, b_ih + b_hh for LSTM and RNN, b_ih alone for
// the GRUs.
func (m *Model) finish() {
	for _, dirs := range m.layers {
		for _, d := range dirs {
			d.inputBias = clone(d.biasIH)
			if m.cfg.Mode != GRU && m.cfg.Mode != GRUResetBefore {
				kernels.Axpy(1, d.biasHH, d.inputBias)
			}
		}
	}
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Parameters returns copies of the model's parameters under PyTorch's
// names, as New takes them.
func (m *Model) Parameters() map[string][]float32 {
	out := map[string][]float32{}
	for layer, dirs := range m.layers {
		for dir, d := range dirs {
			suffix := paramSuffix(layer, dir)
			out["weight_ih"+suffix] = clone(d.weightIH)
			out["weight_hh"+suffix] = clone(d.weightHH)
			if !m.cfg.NoBias {
				out["bias_ih"+suffix] = clone(d.biasIH)
				out["bias_hh"+suffix] = clone(d.biasHH)
			}
		}
	}
	return out
}

// paramSuffix is the end of a parameter's PyTorch name: _l<layer>, and
// _reverse for the reverse direction.
func paramSuffix(layer, dir int) string {
	if dir == 1 {
		return fmt.Sprintf("_l%d_reverse", layer)
	}
	return fmt.Sprintf("_l%d", layer)
}

func clone(s []float32) []float32 { return append([]float32(nil), s...) }
