package bptt

import (
	"errors"
	"fmt"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/kernels"
)

// Forward runs the Net over whole sequences of steps time steps for batch
// samples as cells.Model.Forward does: x holds steps × batch × input values
// (batch × steps × input with opts.BatchFirst), so len(x) must equal
// steps·batch·InputSize with steps ≥ 1 and batch ≥ 1, and a mismatch is an
// error; opts.Lengths, H0 and C0 as there. It records on the tape what
// Backward needs; the outputs are read from the tape (Y, HN, CN). Each
// layer's input projection for all steps is one matrix product; the steps
// then run the recurrent product and the fused pointwise kernel keeping its
// cache. It returns an error, before touching the tape, on shapes that do
// not fit, sizes an int cannot count, and a tape (with Backward's
// gradients) beyond the memory limit (see cells.Config.Validate).
func (n *Net) Forward(t *Tape, x []float32, steps, batch int, opts *cells.SequenceOptions) error {
	if t == nil || t.net != n {
		return errors.New("bptt: Forward: the tape belongs to another Net (use Net.NewTape)")
	}
	if opts == nil {
		opts = &cells.SequenceOptions{}
	}
	cfg := n.cfg
	if err := n.checkSequence("Forward", x, steps, batch, true); err != nil {
		return err
	}
	dirs := len(n.layers[0])
	states := cfg.NumLayers * dirs * batch * cfg.HiddenSize // counted by checkSequence
	if opts.H0 != nil && len(opts.H0) != states {
		return fmt.Errorf("bptt: Forward: len(H0) = %d; want (layers·directions) × batch × hidden = %d", len(opts.H0), states)
	}
	if opts.C0 != nil && (cfg.Mode != cells.LSTM || len(opts.C0) != states) {
		return fmt.Errorf("bptt: Forward: C0 of length %d given to a %v; want an LSTM and length %d", len(opts.C0), cfg.Mode, states)
	}
	if opts.Lengths != nil {
		if len(opts.Lengths) != batch {
			return fmt.Errorf("bptt: Forward: %d lengths for a batch of %d", len(opts.Lengths), batch)
		}
		for b, l := range opts.Lengths {
			if l < 0 || l > steps {
				return fmt.Errorf("bptt: Forward: length %d of sample %d is outside 0 … %d steps", l, b, steps)
			}
		}
	}

	t.steps, t.batch, t.batchFirst = steps, batch, opts.BatchFirst
	t.plan(opts.Lengths)
	t.x = x
	if opts.BatchFirst {
		t.xT = grow(t.xT, len(x))
		seq.Transpose(t.xT, x, batch, steps, cfg.InputSize)
		t.x = t.xT
	}
	t.hn = grow(t.hn, states)
	initState(t.hn, opts.H0)
	if cfg.Mode == cells.LSTM {
		t.cn = grow(t.cn, states)
		initState(t.cn, opts.C0)
	}
	for len(t.ys) < len(n.layers) {
		t.ys = append(t.ys, nil)
		t.dirs = append(t.dirs, nil)
	}
	width := cfg.OutputSize()
	in := t.x
	hid := cfg.HiddenSize
	for layer, ds := range n.layers {
		t.ys[layer] = grow(t.ys[layer], steps*batch*width)
		clear(t.ys[layer])
		for len(t.dirs[layer]) < len(ds) {
			t.dirs[layer] = append(t.dirs[layer], &dirTape{})
		}
		for dr, d := range ds {
			at := (layer*dirs + dr) * batch * hid
			var c []float32
			if t.cn != nil {
				c = t.cn[at : at+batch*hid]
			}
			d.forward(t, t.dirs[layer][dr], in, t.hn[at:at+batch*hid], c, t.ys[layer], dr*hid, width, dr == 1)
		}
		in = t.ys[layer]
	}
	if opts.BatchFirst {
		t.yUser = grow(t.yUser, steps*batch*width)
		seq.Transpose(t.yUser, in, steps, batch, width)
	}
	return nil
}

