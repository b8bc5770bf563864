package cells

import (
	"errors"
	"fmt"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/internal/team"
	"github.com/simdrnn/simdrnn/kernels"
)

// scratch holds one direction's per-step buffers for up to batch rows.
type scratch struct {
	gates []float32 // batch × G·H: the input side, then the pre-activations
	engine.Scratch
}

func (d *direction) newScratch(batch int) scratch {
	s := scratch{gates: make([]float32, batch*d.mode.Gates()*d.hidden)}
	s.Grow(engine.Mode(d.mode), d.hidden, batch, true)
	return s
}

// joins reports whether the streaming step uses the joined weights: LSTMs
// and RNNs, whose input and recurrent products only ever meet in a sum.
// Below F32 no layer joins: the weights stay as stored.
func (d *direction) joins() bool {
	return d.lowIH == nil && (d.mode == LSTM || d.mode == RNNTanh || d.mode == RNNReLU)
}

// joinedStep is one streaming step of an LSTM or RNN over [W_ih | W_hh]:
// gates (batch × G·H, holding inputBias) += W·(x‖h), then the pointwise
// kernel. For these modes the engine's step reads the previous state only
// as the right operand of the product, so x‖h and the joined weights stand
// in for h and W_hh.
func (d *direction) joinedStep(batch int, x, xh, gates, h, c []float32) {
	width := d.input + d.hidden
	for b := 0; b < batch; b++ {
		copy(xh[b*width:b*width+d.input], x[b*d.input:(b+1)*d.input])
		copy(xh[b*width+d.input:(b+1)*width], h[b*d.hidden:(b+1)*d.hidden])
	}
	w := d.weights()
	w.HH = d.joinedWeights()
	w.Step(batch, gates, xh, h, c, nil, nil, nil, nil)
}

// lowStep is the batch-1 LSTM or GRU step of a direction below F32: the
// fused step kernel of its format. h is updated in place (int8 quantizes
// it into q first; the others copy it to hPrev, which they read while
// writing h).
func (d *direction) lowStep(h, c, x, hPrev []float32, q []int8) {
	ih, hh := d.lowIH, d.lowHH
	if ih.Format == engine.Int8 {
		if d.mode == LSTM {
			kernels.LSTMStepInt8(h, c, ih.Q, ih.Scales, hh.Q, hh.Scales, x, h, d.inputBias, q)
		} else {
			kernels.GRUStepInt8(h, ih.Q, ih.Scales, hh.Q, hh.Scales, x, h, d.biasIH, d.biasHH, q)
		}
		return
	}
	copy(hPrev, h)
	switch {
	case d.mode == LSTM && ih.Format == engine.F16:
		kernels.LSTMStepF16(h, c, ih.F16, hh.F16, x, hPrev, d.inputBias)
	case d.mode == LSTM:
		kernels.LSTMStepBF16(h, c, ih.BF16, hh.BF16, x, hPrev, d.inputBias)
	case ih.Format == engine.F16:
		kernels.GRUStepF16(h, ih.F16, hh.F16, x, hPrev, d.biasIH, d.biasHH)
	default:
		kernels.GRUStepBF16(h, ih.BF16, hh.BF16, x, hPrev, d.biasIH, d.biasHH)
	}
}

// State is the recurrent state of a batch of streams for Model.Step: h (and
// c for LSTMs) per layer, with the step's scratch. Each goroutine that
// streams needs its own State; the Model may be shared.
type State struct {
	model   *Model
	batch   int
	h, c    [][]float32 // per layer, batch × H
	xh      [][]float32 // per layer, batch × (input + H): x‖h for joined weights
	hPrev   [][]float32 // per layer, H: h_{t−1} for the fused batch-1 steps that read it while writing h
	q       [][]int8    // per layer, input + H: the int8 batch-1 steps' quantized x and h
	scratch []scratch   // per layer

	parallel *parallelStep // SetWorkers' split layers, or nil
	workers  team.Owned    // and their team
}

// ErrBidirectional is returned by NewState for a bidirectional model: its
// reverse direction needs the whole sequence, so it cannot stream.
var ErrBidirectional = errors.New("cells: a bidirectional model cannot run step by step; use Forward")

// NewState returns a zero state for batch streams (batch ≥ 1). Building it
// allocates; Step then allocates nothing. A batch whose state cannot be
// counted in an int or would exceed the memory limit (see Config.Validate)
// is an error, as is a bidirectional model (ErrBidirectional).
func (m *Model) NewState(batch int) (*State, error) {
	if m.cfg.Bidirectional {
		return nil, ErrBidirectional
	}
	if batch < 1 {
		return nil, fmt.Errorf("cells: NewState: batch = %d; want ≥ 1", batch)
	}
	if n, ok := m.stateFloats(batch); !ok || !shape.Fits(n, 4) {
		return nil, tooLarge(fmt.Sprintf("NewState: the state of a batch of %d streams", batch), n, ok)
	}
	s := &State{model: m, batch: batch}
	for _, dirs := range m.layers {
		d := dirs[0]
		s.h = append(s.h, make([]float32, batch*d.hidden))
		if m.cfg.Mode == LSTM {
			s.c = append(s.c, make([]float32, batch*d.hidden))
		}
		sc := d.newScratch(batch)
		var xh, hPrev []float32
		var q []int8
		switch {
		case d.joins():
			d.joinedWeights()
			xh = make([]float32, batch*(d.input+d.hidden))
		case batch == 1 && d.lowIH != nil && d.lowIH.Format == engine.Int8 && (d.mode == LSTM || d.mode == GRU):
			q = make([]int8, d.input+d.hidden)
		case batch == 1 && (d.mode == GRU || d.mode == LSTM && d.lowIH != nil):
			hPrev = make([]float32, d.hidden)
		}
		if d.lowIH != nil && d.lowIH.Format == engine.Int8 {
			sc.GrowInt8(batch, max(d.input, d.hidden))
		}
		s.scratch = append(s.scratch, sc)
		s.xh = append(s.xh, xh)
		s.hPrev = append(s.hPrev, hPrev)
		s.q = append(s.q, q)
	}
	return s, nil
}

