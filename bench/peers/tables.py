#!/usr/bin/python3
"""Turns the raw outputs of compare.sh into the README's tables (medians of
the rounds, ratios taken within the same run).

    /usr/bin/python3 bench/peers/tables.py bench/results/<dir>

The training table needs train.txt, the cells table cells.txt; a directory
without kernels.txt (from ONLY=train and/or ONLY=cells) gets only those.
"""
import os
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$")


def load(path):
    runs = defaultdict(lambda: defaultdict(list))
    with open(path) as f:
        for line in f:
            m = LINE.match(line.strip())
            if not m:
                continue
            name, rest = m.groups()
            fields = rest.split()
            for value, unit in zip(fields[0::2], fields[1::2]):
                try:
                    runs[name][unit].append(float(value))
                except ValueError:
                    pass
    return {n: {u: statistics.median(v) for u, v in units.items()} for n, units in runs.items()}


def get(data, name, unit="ns/op"):
    return data.get(name, {}).get(unit)


def fmt(v, digits=1):
    return "—" if v is None else f"{v:.{digits}f}"


def train_table(out):
    """Issue 7's bars: forward + backward per step, T = 100, PyTorch (one
    thread) / simdrnn at its best level ≥ 3× at B = 1 and ≥ 1× at B = 16."""
    path = f"{out}/train.txt"
    if not os.path.exists(path):
        return
    train = load(path)
    levels = []  # simdrnn levels in the order the file shows them: best first, generic last
    for name in train:
        m = re.search(r"/impl=simdrnn-([^/]+)/", name)
        if m and m.group(1) not in levels:
            levels.append(m.group(1))
    best = next((l for l in levels if l != "generic"), "generic")
    bars = {1: 3.0, 16: 1.0}

    def per_step(cell, impl, batch, h):
        name = f"BenchmarkTrainStep/cell={cell}/impl={impl}/T=100/B={batch}/H={h}"
        v = get(train, name, "ns/step")
        if v is None and get(train, name) is not None:
            v = get(train, name) / 100
        return v

    print(f"\nTraining, forward + backward per step (T = 100, I = H; ZeroGrad, Forward, Backward with ∂L/∂y at every step and no ∂L/∂x, as PyTorch for an x that does not require grad), "
          f"µs per step, median of rounds; PyTorch nn.{{LSTM,GRU}} on one thread; bar: PyTorch/simdrnn-{best} ≥ 3× at B = 1, ≥ 1× at B = 16:\n")
    print(f"| cell | B | H | simdrnn {best} | generic | PyTorch | PyTorch / {best} | bar | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for cell in ("lstm", "gru"):
        for batch in (1, 16):
            for h in (64, 128, 256, 512):
                s = per_step(cell, f"simdrnn-{best}", batch, h)
                g = per_step(cell, "simdrnn-generic", batch, h)
                pt = per_step(cell, "pytorch", batch, h)
                ratio = pt / s if pt and s else None
                verdict = "—" if ratio is None else ("met" if ratio >= bars[batch] else "**unmet**")
                us = lambda v: None if v is None else v / 1e3
                print(f"| {cell} | {batch} | {h} | {fmt(us(s), 2)} | {fmt(us(g), 1)} | {fmt(us(pt), 1)} | "
                      f"{fmt(ratio, 2)}× | ≥ {bars[batch]:g}× | {verdict} |")


def cells_table(out):
    """Issue 6's bars: the batch-1 step against its floor and PyTorch's
    cells, batch 8, sequences. step/floor is BenchmarkStepOverFloor's (the
    step kernel and MatVec over the same weights, alternated in one run)
    when cells.txt has it, else CellStep / StepFloor."""
    cells = load(f"{out}/cells.txt")
    sizes = [64, 128, 256, 512, 1024]
    print("\nCells, I = H, time per step (µs), median of rounds; step/floor from BenchmarkStepOverFloor where run:\n")
    print("| cell | H | step avx2 B=1 | MatVec floor | step/floor | PyTorch cell B=1 | vs PyTorch | step avx2 B=8, per sample | PyTorch B=8, per sample | sequence T=100, per step | PyTorch nn.{LSTM,GRU} per step | vs PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for cell in ("lstm", "gru"):
        for h in sizes:
            step = get(cells, f"BenchmarkCellStep/cell={cell}/impl=simdrnn-avx2/B=1/H={h}")
            floor = get(cells, f"BenchmarkStepFloor/cell={cell}/impl=simdrnn-avx2/B=1/H={h}")
            over = f"BenchmarkStepOverFloor/cell={cell}/impl=simdrnn-avx2/B=1/H={h}"
            ratio = get(cells, over, "step/floor")
            if ratio is not None:
                floor = get(cells, over, "ns/floor")
            elif step and floor:
                ratio = step / floor
            pt = get(cells, f"BenchmarkCellStep/cell={cell}/impl=pytorch/B=1/H={h}")
            step8 = get(cells, f"BenchmarkCellStep/cell={cell}/impl=simdrnn-avx2/B=8/H={h}")
            pt8 = get(cells, f"BenchmarkCellStep/cell={cell}/impl=pytorch/B=8/H={h}")
            seq = get(cells, f"BenchmarkSequence/cell={cell}/impl=simdrnn-avx2/T=100/B=1/H={h}")
            ptseq = get(cells, f"BenchmarkSequence/cell={cell}/impl=pytorch/T=100/B=1/H={h}")
            us = lambda v, d=1: None if v is None else v / 1e3 / d
            print(f"| {cell} | {h} | {fmt(us(step), 2)} | {fmt(us(floor), 2)} | {fmt(ratio, 3)} | "
                  f"{fmt(us(pt), 1)} | {fmt(pt / step if pt and step else None, 1)}× | {fmt(us(step8, 8), 2)} | {fmt(us(pt8, 8), 1)} | "
                  f"{fmt(us(seq, 100), 2)} | {fmt(us(ptseq, 100), 1)} | {fmt(ptseq / seq if ptseq and seq else None, 1)}× |")


def main():
    out = sys.argv[1]
    if not os.path.exists(f"{out}/kernels.txt"):  # ONLY=train and/or cells
        if os.path.exists(f"{out}/cells.txt"):
            cells_table(out)
        if os.path.exists(f"{out}/train.txt"):
            train_table(out)
        return
    kern = load(f"{out}/kernels.txt")
    peers = load(f"{out}/peers.txt")
    sizes = [64, 128, 256, 512, 1024]

    print("Matrix·vector, W = 4H × 2H, GB/s of W (median of rounds):\n")
    print("| H | W | MatVec avx2 | Dot avx2 (same bytes) | MatVec/Dot | generic | OpenBLAS sgemv | vek | gonum | vs OpenBLAS | vs vek | vs gonum |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for h in sizes:
        mv = get(kern, f"BenchmarkMatVec/level=avx2/H={h}", "MB/s")
        dot = get(kern, f"BenchmarkDot/level=avx2/H={h}", "MB/s")
        gen = get(kern, f"BenchmarkMatVec/level=generic/H={h}", "MB/s")
        t = {impl: get(peers, f"BenchmarkMatVec/impl={impl}/H={h}") for impl in ("simdrnn", "openblas", "vek", "gonum")}
        wbytes = 4 * 4 * h * 2 * h
        rate = {k: (wbytes / v if v else None) for k, v in t.items()}
        print(f"| {h} | {wbytes / 2**20:.2f} MiB | {fmt(mv / 1e3 if mv else None)} | {fmt(dot / 1e3 if dot else None)} | "
              f"{fmt(mv / dot if mv and dot else None, 2)} | {fmt(gen / 1e3 if gen else None)} | "
              f"{fmt(rate['openblas'])} | {fmt(rate['vek'])} | {fmt(rate['gonum'])} | "
              f"{fmt(t['openblas'] / t['simdrnn'] if t['openblas'] and t['simdrnn'] else None, 2)}× | "
              f"{fmt(t['vek'] / t['simdrnn'] if t['vek'] and t['simdrnn'] else None, 2)}× | "
              f"{fmt(t['gonum'] / t['simdrnn'] if t['gonum'] and t['simdrnn'] else None, 2)}× |")

    print("\nMulti-row MatVecBatch (avx2): time per call relative to B = 1:\n")
    print("| H | B=1 | B=2 | B=4 | B=8 |")
    print("|---|---|---|---|---|")
    for h in sizes:
        base = get(kern, f"BenchmarkMatVecBatch/level=avx2/B=1/H={h}")
        row = [fmt(get(kern, f"BenchmarkMatVecBatch/level=avx2/B={b}/H={h}") / base if base else None, 2) + "×" for b in (1, 2, 4, 8)]
        print(f"| {h} | " + " | ".join(row) + " |")

    print("\nMatMul, C = A·B, GFLOP/s:\n")
    print("| shape (m×k · k×n) | simdrnn | simdrnn, 2 workers | OpenBLAS (1 thread) | gonum | vs OpenBLAS | vs gonum | 2 workers vs 1 |")
    print("|---|---|---|---|---|---|---|---|")
    for shape in ("square256", "square512", "square1024", "proj100x256x1024", "proj100x512x2048", "grad1024x100x512"):
        g = {impl: get(peers, f"BenchmarkMatMul/shape={shape}/impl={impl}", "GFLOP/s") for impl in ("simdrnn", "simdrnn-2workers", "openblas", "gonum")}
        print(f"| {shape} | {fmt(g['simdrnn'])} | {fmt(g['simdrnn-2workers'])} | {fmt(g['openblas'])} | {fmt(g['gonum'])} | "
              f"{fmt(g['simdrnn'] / g['openblas'] if g['simdrnn'] and g['openblas'] else None, 2)} | "
              f"{fmt(g['simdrnn'] / g['gonum'] if g['simdrnn'] and g['gonum'] else None, 1)}× | "
              f"{fmt(g['simdrnn-2workers'] / g['simdrnn'] if g['simdrnn-2workers'] and g['simdrnn'] else None, 2)}× |")

    print("\nActivations, n = 4096, ns per element:\n")
    print("| function | avx2 | generic | math package | avx2 vs math | generic vs math |")
    print("|---|---|---|---|---|---|")
    for fn in ("Sigmoid", "Tanh"):
        v = {lvl: get(kern, f"Benchmark{fn}/level={lvl}/n=4096") for lvl in ("avx2", "generic", "mathpkg")}
        per = {k: (x / 4096 if x else None) for k, x in v.items()}
        print(f"| {fn} | {fmt(per['avx2'], 2)} | {fmt(per['generic'], 2)} | {fmt(per['mathpkg'], 2)} | "
              f"{fmt(v['mathpkg'] / v['avx2'] if v['avx2'] else None, 1)}× | {fmt(v['mathpkg'] / v['generic'] if v['generic'] else None, 1)}× |")
    share = {lvl: get(kern, f"BenchmarkLSTMPointwiseShare/level={lvl}/H=256", "%pointwise") for lvl in ("avx2", "generic")}
    print(f"\nLSTM pointwise step at H = 256 as a share of the step's MatVec (1024×512), one run: avx2 {fmt(share['avx2'], 2)} %, generic {fmt(share['generic'], 2)} %.")

    cells_table(out)
    train_table(out)


if __name__ == "__main__":
    main()
