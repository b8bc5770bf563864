#!/usr/bin/python3
"""Ratios of the BenchmarkPrecisionStep and BenchmarkPrecisionSequence lines
(simdrnn, and PyTorch's nn.LSTM / nn.GRU sequences) in one file.

    python3 precision_table.py precision.txt

Per cell, batch and H: medians over the rounds in the file of the time per
step; each reduced precision's Step as a ratio of the f32 Step (same level,
same run); int8's Step and Forward (T = 100) per step against PyTorch's
quantize_dynamic qint8 sequence per step (PyTorch time / simdrnn time).
Standard library only.
"""
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"^BenchmarkPrecision(Step|Sequence)/cell=(\w+)/impl=([\w-]+)/B=(\d+)/H=(\d+)/prec=(\w+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:.*?([\d.]+) ns/step)?")


def main(path):
    times = defaultdict(list)
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        kind, cell, impl, batch, h, prec, ns_op, ns_step = m.groups()
        times[(kind, cell, impl, int(batch), int(h), prec)].append(float(ns_step) if ns_step else float(ns_op))
    med = {k: statistics.median(v) for k, v in times.items()}
    impls = sorted({k[2] for k in med if k[2] != "pytorch"})
    for impl in impls:
        print(f"\n{impl}: µs per step, medians; f16/bf16/int8 = Step time / f32 Step time; ×pt = PyTorch qint8 per step / simdrnn int8 per step")
        print(f"{'cell':5} {'B':>2} {'H':>5} {'f32':>8} {'f16':>5} {'bf16':>5} {'int8':>5} {'int8 seq':>9} {'pt f32':>8} {'pt qint8':>9} {'×pt step':>9} {'×pt seq':>8}")
        for cell in ("lstm", "gru"):
            for batch in (1, 8):
                for h in (64, 128, 256, 512, 1024):
                    get = lambda kind, who, p: med.get((kind, cell, who, batch, h, p))
                    f32 = get("Step", impl, "f32")
                    if f32 is None:
                        continue
                    ratio = lambda p: f"{get('Step', impl, p) / f32:5.2f}" if get("Step", impl, p) else "    -"
                    i8, i8seq = get("Step", impl, "int8"), get("Sequence", impl, "int8")
                    pt32, ptq = get("Sequence", "pytorch", "f32"), get("Sequence", "pytorch", "qint8")
                    us = lambda v, w: f"{v / 1e3:{w}.1f}" if v else " " * (w - 1) + "-"
                    x = lambda a, b: f"{a / b:8.1f}×" if a and b else "        -"
                    print(f"{cell:5} {batch:2} {h:5} {f32 / 1e3:8.2f} {ratio('f16')} {ratio('bf16')} {ratio('int8')} {us(i8seq, 9)} {us(pt32, 8)} {us(ptq, 9)} {x(ptq, i8)} {x(ptq, i8seq)[:-1]:>8}")


if __name__ == "__main__":
    main(sys.argv[1])
