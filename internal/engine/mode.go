// Package engine runs one direction of a recurrent layer over a sequence:
// the one implementation of the forward recurrence (order by length, input
// projection, per step the recurrent product and the fused pointwise
// kernel), with the per-mode kernel sequence, the input-bias rule and the
// argument checks that go with it. Package cells runs it for inference
// without recording; package bptt runs it recording what Backward needs
// (Buffers.Record). Shapes are the caller's to check (with
// internal/shape): the engine trusts them.
package engine

import "github.com/simdrnn/simdrnn/kernels"

// Mode is the kind of cell; cells.Mode defines its public constants from
// these values (see there for the equations).
type Mode int

const (
	LSTM Mode = iota
	GRU
	GRUResetBefore
	RNNTanh
	RNNReLU
)

// Gates returns how many gate blocks of H rows the mode's weights hold: 4
// for LSTM (i, f, g, o), 3 for the GRUs (r, z, n), 1 for plain RNNs.
func (m Mode) Gates() int {
	switch m {
	case LSTM:
		return 4
	case GRU, GRUResetBefore:
		return 3
	}
	return 1
}

// InputBias sets dst (G·H) to the bias the input side's pre-activations
// start from: b_ih + b_hh for LSTM and RNN (both biases sit outside any
// product), b_ih alone for the GRUs (b_hn sits inside the reset product, so
// b_hh stays on the hidden side). Without biases (bih nil) it is zero.
func InputBias(dst []float32, m Mode, bih, bhh []float32) {
	if bih == nil {
		clear(dst)
		return
	}
	copy(dst, bih)
	if m != GRU && m != GRUResetBefore {
		kernels.Axpy(1, bhh, dst)
	}
}
