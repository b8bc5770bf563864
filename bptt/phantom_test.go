//go:build linux && (amd64 || arm64)

package bptt_test

import (
	"runtime/debug"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
)

// phantomFloats returns a slice of n float32s whose memory is one PROT_NONE
// page: its length is what a caller claims, and any read of it faults.
// With debug.SetPanicOnFault a fault is a panic that require.NotPanics
// catches, so an input of 2⁴⁰ floats costs nothing unless it is touched.
func phantomFloats(t *testing.T, n int) []float32 {
	t.Helper()
	mem, err := unix.Mmap(-1, 0, unix.Getpagesize(), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, unix.Munmap(mem)) })
	old := debug.SetPanicOnFault(true)
	t.Cleanup(func() { debug.SetPanicOnFault(old) })
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}

// TestForwardBeyondMemory gives Net.Forward and TruncatedBPTT an input of
// 2⁴⁰ values whose tape would take more than 2⁴⁷ bytes: they must refuse
// before allocating it (a fatal out-of-memory before) or reading x.
func TestForwardBeyondMemory(t *testing.T) {
	net, err := bptt.NewRandom(cells.Config{Mode: cells.GRU, InputSize: 1, HiddenSize: 8, NumLayers: 1}, 43)
	require.NoError(t, err)
	x := phantomFloats(t, 1<<40)
	tape := net.NewTape()
	for _, c := range []struct{ steps, batch int }{{1 << 40, 1}, {1, 1 << 40}, {1 << 20, 1 << 20}} {
		require.NotPanics(t, func() { err = net.Forward(tape, x, c.steps, c.batch, nil) }, "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "Forward: the tape", "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "do not fit in memory", "steps %d batch %d", c.steps, c.batch)
		opts := bptt.TruncatedOptions{K1: 1, K2: c.steps, Loss: func(int, []float32, []float32) float64 { return 0 }}
		require.NotPanics(t, func() { _, err = net.TruncatedBPTT(tape, x, c.steps, c.batch, opts) }, "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "TruncatedBPTT: the tape", "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "do not fit in memory", "steps %d batch %d", c.steps, c.batch)
	}
	require.Nil(t, tape.Y(), "the tape is untouched")
}
