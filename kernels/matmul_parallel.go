package kernels

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/team"
)

var matMulMaxWorkers atomic.Int32

func init() { matMulMaxWorkers.Store(1) }

// SetMatMulWorkers lets MatMul and MatMulAdd split a large product over up
// to n goroutines (each taking its own rows or columns of C) and returns
// the previous setting. The default, 1, runs every product on the calling
// goroutine, so a call costs no synchronisation. Products too small to gain
// are not split whatever the setting. n < 1 is taken as 1. Safe to call
// concurrently with products in flight: a product reads the setting once
// per cache block, so one in flight may run some blocks with the old
// setting and the rest with the new one.
func SetMatMulWorkers(n int) (previous int) {
	if n < 1 {
		n = 1
	}
	return int(matMulMaxWorkers.Swap(int32(n)))
}

// matMulParallelFlops is the size of a kc×nc block of work (times m) below
// which splitting does not pay for starting goroutines.
const matMulParallelFlops = 1 << 21

// matMulSplit returns how many goroutines to use for an m×nc×kc block and
// whether they share it out by columns (NR-wide panels of B) rather than by
// rows (see matMulColPanels).
func matMulSplit(m, nc, kc int) (workers int, cols bool) {
	workers = int(matMulMaxWorkers.Load())
	if workers <= 1 || m*nc*kc < matMulParallelFlops {
		return 1, false
	}
	panels := (nc + matMulNR - 1) / matMulNR
	if m <= matMulMC || panels >= matMulColPanels*workers {
		return min(workers, panels), true
	}
	return min(workers, (m+matMulMR-1)/matMulMR), false
}

// matMulColPanels is the number of panels of B per worker from which a
// split block is shared out by columns even when A does not fit one packed
// block: each worker then runs the one-worker product on its own columns
// of C — all rows of A, packed by each worker (m·kc floats, a small cost
// next to m·kc·(its columns) multiply-adds), and its own panels of B, packed
// as its first MC rows reach them and kept for the other rows — with one
// synchronisation per block and nothing shared but the inputs. Below it
// (few columns, many rows) the rows are shared out: B is packed once by all
// workers together, then each multiplies its own rows by all of it. When
// all of A fits one packed block (m ≤ MC) the block is split by columns
// whatever the number of panels.
const matMulColPanels = 4

// share returns worker w's part [first, first+count) of n items shared out
// among workers as evenly as possible.
func share(n, workers, w int) (first, count int) {
	first = n/workers*w + min(w, n%workers)
	count = n / workers
	if w < n%workers {
		count++
	}
	return first, count
}

// matMulTeam is the persistent workers of split products (internal/team):
// created on the first split product with the number of workers it asks
// for (re-created larger if a later one asks for more) and kept, so that a
// split pays no goroutine start and no wake-up of an idle thread while its
// workers still poll (matMulSpin after a block), only a parked worker's
// wake-up after that. One product at a time uses it; a product that finds it busy
// (products running concurrently on several goroutines) starts goroutines
// of its own.
var matMulTeam struct {
	busy atomic.Bool // held by the product using team (and making it)
	team *team.Team
	job  matMulJob
	pack packJob
}

// matMulSpin is how long matMulTeam's workers poll after a block: long
// enough to outlast the gap between two blocks' rounds (the slowest share
// finishing, the next block's setup) and between products called back to
// back, since waking a parked worker took about 90 µs on the development
// VM (measured at square 256: the second share started 91 µs late with
// workers that parked after 50 µs).
const matMulSpin = 250 * time.Microsecond

// matMulJob is a split product's block: worker w computes its range of
// rows or of columns of C (see matMulParallel).
type matMulJob struct {
	l                      level.Level
	work                   *matMulWork // the caller's (worker 0)
	workers                int
	cols                   bool // split by columns (else by rows)
	packedB                []float32
	source                 bSource // to pack by panels instead (cols only)
	transA                 bool
	a                      []float32
	lda                    int
	c                      []float32
	ldc, m, jc, pc, kc, nc int
	add                    bool
}

// panelRange returns worker w's range of nc columns: whole NR-column
// panels, shared out as evenly as possible.
func panelRange(nc, workers, w int) (start, end int) {
	first, count := share((nc+matMulNR-1)/matMulNR, workers, w)
	return first * matMulNR, min(nc, (first+count)*matMulNR)
}

// rows returns worker w's range of rows of C: contiguous multiples of MR,
// the panels shared out as evenly as possible.
func (j *matMulJob) rows(w int) (start, end int) {
	first, count := share((j.m+matMulMR-1)/matMulMR, j.workers, w)
	return first * matMulMR, min(j.m, (first+count)*matMulMR)
}

