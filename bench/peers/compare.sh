#!/usr/bin/env bash
# Every comparison the issues ask for, interleaved so that a noisy machine
# hurts all sides alike: each round runs simdrnn's kernels at every level,
# the peers (OpenBLAS, gonum, vek), the cells, training (forward + backward)
# and PyTorch once, and benchstat then reads COUNT rounds.
#
#   COUNT=6 BENCHTIME=300ms OUT=../results/latest ./compare.sh
#
# ONLY picks groups (space- or comma-separated: kernels peers cells train
# precision parallel);
# the default is all of them. Only the chosen groups' files in OUT are
# replaced, and the summary goes to summary-<groups>.txt instead of
# summary.txt. The training comparison alone (issue 7: forward + backward
# per step, T = 100, B = 1 and 16, H = 64 … 512, LSTM and GRU, every level,
# PyTorch on one thread) takes a few minutes at COUNT=3:
#
#   ONLY=train COUNT=3 OUT=../results/latest ./compare.sh
#
# PY_MIN_TIME (default 0.3) is pytorch_bench.py's --min-time, in seconds.
# TRAIN_BENCH narrows the go test -bench pattern of the training group, e.g.
# TRAIN_BENCH='^BenchmarkTrainStep$/./impl=simdrnn-avx2' leaves out the
# generic level (its B = 16, H = 512 pass takes seconds).
#
# Needs libopenblas-dev (installed by run.sh) and, for the PyTorch columns,
# Debian's python3-torch (apt-get install python3-torch); without it those
# columns are left out.
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-300ms}
OUT=${OUT:-../results/latest}
ONLY=${ONLY:-}
TRAIN_BENCH=${TRAIN_BENCH:-'^BenchmarkTrainStep$'}
# The precision group (issue 15) runs the best level only: the generic
# level's f16 steps at H = 1,024 take milliseconds each.
PRECISION_BENCH=${PRECISION_BENCH:-'^BenchmarkPrecision(Step|Sequence)$/cell=.*/impl=simdrnn-(avx2|neon)/'}
PY_MIN_TIME=${PY_MIN_TIME:-0.3}
want() { [ -z "$ONLY" ] || [[ " ${ONLY//,/ } " == *" $1 "* ]]; }
for group in ${ONLY//,/ }; do
	case $group in
	kernels | peers | cells | train | precision | parallel) ;;
	*) echo "compare.sh: ONLY: unknown group $group (want kernels, peers, cells, train, precision, parallel)" >&2; exit 2 ;;
	esac
done
mkdir -p "$OUT"
BENCHSTAT="$(go env GOPATH)/bin/benchstat"
[ -x "$BENCHSTAT" ] || go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
have_torch=false
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=true
# PyTorch's lines carry no -GOMAXPROCS suffix and its header lines are
# configuration keys the Go lines lack: ignore both so that impl=pytorch
# lands in the same rows and table as simdrnn.
PYSTAT=(-col /impl -ignore /gomaxprocs,pytorch,pytorch-threads,pytorch-config,pytorch-quantized-engine)
SUMMARY="$OUT/summary.txt"
if [ -n "$ONLY" ]; then
	SUMMARY="$OUT/summary-$(echo $ONLY | tr ' ,' '--').txt"
fi
for group in kernels peers cells train precision parallel; do
	if want $group; then
		rm -f "$OUT/$group.txt"
	fi
done
for round in $(seq "$COUNT"); do
	echo "round $round/$COUNT" >&2
	if want kernels; then
		(cd .. && go test -run '^$' -bench '^Benchmark(Dot|MatVec|MatVecBatch|Sigmoid|Tanh|LSTMPointwiseShare)$' -benchtime "$BENCHTIME" -count 1 .) >> "$OUT/kernels.txt"
	fi
	if want peers; then
		go test -run '^$' -bench '^Benchmark(MatVec|MatVecBatch|MatMul)$' -benchtime "$BENCHTIME" -count 1 . >> "$OUT/peers.txt"
	fi
	if want cells; then
		(cd .. && go test -run '^$' -bench '^Benchmark(CellStep|StepFloor|StepOverFloor|Sequence)$' -benchtime "$BENCHTIME" -count 1 .) >> "$OUT/cells.txt"
		if $have_torch; then
			/usr/bin/python3 pytorch_bench.py --count 1 --min-time "$PY_MIN_TIME" >> "$OUT/cells.txt"
		fi
	fi
	if want precision; then
		(cd .. && go test -run '^$' -bench "$PRECISION_BENCH" -benchtime "$BENCHTIME" -count 1 .) >> "$OUT/precision.txt"
		if $have_torch; then
			/usr/bin/python3 pytorch_bench.py --only quant --count 1 --min-time "$PY_MIN_TIME" >> "$OUT/precision.txt"
		fi
	fi
	if want parallel; then
		(cd .. && go test -run '^$' -bench '^Benchmark(ParallelStep|ForwardWorkers|TrainWorkers)$' -benchtime "$BENCHTIME" -count 1 .) >> "$OUT/parallel.txt"
	fi
	if want train; then
		(cd .. && go test -run '^$' -bench "$TRAIN_BENCH" -benchtime "$BENCHTIME" -count 1 .) >> "$OUT/train.txt"
		if $have_torch; then
			/usr/bin/python3 pytorch_bench.py --only train --count 1 --min-time "$PY_MIN_TIME" >> "$OUT/train.txt"
		fi
	fi
done
{
	if want kernels; then
		echo "== kernels per level (MB/s = bytes of W per second)"
		"$BENCHSTAT" -col /level "$OUT/kernels.txt"
	fi
	if want peers; then
		echo "== peers"
		"$BENCHSTAT" -col /impl "$OUT/peers.txt"
	fi
	if want cells; then
		echo "== cells (impl=pytorch is PyTorch on one thread)"
		grep -m 4 '^pytorch' "$OUT/cells.txt" || true
		"$BENCHSTAT" "${PYSTAT[@]}" "$OUT/cells.txt"
	fi
	if want precision; then
		echo "== precision: one step per weight format (impl=pytorch: nn.LSTM/nn.GRU over T = 100, per step; qint8 = quantize_dynamic)"
		grep -m 5 '^pytorch' "$OUT/precision.txt" || true
		# PyTorch's configuration keys precede the second round's lines
		# only, so benchstat would put the first round in a table of its own.
		"$BENCHSTAT" -col /prec -ignore pytorch,pytorch-threads,pytorch-config,pytorch-quantized-engine -filter '/impl:/simdrnn/' "$OUT/precision.txt"
		python3 precision_table.py "$OUT/precision.txt"
	fi
	if want parallel; then
		echo "== parallel: 2 workers against 1 — a batch-1 step (State.SetWorkers; layers under cells.ParallelMinBytes are not split) and ForwardInto's steps (Workspace.SetWorkers)"
		"$BENCHSTAT" -col /workers "$OUT/parallel.txt"
	fi
	if want train; then
		echo "== training (forward+backward per step; impl=pytorch is PyTorch on one thread)"
		grep -m 4 '^pytorch' "$OUT/train.txt" || true
		"$BENCHSTAT" "${PYSTAT[@]}" "$OUT/train.txt"
	fi
} | tee "$SUMMARY"
