// Package bptt trains the recurrent models of package cells with
// backpropagation through time, on the kernels of package kernels.
//
// A Net holds a model's parameters (a cells.Config, PyTorch's names and
// layouts) as Params with gradients. Net.Forward runs whole sequences as
// cells.Model.Forward does and records a Tape; Net.Backward walks the tape
// from the last step to the first and adds ∂L/∂θ to every Param's Grad,
// leaving ∂L/∂x and ∂L/∂h₀ (∂L/∂c₀) on the tape:
//
//	net, _ := bptt.NewRandom(cfg, seed)
//	tape := net.NewTape()
//	net.ZeroGrad()
//	net.Forward(tape, x, steps, batch, &cells.SequenceOptions{Lengths: lengths})
//	// … the loss of tape.Y() and tape.HN(), its gradients dy, dhN …
//	net.Backward(tape, dy, dhN, nil)
//	bptt.ClipGradNorm(net.Params(), 5)
//	opt.Step(net.Params()) // opt := bptt.NewAdam(1e-3)
//
// A head on the final state (a classifier of whole sequences) reads
// Tape.LastHN, the last layer's final states, batch × (directions·H) —
// HN holds every layer's — and hands its gradient back through
// Tape.LastHNGrad, which places it in the dhN of all layers:
//
//	head := bptt.NewDense("fc", cfg.OutputSize(), classes, seed)
//	final := tape.LastHN()
//	head.Forward(logits, final, batch)
//	loss := bptt.SoftmaxCrossEntropy(dlogits, logits, labels, classes)
//	head.Backward(dfinal, dlogits, final, batch)
//	net.Backward(tape, nil, tape.LastHNGrad(dfinal), nil)
//
// # Backward
//
// Per step, the fused backward pointwise kernel of the cell turns dh = dy_t
// + dh_next (and the LSTM's dc) into the gate gradients dG_t, and one
// product with W_hh gives dh_next. For the LSTM (cached i, f, g, o, c):
//
//	dc = dc_next + dh⊙o⊙(1 − tanh²(c_t))
//	dG_t = [dc⊙g⊙i⊙(1−i), dc⊙c_{t−1}⊙f⊙(1−f), dc⊙i⊙(1−g²), dh⊙tanh(c_t)⊙o⊙(1−o)]
//	dc_next = dc⊙f,  dh_next = W_hhᵀ·dG_t
//
// For the GRU (reset after the product, hn = W_hn·h + b_hn cached), the
// input side's gradient is [dr, dz, dn] and the hidden side's [dr, dz,
// dn⊙r], with dz = dh⊙(h − n)⊙z⊙(1−z), dn = dh⊙(1−z)⊙(1−n²), dr =
// dn⊙hn⊙r⊙(1−r) and dh_prev = dh⊙z + W_hhᵀ·(hidden side); the reset-before
// GRU adds the path through r⊙h (kernels.GRUResetBeforeBackward…); the
// plain RNN has dG_t = dh⊙(1 − h_t²) or dh where h_t > 0.
//
// The sums over time are then matrix products over all steps at once,
// never rank-1 updates per step: dW_ih = Σ dG_tᵀ·x_t and dW_hh = Σ
// dG_tᵀ·h_{t−1} are one kernels.MatMulAdd each, the biases one column sum
// each, and dX = dG·W_ih one product.
//
// # Sequences
//
// Stacked and bidirectional layers, batch-first input and per-sample
// lengths work as in cells: gradients of outputs past a sample's length are
// ignored (those outputs are constant zeros), and a finished sample's state
// gradient waits at its last step. TruncatedBPTT trains on long sequences in
// windows (chunks of k steps, or every K1 steps over the last K2).
//
// # Training
//
// SGD and Adam (torch.optim's formulas), ClipGradNorm, ClipGradValue,
// CheckFinite, a Dense layer (nn.Linear), SoftmaxCrossEntropy and MSE, and
// GradCheck, a central-difference check of any model's gradients.
//
// # Saving
//
// Net.Network turns a trained Net and its Dense head into a cells.Network
// (the head on every step's output or on the final state, an optional
// softmax or sigmoid), whose SaveSafetensors writes a file that
// cells.LoadNetwork loads, under PyTorch's names ("rnn.weight_ih_l0",
// "fc.weight", "fc.bias"); Net.Model gives the recurrent part alone.
// FromNetwork and FromModel turn a loaded model back into a Net (and a
// Dense) to fine-tune.
//
// # Concurrency
//
// A Net and its Tapes are for one goroutine at a time. Net.Model returns a
// read-only cells.Model that any number of goroutines may share for
// inference.
package bptt
