package bptt

import (
	"errors"
	"fmt"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/kernels"
)

// Backward walks the tape of the last Forward backwards in time and adds
// the gradient of the loss to every parameter's Grad (PyTorch layout and
// names, summed over calls as PyTorch's .grad until ZeroGrad). Its inputs:
//
//   - dy, ∂L/∂Y for every step, in Y's layout (nil: zeros). Values past a
//     sample's length are ignored: those outputs are constant zeros;
//   - dhN and dcN, ∂L/∂HN and ∂L/∂CN in HN's layout (nil: zeros; dcN for
//     LSTMs only).
//
// The gradients with respect to the input and the initial states are left
// on the tape (DX, DH0, DC0; Tape.SetInputGrad(false) skips the input's).
// Per layer and direction the steps run the fused backward pointwise kernel
// and one product with W_hh for the recurrence; then each weight gradient
// is one matrix product over all steps (dW_ih = dGᵀ·X, dW_hh = dGᵀ·H), each
// bias gradient one column sum, and the input gradient one product
// (dX = dG·W_ih).
//
// Backward only reads the tape: it may be called again with other
// gradients. It uses the weights as they are when it runs, so the
// parameters must not change between a Forward and its Backward (step the
// optimizer after Backward). It returns an error if no Forward was
// recorded or a length does not fit.
func (n *Net) Backward(t *Tape, dy, dhN, dcN []float32) error {
	if t == nil || t.net != n {
		return errors.New("bptt: Backward: the tape belongs to another Net (use Net.NewTape)")
	}
	if t.steps == 0 {
		return errors.New("bptt: Backward: the tape holds no Forward")
	}
	// Forward counted every size below (steps × batch, the states, the
	// gradients) with overflow checks and against the memory limit.
	cfg := n.cfg
	steps, batch, hid := t.steps, t.batch, cfg.HiddenSize
	width := cfg.OutputSize()
	dirs := len(n.layers[0])
	states := cfg.NumLayers * dirs * batch * hid
	if dy != nil && len(dy) != steps*batch*width {
		return fmt.Errorf("bptt: Backward: len(dy) = %d; want steps × batch × output = %d × %d × %d", len(dy), steps, batch, width)
	}
	if dhN != nil && len(dhN) != states {
		return fmt.Errorf("bptt: Backward: len(dhN) = %d; want (layers·directions) × batch × hidden = %d", len(dhN), states)
	}
	if dcN != nil && (cfg.Mode != cells.LSTM || len(dcN) != states) {
		return fmt.Errorf("bptt: Backward: dcN of length %d given to a %v; want an LSTM and length %d", len(dcN), cfg.Mode, states)
	}
	if dy != nil && t.batchFirst {
		t.dyT = grow(t.dyT, len(dy))
		seq.Transpose(t.dyT, dy, batch, steps, width)
		dy = t.dyT
	}
	t.dh0 = grow(t.dh0, states)
	if cfg.Mode == cells.LSTM {
		t.dc0 = grow(t.dc0, states)
	}
	for len(t.dxs) < len(n.layers) {
		t.dxs = append(t.dxs, nil)
	}
	if cap(t.ones) < steps*batch {
		t.ones = make([]float32, steps*batch)
		for i := range t.ones {
			t.ones[i] = 1
		}
	}
	for layer := len(n.layers) - 1; layer >= 0; layer-- {
		ds := n.layers[layer]
		x := t.x
		if layer > 0 {
			x = t.ys[layer-1]
		}
		var dx []float32 // nil: the input gradient is not wanted
		if layer > 0 || !t.noInputGrad {
			dx = grow(t.dxs[layer], steps*batch*ds[0].input)
			t.dxs[layer] = dx
			clear(dx)
		}
		for dr, d := range ds {
			at := (layer*dirs + dr) * batch * hid
			var dh, dc, dc0 []float32
			if dhN != nil {
				dh = dhN[at : at+batch*hid]
			}
			if dcN != nil {
				dc = dcN[at : at+batch*hid]
			}
			if t.dc0 != nil {
				dc0 = t.dc0[at : at+batch*hid]
			}
			d.backward(t, t.dirs[layer][dr], x, dy, dr*hid, width, dh, dc, dx, t.dh0[at:at+batch*hid], dc0, dr == 1)
		}
		dy = dx
	}
	if t.batchFirst && !t.noInputGrad {
		t.dxUsr = grow(t.dxUsr, len(t.dxs[0]))
		seq.Transpose(t.dxUsr, t.dxs[0], steps, batch, cfg.InputSize)
	}
	return nil
}

// backProject sets dst (rows × n) (+)= X·W for X rows × k (row stride ldx)
// and W k × n (packed holds W for batches): the products with transposed
// weights of the backward pass. One row is a transposed matrix·vector
// product.
func backProject(dst, x []float32, ldx int, w []float32, rows, k, n int, add bool, packed *kernels.PackedMatrix) {
	if rows == 1 {
		if !add {
			clear(dst)
		}
		kernels.MatTVecAdd(dst[:n], w[:k*n], x[:k])
		return
	}
	if add {
		kernels.MatMulPackedAdd(false, rows, x, ldx, packed, dst, n)
	} else {
		kernels.MatMulPacked(false, rows, x, ldx, packed, dst, n)
	}
}

