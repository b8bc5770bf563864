//go:build linux

package kernels_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/guard"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestGuardPages places every operand so that it ends exactly at a PROT_NONE
// page, then so that it starts right after one, for every length up to
// 3·widest+1 (and matrices of up to 9 rows and batches of up to 9). A read
// or write one element outside any operand faults and kills the test.
// Each level is a parallel subtest with its own regions.
func TestGuardPages(t *testing.T) {
	kerneltest.ForEachLevelParallel(t, func(t *testing.T, k *kerneltest.Kernels) {
		tails, heads := guardRegions(t, 3, 9*(3*widest+1)*9)
		for _, sp := range kerneltest.Specs {
			t.Run(sp.Name, func(t *testing.T) {
				r := kerneltest.Rand(3)
				rows, bs := []int{1}, []int{1}
				if sp.Matrix {
					rows = seq(1, 9)
				}
				if sp.Batched {
					bs = seq(1, 9)
				}
				for _, m := range rows {
					for n := 0; n <= 3*widest+1; n++ {
						for _, b := range bs {
							s := kerneltest.Shape{Rows: m, Cols: n, Batch: b}
							for _, regions := range [][]*guard.Region{tails, heads} {
								sizes := sp.Sizes(s)
								ops := make([][]float32, len(sizes))
								for i, size := range sizes {
									ops[i] = regions[i].Floats(size)
									kerneltest.Fill(r, ops[i])
								}
								require.NoError(t, sp.Execute(k, s, 0.75, ops))
							}
						}
					}
				}
			})
		}
	})
}

// guardRegions returns count regions ending at a PROT_NONE page and count
// starting after one, each with room for capacity float32s, freed when the
// test ends.
func guardRegions(t *testing.T, count, capacity int) (tails, heads []*guard.Region) {
	t.Helper()
	return guard.Regions(t, count, capacity)
}
