#!/usr/bin/python3
"""Reference vectors for simdrnn's cells, made with PyTorch.

Run with Debian's python3-torch (apt-get install python3-torch):

    /usr/bin/python3 cells/testdata/make_vectors.py > cells/testdata/pytorch_vectors.json

Each case builds a PyTorch nn.LSTM / nn.GRU / nn.RNN with seeded random
weights, rounds every weight and input to float32 (so both sides start from
the same values), then runs the model in float64. The JSON holds the
configuration, the weights under PyTorch's parameter names, the input
(time-major, T×B×I), the initial states, the per-sample lengths (when the
case uses packed sequences), and the float64 outputs and final states.
"""
import json
import sys

import torch

torch.manual_seed(20261125)

CASES = [
    # name, mode, input, hidden, layers, bidirectional, nonlinearity, batch, steps, lengths
    ("lstm_b1", "LSTM", 5, 7, 1, False, None, 1, 6, None),
    ("lstm_b3_odd", "LSTM", 13, 19, 1, False, None, 3, 9, None),
    ("lstm_2layer", "LSTM", 6, 11, 2, False, None, 2, 5, None),
    ("lstm_bidir", "LSTM", 9, 10, 1, True, None, 2, 7, None),
    ("lstm_bidir_2layer_varlen", "LSTM", 4, 9, 2, True, None, 3, 8, [8, 5, 1]),
    ("lstm_varlen", "LSTM", 3, 17, 1, False, None, 4, 6, [6, 2, 4, 1]),
    ("gru_b1", "GRU", 5, 7, 1, False, None, 1, 6, None),
    ("gru_b3_odd", "GRU", 13, 19, 1, False, None, 3, 9, None),
    ("gru_2layer", "GRU", 6, 11, 2, False, None, 2, 5, None),
    ("gru_bidir", "GRU", 9, 10, 1, True, None, 2, 7, None),
    ("gru_bidir_varlen", "GRU", 4, 9, 1, True, None, 3, 8, [8, 5, 1]),
    ("rnn_tanh", "RNN", 7, 9, 1, False, "tanh", 2, 6, None),
    ("rnn_relu", "RNN", 7, 9, 1, False, "relu", 2, 6, None),
    ("rnn_tanh_bidir_2layer", "RNN", 5, 6, 2, True, "tanh", 3, 5, None),
]


def f32_round(t):
    return t.to(torch.float32).to(torch.float64)


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def make_case(name, mode, input_size, hidden, layers, bidir, nonlinearity, batch, steps, lengths):
    kwargs = dict(input_size=input_size, hidden_size=hidden, num_layers=layers, bidirectional=bidir)
    if mode == "RNN":
        kwargs["nonlinearity"] = nonlinearity
    model = getattr(torch.nn, mode)(**kwargs).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(f32_round(p))
    dirs = 2 if bidir else 1
    x = f32_round(torch.randn(steps, batch, input_size, dtype=torch.float64))
    h0 = f32_round(torch.randn(layers * dirs, batch, hidden, dtype=torch.float64) * 0.5)
    c0 = f32_round(torch.randn(layers * dirs, batch, hidden, dtype=torch.float64) * 0.5)
    state = (h0, c0) if mode == "LSTM" else h0
    with torch.no_grad():
        if lengths is not None:
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
            out_packed, final = model(packed, state)
            y, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, total_length=steps)
        else:
            y, final = model(x, state)
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
        "weights": {n: {"shape": list(p.shape), "data": flat(p)} for n, p in model.named_parameters()},
        "x": flat(x),
        "h0": flat(h0),
        "y": flat(y),
    }
    if mode == "LSTM":
        case["c0"] = flat(c0)
        case["h_n"] = flat(final[0])
        case["c_n"] = flat(final[1])
    else:
        case["h_n"] = flat(final)
    return case


def main():
    cases = [make_case(*c) for c in CASES]
    json.dump({"torch_version": torch.__version__, "cases": cases}, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
