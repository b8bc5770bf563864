//go:build linux

package kernels_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/guard"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestStepGuardPages places every operand of LSTMStep and GRUStep so that
// it ends exactly at a PROT_NONE page, then so that it starts right after
// one, for every hidden size and input size up to 3·widest+1, and for a few
// larger hidden sizes that take AVX2's strided kernels (GRU's from H = 128
// on): an access one element outside any operand faults. The results must
// equal those of the same call on ordinary slices. Each level is a parallel
// subtest with its own regions.
func TestStepGuardPages(t *testing.T) {
	const maxSize = 3*widest + 1
	kerneltest.ForEachLevelParallel(t, func(t *testing.T, k *kerneltest.Kernels) {
		tails, heads := guardRegions(t, 7, 4*maxSize*2*maxSize)
		for hidden := 0; hidden <= maxSize; hidden++ {
			for inputs := 0; inputs <= maxSize; inputs++ {
				checkStepGuarded(t, k, [][]*guard.Region{tails, heads}, hidden, inputs)
			}
		}
		const bigHidden, bigInputs = 128, 13
		tails, heads = guardRegions(t, 7, 4*bigHidden*(bigHidden+bigInputs))
		for _, hidden := range []int{64, 80, bigHidden} {
			for _, inputs := range []int{1, bigInputs} {
				checkStepGuarded(t, k, [][]*guard.Region{tails, heads}, hidden, inputs)
			}
		}
	})
}

// checkStepGuarded runs one LSTMStep and one GRUStep case with the
// operands placed in each set of regions (tails, heads) and compares with
// the same call on ordinary slices.
func checkStepGuarded(t *testing.T, k *kerneltest.Kernels, sets [][]*guard.Region, hidden, inputs int) {
	t.Helper()
	// place copies the operands into the regions.
	place := func(regions []*guard.Region, ops ...[]float32) [][]float32 {
		out := make([][]float32, len(ops))
		for i, op := range ops {
			out[i] = regions[i].Floats(len(op))
			copy(out[i], op)
		}
		return out
	}
	for _, regions := range sets {
		s := newLSTMStepCase(uint64(hidden*64+inputs), hidden, inputs)
		g := place(regions, s.h, s.c, s.w, s.xh, s.bias)
		k.LSTMStep(g[0], g[1], g[2], g[3], g[4])
		k.LSTMStep(s.h, s.c, s.w, s.xh, s.bias)
		require.Equal(t, s.h, g[0], "LSTM H=%d I=%d", hidden, inputs)
		require.Equal(t, s.c, g[1], "LSTM H=%d I=%d", hidden, inputs)

		r := newGRUStepCase(uint64(hidden*64+inputs), hidden, inputs)
		g = place(regions, r.h, r.wIH, r.wHH, r.x, r.hPrev, r.bIH, r.bHH)
		k.GRUStep(g[0], g[1], g[2], g[3], g[4], g[5], g[6])
		k.GRUStep(r.h, r.wIH, r.wHH, r.x, r.hPrev, r.bIH, r.bHH)
		require.Equal(t, r.h, g[0], "GRU H=%d I=%d", hidden, inputs)
	}
}
