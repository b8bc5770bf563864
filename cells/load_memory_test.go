package cells_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// peakChildEnv tells a re-executed test binary to load one file and report
// its peak resident memory instead of running the test.
const peakChildEnv = "SIMDRNN_LOAD_PEAK_CHILD"

// peakSlack is the "few MB" LoadSafetensors may use beyond 1.2 × the file:
// its read buffer, the header, the model's small per-direction slices, and
// the pages the runtime maps around large allocations.
const peakSlack = 16 << 20

// writeModelFile writes random F32 parameters for cfg as a safetensors file
// and returns its path and size.
func writeModelFile(t testing.TB, cfg cells.Config) (string, int64) {
	var tensors []safetensors.Tensor
	r := kerneltest.Rand(31)
	for _, spec := range cfg.Params() {
		data := make([]float32, spec.Size())
		kerneltest.Fill(r, data)
		tensors = append(tensors, safetensors.Tensor{Name: spec.Name, Shape: spec.Shape, Data: data})
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriterSize(f, 1<<20)
	require.NoError(t, safetensors.Write(w, tensors, nil))
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	info, err := os.Stat(path)
	require.NoError(t, err)
	return path, info.Size()
}

// vmHWM returns the process's peak resident set size in bytes (Linux).
func vmHWM() (int64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

// loadPeakChild is the re-executed side: it loads the file named by the
// environment and prints the peak RSS before and after.
func loadPeakChild(t *testing.T, spec string) {
	path, hidden, ok := strings.Cut(spec, "|")
	require.True(t, ok)
	h, err := strconv.Atoi(hidden)
	require.NoError(t, err)
	runtime.GC()
	before, err := vmHWM()
	require.NoError(t, err)
	model, err := cells.LoadSafetensors(path, peakConfig(h), "")
	require.NoError(t, err)
	after, err := vmHWM()
	require.NoError(t, err)
	runtime.KeepAlive(model)
	fmt.Printf("peak-rss before=%d after=%d\n", before, after)
}

func peakConfig(hidden int) cells.Config {
	return cells.Config{Mode: cells.LSTM, InputSize: hidden, HiddenSize: hidden, NumLayers: 2}
}

// TestLoadSafetensorsPeakMemory loads a large valid file in a fresh process
// and checks that its peak resident memory grows by at most 1.2 × the file
// size plus peakSlack: the data is read straight into the model's buffers.
// The file is an LSTM with I = H = 1024 and 2 layers (67 MB; the loader
// reads it in 64 KiB pieces, so the ratio holds at any size), or H = 512
// (17 MB) with -short.
func TestLoadSafetensorsPeakMemory(t *testing.T) {
	if spec := os.Getenv(peakChildEnv); spec != "" {
		loadPeakChild(t, spec)
		return
	}
	if _, err := vmHWM(); err != nil {
		t.Skip("needs /proc/self/status:", err)
	}
	if raceEnabled {
		// The race detector's shadow memory triples the resident set; the
		// bound is checked in make test's run without -race, and
		// TestLoadSafetensorsAllocation bounds the allocations here.
		t.Skip("peak RSS is not the loader's under -race")
	}
	hidden := 1024
	if testing.Short() {
		hidden = 512
	}
	path, size := writeModelFile(t, peakConfig(hidden))
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadSafetensorsPeakMemory$", "-test.count=1")
	cmd.Env = append(os.Environ(), peakChildEnv+"="+path+"|"+strconv.Itoa(hidden))
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.ENOEXEC) {
		// Under qemu-user without binfmt_misc the test binary cannot start
		// itself (and RSS would be qemu's); TestLoadSafetensorsAllocation
		// bounds the loader's memory there.
		t.Skip("the test binary cannot re-execute itself (an emulator without binfmt_misc): peak RSS is measured natively")
	}
	require.NoError(t, err, string(out))
	var before, after int64
	for _, line := range strings.Split(string(out), "\n") {
		if _, err := fmt.Sscanf(line, "peak-rss before=%d after=%d", &before, &after); err == nil {
			break
		}
	}
	require.NotZero(t, after, string(out))
	grew := after - before
	t.Logf("file %d bytes: peak RSS %d before the load, %d after: grew %d bytes = %.3f × the file", size, before, after, grew, float64(grew)/float64(size))
	require.LessOrEqual(t, grew, size*12/10+peakSlack, "peak RSS growth")
}

// TestLoadSafetensorsAllocation bounds what LoadSafetensors allocates, in
// process, so that it runs everywhere (also under qemu, where
// TestLoadSafetensorsPeakMemory cannot re-execute the test binary): the
// heap can grow by no more than the bytes allocated during the load, which
// must be at most 1.05 × the file plus peakSlack (the parameters themselves
// are the file's size; the rest is the read buffer and bookkeeping).
func TestLoadSafetensorsAllocation(t *testing.T) {
	cfg := peakConfig(512) // 16.8 MB
	path, size := writeModelFile(t, cfg)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	model, err := cells.LoadSafetensors(path, cfg, "")
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	runtime.KeepAlive(model)
	allocated := int64(after.TotalAlloc - before.TotalAlloc)
	t.Logf("file %d bytes, allocated %d bytes = %.3f × the file", size, allocated, float64(allocated)/float64(size))
	require.LessOrEqual(t, allocated, size*105/100+peakSlack)
}

// BenchmarkLoadSafetensors loads a 2-layer LSTM with I = H = 1024 (67 MB)
// from a file.
func BenchmarkLoadSafetensors(b *testing.B) {
	cfg := peakConfig(1024)
	path, size := writeModelFile(b, cfg)
	b.SetBytes(size)
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if _, err := cells.LoadSafetensors(path, cfg, ""); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(size), "alloc-B/file-B")
}
