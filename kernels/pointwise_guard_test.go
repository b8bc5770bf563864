//go:build linux

package kernels_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/guard"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestPointwiseGuardPages places every operand of every activation and
// fused pointwise kernel so that it ends exactly at a PROT_NONE page, then
// so that it starts right after one, for hidden sizes up to 3·widest+1 and
// batches up to 3: an access one element outside any operand faults.
func TestPointwiseGuardPages(t *testing.T) {
	const maxOperands = 7
	tails, heads := guardRegions(t, maxOperands, 4*(3*widest+1)*3)
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, sp := range kerneltest.PWSpecs {
			t.Run(sp.Name, func(t *testing.T) {
				require.LessOrEqual(t, len(sp.Operands), maxOperands)
				r := kerneltest.Rand(14)
				batches := []int{1, 2, 3}
				if sp.Flat {
					batches = []int{1}
				}
				for _, batch := range batches {
					for hidden := 0; hidden <= 3*widest+1; hidden++ {
						for _, regions := range [][]*guard.Region{tails, heads} {
							sizes := sp.Sizes(batch, hidden)
							ops := make([][]float32, len(sizes))
							for i, n := range sizes {
								ops[i] = regions[i].Floats(n)
							}
							kerneltest.FillPW(r, sp, ops, batch, hidden)
							require.NoError(t, sp.Execute(ops, batch, hidden))
						}
					}
				}
			})
		}
	})
}
