#!/usr/bin/python3
"""PyTorch on one CPU thread, timed the way `go test -bench` reports, so
benchstat can line its numbers up with simdrnn's.

    /usr/bin/python3 bench/peers/pytorch_bench.py [--count 6] [--min-time 0.5] [--only step|sequence]

Prints lines such as

    BenchmarkCellStep/cell=lstm/impl=pytorch/B=1/H=256 	 2000	 41234 ns/op

It uses Debian's python3-torch (apt-get install python3-torch); the header
lines say which PyTorch and which BLAS it runs.
"""
import argparse
import time

import torch


def bench(name, fn, min_time):
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
    print(f"{name} \t{n}\t{elapsed / n * 1e9:.1f} ns/op", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--only", choices=["step", "sequence"], default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    config = torch.__config__.show()
    blas = [line.strip() for line in config.splitlines() if "BLAS_INFO" in line or "CPU capability" in line]
    print(f"pytorch: {torch.__version__}")
    print(f"pytorch-threads: {torch.get_num_threads()}")
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


if __name__ == "__main__":
    main()
