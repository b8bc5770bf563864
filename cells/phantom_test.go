//go:build linux && (amd64 || arm64)

package cells_test

import (
	"runtime/debug"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

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

// TestForwardBeyondMemory gives Forward an input of 2⁴⁰ values whose
// outputs and scratch would take more than 2⁴⁷ bytes: it must refuse before
// allocating them (a fatal out-of-memory before) or reading x.
func TestForwardBeyondMemory(t *testing.T) {
	model, _ := randomModel(t, cells.Config{Mode: cells.LSTM, InputSize: 1, HiddenSize: 8, NumLayers: 1}, 35)
	x := phantomFloats(t, 1<<40)
	for _, c := range []struct{ steps, batch int }{{1 << 40, 1}, {1, 1 << 40}, {1 << 20, 1 << 20}} {
		var err error
		require.NotPanics(t, func() { _, err = model.Forward(x, c.steps, c.batch, nil) }, "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "Forward: the outputs and scratch", "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "do not fit in memory", "steps %d batch %d", c.steps, c.batch)
	}
}