// Run computes worker w's rows or columns (a team.Job).
func (j *matMulJob) Run(w int) {
	work := j.work
	if w > 0 {
		work = getMatMulWork()
		defer putMatMulWork(work)
	}
	if j.cols {
		// All rows, this worker's panels of B.
		j0, j1 := panelRange(j.nc, j.workers, w)
		if j1 > j0 {
			packedB, source := j.packedB[j0*j.kc:], j.source
			if source.b != nil {
				// This worker's panels are packed into its own buffer.
				packedB, source.jc = work.packedB, source.jc+j0
			}
			blockProduct(j.l, work, packedB, source, j.transA, j.a, j.lda, j.c, j.ldc, j.m, j.jc+j0, j.pc, j.kc, j1-j0, j.add)
		}
		return
	}
	rowStart, rowEnd := j.rows(w)
	rowBlocks(j.l, work, j.packedB, bSource{}, j.transA, j.a, j.lda, j.c, j.ldc, rowStart, rowEnd, j.jc, j.pc, j.kc, j.nc, j.add)
}

// packJob packs a block of op(B) split among matMulTeam's workers: worker
// w packs its own run of NR-column panels.
type packJob struct {
	l                   level.Level
	block               []float32
	workers             int
	transB              bool
	b                   []float32
	ldb, pc, jc, kc, nc int
}

// Run packs worker w's panels (a team.Job).
func (j *packJob) Run(w int) {
	j0, j1 := panelRange(j.nc, j.workers, w)
	if j1 > j0 {
		packB(j.l, j.block[j0*j.kc:], j.transB, j.b, j.ldb, j.pc, j.jc+j0, j.kc, j1-j0)
	}
}

// packBSplit packs a kc×nc block of op(B) into block on matMulTeam's
// workers, as packB does alone (panels are independent), and reports
// whether it could: false if the team is busy with another product. A
// block of a split product is tens of µs of packing, which one core would
// do while the others wait.
func packBSplit(l level.Level, block []float32, workers int, transB bool, b []float32, ldb, pc, jc, kc, nc int) bool {
	t := acquireMatMulTeam(workers)
	if t == nil {
		return false
	}
	job := &matMulTeam.pack
	*job = packJob{l: l, block: block, workers: workers, transB: transB, b: b, ldb: ldb, pc: pc, jc: jc, kc: kc, nc: nc}
	t.Do(job, workers)
	*job = packJob{}
	matMulTeam.busy.Store(false)
	return true
}

// acquireMatMulTeam returns matMulTeam's team of at least workers, made or
// grown on demand, with the team marked busy (release: busy.Store(false)),
// or nil if another product holds it.
func acquireMatMulTeam(workers int) *team.Team {
	if !matMulTeam.busy.CompareAndSwap(false, true) {
		return nil
	}
	if matMulTeam.team == nil || matMulTeam.team.Size() < workers {
		if matMulTeam.team != nil {
			matMulTeam.team.Stop()
		}
		matMulTeam.team = team.NewSpin(workers, matMulSpin)
	}
	return matMulTeam.team
}

// matMulParallel splits an m×nc block of C among workers (see
// matMulSplit): by rows, into one contiguous range of rows per worker
// (multiples of MR rows), each with its own packed A buffer and the packed B
// block shared read-only; or by columns, into ranges of NR-column panels,
// each worker running blockProduct on its own (packing its panels of B as
// it reaches them when source names the block, MatMul; reading them from
// packedB when it does not, MatMulPacked). The caller computes the first
// range itself with work. The workers are matMulTeam's when it is free,
// else goroutines started for this block.
func matMulParallel(l level.Level, work *matMulWork, workers int, cols bool, packedB []float32, source bSource, transA bool, a []float32, lda int, c []float32, ldc, m, jc, pc, kc, nc int, add bool) {
	job := matMulJob{l: l, work: work, workers: workers, cols: cols, packedB: packedB, source: source, transA: transA, a: a, lda: lda, c: c, ldc: ldc, m: m, jc: jc, pc: pc, kc: kc, nc: nc, add: add}
	if t := acquireMatMulTeam(workers); t != nil {
		shared := &matMulTeam.job
		*shared = job
		t.Do(shared, workers)
		*shared = matMulJob{}
		matMulTeam.busy.Store(false)
		return
	}
	job.runGoroutines()
}

// runGoroutines runs the job's ranges on goroutines started for it, the
// first on the caller's (for a product that finds matMulTeam busy).
func (j matMulJob) runGoroutines() {
	var wg sync.WaitGroup
	for w := 1; w < j.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.Run(w)
		}()
	}
	j.Run(0)
	wg.Wait()
}
