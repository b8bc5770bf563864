#!/usr/bin/env bash
# Benchmarks simdrnn's MatVec/MatVecBatch against OpenBLAS, gonum and vek and
# prints a benchstat table with one column per implementation.
#
#   COUNT=6 BENCHTIME=1s BENCH=. OUT=out.txt ./run.sh
#
# Installs libopenblas-dev (apt-get) and benchstat when missing.
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
OUT=${OUT:-out.txt}
BENCHSTAT_VERSION=${BENCHSTAT_VERSION:-v0.0.0-20260908200009-22c9c6c9d4da}

if ! dpkg-query -W -f='${Status}' libopenblas-dev 2>/dev/null | grep -q "install ok installed"; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
	echo "run.sh: installing libopenblas-dev" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev >&2
fi

BENCHSTAT="$(go env GOPATH)/bin/benchstat"
if ! [ -x "$BENCHSTAT" ]; then
	echo "run.sh: installing benchstat (golang.org/x/perf $BENCHSTAT_VERSION)" >&2
	go install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
fi

go test -run '^$' -bench "$BENCH" -benchtime "$BENCHTIME" -count "$COUNT" . | tee "$OUT"
for name in MatVec MatVecBatch; do
	echo
	"$BENCHSTAT" -col /impl -filter ".name:$name" "$OUT"
done
