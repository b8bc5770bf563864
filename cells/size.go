package cells

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/kernels"
)

// Sizes built from a caller's Config, batch and steps are counted here,
// with internal/shape's overflow checks, before any memory is allocated: a
// size that cannot be represented, or whose bytes exceed shape.MemoryLimit
// (RAM plus swap), is an error naming the quantity, never a runtime panic
// or a fatal out-of-memory.

// packedPanel is the column panel kernels.PackedMatrix rounds its columns up
// to (the micro-kernel's NR, 16 at every level).
const packedPanel = 16

// directionOverhead estimates, in floats, what a direction holds besides its
// tensors: the struct, slice headers, sync.Onces and its parameters' names.
const directionOverhead = 128

// tooLarge is the error for n floats that do not fit in memory, or that an
// int cannot count (ok false).
func tooLarge(what string, n int, ok bool) error {
	if !ok {
		return fmt.Errorf("cells: %s: the number of values does not fit in an int", what)
	}
	return fmt.Errorf("cells: %s: %d values of 4 bytes do not fit in memory (the limit is %d bytes: RAM + swap)", what, n, shape.MemoryLimit())
}

// Validate reports whether c describes a model that can be built on this
// machine: a known Mode and Precision; InputSize, HiddenSize and NumLayers
// ≥ 1 (at Int8, every row at most kernels.MaxInt8Cols wide); and every
// parameter tensor, the buffers a Model builds from them (the joined
// [W_ih | W_hh] of the streaming step and W_ih packed for Forward) and the
// whole model countable in an int and, in bytes, within
// internal/shape.MemoryLimit (the machine's RAM plus swap). The error names
// the size that does not fit. New, LoadSafetensors, ReadSafetensors,
// bptt.New and bptt.NewRandom call it before they allocate anything.
func (c Config) Validate() error {
	if c.Mode < LSTM || c.Mode > RNNReLU {
		return fmt.Errorf("cells: unknown mode %v", c.Mode)
	}
	if c.InputSize < 1 || c.HiddenSize < 1 || c.NumLayers < 1 {
		return fmt.Errorf("cells: input size %d, hidden size %d, layers %d; want all ≥ 1", c.InputSize, c.HiddenSize, c.NumLayers)
	}
	if c.Precision < F32 || c.Precision > Int8 {
		return fmt.Errorf("cells: unknown precision %v", c.Precision)
	}
	if c.Precision == Int8 {
		widest := max(c.InputSize, c.HiddenSize)
		if c.NumLayers > 1 {
			widest = max(widest, c.directions()*c.HiddenSize)
		}
		if widest > kernels.MaxInt8Cols {
			return fmt.Errorf("cells: int8 weights: a row of %d values is wider than the int8 kernels take (%d)", widest, kernels.MaxInt8Cols)
		}
	}
	_, err := c.modelFloats()
	return err
}

// modelFloats returns how many floats a Model of c holds at most: its
// weights and biases, the input bias, the joined and the packed weights,
// and each direction's overhead.
func (c Config) modelFloats() (int, error) {
	g, h := c.Mode.Gates(), c.HiddenSize
	gh, ok := shape.Mul(g, h)
	if !ok {
		return 0, fmt.Errorf("cells: %v gates × hidden size = %d × %d does not fit in an int", c.Mode, g, h)
	}
	out, ok := shape.Mul(c.directions(), h)
	if !ok {
		return 0, fmt.Errorf("cells: output size = directions × hidden size = %d × %d does not fit in an int", c.directions(), h)
	}
	first, err := c.directionFloats(0, c.InputSize, gh)
	if err != nil {
		return 0, err
	}
	var deeper int
	if c.NumLayers > 1 {
		if deeper, err = c.directionFloats(1, out, gh); err != nil {
			return 0, err
		}
	}
	var total shape.Counter
	total.Add(c.directions(), first)
	total.Add(c.NumLayers-1, c.directions(), deeper)
	what := fmt.Sprintf("a %d-layer %v of input size %d and hidden size %d", c.NumLayers, c.Mode, c.InputSize, h)
	if !total.OK() || !shape.Fits(total.N(), 4) {
		return 0, tooLarge(what, total.N(), total.OK())
	}
	return total.N(), nil
}

