//go:build linux

package kernels_test

import (
	"testing"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/guard"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// lowpGuardCols are the column counts of the reduced-precision guard test:
// every count up to three int8 steps (32 columns) plus one.
const lowpGuardCols = 3*32 + 1

// TestLowpGuardPages places every operand of the F16, BF16 and int8 MatVec
// kernels (y, W, x, and the int8 scales) so that it ends exactly at a
// PROT_NONE page, then so that it starts right after one, for every column
// count up to lowpGuardCols, rows 1…9 and batches 1…9, and does the same
// for the quantizer and the step kernels: a read or write one element
// outside an operand faults and kills the test.
func TestLowpGuardPages(t *testing.T) {
	kerneltest.ForEachLevelAt(t, func(t *testing.T, l level.Level) {
		const capacity = 9 * lowpGuardCols * 9
		tails, heads := guardRegions(t, 5, capacity)
		r := kerneltest.Rand(uint64(l))
		for _, regions := range [][]*guard.Region{tails, heads} {
			for rows := 1; rows <= 9; rows++ {
				for cols := 0; cols <= lowpGuardCols; cols++ {
					for batch := 1; batch <= 9; batch++ {
						if batch > 1 && rows > 5 && batch != 8 {
							continue
						}
						y := regions[0].Floats(batch * rows)
						x := regions[2].Floats(batch * cols)
						kerneltest.Fill(r, x)
						wh := guard.Elems[kernels.F16](regions[1], rows*cols)
						for i := range wh {
							wh[i] = kernels.F16(0x3c00 + i%7)
						}
						kernels.MatVecF16At(l, y, wh, x, batch, batch%2 == 0)
						wb := guard.Elems[kernels.BF16](regions[1], rows*cols)
						kernels.MatVecBF16At(l, y, wb, x, batch, batch%2 == 1)
						wq := guard.Elems[int8](regions[1], rows*cols)
						xq := guard.Elems[int8](regions[2], batch*cols)
						for i := range wq {
							wq[i] = int8(i%255 - 127)
						}
						for i := range xq {
							xq[i] = int8(127 - i%255)
						}
						ws, xs := regions[3].Floats(rows), regions[4].Floats(batch)
						kerneltest.Fill(r, ws)
						kerneltest.Fill(r, xs)
						kernels.MatVecInt8At(l, y, wq, ws, xq, xs, batch%2 == 0)
					}
				}
			}
			for n := 0; n <= lowpGuardCols; n++ {
				x := regions[0].Floats(n)
				kerneltest.Fill(r, x)
				kernels.QuantizeVectorAt(l, guard.Elems[int8](regions[1], n), x)
			}
		}
	})
}
