package bptt

import (
	"fmt"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/shape"
)

// Sizes built from a caller's Config, steps, batch and rows are counted
// here, with internal/shape's overflow checks, before any memory is
// allocated: a size that cannot be represented, or whose bytes exceed
// shape.MemoryLimit (RAM plus swap), is an error (or, where a function has
// no error to return, a panic naming it), never a runtime panic or a fatal
// out-of-memory.

// tooLarge is the error for a count that does not fit (see
// shape.Counter.Fits).
func tooLarge(what string, c shape.Counter) error {
	if !c.OK() {
		return fmt.Errorf("bptt: %s: the number of values does not fit in an int", what)
	}
	return fmt.Errorf("bptt: %s: %d values of 4 bytes do not fit in memory (the limit is %d bytes: RAM + swap)", what, c.N(), shape.MemoryLimit())
}

// checkConfig validates cfg (cells.Config.Validate) and checks that a Net
// of it, its parameters' Data and Grad, fits in memory.
func checkConfig(cfg cells.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Precision != cells.F32 {
		return fmt.Errorf("bptt: training runs in float32, so Config.Precision must be F32, not %v (convert the trained Model with WithPrecision)", cfg.Precision)
	}
	var c shape.Counter
	for _, spec := range cfg.Params() {
		c.Add(2, spec.Size()) // Data and Grad
	}
	if !c.Fits(4) {
		return tooLarge(fmt.Sprintf("the parameters and gradients of a %d-layer %v of hidden size %d", cfg.NumLayers, cfg.Mode, cfg.HiddenSize), c)
	}
	return nil
}

// checkSequence checks x against steps × batch × input and that a Tape of
// steps × batch fits in memory (both passes with backward, which adds the
// gradients). function names the caller in errors.
func (n *Net) checkSequence(function string, x []float32, steps, batch int, backward bool) error {
	cfg := n.cfg
	if err := engine.CheckInput("bptt", function, x, steps, batch, cfg.InputSize); err != nil {
		return err
	}
	fwd, bwd := n.tapeFloats(steps, batch)
	if !fwd.Fits(4) {
		return tooLarge(fmt.Sprintf("%s: the tape of %d steps × batch %d", function, steps, batch), fwd)
	}
	if backward {
		fwd.Merge(bwd)
		if !fwd.Fits(4) {
			return tooLarge(fmt.Sprintf("%s: the tape and gradients of %d steps × batch %d", function, steps, batch), fwd)
		}
	}
	return nil
}

// tapeFloats counts (an upper bound of) the floats a Tape holds for steps ×
// batch: fwd what Forward records, bwd what Backward adds (see Tape).
func (n *Net) tapeFloats(steps, batch int) (fwd, bwd shape.Counter) {
	cfg := n.cfg
	h, dirs, width := cfg.HiddenSize, len(n.layers[0]), cfg.OutputSize()
	g := cfg.Mode.Gates()
	for i, layers := range []int{1, cfg.NumLayers - 1} {
		in := cfg.InputSize
		if i == 1 {
			in = width
		}
		// Per direction: the input in processing order, the
		// pre-activations, h and c for steps + 1, the GRU caches (≤ 5H per
		// row), the step's buffers, W_hh packed (≤ G·H × (H + 32)), the
		// input bias.
		fwd.Add(layers, dirs, steps, batch, in)
		fwd.Add(layers, dirs, steps, batch, g, h)
		fwd.Add(layers, dirs, 2, steps, batch, h)
		fwd.Add(layers, dirs, 2, batch, h)
		fwd.Add(layers, dirs, steps, batch, 5, h)
		fwd.Add(layers, dirs, 4, batch, h)
		fwd.Add(layers, dirs, g, h, h)
		fwd.Add(layers, dirs, g, h, 32)
		fwd.Add(layers, dirs, g, h)
		fwd.Add(layers, steps, batch, width) // the layer's output
		// Backward per direction: the gate gradients (and the GRU's hidden
		// side), the input gradient in processing order, the step's
		// buffers, W_hh packed, the column sums; per layer the input
		// gradient.
		bwd.Add(layers, dirs, steps, batch, g, h)
		bwd.Add(layers, dirs, steps, batch, 3, h)
		bwd.Add(layers, dirs, steps, batch, in)
		bwd.Add(layers, dirs, 4, batch, h)
		bwd.Add(layers, dirs, g, h, h)
		bwd.Add(layers, dirs, g, h, 32)
		bwd.Add(layers, dirs, g, h)
		bwd.Add(layers, steps, batch, in)
	}
	// The batch-first copies, the final states (and LastHN's and
	// LastHNGrad's buffers), the ints of the plan (as two floats each), a
	// zero bias row.
	fwd.Add(steps, batch, cfg.InputSize)
	fwd.Add(steps, batch, width)
	fwd.Add(3, cfg.NumLayers, dirs, batch, h)
	fwd.Add(batch, width)
	fwd.Add(2, 2, batch)
	fwd.Add(2, steps)
	fwd.Add(g, h)
	// The batch-first gradients, the initial states' gradients, the ones.
	bwd.Add(steps, batch, width)
	bwd.Add(steps, batch, cfg.InputSize)
	bwd.Add(2, cfg.NumLayers, dirs, batch, h)
	bwd.Add(steps, batch)
	return fwd, bwd
}
