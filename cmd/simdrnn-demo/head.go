package main

import (
	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
)

// recurrentModel is a one-layer recurrent net with a dense head on its final
// hidden state, trained with Adam on gradients clipped to a global norm.
type recurrentModel struct {
	net    *bptt.Net
	tape   *bptt.Tape
	head   *bptt.Dense
	params []*bptt.Param // the net's, then the head's
	opt    *bptt.Adam
	clip   float64

	out  []float32 // batch × outputs: the head's output
	last []float32 // batch × directions·hidden: the head's input (Tape.LastHN)
	dh   []float32 // ∂L/∂last
}

// newRecurrentModel returns a model of the given mode, its net and head
// drawn from seed.
func newRecurrentModel(mode cells.Mode, inputs, hidden, outputs int, lr, clip float64, seed uint64) (*recurrentModel, error) {
	net, err := bptt.NewRandom(cells.Config{Mode: mode, InputSize: inputs, HiddenSize: hidden, NumLayers: 1}, seed)
	if err != nil {
		return nil, err
	}
	head := bptt.NewDense("head", hidden, outputs, seed+1)
	tape := net.NewTape()
	tape.SetInputGrad(false) // the input is data
	return &recurrentModel{
		net:    net,
		tape:   tape,
		head:   head,
		params: append(append([]*bptt.Param(nil), net.Params()...), head.Params()...),
		opt:    bptt.NewAdam(lr),
		clip:   clip,
	}, nil
}

// forward runs the time-major sequences x (steps × batch × inputs) and
// returns the head's output, batch × outputs (valid until the next call).
func (m *recurrentModel) forward(x []float32, steps, batch int) ([]float32, error) {
	if err := m.net.Forward(m.tape, x, steps, batch, nil); err != nil {
		return nil, err
	}
	m.out = resize(m.out, batch*m.head.Out)
	m.last = m.tape.LastHN() // the last layer's final state, any stack
	m.head.Forward(m.out, m.last, batch)
	return m.out, nil
}

// update back-propagates dout (∂L/∂output of the last forward), clips the
// gradients and takes one Adam step.
func (m *recurrentModel) update(dout []float32, batch int) error {
	m.dh = resize(m.dh, batch*m.net.Config().OutputSize())
	m.head.Backward(m.dh, dout, m.last, batch)
	if err := m.net.Backward(m.tape, nil, m.tape.LastHNGrad(m.dh), nil); err != nil {
		return err
	}
	bptt.ClipGradNorm(m.params, m.clip)
	m.opt.Step(m.params)
	bptt.ZeroGrad(m.params)
	return nil
}

// resize returns s with n elements, reallocated only if too small.
func resize(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
