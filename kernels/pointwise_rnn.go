package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/level"
)

// RNNTanhForward sets h = tanh(pre), the pointwise step of a plain tanh RNN
// (PyTorch nn.RNN, nonlinearity='tanh'): pre = W_ih·x + b_ih + W_hh·h + b_hh.
// It is Tanh under the RNN's name; shapes, aliasing (h may be pre), accuracy
// and special values are those of Tanh. The elementwise step does not depend
// on the batch layout, so a B×H batch is passed as one slice. The backward
// pass needs h only.
func RNNTanhForward(h, pre []float32) {
	if len(h) != len(pre) {
		panic(fmt.Sprintf("kernels.RNNTanhForward: len(h) = %d, len(pre) = %d; want equal lengths", len(h), len(pre)))
	}
	if len(h) == 0 {
		return
	}
	tanh(level.Active, h, pre)
}

// RNNReLUForward sets h = max(pre, 0), the pointwise step of a ReLU RNN
// (PyTorch nn.RNN, nonlinearity='relu').
//
// Reference loop:
//
//	for i := range pre { if pre[i] > 0 { h[i] = pre[i] } else { h[i] = 0 } }
//
// except that NaN gives NaN (as torch.relu). −0 gives +0. Exact at every
// level. Shapes: len(h) == len(pre) (panics otherwise); h may be pre itself.
// A B×H batch is passed as one slice.
func RNNReLUForward(h, pre []float32) {
	if len(h) != len(pre) {
		panic(fmt.Sprintf("kernels.RNNReLUForward: len(h) = %d, len(pre) = %d; want equal lengths", len(h), len(pre)))
	}
	if len(h) == 0 {
		return
	}
	relu(level.Active, h, pre)
}

// RNNTanhBackward sets dpre = dh⊙(1 − h²), the gradient of the loss with
// respect to the pre-activation of a tanh RNN step, from h = tanh(pre) (kept
// from the forward pass) and dh = ∂L/∂h (dy_t + dh_next). The caller then
// forms dh_prev = W_hhᵀ·dpre and dx = W_ihᵀ·dpre with MatTVecAdd.
//
// Reference loop:
//
//	for i := range h { dpre[i] = dh[i] * (1 - h[i]*h[i]) }
//
// Shapes: equal lengths (panics otherwise); dpre may be dh or h itself.
// Error bound: γ(2)·|dh|·(1 + h²) + 2·2⁻¹⁴⁹. NaN and ±Inf propagate as the
// reference loop says.
func RNNTanhBackward(dpre, h, dh []float32) {
	if len(dpre) != len(h) || len(dh) != len(h) {
		panic(fmt.Sprintf("kernels.RNNTanhBackward: len(dpre) = %d, len(h) = %d, len(dh) = %d; want equal lengths", len(dpre), len(h), len(dh)))
	}
	if len(h) == 0 {
		return
	}
	rnnTanhBackward(level.Active, dpre, h, dh)
}

// RNNReLUBackward sets dpre = dh where h > 0 and 0 elsewhere, the gradient
// with respect to the pre-activation of a ReLU RNN step, from h (kept from
// the forward pass) and dh.
//
// Reference loop (PyTorch's threshold_backward):
//
//	for i := range h { if h[i] <= 0 { dpre[i] = 0 } else { dpre[i] = dh[i] } }
//
// so a NaN h passes dh through. Exact. Shapes: equal lengths (panics
// otherwise); dpre may be dh or h itself.
func RNNReLUBackward(dpre, h, dh []float32) {
	if len(dpre) != len(h) || len(dh) != len(h) {
		panic(fmt.Sprintf("kernels.RNNReLUBackward: len(dpre) = %d, len(h) = %d, len(dh) = %d; want equal lengths", len(dpre), len(h), len(dh)))
	}
	if len(h) == 0 {
		return
	}
	rnnReLUBackward(level.Active, dpre, h, dh)
}

func reluGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		if !(v <= 0) { // positive or NaN
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

func rnnTanhBackwardGeneric(dpre, h, dh []float32) {
	dpre, dh = dpre[:len(h)], dh[:len(h)]
	for i, v := range h {
		t := float64(v)
		dpre[i] = float32(float64(dh[i]) * (1 - t*t))
	}
}

func rnnReLUBackwardGeneric(dpre, h, dh []float32) {
	dpre, dh = dpre[:len(h)], dh[:len(h)]
	for i, v := range h {
		if v <= 0 {
			dpre[i] = 0
		} else {
			dpre[i] = dh[i]
		}
	}
}
