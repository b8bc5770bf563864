package bptt

import (
	"errors"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/seq"
)

// Forward runs the Net over whole sequences of steps time steps for batch
// samples as cells.Model.Forward does: x holds steps × batch × input values
// (batch × steps × input with opts.BatchFirst), so len(x) must equal
// steps·batch·InputSize with steps ≥ 1 and batch ≥ 1, and a mismatch is an
// error; opts.Lengths, H0 and C0 as there. It records on the tape what
// Backward needs; the outputs are read from the tape (Y, HN, CN). Each
// layer's input projection for all steps is one matrix product; the steps
// then run the recurrent product and the fused pointwise kernel keeping its
// cache: internal/engine, the code cells.Model.Forward runs without
// recording, so both compute the same numbers. It returns an error, before touching the tape, on shapes that do
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
	if err := engine.CheckStates("bptt", "Forward", "(layers·directions) × batch × hidden", cfg.Mode, cfg.Mode == cells.LSTM, states, opts.H0, opts.C0); err != nil {
		return err
	}
	if err := engine.CheckLengths("bptt", "Forward", opts.Lengths, steps, batch); err != nil {
		return err
	}

	t.steps, t.batch, t.batchFirst = steps, batch, opts.BatchFirst
	t.plan.Make(opts.Lengths, steps, batch)
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
			t.dirs[layer] = append(t.dirs[layer], &dirTape{Buffers: engine.Buffers{Record: true}})
		}
		for dr, d := range ds {
			at := (layer*dirs + dr) * batch * hid
			var c []float32
			if t.cn != nil {
				c = t.cn[at : at+batch*hid]
			}
			dt := t.dirs[layer][dr]
			dt.Buffers.Team = t.workers.Team()
			w := d.weights(dt)
			engine.Run(&w, &t.plan, &dt.Buffers, in, t.hn[at:at+batch*hid], c, t.ys[layer], dr*hid, width, dr == 1)
		}
		in = t.ys[layer]
	}
	if opts.BatchFirst {
		t.yUser = grow(t.yUser, steps*batch*width)
		seq.Transpose(t.yUser, in, steps, batch, width)
	}
	return nil
}

// weights returns d's current parameters for the engine, with the input
// side's bias (engine.InputBias) computed into dt.
func (d *dir) weights(dt *dirTape) engine.Weights {
	gh := d.mode.Gates() * d.hidden
	dt.inBias = grow(dt.inBias, gh)
	w := engine.Weights{
		Mode: engine.Mode(d.mode), Input: d.input, Hidden: d.hidden,
		IH: d.wih.Data, HH: d.whh.Data, InputBias: dt.inBias,
	}
	if d.bih != nil {
		w.BiasHH = d.bhh.Data
		engine.InputBias(dt.inBias, w.Mode, d.bih.Data, d.bhh.Data)
	} else {
		engine.InputBias(dt.inBias, w.Mode, nil, nil)
	}
	return w
}
