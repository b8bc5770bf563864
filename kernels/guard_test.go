//go:build linux

package kernels_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/guard"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestGuardPages places every operand so that it ends exactly at a PROT_NONE
// page, then so that it starts right after one, for every length up to
// 3·widest+1 (and matrices of up to 9 rows and batches of up to 9). A read
// or write one element outside any operand faults and kills the test.
// Matrices of 64…136 rows then take the paths that need many rows: AVX2
// batch-1 MatVec's blocks of eight strided rows, stored eight blocks at a
// time (from 64 rows), with blocks left over after them (72, 79, 136) and
// single rows after those (79), at every batch up to 9 and up to 17 columns.
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
							guardShape(t, sp, k, kerneltest.Shape{Rows: m, Cols: n, Batch: b}, r, tails, heads)
						}
					}
				}
				if !sp.Matrix {
					return
				}
				for _, m := range []int{64, 72, 79, 136} {
					for n := 0; n <= 17; n++ {
						for _, b := range bs {
							guardShape(t, sp, k, kerneltest.Shape{Rows: m, Cols: n, Batch: b}, r, tails, heads)
						}
					}
				}
			})
		}
	})
}

// guardShape runs sp at shape s with its operands at the end of the tails
// regions, then at the start of the heads regions.
func guardShape(t *testing.T, sp kerneltest.Spec, k *kerneltest.Kernels, s kerneltest.Shape, r *rand.Rand, tails, heads []*guard.Region) {
	t.Helper()
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

// guardRegions returns count regions ending at a PROT_NONE page and count
// starting after one, each with room for capacity float32s, freed when the
// test ends.
func guardRegions(t *testing.T, count, capacity int) (tails, heads []*guard.Region) {
	t.Helper()
	return guard.Regions(t, count, capacity)
}
