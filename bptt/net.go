package bptt

import (
	"errors"
	"math"

	"github.com/simdrnn/simdrnn/cells"
)

// Net is a trainable recurrent stack: the model of package cells (the same
// Config, equations, PyTorch names and layouts) with its parameters held as
// mutable Params, each with a gradient. Forward records a Tape; Backward
// walks it and accumulates the gradient of every parameter.
//
// A Net is not safe for concurrent use: Forward and Backward read the
// parameters while an optimizer writes them. For inference, Model returns a
// read-only cells.Model snapshot that many goroutines may share.
type Net struct {
	cfg    cells.Config
	params []*Param
	byName map[string]*Param
	layers [][]*dir // [layer][direction]
}

// dir is one direction of one layer: views of its parameters.
type dir struct {
	mode          cells.Mode
	input, hidden int
	wih, whh      *Param
	bih, bhh      *Param // nil with NoBias
}

// New returns a Net with the given configuration and parameters, keyed by
// PyTorch's names as cells.New takes them (the values are copied). It
// returns cells.Config.CheckParams's error naming the tensor and the sizes
// when a parameter is missing, unexpected or of the wrong size, and, before
// allocating anything, cells.Config.Validate's error for a bad
// configuration, or an error if the parameters and their gradients would
// exceed the memory limit.
func New(cfg cells.Config, params map[string][]float32) (*Net, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if err := cfg.CheckParams(params); err != nil {
		return nil, err
	}
	n := newNet(cfg)
	for _, p := range n.params {
		copy(p.Data, params[p.Name])
	}
	return n, nil
}

// NewRandom returns a Net initialised as PyTorch initialises nn.LSTM, nn.GRU
// and nn.RNN: every parameter drawn from U(−1/√H, 1/√H), here from a PCG
// stream seeded with seed (the distribution is PyTorch's, the random stream
// is not). A bad configuration is an error, as for New, returned before
// anything is allocated.
func NewRandom(cfg cells.Config, seed uint64) (*Net, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	n := newNet(cfg)
	InitUniform(n.params, float32(1/math.Sqrt(float64(cfg.HiddenSize))), seed)
	return n, nil
}

// FromModel returns a Net holding a copy of an inference model's weights
// (fine-tuning a loaded model). Training runs in float32: a model kept at a
// reduced precision gives its float32 values (Model.Parameters), and the
// Net's configuration has Precision F32.
func FromModel(m *cells.Model) (*Net, error) {
	if m == nil {
		return nil, errors.New("bptt: FromModel: the model is nil")
	}
	cfg := m.Config()
	cfg.Precision = cells.F32
	return New(cfg, m.Parameters())
}

// newNet builds the parameters and directions of a validated cfg.
func newNet(cfg cells.Config) *Net {
	n := &Net{cfg: cfg, byName: map[string]*Param{}}
	for _, spec := range cfg.Params() {
		p := newParam(spec.Name, spec.Shape...)
		n.params = append(n.params, p)
		n.byName[p.Name] = p
	}
	for _, spec := range cfg.Directions() {
		if spec.Direction == 0 {
			n.layers = append(n.layers, nil)
		}
		d := &dir{mode: cfg.Mode, input: spec.Input, hidden: cfg.HiddenSize,
			wih: n.byName[spec.Params[0].Name], whh: n.byName[spec.Params[1].Name]}
		if len(spec.Params) == 4 {
			d.bih, d.bhh = n.byName[spec.Params[2].Name], n.byName[spec.Params[3].Name]
		}
		n.layers[spec.Layer] = append(n.layers[spec.Layer], d)
	}
	return n
}

// Config returns the Net's configuration.
func (n *Net) Config() cells.Config { return n.cfg }

// Params returns the parameters in PyTorch's order (named_parameters). The
// Params are the Net's own: optimizers update Data in place.
func (n *Net) Params() []*Param { return n.params }

// Param returns the parameter of the given PyTorch name, or nil.
func (n *Net) Param(name string) *Param { return n.byName[name] }

// ZeroGrad sets every gradient to zero.
func (n *Net) ZeroGrad() { ZeroGrad(n.params) }

// Model returns a cells.Model holding a copy of the current weights, for
// inference (streaming Step, Forward, saving with Model.WriteSafetensors).
func (n *Net) Model() (*cells.Model, error) {
	params := make(map[string][]float32, len(n.params))
	for _, p := range n.params {
		params[p.Name] = p.Data
	}
	return cells.New(n.cfg, params)
}
