package cells

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/internal/team"
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
	out := &Output{}
	if err := m.ForwardInto(out, &Workspace{}, x, steps, batch, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// Workspace is the reusable working memory of ForwardInto: the engine's
// buffers, the plan, and the layers' outputs. Its buffers grow to the
// largest call seen and are kept, so that calls of that size or smaller
// allocate nothing. A Workspace is for one call at a time; it may serve
// several models (it grows to the largest). The zero value is ready to use
// and runs on the caller's goroutine; SetWorkers adds cores.
type Workspace struct {
	workers team.Owned // SetWorkers'

	plan    engine.Plan
	buffers engine.Buffers
	y       [2][]float32 // two layers' outputs, ping-pong
	xt      []float32    // the batch-first input made time-major
	// A Network's embedded input, the recurrent model's outputs and the
	// final states it hands the head.
	embedded, rnnY, final []float32
}

// SetWorkers makes the steps of later ForwardInto calls split among n
// goroutines (the caller's and n − 1 persistent workers, which poll for
// 50 µs after each step before they park), for layers whose W_hh holds at
// least 512 KiB of float32 and steps with two samples or more still
// running. An LSTM or (reset-after) GRU step of up to eight samples (batches
// of at most eight) splits its units: each worker computes its units of
// every sample from its own rows of each gate block of W_hh, the same rows
// at every step, so each core streams a share of the weights. Other steps
// split their samples: each worker runs the recurrent product and the
// pointwise step of its own samples. The input projection of such a layer
// (all steps at once) splits by rows: each goroutine projects its share of
// the steps' inputs. n = 1 (the
// default) runs everything on the caller's goroutine. The results agree
// with one worker's to rounding (a share runs the same kernels on fewer
// rows or samples: MatVecBatchAdd where the whole batch may run a packed
// matrix product, the pointwise kernel per sample). Close (or
// SetWorkers(1)) stops the workers; a Workspace dropped without it stops
// them when collected. It returns an error for n < 1 or n > 64.
func (ws *Workspace) SetWorkers(n int) error {
	if n < 1 || n > 64 {
		return fmt.Errorf("cells: Workspace.SetWorkers: n = %d; want 1 … 64", n)
	}
	team.Start(&ws.workers, ws, n)
	return nil
}

// Workers returns the number of goroutines ForwardInto may use.
func (ws *Workspace) Workers() int { return ws.workers.Size() }

// Close stops the workspace's workers (see SetWorkers); it stays usable on
// the caller's goroutine. It is safe to call more than once.
func (ws *Workspace) Close() { ws.workers.Stop() }

// ForwardInto is Forward writing into out and working in ws: out.Y, out.HN
// and out.CN are resliced to their lengths when their capacity suffices
// (else replaced by new slices; out.CN is set to nil unless the model is
// an LSTM), and ws keeps its buffers between calls; out's slices must not
// overlap x or the options' slices. Once out and ws have
// served a call at least as large, ForwardInto allocates nothing. The
// arguments and errors are Forward's; on an error out is left as it was.
func (m *Model) ForwardInto(out *Output, ws *Workspace, x []float32, steps, batch int, opts *SequenceOptions) error {
	if out == nil || ws == nil {
		return fmt.Errorf("cells: ForwardInto: nil Output or Workspace")
	}
	if opts == nil {
		opts = &SequenceOptions{}
	}
	cfg := m.cfg
	if err := engine.CheckInput("cells", "Forward", x, steps, batch, cfg.InputSize); err != nil {
		return err
	}
	if n, ok := m.sequenceFloats(steps, batch, opts.BatchFirst); !ok || !shape.Fits(n, 4) {
		return tooLarge(fmt.Sprintf("Forward: the outputs and scratch of %d steps × batch %d", steps, batch), n, ok)
	}
	states := cfg.NumLayers * cfg.directions() * batch * cfg.HiddenSize // counted by sequenceFloats
	if err := engine.CheckStates("cells", "Forward", "(layers·directions) × batch × hidden", cfg.Mode, cfg.Mode == LSTM, states, opts.H0, opts.C0); err != nil {
		return err
	}
	if err := engine.CheckLengths("cells", "Forward", opts.Lengths, steps, batch); err != nil {
		return err
	}

	in := x
	if opts.BatchFirst {
		ws.xt = engine.Grow(ws.xt, len(x))
		in = ws.xt
		seq.Transpose(in, x, batch, steps, cfg.InputSize)
	}
	out.HN = engine.Grow(out.HN, states)
	initState(out.HN, opts.H0)
	if cfg.Mode == LSTM {
		out.CN = engine.Grow(out.CN, states)
		initState(out.CN, opts.C0)
	} else {
		out.CN = nil
	}
	plan := &ws.plan
	plan.Make(opts.Lengths, steps, batch)
	ws.buffers.Team = ws.workers.Team()
	width := cfg.OutputSize()
	for layer, dirs := range m.layers {
		var y []float32
		if layer == len(m.layers)-1 && !opts.BatchFirst {
			out.Y = engine.Grow(out.Y, steps*batch*width)
			y = out.Y // the last layer writes the output in place
		} else {
			ws.y[layer%2] = engine.Grow(ws.y[layer%2], steps*batch*width)
			y = ws.y[layer%2]
		}
		if plan.Ragged {
			clear(y) // Run leaves the steps past a sample's length alone
		}
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
			// One set of buffers for every layer and direction: nothing is recorded.
			engine.Run(&w, plan, &ws.buffers, in, h, c, y, dir*cfg.HiddenSize, width, dir == 1)
		}
		in = y
	}
	if opts.BatchFirst {
		out.Y = engine.Grow(out.Y, len(in))
		seq.Transpose(out.Y, in, steps, batch, width)
	}
	return nil
}

// initState copies src into dst, or zeroes dst for a nil src.
func initState(dst, src []float32) {
	if src == nil {
		clear(dst)
	} else {
		copy(dst, src)
	}
}