// backward runs one direction's backward pass (see Net.Backward). x is the
// layer input and dy the layer output's gradient (time-major, nil for
// zeros; this direction's part at offset in rows of width); dhN and dcN
// (batch × H or nil) the final states' gradients; dx (time-major, or nil
// to skip it) receives the input gradient added to it, dh0 and dc0 the
// initial states'.
func (d *dir) backward(t *Tape, dt *dirTape, x, dy []float32, offset, width int, dhN, dcN, dx, dh0, dc0 []float32, reverse bool) {
	steps, batch, hid := t.steps, t.batch, d.hidden
	gh := d.mode.Gates() * hid
	tb := steps * batch
	dt.dg = grow(dt.dg, tb*gh)
	if d.mode == cells.GRU {
		dt.dgh = grow(dt.dgh, tb*3*hid)
	}
	if d.mode == cells.GRUResetBefore {
		dt.drh = grow(dt.drh, batch*hid)
	}
	dt.dhCur = grow(dt.dhCur, batch*hid)
	dt.dhNext = grow(dt.dhNext, batch*hid)
	initSlots(dt.dhNext, dhN, t.plan.Order, hid)
	if d.mode == cells.LSTM {
		dt.dcNext = grow(dt.dcNext, batch*hid)
		initSlots(dt.dcNext, dcN, t.plan.Order, hid)
	}

	whh := d.whh.Data
	if batch > 1 {
		if d.mode == cells.GRUResetBefore {
			dt.bwdW[0].Pack(false, 2*hid, hid, whh[:2*hid*hid], hid)
			dt.bwdW[1].Pack(false, hid, hid, whh[2*hid*hid:], hid)
		} else {
			dt.bwdW[0].Pack(false, gh, hid, whh, hid)
		}
	}
	for k := steps - 1; k >= 0; k-- {
		a := t.plan.Active[k]
		row := k * batch
		// Finished samples contribute nothing to the weight gradients.
		clear(dt.dg[(row+a)*gh : (row+batch)*gh])
		if d.mode == cells.GRU {
			clear(dt.dgh[(row+a)*3*hid : (row+batch)*3*hid])
		}
		if a == 0 {
			continue
		}
		if tm := t.workers.Team(); engine.Splits(tm, engine.Mode(d.mode), hid, a) && a > engine.PackedRows {
			j := &t.bwdJob
			*j = bwdJob{d: d, t: t, dt: dt, dy: dy, k: k, offset: offset, width: width, reverse: reverse}
			tm.Do(j, engine.EvenBounds(j.bounds[:], a, tm.Size()))
			*j = bwdJob{}
			continue
		}
		d.backwardRows(t, dt, dy, k, 0, a, offset, width, reverse)
	}
	for s, b := range t.plan.Order {
		copy(dh0[b*hid:(b+1)*hid], dt.dhNext[s*hid:(s+1)*hid])
		if dc0 != nil {
			copy(dc0[b*hid:(b+1)*hid], dt.dcNext[s*hid:(s+1)*hid])
		}
	}

	// Weight and bias gradients over all steps at once.
	xp := x
	if dt.Permuted {
		xp = dt.XP
	}
	in := d.input
	kernels.MatMulAdd(true, false, gh, in, tb, dt.dg, gh, xp, in, d.wih.Grad, in)
	hs := dt.HS[:tb*hid]
	switch d.mode {
	case cells.GRU:
		kernels.MatMulAdd(true, false, gh, hid, tb, dt.dgh, gh, hs, hid, d.whh.Grad, hid)
	case cells.GRUResetBefore:
		kernels.MatMulAdd(true, false, 2*hid, hid, tb, dt.dg, gh, hs, hid, d.whh.Grad, hid)
		kernels.MatMulAdd(true, false, hid, hid, tb, dt.dg[2*hid:], gh, dt.RH[:tb*hid], hid, d.whh.Grad[2*hid*hid:], hid)
	default:
		kernels.MatMulAdd(true, false, gh, hid, tb, dt.dg, gh, hs, hid, d.whh.Grad, hid)
	}
	if d.bih != nil {
		ones := t.ones[:tb]
		kernels.MatTVecAdd(d.bih.Grad, dt.dg, ones)
		if d.mode == cells.GRU {
			kernels.MatTVecAdd(d.bhh.Grad, dt.dgh, ones)
		} else {
			kernels.MatTVecAdd(d.bhh.Grad, dt.dg, ones)
		}
	}

	// The input gradient, dX = dG·W_ih, back in time order.
	if dx == nil {
		return
	}
	if !dt.Permuted {
		kernels.MatMulAdd(false, false, tb, in, gh, dt.dg, gh, d.wih.Data, in, dx, in)
		return
	}
	dt.dxp = grow(dt.dxp, tb*in)
	kernels.MatMul(false, false, tb, in, gh, dt.dg, gh, d.wih.Data, in, dt.dxp, in)
	for k := 0; k < steps; k++ {
		for s := 0; s < t.plan.Active[k]; s++ {
			b := t.plan.Order[s]
			at := (seq.StepTime(k, t.plan.Lens[b], reverse)*batch + b) * in
			kernels.Axpy(1, dt.dxp[(k*batch+s)*in:(k*batch+s+1)*in], dx[at:at+in])
		}
	}
}