// plan orders the samples by decreasing length (stable) and counts the
// samples running at each step.
func (t *Tape) plan(lengths []int) {
	b, steps := t.batch, t.steps
	t.order, t.lens = growInts(t.order, b), growInts(t.lens, b)
	t.lengths = false
	for i := range t.order {
		t.order[i] = i
		t.lens[i] = steps
		if lengths != nil {
			t.lens[i] = lengths[i]
			if lengths[i] < steps {
				t.lengths = true
			}
		}
	}
	// Insertion sort: stable, allocation-free, batches are small.
	for i := 1; i < b; i++ {
		for j := i; j > 0 && t.lens[t.order[j]] > t.lens[t.order[j-1]]; j-- {
			t.order[j], t.order[j-1] = t.order[j-1], t.order[j]
		}
	}
	t.active = growInts(t.active, steps)
	a := b
	for k := range t.active {
		for a > 0 && t.lens[t.order[a-1]] <= k {
			a--
		}
		t.active[k] = a
	}
}

// packedRows is the batch above which a step's recurrent product is a
// matrix product with W_hh packed once per call (below it, MatVecBatchAdd
// reads W_hh once per eight rows and needs no packing).
const packedRows = 8

// project sets y (rows × n, holding the bias) += x (rows × k) · wᵀ (w is
// n × k; packed holds wᵀ when the batch is over packedRows): the recurrent
// product of a step.
func project(y, w, x []float32, rows, n, k int, packed *kernels.PackedMatrix) {
	if rows <= packedRows {
		kernels.MatVecBatchAdd(y, w, x, rows)
		return
	}
	kernels.MatMulPackedAdd(false, rows, x, k, packed, y, n)
}

