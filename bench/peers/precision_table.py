#!/usr/bin/python3
"""Ratios of BenchmarkPrecisionStep lines (simdrnn and PyTorch) in one file.

    python3 precision_table.py precision.txt

For each cell, batch and H: the median time per step of each precision
over the rounds in the file, each reduced precision as a ratio of f32 at
the same level and round set, and int8's speed-up over PyTorch's qint8
(quantize_dynamic) per step. Standard library only.
"""
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"^BenchmarkPrecisionStep/cell=(\w+)/impl=([\w-]+)/B=(\d+)/H=(\d+)/prec=(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:.*?([\d.]+) ns/step)?")


def main(path):
    times = defaultdict(list)
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        cell, impl, batch, h, prec, ns_op, ns_step = m.groups()
        ns = float(ns_step) if ns_step else float(ns_op)
        times[(cell, impl, int(batch), int(h), prec)].append(ns)
    med = {k: statistics.median(v) for k, v in times.items()}
    impls = sorted({k[1] for k in med if k[1] != "pytorch"})
    for impl in impls:
        print(f"\n{impl}: µs per step (median of rounds); ratio = time / f32 time; int8 vs PyTorch qint8 = PyTorch time / int8 time")
        print(f"{'cell':5} {'B':>2} {'H':>5} {'f32 µs':>9} {'f16':>6} {'bf16':>6} {'int8':>6} {'pt f32 µs':>10} {'pt qint8 µs':>11} {'int8 vs pt qint8':>17}")
        for cell in ("lstm", "gru"):
            for batch in (1, 8):
                for h in (64, 128, 256, 512, 1024):
                    f32 = med.get((cell, impl, batch, h, "f32"))
                    if f32 is None:
                        continue
                    ratio = lambda p: (f"{med[(cell, impl, batch, h, p)] / f32:6.2f}" if (cell, impl, batch, h, p) in med else "     -")
                    pt32 = med.get((cell, "pytorch", batch, h, "f32"))
                    ptq = med.get((cell, "pytorch", batch, h, "qint8"))
                    i8 = med.get((cell, impl, batch, h, "int8"))
                    vs = f"{ptq / i8:16.1f}×" if ptq and i8 else "                -"
                    pt32s = f"{pt32 / 1e3:10.1f}" if pt32 else "         -"
                    ptqs = f"{ptq / 1e3:11.1f}" if ptq else "          -"
                    print(f"{cell:5} {batch:2} {h:5} {f32 / 1e3:9.2f} {ratio('f16')} {ratio('bf16')} {ratio('int8')} {pt32s} {ptqs} {vs}")


if __name__ == "__main__":
    main(sys.argv[1])
