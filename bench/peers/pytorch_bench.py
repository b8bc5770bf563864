#!/usr/bin/python3
"""PyTorch on one CPU thread, timed the way `go test -bench` reports, so
benchstat can line its numbers up with simdrnn's.

    /usr/bin/python3 bench/peers/pytorch_bench.py [--count 6] [--min-time 0.5] [--only step|sequence|train|quant]

Prints lines such as

    BenchmarkCellStep/cell=lstm/impl=pytorch/B=1/H=256 	 2000	 41234 ns/op
    BenchmarkTrainStep/cell=lstm/impl=pytorch/T=100/B=16/H=256 	 8	 61234567 ns/op	 612345.7 ns/step

By default it runs the inference benchmarks (step, sequence); --only train
runs the training one (BenchmarkTrainStep, as bench/bptt_test.go): nn.LSTM or
nn.GRU, float32, I = H, over x of T = 100 × B × H (time-major, no gradient),
forward, backward with a fixed random ∂L/∂y for every step (y.backward(dy),
the gradient of (y·dy).sum()), and zero_grad(set_to_none=False).

It uses Debian's python3-torch (apt-get install python3-torch); the header
lines say which PyTorch and which BLAS it runs.
"""
import argparse
import time

import torch


def quantized(model, cls):
    """quantize_dynamic(dtype=torch.qint8) of an nn.LSTM / nn.GRU: it swaps
    submodules only, so the bare module goes in a container and comes back
    out."""
    box = torch.nn.Sequential(model)
    return torch.ao.quantization.quantize_dynamic(box, {cls}, dtype=torch.qint8)[0]


def bench(name, fn, min_time, steps=None):
    """Prints one go-test-style line; with steps, also ns/step = ns/op / steps."""
    fn()  # warm up
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            break
        n = max(n * 2, int(n * min_time / max(elapsed, 1e-9) * 1.2))
    line = f"{name} \t{n}\t{elapsed / n * 1e9:.1f} ns/op"
    if steps:
        line += f"\t{elapsed / n / steps * 1e9:.1f} ns/step"
    print(line, flush=True)


def train_step(cls, h, batch, steps=100):
    """One training pass of a one-layer cls(h, h): forward, backward, zero_grad."""
    model = cls(h, h)
    x = torch.randn(steps, batch, h)  # requires_grad False: no dX (simdrnn: SetInputGrad(false))
    dy = torch.randn(steps, batch, h)

    def fn():
        y, _ = model(x)
        y.backward(dy)
        model.zero_grad(set_to_none=False)

    return fn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--only", choices=["step", "sequence", "train", "quant"], default=None,
                        help="one group of benchmarks (default: step and sequence; train and quant only when named)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    config = torch.__config__.show()
    blas = [line.strip() for line in config.splitlines() if "BLAS_INFO" in line or "CPU capability" in line]
    print(f"pytorch: {torch.__version__}")
    print(f"pytorch-threads: {torch.get_num_threads()}")
    print(f"pytorch-quantized-engine: {torch.backends.quantized.engine}")
    for line in blas:
        print(f"pytorch-config: {line[:120]}")
    sizes = [64, 128, 256, 512, 1024]
    with torch.inference_mode():
        for _ in range(args.count):
            if args.only in (None, "step"):
                for cell_name, cls in (("lstm", torch.nn.LSTMCell), ("gru", torch.nn.GRUCell)):
                    for h in sizes:
                        cell = cls(h, h)
                        for batch in (1, 8):
                            x = torch.randn(batch, h)
                            hx = torch.randn(batch, h)
                            if cell_name == "lstm":
                                state = (hx, torch.randn(batch, h))
                                fn = lambda: cell(x, state)
                            else:
                                fn = lambda: cell(x, hx)
                            bench(f"BenchmarkCellStep/cell={cell_name}/impl=pytorch/B={batch}/H={h}", fn, args.min_time)
            if args.only in (None, "sequence"):
                for cell_name, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
                    for h in sizes[:4]:
                        model = cls(h, h)
                        x = torch.randn(100, 1, h)
                        bench(f"BenchmarkSequence/cell={cell_name}/impl=pytorch/T=100/B=1/H={h}", lambda: model(x), args.min_time)
    if args.only == "quant":
        # BenchmarkPrecisionStep's PyTorch columns (issue 15): nn.LSTM /
        # nn.GRU (I = H) over T = 100 steps, per step, in float32 and after
        # torch.ao.quantization.quantize_dynamic(dtype=torch.qint8) on the
        # quantized engine PyTorch picks (its default here).
        with torch.inference_mode():
            for _ in range(args.count):
                for cell_name, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
                    for batch in (1, 8):
                        for h in sizes:
                            model = cls(h, h)
                            qmodel = quantized(model, cls)
                            x = torch.randn(100, batch, h)
                            for prec, m in (("f32", model), ("qint8", qmodel)):
                                bench(f"BenchmarkPrecisionSequence/cell={cell_name}/impl=pytorch/B={batch}/H={h}/prec={prec}",
                                      lambda: m(x), args.min_time, steps=100)
    if args.only == "train":
        for _ in range(args.count):
            for cell_name, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
                for batch in (1, 16):
                    for h in sizes[:4]:
                        bench(f"BenchmarkTrainStep/cell={cell_name}/impl=pytorch/T=100/B={batch}/H={h}",
                              train_step(cls, h, batch), args.min_time, steps=100)


if __name__ == "__main__":
    main()
