package cells

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/internal/shape"
)

// SequenceOptions are the optional inputs of Forward.
type SequenceOptions struct {
	// BatchFirst says x is batch × steps × input (and Y is laid out the same
	// way) instead of time-major steps × batch × input.
	BatchFirst bool
	// Lengths, if set, holds each sample's number of valid steps (0 …
	// steps), as PyTorch's packed sequences and ONNX's sequence_lens: a
	// sample's state stops changing after its last step, its outputs past
	// the end are zero, and the reverse direction starts at its own last
	// step.
	Lengths []int
	// H0 and C0 are the initial states, (layers·directions) × batch × H;
	// nil means zeros. C0 is for LSTMs only.
	H0, C0 []float32
}

// Output is the result of Forward.
type Output struct {
	// Y is the last layer's output for every step: steps × batch ×
	// OutputSize (batch × steps × OutputSize with BatchFirst), zero past
	// each sample's length.
	Y []float32
	// HN and CN are the final states, (layers·directions) × batch × H, in
	// PyTorch's order; CN is nil unless the model is an LSTM.
	HN, CN []float32
}

// Forward runs the model over whole sequences of steps time steps for batch
// samples: x holds steps × batch × input values (batch × steps × input with
// opts.BatchFirst), so len(x) must equal steps·batch·InputSize, with steps
// ≥ 1 and batch ≥ 1; a mismatch is an error, never a different number of
// steps. Each layer's input projection for all steps is one matrix product;
// the steps then run the recurrent product (with W_hh packed once per call
// for batches over 8 samples) and the fused pointwise kernel, in place, the
// samples ordered by length: internal/engine, which bptt.Net.Forward runs
// too, recording.
// Below F32 (Config.Precision) the recurrent products of up to 8 samples
// run the format's MatVec kernels on the weights as stored; larger batches
// and the F16/BF16 input projection widen the weights to float32 for the
// call (temporary memory of one float32 matrix); the Int8 input projection
// quantizes each input row and runs the int8 kernels, as Step does.
// It returns an error on shapes that do not fit, sizes an int cannot count,
// and outputs and scratch beyond the memory limit (see Config.Validate).
// Forward allocates its outputs and scratch per call and may run
// concurrently with other calls on the same model.
func (m *Model) Forward(x []float32, steps, batch int, opts *SequenceOptions) (*Output, error) {
	if opts == nil {
		opts = &SequenceOptions{}
	}
	cfg := m.cfg
	if err := engine.CheckInput("cells", "Forward", x, steps, batch, cfg.InputSize); err != nil {
		return nil, err
	}
	if n, ok := m.sequenceFloats(steps, batch, opts.BatchFirst); !ok || !shape.Fits(n, 4) {
		return nil, tooLarge(fmt.Sprintf("Forward: the outputs and scratch of %d steps × batch %d", steps, batch), n, ok)
	}
	states := cfg.NumLayers * cfg.directions() * batch * cfg.HiddenSize // counted by sequenceFloats
	if err := engine.CheckStates("cells", "Forward", "(layers·directions) × batch × hidden", cfg.Mode, cfg.Mode == LSTM, states, opts.H0, opts.C0); err != nil {
		return nil, err
	}
	if err := engine.CheckLengths("cells", "Forward", opts.Lengths, steps, batch); err != nil {
		return nil, err
	}

	in := x
	if opts.BatchFirst {
		in = make([]float32, len(x))
		seq.Transpose(in, x, batch, steps, cfg.InputSize)
	}
	out := &Output{HN: make([]float32, states)}
	if opts.H0 != nil {
		copy(out.HN, opts.H0)
	}
	if cfg.Mode == LSTM {
		out.CN = make([]float32, states)
		if opts.C0 != nil {
			copy(out.CN, opts.C0)
		}
	}
	var plan engine.Plan
	plan.Make(opts.Lengths, steps, batch)
	var buffers engine.Buffers // shared by every layer and direction: nothing is recorded
	width := cfg.OutputSize()
	for layer, dirs := range m.layers {
		y := make([]float32, steps*batch*width)
		for dir, d := range dirs {
			stateAt := ((layer*cfg.directions() + dir) * batch) * cfg.HiddenSize
			h := out.HN[stateAt : stateAt+batch*cfg.HiddenSize]
			var c []float32
			if out.CN != nil {
				c = out.CN[stateAt : stateAt+batch*cfg.HiddenSize]
			}
			w := d.weights()
			if d.lowIH == nil {
				w.PackedIH = d.packedInput()
			}
			engine.Run(&w, &plan, &buffers, in, h, c, y, dir*cfg.HiddenSize, width, dir == 1)
		}
		in = y
	}
	out.Y = in
	if opts.BatchFirst {
		out.Y = make([]float32, len(in))
		seq.Transpose(out.Y, in, steps, batch, width)
	}
	return out, nil
}
