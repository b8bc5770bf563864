package cells

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/kernels"
)

// Mode is the kind of recurrent cell.
type Mode int

const (
	// LSTM is PyTorch's nn.LSTM.
	LSTM = Mode(engine.LSTM)
	// GRU is PyTorch's nn.GRU: the reset gate multiplies W_hn·h + b_hn.
	GRU = Mode(engine.GRU)
	// GRUResetBefore applies the reset gate before the product:
	// W_hn·(r⊙h). It is Keras' reset_after=False and ONNX's
	// linear_before_reset=0; PyTorch has no such layer.
	GRUResetBefore = Mode(engine.GRUResetBefore)
	// RNNTanh is PyTorch's nn.RNN with nonlinearity='tanh'.
	RNNTanh = Mode(engine.RNNTanh)
	// RNNReLU is PyTorch's nn.RNN with nonlinearity='relu'.
	RNNReLU = Mode(engine.RNNReLU)
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

// Gates returns how many gate blocks of H rows the weights hold: 4 for the
// LSTM (i, f, g, o), 3 for the GRUs (r, z, n), 1 for plain RNNs. W_ih is
// Gates()·H × I and W_hh Gates()·H × H.
func (m Mode) Gates() int { return engine.Mode(m).Gates() }

// Config describes a model as PyTorch's constructor arguments do.
type Config struct {
	Mode          Mode
	InputSize     int  // I, features per step of the input
	HiddenSize    int  // H
	NumLayers     int  // stacked layers, ≥ 1
	Bidirectional bool // a reverse direction per layer
	NoBias        bool // PyTorch's bias=False: no bias tensors
	// Precision is the format the weight matrices are kept in (F32 by
	// default; see Precision).
	Precision Precision
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
	var specs []ParamSpec
	for _, d := range c.Directions() {
		specs = append(specs, d.Params...)
	}
	return specs
}

// DirectionSpec is one direction of one layer and its parameters.
type DirectionSpec struct {
	Layer     int
	Direction int // 0 forward, 1 reverse
	Input     int // the layer's input width: InputSize, or OutputSize above the first layer
	// Params are weight_ih, weight_hh, then (unless NoBias) bias_ih and
	// bias_hh, under PyTorch's names: _l<layer>, and _reverse for the
	// reverse direction.
	Params []ParamSpec
}

// Directions lists the model's layers and directions in PyTorch's order
// (layer by layer, forward before reverse), each with its parameters. It
// returns nil for a Config that fails Validate.
func (c Config) Directions() []DirectionSpec {
	if c.Validate() != nil {
		return nil
	}
	var dirs []DirectionSpec
	gh := c.Mode.Gates() * c.HiddenSize
	for layer := 0; layer < c.NumLayers; layer++ {
		in := c.InputSize
		if layer > 0 {
			in = c.OutputSize()
		}
		for dir := 0; dir < c.directions(); dir++ {
			suffix := fmt.Sprintf("_l%d", layer)
			if dir == 1 {
				suffix += "_reverse"
			}
			params := []ParamSpec{
				{"weight_ih" + suffix, []int{gh, in}},
				{"weight_hh" + suffix, []int{gh, c.HiddenSize}},
			}
			if !c.NoBias {
				params = append(params, ParamSpec{"bias_ih" + suffix, []int{gh}}, ParamSpec{"bias_hh" + suffix, []int{gh}})
			}
			dirs = append(dirs, DirectionSpec{Layer: layer, Direction: dir, Input: in, Params: params})
		}
	}
	return dirs
}

// CheckParams checks params, keyed by PyTorch's names, against c's
// parameters (Params) before anything is built from them: an error names
// the tensor and the sizes if one is missing, unexpected, or of the wrong
// size. It returns Validate's error for a bad c. New and bptt.New call it.
func (c Config) CheckParams(params map[string][]float32) error {
	if err := c.Validate(); err != nil {
		return err
	}
	specs := c.Params()
	known := make(map[string]bool, len(specs))
	for _, spec := range specs {
		known[spec.Name] = true
		data, ok := params[spec.Name]
		if !ok {
			return fmt.Errorf("cells: %v parameter %s (shape %v) is missing", c.Mode, spec.Name, spec.Shape)
		}
		if len(data) != spec.Size() {
			return fmt.Errorf("cells: %v parameter %s has %d values; want shape %v = %d values", c.Mode, spec.Name, len(data), spec.Shape, spec.Size())
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
		return fmt.Errorf("cells: unexpected parameters for a %d-layer %v: %s", c.NumLayers, c.Mode, strings.Join(extra, ", "))
	}
	return nil
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

	// shards are the layers' weights split by units for the parallel
	// batch-1 step, per worker count (State.SetWorkers), built on demand.
	shardMu sync.Mutex
	shards  map[int][][]shard
}

// direction is one direction of one layer.
type direction struct {
	mode          Mode
	input, hidden int
	weightIH      []float32 // G·H × input, PyTorch layout (nil below F32)
	weightHH      []float32 // G·H × H (nil below F32)
	// lowIH and lowHH hold W_ih and W_hh instead of weightIH and weightHH
	// when the model's Precision is not F32.
	lowIH, lowHH *engine.LowMatrix
	biasIH       []float32 // G·H (zeros without bias)
	biasHH       []float32 // G·H
	inputBias    []float32 // engine.InputBias: what the input side starts from

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
		d.packedIH.Pack(true, d.input, d.mode.Gates()*d.hidden, d.weightIH, d.input)
	})
	return &d.packedIH
}