// directionFloats counts one direction of a layer whose input is in
// features wide (gh = gates × hidden, already counted).
func (c Config) directionFloats(layer, in, gh int) (int, error) {
	h := c.HiddenSize
	tensors := []struct {
		name  string
		shape []int
	}{
		{fmt.Sprintf("weight_ih_l%d", layer), []int{gh, in}},
		{fmt.Sprintf("weight_hh_l%d", layer), []int{gh, h}},
	}
	var sum shape.Counter
	for _, t := range tensors {
		n, ok := shape.Prod(t.shape...)
		if !ok {
			return 0, fmt.Errorf("cells: %v parameter %s of shape %v: the number of values does not fit in an int", c.Mode, t.name, t.shape)
		}
		sum.Add(n)
	}
	sum.Add(3, gh) // b_ih, b_hh and the input bias, also without biases
	width, ok := shape.Add(in, h)
	var joined shape.Counter
	joined.Add(gh, width)
	if !ok || !joined.OK() {
		return 0, fmt.Errorf("cells: layer %d's joined weights [W_ih | W_hh], %d × (%d + %d): the number of values does not fit in an int", layer, gh, in, h)
	}
	if c.Mode == LSTM || c.Mode == RNNTanh || c.Mode == RNNReLU {
		sum.Add(joined.N())
	}
	cols, ok := shape.Add(gh, packedPanel-1)
	var packed shape.Counter
	packed.Add(in, cols/packedPanel*packedPanel)
	if !ok || !packed.OK() {
		return 0, fmt.Errorf("cells: layer %d's packed W_ih, %d × %d: the number of values does not fit in an int", layer, in, gh)
	}
	sum.Add(packed.N())
	sum.Add(directionOverhead)
	if !sum.OK() {
		return 0, fmt.Errorf("cells: layer %d of a %v: the number of values does not fit in an int", layer, c.Mode)
	}
	return sum.N(), nil
}

// stateRowFloats returns the floats a State keeps per stream for direction
// d (h, c, x‖h and the step's scratch), and those it keeps once (hPrev).
func (d *direction) stateRowFloats(batch int) (perRow, once int, ok bool) {
	h := d.hidden
	var row shape.Counter
	row.Add(h)                 // h
	row.Add(d.mode.Gates(), h) // the gates' scratch
	if d.mode == LSTM {
		row.Add(h) // c
	}
	row.Add(engine.ScratchFloats(engine.Mode(d.mode)), h) // the engine's step scratch
	if d.joins() {
		row.Add(d.input)
		row.Add(h)
	}
	if d.mode == GRU && batch == 1 {
		once = h
	}
	return row.N(), once, row.OK()
}

// stateFloats counts the floats of a State of batch streams.
func (m *Model) stateFloats(batch int) (int, bool) {
	var total shape.Counter
	for i, dirs := range m.layers[:min(2, len(m.layers))] {
		perRow, once, ok := dirs[0].stateRowFloats(batch)
		if !ok {
			return 0, false
		}
		layers := 1
		if i == 1 {
			layers = len(m.layers) - 1 // every deeper layer is alike
		}
		total.Add(layers, batch, perRow)
		total.Add(layers, once)
	}
	return total.N(), total.OK()
}

// sequenceFloats counts the floats Forward allocates for steps × batch:
// the final states, two layers' outputs and the output (and the
// batch-first input), and
// the engine's buffers, shared by every direction: the input projection,
// the input in processing order, the state, the step scratch, W_hh packed,
// below F32 the widened weights (and at Int8 the quantized input rows), and
// the plan.
func (m *Model) sequenceFloats(steps, batch int, batchFirst bool) (int, bool) {
	cfg := m.cfg
	d := m.layers[0][0]
	var total shape.Counter
	total.Add(2, cfg.NumLayers, cfg.directions(), batch, cfg.HiddenSize) // HN, CN
	total.Add(2, steps, batch, cfg.OutputSize())                         // y of two layers
	total.Add(steps, batch, cfg.OutputSize())                            // the output
	if batchFirst {
		total.Add(steps, batch, cfg.InputSize)
	}
	g, h := d.mode.Gates(), cfg.HiddenSize
	total.Add(steps, batch, g, h)                                 // proj
	total.Add(steps, batch, max(cfg.InputSize, cfg.OutputSize())) // the input in processing order
	total.Add(batch, 12, h)                                       // states and step scratch: at most 12·H per row
	if batch > engine.PackedRows {
		total.Add(g, h, h) // W_hh packed (columns rounded up to a panel)
		total.Add(g, h, packedPanel)
	}
	if cfg.Precision == Int8 {
		// The input rows quantized for the int8 projection (bytes, counted
		// as a quarter of a float each, rounded up) and their scales.
		total.Add(steps, batch, max(cfg.InputSize, cfg.OutputSize())/4+1)
		total.Add(steps, batch)
	}
	if cfg.Precision.reduced() {
		total.Add(g, h, max(cfg.InputSize, cfg.OutputSize(), h)) // W_ih or W_hh widened for a GEMM
	}
	total.Add(4, batch) // the plan's order and lengths, as ints
	total.Add(2, steps) // and its active counts
	return total.N(), total.OK()
}
