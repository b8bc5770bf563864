#!/usr/bin/env bash
# Every comparison the issues ask for, interleaved so that a noisy machine
# hurts all sides alike: each round runs simdrnn's kernels at every level,
# the peers (OpenBLAS, gonum, vek) and PyTorch once, and benchstat then reads
# COUNT rounds.
#
#   COUNT=6 BENCHTIME=300ms OUT=../results/latest ./compare.sh
#
# Needs libopenblas-dev (installed by run.sh) and, for the PyTorch columns,
# Debian's python3-torch (apt-get install python3-torch); without it those
# columns are left out.
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-300ms}
OUT=${OUT:-../results/latest}
mkdir -p "$OUT"
BENCHSTAT="$(go env GOPATH)/bin/benchstat"
[ -x "$BENCHSTAT" ] || go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
have_torch=false
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=true
rm -f "$OUT"/*.txt
for round in $(seq "$COUNT"); do
	echo "round $round/$COUNT" >&2
	(cd .. && go test -run '^$' -bench '^Benchmark(Dot|MatVec|MatVecBatch|Sigmoid|Tanh|LSTMPointwiseShare)$' -benchtime "$BENCHTIME" -count 1 .) >> "$OUT/kernels.txt"
	go test -run '^$' -bench '^Benchmark(MatVec|MatVecBatch|MatMul)$' -benchtime "$BENCHTIME" -count 1 . >> "$OUT/peers.txt"
	(cd .. && go test -run '^$' -bench '^Benchmark(CellStep|StepFloor|Sequence)$' -benchtime "$BENCHTIME" -count 1 .) >> "$OUT/cells.txt"
	if $have_torch; then
		/usr/bin/python3 pytorch_bench.py --count 1 --min-time 0.3 >> "$OUT/cells.txt"
	fi
done
{
	echo "== kernels per level (MB/s = bytes of W per second)"
	"$BENCHSTAT" -col /level "$OUT/kernels.txt"
	echo "== peers"
	"$BENCHSTAT" -col /impl "$OUT/peers.txt"
	echo "== cells (impl=pytorch is PyTorch on one thread)"
	"$BENCHSTAT" -col /impl "$OUT/cells.txt"
} | tee "$OUT/summary.txt"