// joinedWeights returns [W_ih | W_hh], building it once.
func (d *direction) joinedWeights() []float32 {
	d.joinOnce.Do(func() {
		rows, width := d.mode.Gates()*d.hidden, d.input+d.hidden
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
	if err := cfg.CheckParams(params); err != nil {
		return nil, err
	}
	m := allocate(cfg)
	for name, dst := range m.paramBuffers() {
		copy(dst, params[name])
	}
	for name, low := range m.lowBuffers() {
		if err := setLow(low, name, params[name]); err != nil {
			return nil, err
		}
	}
	m.finish()
	return m, nil
}

// allocate returns a model for cfg with every parameter zero, to be filled
// through paramBuffers and completed by finish. cfg must have passed
// Validate, which counts every buffer allocated here (and the joined and
// packed copies built later) with overflow checks and the memory limit.
func allocate(cfg Config) *Model {
	gh := cfg.Mode.Gates() * cfg.HiddenSize
	m := &Model{cfg: cfg}
	for _, spec := range cfg.Directions() {
		if spec.Direction == 0 {
			m.layers = append(m.layers, nil)
		}
		d := &direction{
			mode: cfg.Mode, input: spec.Input, hidden: cfg.HiddenSize,
			biasIH: make([]float32, gh),
			biasHH: make([]float32, gh),
		}
		if cfg.Precision.reduced() {
			d.lowIH = newLow(cfg.Precision, gh, spec.Input)
			d.lowHH = newLow(cfg.Precision, gh, cfg.HiddenSize)
		} else {
			d.weightIH = make([]float32, gh*spec.Input)
			d.weightHH = make([]float32, gh*cfg.HiddenSize)
		}
		m.layers[spec.Layer] = append(m.layers[spec.Layer], d)
	}
	return m
}

// params returns d's float32 parameters in the order of
// DirectionSpec.Params (without the biases when noBias), sharing its
// memory; below F32 the weights are nil (see lowBuffers).
func (d *direction) params(noBias bool) [][]float32 {
	if noBias {
		return [][]float32{d.weightIH, d.weightHH}
	}
	return [][]float32{d.weightIH, d.weightHH, d.biasIH, d.biasHH}
}

// weights returns d for the engine, without W_ih packed (see packedInput).
func (d *direction) weights() engine.Weights {
	return engine.Weights{
		Mode: engine.Mode(d.mode), Input: d.input, Hidden: d.hidden,
		IH: d.weightIH, HH: d.weightHH, LowIH: d.lowIH, LowHH: d.lowHH,
		BiasHH: d.biasHH, InputBias: d.inputBias,
	}
}

// paramBuffers returns the parameters of a model from allocate under
// PyTorch's names (those of Config.Params; no biases with NoBias), sharing
// its memory: writing into them sets the parameters.
// Below F32 the weights are not among them (see lowBuffers).
func (m *Model) paramBuffers() map[string][]float32 {
	out := map[string][]float32{}
	for _, spec := range m.cfg.Directions() {
		for i, buf := range m.layers[spec.Layer][spec.Direction].params(m.cfg.NoBias) {
			if buf != nil {
				out[spec.Params[i].Name] = buf
			}
		}
	}
	return out
}

// lowBuffers returns the weight matrices of a model below F32 under
// PyTorch's names (nil at F32).
func (m *Model) lowBuffers() map[string]*engine.LowMatrix {
	if !m.cfg.Precision.reduced() {
		return nil
	}
	out := map[string]*engine.LowMatrix{}
	for _, spec := range m.cfg.Directions() {
		d := m.layers[spec.Layer][spec.Direction]
		out[spec.Params[0].Name] = d.lowIH
		out[spec.Params[1].Name] = d.lowHH
	}
	return out
}

// finish derives what the model computes from its parameters once they are
// set: the input side's bias (engine.InputBias).
func (m *Model) finish() {
	for _, dirs := range m.layers {
		for _, d := range dirs {
			d.inputBias = make([]float32, len(d.biasIH))
			engine.InputBias(d.inputBias, engine.Mode(d.mode), d.biasIH, d.biasHH)
		}
	}
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Parameters returns copies of the model's parameters under PyTorch's
// names, as New takes them. Below F32 the weights are the float32 values
// the model computes with (exact for F16 and BF16; scale·q for Int8).
func (m *Model) Parameters() map[string][]float32 {
	out := m.paramBuffers()
	for name, buf := range out {
		out[name] = clone(buf)
	}
	for name, low := range m.lowBuffers() {
		n := len(low.F16) + len(low.BF16) + len(low.Q)
		out[name] = make([]float32, n)
		low.Widen(out[name])
	}
	return out
}

func clone(s []float32) []float32 { return append([]float32(nil), s...) }
