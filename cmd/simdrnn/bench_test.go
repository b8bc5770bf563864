package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/level"
)

// benchJSON runs bench -json on the model with few steps and returns the
// parsed report.
func benchJSON(t *testing.T, args ...string) benchReport {
	t.Helper()
	args = append([]string{"bench", "-json", "-steps", "20", "-warmup", "4"}, args...)
	code, out, errOut := cli(args...)
	require.Equal(t, 0, code, errOut)
	require.Empty(t, errOut, "no progress bar off a terminal")
	var r benchReport
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	return r
}

// checkResults checks that r has one sane entry per available level,
// precision and batch, in that order, without allocations.
func checkResults(t *testing.T, r benchReport, net *cells.Network, batches []int, unitsPerEntry int) {
	t.Helper()
	levels := level.Available()
	require.Len(t, r.Results, len(levels)*len(precisions)*len(batches))
	k := 0
	for _, l := range levels {
		for _, p := range precisions {
			at, err := net.WithPrecision(p)
			require.NoError(t, err)
			for _, b := range batches {
				e := r.Results[k]
				k++
				require.Equal(t, l.String(), e.Level)
				require.Equal(t, p.String(), e.Precision)
				require.Equal(t, b, e.Batch)
				require.Equal(t, unitsPerEntry, e.Count, "the -steps limit")
				// bench counts the process's mallocs over the timed loop;
				// on a loaded machine the runtime and the test harness
				// add a few (seen: 7 over 20 units). A step that
				// allocated would give at least one per unit; the
				// library's own zero is asserted in package cells with
				// testing.AllocsPerRun.
				require.Less(t, e.AllocsPerUnit, 0.5, "%s %s batch %d allocates", e.Level, e.Precision, e.Batch)
				require.Positive(t, e.P50)
				require.LessOrEqual(t, e.P50, e.P90)
				require.LessOrEqual(t, e.P90, e.P99)
				require.LessOrEqual(t, e.P99, e.Max)
				require.Positive(t, e.StepsPerSecond)
				require.Equal(t, at.StepBytes(), e.StepBytes)
			}
		}
	}
}

// TestBenchJSON checks bench -json for a streaming model with an
// embedding: every level, precision and batch 1 and 8, no allocations.
func TestBenchJSON(t *testing.T) {
	spec := netSpec{cfg: cells.Config{Mode: cells.LSTM, InputSize: 4, HiddenSize: 8, NumLayers: 2}, vocab: 10, outputs: 3, activation: cells.Softmax}
	path, net := saveNetwork(t, spec, 70)
	r := benchJSON(t, path)
	require.Equal(t, path, r.Model)
	require.Equal(t, "step", r.Unit)
	require.Equal(t, 4, r.Warmup)
	checkResults(t, r, net, []int{1, 8}, 20)
}

// TestBenchBidirectional checks that a bidirectional model, which cannot
// step, is measured per sequence, and that -batches and -time apply.
func TestBenchBidirectional(t *testing.T) {
	spec := netSpec{cfg: cells.Config{Mode: cells.GRU, InputSize: 3, HiddenSize: 4, NumLayers: 1, Bidirectional: true}, outputs: 2}
	path, net := saveNetwork(t, spec, 71)
	r := benchJSON(t, "-seq-len", "5", "-batches", "2", path)
	require.Equal(t, "sequence", r.Unit)
	require.Equal(t, 5, r.SequenceSteps)
	checkResults(t, r, net, []int{2}, 20)

	// -time ends an entry before -steps does.
	r = benchJSON(t, "-seq-len", "5", "-batches", "1", "-precisions", "f32", "-levels", "generic", "-steps", "1000000", "-time", "1ms", path)
	require.Len(t, r.Results, 1)
	require.Less(t, r.Results[0].Count, 1000000)
	require.Equal(t, "generic", r.Results[0].Level)
}

// TestBenchText checks the table: a header and one row per level,
// precision and batch.
func TestBenchText(t *testing.T) {
	path, _ := saveNetwork(t, netSpec{cfg: cells.Config{Mode: cells.RNNReLU, InputSize: 2, HiddenSize: 3, NumLayers: 1}}, 72)
	code, out, errOut := cli("bench", "-steps", "10", "-warmup", "1", "-precisions", "f32,int8", "-batches", "1", path)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, path+": rnn_relu, input 2, hidden 3, 1 layer, on ")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	header := strings.Fields(lines[2])
	require.Equal(t, []string{"level", "precision", "batch", "workers", "bytes/step", "p50", "p90", "p99", "max", "allocs/step", "steps×batch/s", "steps"}, header)
	rows := lines[3:]
	require.Len(t, rows, 2*len(level.Available()))
	for i, row := range rows {
		fields := strings.Fields(row)
		require.Equal(t, level.Available()[i/2].String(), fields[0])
		require.Equal(t, []string{"f32", "int8"}[i%2], fields[1])
		require.Equal(t, "1", fields[2])
		require.Equal(t, "1", fields[3])
		require.Equal(t, "0.0", fields[len(fields)-3], "allocations: %s", row)
		require.Equal(t, "10", fields[len(fields)-1])
	}
}

// TestBenchWorkers checks -workers: a layer of the threshold's size
// (an f32 LSTM of I = H = 128: 4·128·256·4 bytes = cells.ParallelMinBytes)
// steps on two goroutines when asked, a smaller one stays on one, and a
// count out of range is a usage error.
func TestBenchWorkers(t *testing.T) {
	big, _ := saveNetwork(t, netSpec{cfg: cells.Config{Mode: cells.LSTM, InputSize: 128, HiddenSize: 128, NumLayers: 1}}, 73)
	// 200 steps: the process-wide malloc count bench reports picks up a few
	// allocations of the runtime under load (see checkResults).
	r := benchJSON(t, "-steps", "200", "-workers", "1,2", "-precisions", "f32,int8", "-batches", "1", "-levels", "generic", big)
	require.Len(t, r.Results, 4)
	// f32 splits; int8 (a quarter of the bytes) is under the threshold.
	for i, want := range []int{1, 2, 1, 1} {
		require.Equal(t, want, r.Results[i].Workers, "entry %d: %+v", i, r.Results[i])
		require.Less(t, r.Results[i].AllocsPerUnit, 0.5)
	}
	code, _, errOut := cli("bench", "-workers", "0", big)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `-workers: "0" is not a worker count from 1 to 64`)
}

// TestProgressBar checks the bar's drawing (it is drawn only on a
// terminal, which the tests' stderr is not: see benchJSON).
func TestProgressBar(t *testing.T) {
	var b strings.Builder
	drawProgress(&b, 3, 12, "avx2 f16 batch 8")
	require.Equal(t, "\r\033[K[#######.......................] 3/12 avx2 f16 batch 8", b.String())
	b.Reset()
	drawProgress(&b, 12, 12, "")
	require.Equal(t, "\r\033[K", b.String())
}

// TestNoTestingDependency checks that the tool, a program users run, links
// neither the testing package nor the test-support packages.
func TestNoTestingDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/simdrnn/simdrnn/cells", "go list -deps lists the tool's dependencies")
	for _, banned := range []string{"testing", "github.com/simdrnn/simdrnn/internal/testutil/ref", "github.com/stretchr/testify/require"} {
		require.NotContains(t, deps, banned)
	}
}
