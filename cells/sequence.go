package cells

import (
	"fmt"
	"sort"

	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/kernels"
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
// the steps then run the recurrent product and the fused pointwise kernel.
// It returns an error on shapes that do not fit, sizes an int cannot count,
// and outputs and scratch beyond the memory limit (see Config.Validate).
// Forward allocates its outputs and scratch per call and may run
// concurrently with other calls on the same model.
func (m *Model) Forward(x []float32, steps, batch int, opts *SequenceOptions) (*Output, error) {
	if opts == nil {
		opts = &SequenceOptions{}
	}
	cfg := m.cfg
	if steps < 1 || batch < 1 {
		return nil, fmt.Errorf("cells: Forward: steps = %d, batch = %d; want both ≥ 1", steps, batch)
	}
	if n, ok := shape.Prod(steps, batch, cfg.InputSize); !ok || n != len(x) {
		return nil, fmt.Errorf("cells: Forward: len(x) = %d; want steps × batch × input = %d × %d × %d%s", len(x), steps, batch, cfg.InputSize, product(n, ok))
	}
	if n, ok := m.sequenceFloats(steps, batch, opts.BatchFirst); !ok || !shape.Fits(n, 4) {
		return nil, tooLarge(fmt.Sprintf("Forward: the outputs and scratch of %d steps × batch %d", steps, batch), n, ok)
	}
	states := cfg.NumLayers * cfg.directions() * batch * cfg.HiddenSize // counted by sequenceFloats
	if opts.H0 != nil && len(opts.H0) != states {
		return nil, fmt.Errorf("cells: Forward: len(H0) = %d; want (layers·directions) × batch × hidden = %d", len(opts.H0), states)
	}
	if opts.C0 != nil && (cfg.Mode != LSTM || len(opts.C0) != states) {
		return nil, fmt.Errorf("cells: Forward: C0 of length %d given to a %v; want an LSTM and length %d", len(opts.C0), cfg.Mode, states)
	}
	lengths := opts.Lengths
	if lengths != nil {
		if len(lengths) != batch {
			return nil, fmt.Errorf("cells: Forward: %d lengths for a batch of %d", len(lengths), batch)
		}
		for b, l := range lengths {
			if l < 0 || l > steps {
				return nil, fmt.Errorf("cells: Forward: length %d of sample %d is outside 0 … %d steps", l, b, steps)
			}
		}
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
	order, lens := sortByLength(lengths, batch, steps)
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
			d.sequence(in, steps, batch, order, lens, dir == 1, h, c, y, dir*cfg.HiddenSize, width)
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

// sortByLength returns the samples ordered by decreasing length (stable)
// and every sample's length; without lengths every sample has all steps.
func sortByLength(lengths []int, batch, steps int) (order, lens []int) {
	order = make([]int, batch)
	lens = make([]int, batch)
	for b := range order {
		order[b] = b
		lens[b] = steps
		if lengths != nil {
			lens[b] = lengths[b]
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return lens[order[i]] > lens[order[j]] })
	return order, lens
}

// sequence runs one direction over all steps. x is steps × batch × input;
// h and c (batch × H) hold the initial state and receive the final one;
// each step's h goes to y[t][b][offset : offset+H] (rows of width floats).
// Samples are processed in the order given (longest first), so at step k
// the samples still running are a prefix and run as one smaller batch.
func (d *direction) sequence(x []float32, steps, batch int, order, lens []int, reverse bool, h, c, y []float32, offset, width int) {
	hid := d.hidden
	gh := d.mode.gates() * hid
	// The input side of every step at once: proj = x·W_ihᵀ + inputBias.
	proj := make([]float32, steps*batch*gh)
	seq.FillRows(proj, d.inputBias)
	kernels.MatMulPackedAdd(false, steps*batch, x, d.input, d.packedInput(), proj, gh)

	sc := d.newScratch(batch)
	hs := make([]float32, batch*hid) // states in processing order
	var cs []float32
	if c != nil {
		cs = make([]float32, batch*hid)
	}
	for s, b := range order {
		copy(hs[s*hid:(s+1)*hid], h[b*hid:(b+1)*hid])
		if c != nil {
			copy(cs[s*hid:(s+1)*hid], c[b*hid:(b+1)*hid])
		}
	}
	active := batch
	for k := 0; ; k++ {
		for active > 0 && lens[order[active-1]] <= k {
			active--
		}
		if active == 0 {
			break
		}
		for s := 0; s < active; s++ {
			b := order[s]
			t := seq.StepTime(k, lens[b], reverse)
			copy(sc.gates[s*gh:(s+1)*gh], proj[(t*batch+b)*gh:(t*batch+b+1)*gh])
		}
		var cActive []float32
		if cs != nil {
			cActive = cs[:active*hid]
		}
		d.recurrent(active, sc.gates[:active*gh], hs[:active*hid], cActive, &sc)
		for s := 0; s < active; s++ {
			b := order[s]
			t := seq.StepTime(k, lens[b], reverse)
			row := (t*batch+b)*width + offset
			copy(y[row:row+hid], hs[s*hid:(s+1)*hid])
		}
	}
	for s, b := range order {
		copy(h[b*hid:(b+1)*hid], hs[s*hid:(s+1)*hid])
		if c != nil {
			copy(c[b*hid:(b+1)*hid], cs[s*hid:(s+1)*hid])
		}
	}
}

// product formats " = n" for a counted product, or says it overflows.
func product(n int, ok bool) string {
	if !ok {
		return ", which overflows an int"
	}
	return fmt.Sprintf(" = %d", n)
}