// Batch returns the number of streams the state holds.
func (s *State) Batch() int { return s.batch }

// Hidden returns layer's hidden state h, batch × H, as a view: it changes
// with every Step, and writing it sets the state.
// It panics, naming the layer, unless 0 ≤ layer < NumLayers.
func (s *State) Hidden(layer int) []float32 {
	s.checkLayer("Hidden", layer)
	return s.h[layer]
}

// Cell returns an LSTM layer's cell state c, batch × H, as a view (nil for
// other modes). It panics as Hidden on a bad layer.
func (s *State) Cell(layer int) []float32 {
	s.checkLayer("Cell", layer)
	if s.c == nil {
		return nil
	}
	return s.c[layer]
}

func (s *State) checkLayer(method string, layer int) {
	if layer < 0 || layer >= len(s.h) {
		panic(fmt.Sprintf("cells: State.%s: layer = %d; want 0 ≤ layer < %d", method, layer, len(s.h)))
	}
}

// Reset sets every state to zero.
func (s *State) Reset() {
	for i := range s.h {
		clear(s.h[i])
		if s.c != nil {
			clear(s.c[i])
		}
	}
}

// CopyFrom sets s to src's state values (a snapshot or a rewind); both must
// belong to the same model and batch size.
func (s *State) CopyFrom(src *State) error {
	if src == nil {
		return errors.New("cells: CopyFrom: the source state is nil")
	}
	if src.model != s.model || src.batch != s.batch {
		return fmt.Errorf("cells: copying a state of batch %d into one of batch %d, or across models", src.batch, s.batch)
	}
	for i := range s.h {
		copy(s.h[i], src.h[i])
		if s.c != nil {
			copy(s.c[i], src.c[i])
		}
	}
	return nil
}

// Step advances the state by one time step: x is batch × I, and y (batch ×
// H, or nil) receives the last layer's new h. It allocates nothing. At batch
// 1 an LSTM or GRU (reset-after) layer runs the fused step kernels
// (kernels.LSTMStep, kernels.GRUStep, or below F32 their F16, BF16 and
// Int8 forms: the products and the pointwise step in one pass over the
// weights); other modes and batches run the MatVecBatchAdd kernels of the
// weights' format and the pointwise kernels. A nil state, a state of another model or a length
// that does not fit is an error.
func (m *Model) Step(s *State, x, y []float32) error {
	if s == nil {
		return errors.New("cells: Step: the state is nil (use Model.NewState)")
	}
	if s.model != m {
		return errors.New("cells: the state belongs to another model")
	}
	if n, ok := shape.Mul(s.batch, m.cfg.InputSize); !ok || len(x) != n {
		return fmt.Errorf("cells: Step: len(x) = %d; want batch × input = %d × %d%s", len(x), s.batch, m.cfg.InputSize, shape.ProductText(n, ok))
	}
	if n, ok := shape.Mul(s.batch, m.cfg.HiddenSize); y != nil && (!ok || len(y) != n) {
		return fmt.Errorf("cells: Step: len(y) = %d; want batch × hidden = %d × %d%s", len(y), s.batch, m.cfg.HiddenSize, shape.ProductText(n, ok))
	}
	in := x
	for layer, dirs := range m.layers {
		d := dirs[0]
		sc := &s.scratch[layer]
		var c []float32
		if s.c != nil {
			c = s.c[layer]
		}
		switch xh := s.xh[layer]; {
		case s.parallel != nil && s.parallel.shards[layer] != nil:
			s.parallel.step(layer, in)
		case s.parallel != nil && s.parallel.splitsBatch(layer):
			s.parallel.stepBatch(layer, s.batch, in)
		case s.batch == 1 && (d.mode == LSTM || d.mode == GRU) && d.lowIH != nil:
			d.lowStep(s.h[layer], c, in, s.hPrev[layer], s.q[layer])
		case s.batch == 1 && d.mode == LSTM:
			copy(xh, in)
			copy(xh[d.input:], s.h[layer])
			kernels.LSTMStep(s.h[layer], c, d.joinedWeights(), xh, d.inputBias)
		case s.batch == 1 && d.mode == GRU:
			hPrev := s.hPrev[layer]
			copy(hPrev, s.h[layer])
			kernels.GRUStep(s.h[layer], d.weightIH, d.weightHH, in, hPrev, d.biasIH, d.biasHH)
		case xh != nil:
			seq.FillRows(sc.gates, d.inputBias)
			d.joinedStep(s.batch, in, xh, sc.gates, s.h[layer], c)
		default:
			seq.FillRows(sc.gates, d.inputBias)
			if d.lowIH != nil {
				d.lowIH.MulAdd(sc.gates, 0, d.mode.Gates()*d.hidden, in, s.batch, &sc.Scratch)
			} else {
				kernels.MatVecBatchAdd(sc.gates, d.weightIH, in, s.batch)
			}
			w := d.weights()
			w.Step(s.batch, sc.gates, s.h[layer], s.h[layer], c, sc.Cache, sc.RH, &sc.Scratch, nil)
		}
		in = s.h[layer]
	}
	if y != nil {
		copy(y, in)
	}
	return nil
}
