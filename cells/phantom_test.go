//go:build linux && (amd64 || arm64)

package cells_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/guard"
)

// TestForwardBeyondMemory gives Forward an input of 2⁴⁰ values whose
// outputs and scratch would take more than 2⁴⁷ bytes: it must refuse before
// allocating them (a fatal out-of-memory before) or reading x.
func TestForwardBeyondMemory(t *testing.T) {
	model, _ := randomModel(t, cells.Config{Mode: cells.LSTM, InputSize: 1, HiddenSize: 8, NumLayers: 1}, 35)
	x := guard.PhantomFloats(t, 1<<40)
	for _, c := range []struct{ steps, batch int }{{1 << 40, 1}, {1, 1 << 40}, {1 << 20, 1 << 20}} {
		var err error
		require.NotPanics(t, func() { _, err = model.Forward(x, c.steps, c.batch, nil) }, "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "Forward: the outputs and scratch", "steps %d batch %d", c.steps, c.batch)
		require.ErrorContains(t, err, "do not fit in memory", "steps %d batch %d", c.steps, c.batch)
	}
}
