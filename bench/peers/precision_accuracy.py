#!/usr/bin/python3
"""Writes the cases of the precision accuracy comparison (issue 15).

    /usr/bin/python3 bench/peers/precision_accuracy.py OUTDIR

For nn.LSTM and nn.GRU (one layer, I = H) at H = 64 … 1,024, with PyTorch's
own initialisation (torch.manual_seed(H)) and x of T = 100 steps, batch 1,
standard normal: the float32 output and the output of the model after
torch.ao.quantization.quantize_dynamic(dtype=torch.qint8), saved with the
weights in OUTDIR/<cell>-<H>.safetensors (tensors rnn.<param>, x, y_f32,
y_qint8, all F32; metadata cell, hidden, engine). Standard library and torch
only: the safetensors file is written by hand. internal/tools/precacc reads
the files and compares simdrnn at every precision.
"""
import json
import os
import struct
import sys

import torch


def quantized(model, cls):
    """quantize_dynamic(dtype=torch.qint8) of an nn.LSTM / nn.GRU: it swaps
    submodules only, so the bare module goes in a container and comes back
    out."""
    box = torch.nn.Sequential(model)
    return torch.ao.quantization.quantize_dynamic(box, {cls}, dtype=torch.qint8)[0]


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().to(torch.float32)
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    engine = torch.backends.quantized.engine
    for cell, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        for h in (64, 128, 256, 512, 1024):
            torch.manual_seed(h)
            model = cls(h, h)
            x = torch.randn(100, 1, h)
            with torch.inference_mode():
                y32, _ = model(x)
                qmodel = quantized(model, cls)
                yq, _ = qmodel(x)
            tensors = {"rnn." + k: v for k, v in model.state_dict().items()}
            tensors.update({"x": x, "y_f32": y32, "y_qint8": yq})
            path = os.path.join(outdir, f"{cell}-{h}.safetensors")
            write_safetensors(path, tensors, {"cell": cell, "hidden": str(h), "engine": engine, "torch": torch.__version__})
            print(f"{path}: qint8 max |Δy| = {(yq - y32).abs().max().item():.4g}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
