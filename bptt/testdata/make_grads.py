#!/usr/bin/python3
"""Reference gradients for simdrnn's bptt package, made with PyTorch.

Run with Debian's python3-torch (apt-get install python3-torch):

    /usr/bin/python3 bptt/testdata/make_grads.py > bptt/testdata/pytorch_grads.json

Each case builds a PyTorch nn.LSTM / nn.GRU / nn.RNN with seeded random
weights, rounds every weight, input, initial state and upstream gradient to
float32 (so both sides start from the same values), then runs the model in
float64 with autograd. The loss is

    loss = Σ y⊙dy + Σ h_n⊙dh_n (+ Σ c_n⊙dc_n for LSTM)

so the upstream gradients of y, h_n and c_n are exactly dy, dh_n and dc_n.
The JSON holds the configuration, the weights under PyTorch's parameter
names, the input (time-major, T×B×I), the initial states, the upstream
gradients, the per-sample lengths (when the case uses packed sequences), the
float64 outputs, final states and loss, and the float64 gradients of every
parameter (under its PyTorch name), of x, of h0 and (LSTM) of c0.

For cases with lengths, dy is random at every step, also past a sample's
length: PyTorch gives those outputs as constant zeros, so they get no
gradient, and the code under test must ignore them.

PyTorch has no GRU with the reset applied before the product (mode
"GRUResetBefore": n = tanh(W_in·x + b_in + W_hn·(r⊙h) + b_hn)), so those
cases run a hand-written loop over layers, directions and steps built from
torch float64 ops, with nn.GRU's parameter names and shapes. The loop mimics
packed sequences: a sample's state stops changing after its last step, its
outputs past the end are zero, and the reverse direction starts at the
sample's own last step. Before use, the same loop is checked against
nn.LSTM, nn.GRU (reset-after equations) and nn.RNN on every other case,
outputs and gradients to 1e-12; that check is not emitted.
"""
import json
import sys

import torch

torch.manual_seed(20261126)

CASES = [
    # name, mode, input, hidden, layers, bidirectional, nonlinearity, batch, steps, lengths
    ("lstm_b1", "LSTM", 5, 7, 1, False, None, 1, 6, None),
    ("lstm_b3_odd", "LSTM", 13, 19, 1, False, None, 3, 5, None),
    ("lstm_2layer", "LSTM", 5, 7, 2, False, None, 2, 5, None),
    ("lstm_bidir", "LSTM", 5, 7, 1, True, None, 2, 6, None),
    ("lstm_varlen", "LSTM", 3, 9, 1, False, None, 4, 6, [6, 2, 4, 1]),
    ("lstm_bidir_2layer_varlen", "LSTM", 3, 5, 2, True, None, 3, 6, [4, 6, 1]),
    ("gru_b1", "GRU", 5, 7, 1, False, None, 1, 6, None),
    ("gru_b3_odd", "GRU", 11, 13, 1, False, None, 3, 5, None),
    ("gru_2layer", "GRU", 5, 7, 2, False, None, 2, 5, None),
    ("gru_bidir_varlen", "GRU", 4, 7, 1, True, None, 3, 7, [5, 7, 1]),
    ("rnn_tanh", "RNN", 7, 9, 1, False, "tanh", 2, 6, None),
    ("rnn_relu", "RNN", 7, 9, 1, False, "relu", 2, 6, None),
    ("rnn_tanh_bidir_2layer", "RNN", 5, 7, 2, True, "tanh", 3, 5, None),
    ("gru_rb_b1", "GRUResetBefore", 5, 7, 1, False, None, 1, 6, None),
    ("gru_rb_b3_odd", "GRUResetBefore", 11, 17, 1, False, None, 3, 5, None),
    ("gru_rb_2layer_varlen", "GRUResetBefore", 5, 7, 2, False, None, 4, 7, [3, 7, 1, 5]),
]

SELF_CHECK_TOL = 1e-12


def f32_round(t):
    return t.to(torch.float32).to(torch.float64)


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


# ---------------------------------------------------------------------------
# Hand-written multi-layer, bidirectional, variable-length loop.

def cell_lstm(p, x, state, _nl):
    h, c = state
    pre = x @ p["w_ih"].T + p["b_ih"] + h @ p["w_hh"].T + p["b_hh"]
    i, f, g, o = pre.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c2 = f * c + i * g
    return [o * torch.tanh(c2), c2]


