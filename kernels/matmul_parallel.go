package kernels

import (
	"sync"
	"sync/atomic"

	"github.com/simdrnn/simdrnn/internal/level"
)

var matMulMaxWorkers atomic.Int32

func init() { matMulMaxWorkers.Store(1) }

// SetMatMulWorkers lets MatMul and MatMulAdd split a large product over up
// to n goroutines (each taking its own rows of C) and returns the previous
// setting. The default, 1, runs every product on the calling goroutine, so a
// call costs no synchronisation. Products too small to gain are not split
// whatever the setting. n < 1 is taken as 1. Safe to call concurrently with
// products in flight: a product reads the setting at each of its cache
// blocks, so one in flight may run some blocks with the old setting and the
// rest with the new one.
func SetMatMulWorkers(n int) (previous int) {
	if n < 1 {
		n = 1
	}
	return int(matMulMaxWorkers.Swap(int32(n)))
}

// matMulParallelFlops is the size of a kc×nc block of work (times m) below
// which splitting does not pay for starting goroutines.
const matMulParallelFlops = 1 << 21

// matMulWorkers returns how many goroutines to use for an m×nc×kc block.
func matMulWorkers(m, nc, kc int) int {
	workers := int(matMulMaxWorkers.Load())
	if workers <= 1 || m*nc*kc < matMulParallelFlops {
		return 1
	}
	blocks := (m + matMulMR - 1) / matMulMR
	return min(workers, blocks)
}

// matMulParallel splits the rows of C in an m×nc block into one contiguous
// range per worker (multiples of MR rows), each with its own packed A
// buffer; the packed B block is shared read-only. The caller computes the
// last range itself with work, so that workers − 1 goroutines start and
// none of the cores waits idle.
func matMulParallel(l level.Level, work *matMulWork, workers int, packedB []float32, transA bool, a []float32, lda int, c []float32, ldc, m, jc, pc, kc, nc int, add bool) {
	panels := (m + matMulMR - 1) / matMulMR
	rows := func(work *matMulWork, rowStart, rowEnd int) {
		for ic := rowStart; ic < rowEnd; ic += matMulMC {
			mc := min(matMulMC, rowEnd-ic)
			packA(l, work.packedA, transA, a, lda, ic, pc, mc, kc)
			macroKernel(l, work, work.packedA, packedB, c, ldc, ic, jc, mc, nc, kc, add)
		}
	}
	var wg sync.WaitGroup
	start := 0
	for w := 0; w < workers; w++ {
		count := panels / workers
		if w < panels%workers {
			count++
		}
		rowStart, rowEnd := start*matMulMR, min(m, (start+count)*matMulMR)
		start += count
		if w == workers-1 {
			rows(work, rowStart, rowEnd)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			work := getMatMulWork()
			defer putMatMulWork(work)
			rows(work, rowStart, rowEnd)
		}()
	}
	wg.Wait()
}