// forward runs one direction over all steps and fills its record. x is
// the layer input (time-major); h and c (batch × H, c nil but for LSTMs)
// hold the initial state and receive the final one; each step's h goes to
// y[t][b][offset : offset+H] (rows of width floats).
func (d *dir) forward(t *Tape, dt *dirTape, x []float32, h, c, y []float32, offset, width int, reverse bool) {
	steps, batch, hid := t.steps, t.batch, d.hidden
	gh := d.gates() * hid
	tb := steps * batch

	// Input bias: b_ih (+ b_hh where both sit outside every product).
	dt.inBias = grow(dt.inBias, gh)
	clear(dt.inBias)
	if d.bih != nil {
		copy(dt.inBias, d.bih.Data)
		if d.mode != cells.GRU && d.mode != cells.GRUResetBefore {
			kernels.Axpy(1, d.bhh.Data, dt.inBias)
		}
	}

	// The input in processing order: row (k, s) is sample order[s] at its
	// k-th step; rows of finished samples are zero, so their (zero) gate
	// gradients meet finite values in the weight-gradient products.
	dt.permuted = reverse || t.lengths
	xp := x
	if dt.permuted {
		dt.xp = grow(dt.xp, tb*d.input)
		xp = dt.xp
		for k := 0; k < steps; k++ {
			a := t.active[k]
			for s := 0; s < a; s++ {
				b := t.order[s]
				tt := seq.StepTime(k, t.lens[b], reverse)
				copy(xp[(k*batch+s)*d.input:(k*batch+s+1)*d.input], x[(tt*batch+b)*d.input:(tt*batch+b+1)*d.input])
			}
			clear(xp[(k*batch+a)*d.input : (k+1)*batch*d.input])
		}
	}
	dt.proj = grow(dt.proj, tb*gh)
	seq.FillRows(dt.proj, dt.inBias)
	kernels.MatMulAdd(false, true, tb, gh, d.input, xp, d.input, d.wih.Data, d.input, dt.proj, gh)

	dt.hs = grow(dt.hs, (steps+1)*batch*hid)
	for s, b := range t.order {
		copy(dt.hs[s*hid:(s+1)*hid], h[b*hid:(b+1)*hid])
	}
	if c != nil {
		dt.cs = grow(dt.cs, (steps+1)*batch*hid)
		for s, b := range t.order {
			copy(dt.cs[s*hid:(s+1)*hid], c[b*hid:(b+1)*hid])
		}
	}
	switch d.mode {
	case cells.GRU:
		dt.cache = grow(dt.cache, tb*4*hid)
		dt.hidden = grow(dt.hidden, batch*3*hid)
	case cells.GRUResetBefore:
		dt.cache = grow(dt.cache, tb*3*hid)
		dt.rh = grow(dt.rh, tb*hid)
		dt.hidden = grow(dt.hidden, batch*2*hid)
		dt.hnBuf = grow(dt.hnBuf, batch*hid)
	}

	whh := d.whh.Data
	if batch > packedRows {
		if d.mode == cells.GRUResetBefore {
			dt.fwdW[0].Pack(true, hid, 2*hid, whh[:2*hid*hid], hid)
			dt.fwdW[1].Pack(true, hid, hid, whh[2*hid*hid:], hid)
		} else {
			dt.fwdW[0].Pack(true, hid, gh, whh, hid)
		}
	}
	for k := 0; k < steps; k++ {
		a := t.active[k]
		row := k * batch
		hp := dt.hs[row*hid : (row+a)*hid]
		hn := dt.hs[(row+batch)*hid : (row+batch+a)*hid]
		gates := dt.proj[row*gh : (row+a)*gh]
		if a > 0 {
			switch d.mode {
			case cells.LSTM:
				project(gates, whh, hp, a, gh, hid, &dt.fwdW[0])
				cn := dt.cs[(row+batch)*hid : (row+batch+a)*hid]
				copy(cn, dt.cs[row*hid:(row+a)*hid])
				kernels.LSTMForwardBatch(hn, cn, gates, gates, a)
			case cells.GRU:
				hidden := dt.hidden[:a*3*hid]
				seq.FillRows(hidden, d.bhhOrZero(t, 0, 3*hid))
				project(hidden, whh, hp, a, 3*hid, hid, &dt.fwdW[0])
				kernels.GRUForwardBatch(hn, hp, gates, hidden, dt.cache[row*4*hid:(row+a)*4*hid], a)
			case cells.GRUResetBefore:
				rz := dt.hidden[:a*2*hid]
				seq.FillRows(rz, d.bhhOrZero(t, 0, 2*hid))
				project(rz, whh[:2*hid*hid], hp, a, 2*hid, hid, &dt.fwdW[0])
				rh := dt.rh[row*hid : (row+a)*hid]
				cache := dt.cache[row*3*hid : (row+a)*3*hid]
				kernels.GRUResetBeforeGatesBatch(rh, cache, gates, rz, hp, a)
				hnb := dt.hnBuf[:a*hid]
				seq.FillRows(hnb, d.bhhOrZero(t, 2*hid, 3*hid))
				project(hnb, whh[2*hid*hid:], rh, a, hid, hid, &dt.fwdW[1])
				kernels.GRUResetBeforeOutputBatch(hn, cache, hp, gates, hnb, a)
				clear(dt.rh[(row+a)*hid : (row+batch)*hid])
			case cells.RNNTanh:
				project(gates, whh, hp, a, hid, hid, &dt.fwdW[0])
				kernels.RNNTanhForward(hn, gates)
			case cells.RNNReLU:
				project(gates, whh, hp, a, hid, hid, &dt.fwdW[0])
				kernels.RNNReLUForward(hn, gates)
			}
		}
		// Finished samples hold zeros from here on (their final state
		// is read at their own last step).
		clear(dt.hs[(row+batch+a)*hid : (row+2*batch)*hid])
		if c != nil {
			clear(dt.cs[(row+batch+a)*hid : (row+2*batch)*hid])
		}
		for s := 0; s < a; s++ {
			b := t.order[s]
			tt := seq.StepTime(k, t.lens[b], reverse)
			at := (tt*batch+b)*width + offset
			copy(y[at:at+hid], hn[s*hid:(s+1)*hid])
		}
	}
	for s, b := range t.order {
		at := (t.lens[b]*batch + s) * hid
		copy(h[b*hid:(b+1)*hid], dt.hs[at:at+hid])
		if c != nil {
			copy(c[b*hid:(b+1)*hid], dt.cs[at:at+hid])
		}
	}
}

// bhhOrZero returns b_hh[from:to], or zeros without biases.
func (d *dir) bhhOrZero(t *Tape, from, to int) []float32 {
	if d.bhh != nil {
		return d.bhh.Data[from:to]
	}
	return zeroRow(t, to-from)
}

// zeroRow returns n zeros kept in the tape.
func zeroRow(t *Tape, n int) []float32 {
	if cap(t.zeros) < n {
		t.zeros = make([]float32, n)
	}
	return t.zeros[:n]
}
