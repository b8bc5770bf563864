package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// LSTMForwardBatch is the pointwise part of one LSTM step (PyTorch
// nn.LSTM), fused into one pass: from the pre-activations it applies the
// gate activations, updates the cell state c in place and writes h.
//
// Layout: gates is batch×4H, each row the blocks i, f, g, o of H values
// (pre = W_ih·x + b_ih + W_hh·h + b_hh as MatVec/MatVecBatch write it for
// PyTorch's gate-blocked weights); c and h are batch×H. cache is nil or
// batch×4H; if given it receives the activations [i, f, g, o] in the layout
// of gates, which is what LSTMBackwardBatch needs besides c_{t−1} and c_t (a
// tape of 4H + H floats per row and step: the cache and c). H is len(c)/batch.
//
// Reference loop, per row and unit j:
//
//	i, f := σ(gates[j]), σ(gates[H+j])
//	g, o := tanh(gates[2H+j]), σ(gates[3H+j])
//	c[j] = f*c[j] + i*g
//	h[j] = o * tanh(c[j])
//	cache[j], cache[H+j], cache[2H+j], cache[3H+j] = i, f, g, o
//
// Shapes: batch ≥ 1, len(c) a multiple of batch, len(h) = len(c),
// len(gates) = 4·len(c), len(cache) = 0 or 4·len(c) (panics otherwise).
// Aliasing: cache may be gates itself (the activations then replace the
// pre-activations); no other overlap.
//
// Error bound: the activations are within 2 ULP of σ or tanh of the gate
// values (as Sigmoid and Tanh); the new c is within γ(2)·(|f·c| + |i·g|) +
// 2·2⁻¹⁴⁹ of f·c + i·g computed exactly from those activations; h is within
// |o|·2 ULP(tanh(c)) + γ(1)·|o·tanh(c)| + 2·2⁻¹⁴⁹ of o·tanh(c) for the new c as
// stored. NaN and ±Inf propagate as the reference loop says (0·Inf is NaN).
func LSTMForwardBatch(h, c, gates, cache []float32, batch int) {
	hidden := checkPointwise("LSTMForwardBatch", batch, pwOperand{name: "c", n: len(c)},
		pwOperand{name: "h", n: len(h), blocks: 1},
		pwOperand{name: "gates", n: len(gates), blocks: 4},
		pwOperand{name: "cache", n: len(cache), blocks: 4, optional: true})
	if hidden == 0 {
		return
	}
	lstmForward(level.Active, h, c, gates, cache, hidden, batch)
}

