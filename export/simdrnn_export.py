#!/usr/bin/python3
"""Export a PyTorch module's state_dict as a safetensors file simdrnn loads.

Standard library and torch only (the safetensors package is not needed):

    import sys; sys.path.insert(0, "path/to/simdrnn/export")
    from simdrnn_export import export
    export(model, "model.safetensors", note="trained on 2026-12-04")

Every tensor of model.state_dict() is written under its name, in its dtype
(F32, F16, BF16, F64, I64, I32, I8, U8, BOOL), little-endian, C order. The
metadata holds format "pt", producer "simdrnn_export", the keyword arguments
given (as strings), and "simdrnn_modules": a JSON list describing every
nn.LSTM, nn.GRU and nn.RNN inside the model (its name prefix, mode,
input_size, hidden_size, num_layers, bidirectional, batch_first, bias), which
says what the tensors alone cannot (an RNN's tanh or ReLU, batch_first).
When the model holds one recurrent module, "simdrnn_network" names the
modules of the whole network simdrnn runs (cells.LoadNetwork): the
nn.Embedding and the nn.Linear head when there is exactly one of each (null
otherwise), the recurrent module, and two keyword arguments that the
module's forward() decides and the tensors cannot tell, which go there
rather than into the plain metadata:

    activation="none" | "softmax" | "sigmoid"   (applied to the head's output)
    head_input="steps" | "final"   (the head reads every step's output, or
                                    the last layer's final state, both
                                    directions side by side)

    export(model, "model.safetensors", activation="softmax", head_input="final")

`python3 simdrnn_export.py --self-test FILE` writes a file of known tensors
without torch, for simdrnn's tests of the writer.
"""
import json
import struct
import sys

_DTYPES = {
    "float32": ("F32", 4), "float16": ("F16", 2), "bfloat16": ("BF16", 2),
    "float64": ("F64", 8), "int64": ("I64", 8), "int32": ("I32", 4),
    "int8": ("I8", 1), "uint8": ("U8", 1), "bool": ("BOOL", 1),
}


def write_safetensors(path, tensors, metadata):
    """Writes tensors, a dict name -> (dtype name, shape list, little-endian
    bytes), sorted by name, with metadata (str -> str) as __metadata__."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    names = sorted(tensors)
    for name in names:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in names:
            f.write(tensors[name][2])


def _tensor_bytes(t):
    """A contiguous CPU tensor's elements as little-endian bytes."""
    import torch
    t = t.detach().cpu().contiguous()
    if sys.byteorder != "little":
        raise ValueError("simdrnn_export: big-endian hosts are not supported")
    raw = t.reshape(-1).view(torch.uint8) if t.numel() else torch.zeros(0, dtype=torch.uint8)
    try:
        return raw.numpy().tobytes()
    except (RuntimeError, ImportError):  # torch without numpy
        return bytes(raw.tolist())


def _modules(module):
    import torch.nn as nn
    found = []
    for name, m in module.named_modules():
        if isinstance(m, nn.LSTM):
            mode = "lstm"
        elif isinstance(m, nn.GRU):
            mode = "gru"
        elif isinstance(m, nn.RNN):
            mode = "rnn_" + m.nonlinearity
        else:
            continue
        found.append({
            "prefix": name + "." if name else "", "mode": mode,
            "input_size": m.input_size, "hidden_size": m.hidden_size,
            "num_layers": m.num_layers, "bidirectional": m.bidirectional,
            "batch_first": m.batch_first, "bias": m.bias,
        })
    return found


def _network(module, activation, head_input):
    """The simdrnn_network description of module, or None unless it holds
    exactly one recurrent module."""
    import torch.nn as nn
    kinds = {"rnn": [], "embedding": [], "head": []}
    for name, m in module.named_modules():
        prefix = name + "." if name else ""
        if isinstance(m, (nn.LSTM, nn.GRU, nn.RNN)):
            kinds["rnn"].append(prefix)
        elif isinstance(m, nn.Embedding):
            kinds["embedding"].append(prefix)
        elif isinstance(m, nn.Linear):
            kinds["head"].append(prefix)
    if len(kinds["rnn"]) != 1:
        return None
    one = lambda found: found[0] if len(found) == 1 else None
    return {"embedding": one(kinds["embedding"]), "rnn": kinds["rnn"][0], "head": one(kinds["head"]),
            "activation": activation, "head_input": head_input}


def export(module, path, activation="none", head_input="steps", **metadata):
    """Writes module.state_dict() to path as safetensors, with the metadata
    simdrnn reads (see the module's doc) and metadata's keyword arguments."""
    if activation not in ("none", "softmax", "sigmoid"):
        raise ValueError(f"simdrnn_export: activation {activation!r}: want 'none', 'softmax' or 'sigmoid'")
    if head_input not in ("steps", "final"):
        raise ValueError(f"simdrnn_export: head_input {head_input!r}: want 'steps' or 'final'")
    tensors = {}
    for name, t in module.state_dict().items():
        kind = str(t.dtype).replace("torch.", "")
        if kind not in _DTYPES:
            raise ValueError(f"simdrnn_export: tensor {name} has dtype {t.dtype}, which safetensors cannot hold here")
        tensors[name] = (_DTYPES[kind][0], list(t.shape), _tensor_bytes(t))
    meta = {"format": "pt", "producer": "simdrnn_export", "simdrnn_modules": json.dumps(_modules(module))}
    network = _network(module, activation, head_input)
    if network is not None:
        meta["simdrnn_network"] = json.dumps(network)
    meta.update({k: str(v) for k, v in metadata.items()})
    write_safetensors(path, tensors, meta)


def _self_test(path):
    """Known tensors without torch: F32 [2, 3] = 0.5·i, F16 [2] = (1, −2),
    I64 [3] = (1, −1, 2⁴⁰), an empty F32 [0, 4], metadata note = "é ok"."""
    f32 = struct.pack("<6f", *[0.5 * i for i in range(6)])
    f16 = struct.pack("<2H", 0x3C00, 0xC000)
    i64 = struct.pack("<3q", 1, -1, 1 << 40)
    write_safetensors(path, {
        "a.weight": ("F32", [2, 3], f32), "b": ("F16", [2], f16),
        "ids": ("I64", [3], i64), "empty": ("F32", [0, 4], b""),
    }, {"note": "é ok"})


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--self-test":
        _self_test(sys.argv[2])
    else:
        sys.exit(__doc__)
