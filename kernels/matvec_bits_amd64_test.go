package kernels_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// TestMatVecBatchBitsAVX2 checks what the AVX2 generator's plans promise
// (asm/avx2/matvec.go, mvPlans): with the rows a multiple of eight every
// batch, split into passes of up to eight or not, sums each row in
// MatVec's order, so a vector's result does not depend on the batch it
// came in. Rows of 2048 columns and more take B = 2's prefetching loop.
func TestMatVecBatchBitsAVX2(t *testing.T) {
	kerneltest.NeedLevel(t, level.AVX2)
	r := kerneltest.Rand(17)
	for _, rows := range []int{8, 16, 24, 72, 200, 256} {
		for _, cols := range []int{1, 7, 8, 9, 31, 64, 100, 128, 2048, 2053} {
			w := make([]float32, rows*cols)
			kerneltest.Fill(r, w)
			for batch := 1; batch <= 11; batch++ {
				x := make([]float32, batch*cols)
				kerneltest.Fill(r, x)
				for _, add := range []bool{false, true} {
					y := make([]float32, batch*rows)
					kerneltest.Fill(r, y)
					want := append([]float32(nil), y...)
					if add {
						kernels.MatVecBatchAddAt(level.AVX2, y, w, x, batch)
					} else {
						kernels.MatVecBatchAt(level.AVX2, y, w, x, batch)
					}
					for b := 0; b < batch; b++ {
						yb, xb := want[b*rows:(b+1)*rows], x[b*cols:(b+1)*cols]
						if add {
							kernels.MatVecAddAt(level.AVX2, yb, w, xb)
						} else {
							kernels.MatVecAt(level.AVX2, yb, w, xb)
						}
					}
					require.Equal(t, want, y, fmt.Sprintf("rows %d cols %d batch %d add %v", rows, cols, batch, add))
				}
			}
		}
	}
}
