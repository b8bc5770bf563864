//go:build linux && (amd64 || arm64)

package bptt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/guard"
)

// TestForwardBeyondMemory gives Net.Forward and TruncatedBPTT an input of
// 2⁴⁰ values whose tape would take more than 2⁴⁷ bytes: they must refuse
// before allocating it (a fatal out-of-memory before) or reading x.
func TestForwardBeyondMemory(t *testing.T) {
	net, err := bptt.NewRandom(cells.Config{Mode: cells.GRU, InputSize: 1, HiddenSize: 8, NumLayers: 1}, 43)
	require.NoError(t, err)
	x := guard.PhantomFloats(t, 1<<40)
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