def cell_gru_reset_after(p, x, state, _nl):
    (h,) = state
    gi = x @ p["w_ih"].T + p["b_ih"]
    gh = h @ p["w_hh"].T + p["b_hh"]
    ir, iz, inn = gi.chunk(3, dim=1)
    hr, hz, hn = gh.chunk(3, dim=1)
    r = torch.sigmoid(ir + hr)
    z = torch.sigmoid(iz + hz)
    n = torch.tanh(inn + r * hn)
    return [(1 - z) * n + z * h]


def cell_gru_reset_before(p, x, state, _nl):
    (h,) = state
    H = h.shape[1]
    w_hr, w_hz, w_hn = p["w_hh"].split(H, dim=0)
    b_hr, b_hz, b_hn = p["b_hh"].split(H, dim=0)
    gi = x @ p["w_ih"].T + p["b_ih"]
    ir, iz, inn = gi.chunk(3, dim=1)
    r = torch.sigmoid(ir + h @ w_hr.T + b_hr)
    z = torch.sigmoid(iz + h @ w_hz.T + b_hz)
    n = torch.tanh(inn + (r * h) @ w_hn.T + b_hn)
    return [(1 - z) * n + z * h]


MIN_ABS_PRE = [float("inf")]


def cell_rnn(p, x, state, nl):
    (h,) = state
    pre = x @ p["w_ih"].T + p["b_ih"] + h @ p["w_hh"].T + p["b_hh"]
    if nl == "relu":
        MIN_ABS_PRE[0] = min(MIN_ABS_PRE[0], float(pre.detach().abs().min()))
        return [torch.relu(pre)]
    return [torch.tanh(pre)]


def manual_forward(cell, params, nl, layers, dirs, x, states, lengths):
    """Runs the stacked recurrence like PyTorch with packed sequences.

    params: name -> tensor (PyTorch names); states: list of (layers·dirs)×B×H
    tensors (h0, and c0 for LSTM). Returns y (T×B×dirs·H) and the final
    states, each (layers·dirs)×B×H.
    """
    T, B, _ = x.shape
    lens = torch.tensor(lengths if lengths else [T] * B)
    finals = [[] for _ in states]
    inp = x
    for k in range(layers):
        outs = []
        for d in range(dirs):
            sfx = "_l%d%s" % (k, "_reverse" if d == 1 else "")
            p = {
                "w_ih": params["weight_ih" + sfx],
                "w_hh": params["weight_hh" + sfx],
                "b_ih": params["bias_ih" + sfx],
                "b_hh": params["bias_hh" + sfx],
            }
            idx = k * dirs + d
            st = [s[idx] for s in states]
            ys = [None] * T
            order = range(T) if d == 0 else range(T - 1, -1, -1)
            for t in order:
                new = cell(p, inp[t], st, nl)
                m = (t < lens).unsqueeze(1)
                st = [torch.where(m, a, b) for a, b in zip(new, st)]
                ys[t] = torch.where(m, new[0], torch.zeros_like(new[0]))
            outs.append(torch.stack(ys))
            for f, s in zip(finals, st):
                f.append(s)
        inp = torch.cat(outs, dim=2)
    return inp, [torch.stack(f) for f in finals]


# ---------------------------------------------------------------------------

def param_names(layers, dirs):
    names = []
    for k in range(layers):
        for d in range(dirs):
            sfx = "_l%d%s" % (k, "_reverse" if d == 1 else "")
            names += ["weight_ih" + sfx, "weight_hh" + sfx, "bias_ih" + sfx, "bias_hh" + sfx]
    return names


def run_manual(cell, weights, nl, layers, dirs, x, states, lengths, ups):
    """Runs the manual loop with fresh leaves; returns outputs, loss and grads."""
    params = {n: w.clone().requires_grad_(True) for n, w in weights.items()}
    xl = x.clone().requires_grad_(True)
    sl = [s.clone().requires_grad_(True) for s in states]
    y, finals = manual_forward(cell, params, nl, layers, dirs, xl, sl, lengths)
    loss = (y * ups[0]).sum()
    for f, u in zip(finals, ups[1:]):
        loss = loss + (f * u).sum()
    loss.backward()
    grads = {n: params[n].grad for n in weights}
    grads["x"] = xl.grad
    grads["h0"] = sl[0].grad
    if len(sl) > 1:
        grads["c0"] = sl[1].grad
    return y.detach(), [f.detach() for f in finals], loss.detach(), grads


def check_close(name, what, a, b):
    err = float((a - b).abs().max()) if a.numel() else 0.0
    if not err <= SELF_CHECK_TOL:
        raise AssertionError("%s: manual loop differs from PyTorch in %s by %g" % (name, what, err))


