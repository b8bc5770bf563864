// Package team runs one job on several goroutines at once, with workers
// that persist between jobs: after a job a worker polls for the next one
// for a short while (so a caller that posts jobs back to back pays no
// wake-up), then parks. The caller's goroutine takes part as worker 0.
// Posting a job allocates nothing.
package team

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Job is work split among a team's workers: Run(w) does worker w's share,
// for w = 0 … Size()−1.
type Job interface {
	Run(w int)
}

// SpinFor is how long an idle worker of New polls for the next job before
// it parks.
const SpinFor = 50 * time.Microsecond

// live counts the workers of every team that have not exited (for tests).
var live atomic.Int64

// Live returns the number of workers, of all teams, that have not exited.
func Live() int64 { return live.Load() }

// Team is a caller and size − 1 persistent worker goroutines. A Team is
// for one caller at a time. Stop ends the workers.
type Team struct {
	size   int
	spin   time.Duration
	job    Job
	shares int // workers with a share of the current job
	gen    atomic.Uint64
	done   atomic.Int64
	stop   atomic.Bool
	// parked says which workers wait on their wake channel. A worker
	// parks, and the caller wakes, under mu: the worker checks for a new
	// job and marks itself parked in one critical section, so a job posted
	// before it is seen and one posted after it finds the mark. (A lock-free
	// mark, a store then a load on each side, missed wake-ups under
	// qemu-user on an x86 host, which does not keep a store before a later
	// load.)
	mu     sync.Mutex
	parked []bool
	wake   []chan struct{}
	exited sync.WaitGroup
}

// New starts a team of size goroutines in all (size − 1 workers), whose
// workers poll for SpinFor before they park; size ≥ 1.
func New(size int) *Team { return NewSpin(size, SpinFor) }

// NewSpin is New with workers that poll for spin before they park.
func NewSpin(size int, spin time.Duration) *Team {
	t := &Team{size: size, spin: spin, parked: make([]bool, size), wake: make([]chan struct{}, size)}
	for w := 1; w < size; w++ {
		t.wake[w] = make(chan struct{}, 1)
		t.exited.Add(1)
		live.Add(1)
		go t.worker(w, t.gen.Load())
	}
	return t
}

// Size returns the number of goroutines, the caller's included.
func (t *Team) Size() int { return t.size }

// Do runs job.Run(w) for w < shares (at most Size) on the team, worker 0
// on the caller's goroutine, and returns when every worker has seen the
// job (those without a share only acknowledge it), so that no worker is
// still reading it when the next one is posted.
func (t *Team) Do(job Job, shares int) {
	shares = min(shares, t.size)
	if shares <= 1 {
		job.Run(0)
		return
	}
	t.job, t.shares = job, shares
	t.done.Store(0)
	t.gen.Add(1)
	t.wakeParked()
	job.Run(0)
	for spins := 1; t.done.Load() != int64(t.size-1); spins++ {
		if spins%64 == 0 {
			runtime.Gosched() // with fewer Ps than workers, let one run
		}
	}
	t.job = nil
}

// Stop ends the workers and waits for them to exit; the team then runs
// every job on the caller's goroutine alone. It is safe to call more than
// once.
func (t *Team) Stop() {
	if t.stop.Swap(true) {
		return
	}
	t.gen.Add(1)
	t.wakeParked()
	t.exited.Wait()
	t.size = 1
}

// wakeParked wakes the workers that parked (their channels are empty:
// a worker parks again only after it took its last wake-up).
func (t *Team) wakeParked() {
	t.mu.Lock()
	for w := 1; w < len(t.parked); w++ {
		if t.parked[w] {
			t.parked[w] = false
			t.wake[w] <- struct{}{}
		}
	}
	t.mu.Unlock()
}

// worker runs worker w's share of every job posted after generation seen
// until Stop (seen is read before the goroutine starts, so that a job
// posted before it runs is not missed).
func (t *Team) worker(w int, seen uint64) {
	defer t.exited.Done()
	defer live.Add(-1)
	for {
		start := time.Now()
		for spins := 1; t.gen.Load() == seen; spins++ {
			if spins%64 == 0 {
				runtime.Gosched() // with fewer Ps than workers, let one run
			}
			if spins%256 == 0 && time.Since(start) > t.spin {
				t.mu.Lock()
				if t.gen.Load() != seen {
					t.mu.Unlock() // a job arrived: take it
					break
				}
				t.parked[w] = true
				t.mu.Unlock()
				<-t.wake[w]
				start = time.Now()
			}
		}
		seen = t.gen.Load()
		if t.stop.Load() {
			return
		}
		if w < t.shares {
			t.job.Run(w)
		}
		t.done.Add(1)
	}
}
