package bptt

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/internal/shape"
)

// LastHN returns what a head on the final state reads: the last layer's
// final hidden states, batch × (directions·H), each sample's directions
// side by side (forward, then reverse) after its own last step. That is
// PyTorch's h_n[-1], or torch.cat((h_n[-2], h_n[-1]), 1) when
// bidirectional, and what cells.Network's FinalState head reads; HN holds
// every layer's states, (layers·directions) × batch × H, and is the same
// only for one layer in one direction.
//
// The states are copied into a buffer of the tape, valid until the next
// Forward or LastHN; once warm it allocates nothing. Before any Forward it
// is nil. LastHNGrad takes the gradient of this back to Backward's dhN.
func (t *Tape) LastHN() []float32 {
	if t.hn == nil {
		return nil
	}
	t.lastHN = grow(t.lastHN, t.lastHNSize())
	t.eachLastState(func(hn, last, hid int) {
		copy(t.lastHN[last:last+hid], t.hn[hn:hn+hid])
	})
	return t.lastHN
}

// LastHNGrad returns the dhN for Backward of dLast = ∂L/∂LastHN (batch ×
// (directions·H), LastHN's layout): dLast's rows placed at the last
// layer's states, (layers·directions) × batch × H, zeros at the other
// layers'. A head on the final state then trains the whole stack:
//
//	last := tape.LastHN()
//	head.Forward(pred, last, batch)
//	loss := bptt.MSE(dpred, pred, target)
//	head.Backward(dlast, dpred, last, batch)
//	net.Backward(tape, nil, tape.LastHNGrad(dlast), nil)
//
// The result is a buffer of the tape, overwritten by the next call (add
// other gradients of HN into it before Backward if there are any); once
// warm it allocates nothing. It panics, naming the method and the sizes,
// before any Forward or unless len(dLast) = batch × directions·H.
func (t *Tape) LastHNGrad(dLast []float32) []float32 {
	if t.hn == nil {
		panic("bptt.Tape.LastHNGrad: the tape holds no Forward")
	}
	if n := t.lastHNSize(); len(dLast) != n {
		cfg := t.net.cfg
		dirs := len(t.net.layers[0])
		panic(fmt.Sprintf("bptt.Tape.LastHNGrad: len(dLast) = %d; want batch × directions·hidden = %d × %d·%d = %d",
			len(dLast), t.batch, dirs, cfg.HiddenSize, n))
	}
	t.dLastHN = grow(t.dLastHN, len(t.hn))
	clear(t.dLastHN)
	t.eachLastState(func(hn, last, hid int) {
		copy(t.dLastHN[hn:hn+hid], dLast[last:last+hid])
	})
	return t.dLastHN
}

// lastHNSize is the length of LastHN: batch × directions·H, counted by
// Forward.
func (t *Tape) lastHNSize() int {
	n, _ := shape.Prod(t.batch, len(t.net.layers[0]), t.net.cfg.HiddenSize)
	return n
}

// eachLastState calls f for each of the last layer's final states, with
// its offset in HN, its offset in LastHN and its length H.
func (t *Tape) eachLastState(f func(hn, last, hid int)) {
	hid := t.net.cfg.HiddenSize
	seq.LastStates(len(t.net.layers), len(t.net.layers[0]), t.batch, hid, func(hn, last int) { f(hn, last, hid) })
}
