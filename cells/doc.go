// Package cells runs LSTM, GRU and plain RNN layers with PyTorch's
// semantics, weights and parameter names, on the kernels of package
// kernels.
//
// # Cells
//
// LSTM (nn.LSTM), gates in the order i, f, g, o:
//
//	pre = W_ih·x + b_ih + W_hh·h + b_hh
//	i, f, g, o = σ(pre_i), σ(pre_f), tanh(pre_g), σ(pre_o)
//	c' = f⊙c + i⊙g
//	h' = o⊙tanh(c')
//
// GRU (nn.GRU, the reset applied after the recurrent product), gates r, z, n:
//
//	r = σ(W_ir·x + b_ir + W_hr·h + b_hr)
//	z = σ(W_iz·x + b_iz + W_hz·h + b_hz)
//	n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn))
//	h' = (1−z)⊙n + z⊙h
//
// GRUResetBefore, the other GRU of the literature (Keras reset_after=False,
// ONNX linear_before_reset=0), differs only in n:
//
//	n = tanh(W_in·x + b_in + W_hn·(r⊙h) + b_hn)
//
// Plain RNN (nn.RNN): h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh), or ReLU.
//
// # Weights
//
// Weights are row-major and gate-blocked as PyTorch stores them, under
// PyTorch's names: weight_ih_l0 (G·H × I), weight_hh_l0 (G·H × H),
// bias_ih_l0 and bias_hh_l0 (G·H), with G = 4 (LSTM), 3 (GRU) or 1 (RNN);
// layer k > 0 takes the previous layer's output (H, or 2H when
// bidirectional) as input and its names end in _lk; the reverse direction of
// a bidirectional layer adds the suffix _reverse. New copies the weights, so
// the caller may reuse its slices.
//
// # Layouts
//
// Sequences are time-major, x[t][b][i] flattened (PyTorch's
// batch_first=False); SequenceOptions.BatchFirst takes x[b][t][i] instead.
// Outputs of a bidirectional layer hold the forward and the reverse halves
// side by side per step, as PyTorch's do. Final states are
// (layers·directions) × B × H, ordered layer by layer, forward before
// reverse.
//
// # Networks
//
// A Network is a whole model as PyTorch users build one: an optional
// Embedding (nn.Embedding: token ids in), a Model, and an optional Linear
// head (nn.Linear) on every step's output or on the final state, with an
// optional softmax or sigmoid. LoadNetwork reads one from the state_dict
// that export/simdrnn_export.py writes (or any safetensors state_dict: the
// modules are found by their tensors), and Step and Forward run it end to
// end.
//
// # Concurrency
//
// A Model or Network is read-only after it is built: any number of
// goroutines may use one at once, each with its own State (for Step) or
// through Forward, which keeps its scratch per call (ForwardInto uses the
// caller's Workspace, one call at a time). State.SetWorkers spreads one
// stream's batch-1 step over several cores: each worker streams its own
// share of a large layer's weight rows.
package cells