// initSlots sets dst's slot s (rows of n) to src's row order[s], or zeros.
func initSlots(dst, src []float32, order []int, n int) {
	if src == nil {
		clear(dst)
		return
	}
	for s, b := range order {
		copy(dst[s*n:(s+1)*n], src[b*n:(b+1)*n])
	}
}

// bwdJob is one backward step's rows split among a Tape's team: worker w
// runs the rows [bounds[w], bounds[w+1]) (the samples are independent
// within a step).
type bwdJob struct {
	d             *dir
	t             *Tape
	dt            *dirTape
	dy            []float32
	k             int
	offset, width int
	reverse       bool
	bounds        [65]int
}

// Run runs worker w's rows (a team.Job).
func (j *bwdJob) Run(w int) {
	j.d.backwardRows(j.t, j.dt, j.dy, j.k, j.bounds[w], j.bounds[w+1], j.offset, j.width, j.reverse)
}

// backwardRows is step k of backward for the processing rows [r0, r1) of
// the samples still running: dh = dy_t + dh_next, the pointwise backward
// kernel into dG_t, and dh_next (and the LSTM's dc) for step k − 1.
func (d *dir) backwardRows(t *Tape, dt *dirTape, dy []float32, k, r0, r1, offset, width int, reverse bool) {
	n := r1 - r0
	if n == 0 {
		return
	}
	batch, hid := t.batch, d.hidden
	gh := d.mode.Gates() * hid
	row := k*batch + r0 // of dG, Proj, Cache, HS, CS
	whh := d.whh.Data
	dhCur := dt.dhCur[r0*hid : r1*hid]
	copy(dhCur, dt.dhNext[r0*hid:r1*hid])
	if dy != nil {
		for s := r0; s < r1; s++ {
			b := t.plan.Order[s]
			at := (seq.StepTime(k, t.plan.Lens[b], reverse)*batch+b)*width + offset
			kernels.Axpy(1, dy[at:at+hid], dhCur[(s-r0)*hid:(s-r0+1)*hid])
		}
	}
	dg := dt.dg[row*gh : (row+n)*gh]
	hp := dt.HS[row*hid : (row+n)*hid]
	dhn := dt.dhNext[r0*hid : r1*hid]
	switch d.mode {
	case cells.LSTM:
		dc := dt.dcNext[r0*hid : r1*hid]
		kernels.LSTMBackwardBatch(dg, dc, dt.Proj[row*gh:(row+n)*gh], dt.CS[row*hid:(row+n)*hid],
			dt.CS[(row+batch)*hid:(row+batch+n)*hid], dhCur, dc, n)
		backProject(dhn, dg, gh, whh, n, gh, hid, false, &dt.bwdW[0])
	case cells.GRU:
		dgh := dt.dgh[row*3*hid : (row+n)*3*hid]
		kernels.GRUBackwardBatch(dg, dgh, dhn, dt.Cache[row*4*hid:(row+n)*4*hid], hp, dhCur, n)
		backProject(dhn, dgh, 3*hid, whh, n, 3*hid, hid, true, &dt.bwdW[0])
	case cells.GRUResetBefore:
		cache := dt.Cache[row*3*hid : (row+n)*3*hid]
		kernels.GRUResetBeforeBackwardOutputBatch(dg, dhn, cache, hp, dhCur, n)
		drh := dt.drh[r0*hid : r1*hid]
		backProject(drh, dg[2*hid:], 3*hid, whh[2*hid*hid:], n, hid, hid, false, &dt.bwdW[1])
		kernels.GRUResetBeforeBackwardGatesBatch(dg, dhn, cache, hp, drh, n)
		backProject(dhn, dg, 3*hid, whh[:2*hid*hid], n, 2*hid, hid, true, &dt.bwdW[0])
	case cells.RNNTanh:
		kernels.RNNTanhBackward(dg, dt.HS[(row+batch)*hid:(row+batch+n)*hid], dhCur)
		backProject(dhn, dg, hid, whh, n, hid, hid, false, &dt.bwdW[0])
	case cells.RNNReLU:
		kernels.RNNReLUBackward(dg, dt.HS[(row+batch)*hid:(row+batch+n)*hid], dhCur)
		backProject(dhn, dg, hid, whh, n, hid, hid, false, &dt.bwdW[0])
	}
}