// LSTMBackwardBatch is the pointwise part of one LSTM backward (BPTT) step,
// fused into one pass: the chain rule through c_t = f⊙c_{t−1} + i⊙g and
// h_t = o⊙tanh(c_t), with σ' = σ(1−σ) and tanh' = 1 − tanh². From the
// activations cached by LSTMForwardBatch, the cell states cPrev (c_{t−1})
// and c (c_t), dh = ∂L/∂h_t (dy_t + dh_next) and dc = ∂L/∂c_t from the step
// after (zeros at the last step), it writes the gate gradients dgates =
// [di, df, dg, do] (batch×4H, the layout of gates) and dcPrev = ∂L/∂c_{t−1}
// (batch×H). The caller forms dh_next = W_hhᵀ·dgates and dx = W_ihᵀ·dgates
// with MatTVecAdd, and the weight gradients from dgates. tanh(c_t) is
// recomputed with the same Tanh as the forward pass.
//
// Reference loop, per row and unit j (i, f, g, o = cache[j], cache[H+j],
// cache[2H+j], cache[3H+j]):
//
//	th := tanh(c[j])
//	d := dc[j] + dh[j]*o*(1-th*th)
//	dgates[3H+j] = dh[j] * th * o * (1-o)     // do
//	dgates[j] = d * g * i * (1-i)             // di
//	dgates[H+j] = d * cPrev[j] * f * (1-f)    // df
//	dgates[2H+j] = d * i * (1-g*g)            // dg
//	dcPrev[j] = d * f
//
// Shapes: batch ≥ 1, len(c) a multiple of batch, len(cPrev), len(dh), len(dc),
// len(dcPrev) = len(c), len(cache), len(dgates) = 4·len(c) (panics otherwise).
// Aliasing: dcPrev may be dc itself; no other overlap.
//
// Error bound: each output is within γ(16)·M + 16·2⁻¹⁴⁹·(1 + |cPrev|) of the
// reference loop evaluated exactly with the exact tanh, where M is the
// reference expression with every factor replaced by its absolute value,
// every difference 1 − v² by 1 + v² and the sum d by |dc| + |dh·o|·(1 + th²)
// (the recomputed tanh counts as four roundings). Products are formed
// unbounded factors first, so an underflow is never magnified by a later
// factor other than cPrev. The bound assumes cached activations in their
// ranges (i, f, o in [0, 1], g in [−1, 1]), as LSTMForwardBatch writes them.
func LSTMBackwardBatch(dgates, dcPrev, cache, cPrev, c, dh, dc []float32, batch int) {
	hidden := checkPointwise("LSTMBackwardBatch", batch, pwOperand{name: "c", n: len(c)},
		pwOperand{name: "dgates", n: len(dgates), blocks: 4},
		pwOperand{name: "dcPrev", n: len(dcPrev), blocks: 1},
		pwOperand{name: "cache", n: len(cache), blocks: 4},
		pwOperand{name: "cPrev", n: len(cPrev), blocks: 1},
		pwOperand{name: "dh", n: len(dh), blocks: 1},
		pwOperand{name: "dc", n: len(dc), blocks: 1})
	if hidden == 0 {
		return
	}
	lstmBackward(level.Active, dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
}

func lstmForwardGeneric(h, c, gates, cache []float32, hidden, batch int) {
	for b := 0; b < batch; b++ {
		g := gates[4*b*hidden : 4*(b+1)*hidden]
		cb := c[b*hidden : (b+1)*hidden]
		hb := h[b*hidden : (b+1)*hidden]
		var cc []float32
		if len(cache) > 0 {
			cc = cache[4*b*hidden : 4*(b+1)*hidden]
		}
		for j := range cb {
			i := sigmoidScalar(g[j])
			f := sigmoidScalar(g[hidden+j])
			gg := tanhScalar(g[2*hidden+j])
			o := sigmoidScalar(g[3*hidden+j])
			if cc != nil {
				cc[j], cc[hidden+j], cc[2*hidden+j], cc[3*hidden+j] = i, f, gg, o
			}
			cn := float32(float64(f)*float64(cb[j]) + float64(i)*float64(gg))
			cb[j] = cn
			hb[j] = float32(float64(o) * float64(tanhScalar(cn)))
		}
	}
}

func lstmBackwardGeneric(dgates, dcPrev, cache, cPrev, c, dh, dc []float32, hidden, batch int) {
	for b := 0; b < batch; b++ {
		dg := dgates[4*b*hidden : 4*(b+1)*hidden]
		ca := cache[4*b*hidden : 4*(b+1)*hidden]
		row := b * hidden
		for j := 0; j < hidden; j++ {
			i, f := float64(ca[j]), float64(ca[hidden+j])
			g, o := float64(ca[2*hidden+j]), float64(ca[3*hidden+j])
			th := float64(tanhScalar(c[row+j]))
			dhj := float64(dh[row+j])
			d := float64(dc[row+j]) + dhj*o*(1-th*th)
			dg[3*hidden+j] = float32(dhj * th * o * (1 - o))
			dg[j] = float32(d * g * i * (1 - i))
			dg[hidden+j] = float32(d * float64(cPrev[row+j]) * f * (1 - f))
			dg[2*hidden+j] = float32(d * i * (1 - g*g))
			dcPrev[row+j] = float32(d * f)
		}
	}
}