def make_case(name, mode, input_size, hidden, layers, bidir, nonlinearity, batch, steps, lengths):
    kwargs = dict(input_size=input_size, hidden_size=hidden, num_layers=layers, bidirectional=bidir)
    if mode == "RNN":
        kwargs["nonlinearity"] = nonlinearity
    torch_mode = "GRU" if mode == "GRUResetBefore" else mode
    model = getattr(torch.nn, torch_mode)(**kwargs).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(f32_round(p))
    dirs = 2 if bidir else 1
    lstm = mode == "LSTM"
    x = f32_round(torch.randn(steps, batch, input_size, dtype=torch.float64))
    h0 = f32_round(torch.randn(layers * dirs, batch, hidden, dtype=torch.float64) * 0.5)
    c0 = f32_round(torch.randn(layers * dirs, batch, hidden, dtype=torch.float64) * 0.5)
    dy = f32_round(torch.randn(steps, batch, dirs * hidden, dtype=torch.float64))
    dh_n = f32_round(torch.randn(layers * dirs, batch, hidden, dtype=torch.float64))
    dc_n = f32_round(torch.randn(layers * dirs, batch, hidden, dtype=torch.float64))
    weights = {n: p.detach().clone() for n, p in model.named_parameters()}
    assert list(weights) == param_names(layers, dirs), list(weights)
    states = [h0, c0] if lstm else [h0]
    ups = [dy, dh_n, dc_n] if lstm else [dy, dh_n]

    if mode == "GRUResetBefore":
        y, finals, loss, grads = run_manual(cell_gru_reset_before, weights, None, layers, dirs, x, states, lengths, ups)
    else:
        xl = x.clone().requires_grad_(True)
        h0l = h0.clone().requires_grad_(True)
        c0l = c0.clone().requires_grad_(True)
        state = (h0l, c0l) if lstm else h0l
        if lengths is not None:
            packed = torch.nn.utils.rnn.pack_padded_sequence(xl, torch.tensor(lengths), enforce_sorted=False)
            out_packed, final = model(packed, state)
            y, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, total_length=steps)
        else:
            y, final = model(xl, state)
        finals = list(final) if lstm else [final]
        loss = (y * dy).sum()
        for f, u in zip(finals, ups[1:]):
            loss = loss + (f * u).sum()
        loss.backward()
        grads = {n: p.grad for n, p in model.named_parameters()}
        grads["x"] = xl.grad
        grads["h0"] = h0l.grad
        if lstm:
            grads["c0"] = c0l.grad
        y, finals, loss = y.detach(), [f.detach() for f in finals], loss.detach()

        # Self-check of the hand-written loop (the one GRUResetBefore uses).
        cell = {"LSTM": cell_lstm, "GRU": cell_gru_reset_after, "RNN": cell_rnn}[mode]
        my, mfinals, mloss, mgrads = run_manual(cell, weights, nonlinearity, layers, dirs, x, states, lengths, ups)
        check_close(name, "y", my, y)
        for i, (a, b) in enumerate(zip(mfinals, finals)):
            check_close(name, "final state %d" % i, a, b)
        check_close(name, "loss", mloss, loss)
        assert set(mgrads) == set(grads)
        for n in grads:
            check_close(name, "grad " + n, mgrads[n], grads[n])

    if lengths is not None:
        # Outputs past a sample's length are zero.
        for b, L in enumerate(lengths):
            assert float(y[L:, b].abs().max() if L < steps else 0.0) == 0.0

    case = {
        "name": name,
        "mode": mode,
        "input_size": input_size,
        "hidden_size": hidden,
        "num_layers": layers,
        "bidirectional": bidir,
        "nonlinearity": nonlinearity or "",
        "batch": batch,
        "steps": steps,
        "lengths": lengths or [],
        "weights": {n: {"shape": list(w.shape), "data": flat(w)} for n, w in weights.items()},
        "x": flat(x),
        "h0": flat(h0),
    }
    if lstm:
        case["c0"] = flat(c0)
    case["dy"] = flat(dy)
    case["dh_n"] = flat(dh_n)
    if lstm:
        case["dc_n"] = flat(dc_n)
    case["y"] = flat(y)
    case["h_n"] = flat(finals[0])
    if lstm:
        case["c_n"] = flat(finals[1])
    case["loss"] = float(loss)
    case["grads"] = {n: flat(g) for n, g in grads.items()}
    return case


def main():
    cases = [make_case(*c) for c in CASES]
    sys.stderr.write("self-check passed; rnn_relu min |pre-activation| = %.3g\n" % MIN_ABS_PRE[0])
    json.dump({"torch_version": torch.__version__, "cases": cases}, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
