package team

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// countJob records which workers ran it.
type countJob struct{ ran [8]atomic.Int32 }

func (j *countJob) Run(w int) { j.ran[w].Add(1) }

// TestDo checks every share runs exactly once per job, the caller's as
// worker 0, for all and for fewer shares than workers, with workers
// spinning and parked, and that Stop ends the workers and leaves a team
// that runs jobs alone.
func TestDo(t *testing.T) {
	before := Live()
	tm := New(4)
	if tm.Size() != 4 || Live() != before+3 {
		t.Fatalf("Size %d, live workers %d; want 4 and %d", tm.Size(), Live(), before+3)
	}
	for round, shares := range []int{4, 2, 1, 3, 9, 4} {
		var j countJob
		tm.Do(&j, shares)
		for w := range j.ran {
			want := int32(0)
			if w < min(shares, 4) {
				want = 1
			}
			if got := j.ran[w].Load(); got != want {
				t.Fatalf("round %d, %d shares: worker %d ran %d times; want %d", round, shares, w, got, want)
			}
		}
		if round == 2 {
			time.Sleep(2 * SpinFor) // the workers park
		}
	}
	tm.Stop()
	tm.Stop()
	if Live() != before {
		t.Fatalf("%d live workers after Stop; want %d", Live(), before)
	}
	var j countJob
	tm.Do(&j, 4)
	if j.ran[0].Load() != 1 || j.ran[1].Load() != 0 {
		t.Fatal("a stopped team must run a job on the caller alone")
	}
}

// TestDoAllocatesNothing checks posting a job allocates nothing.
func TestDoAllocatesNothing(t *testing.T) {
	tm := New(2)
	defer tm.Stop()
	var j countJob
	if n := testing.AllocsPerRun(100, func() { tm.Do(&j, 2) }); n != 0 {
		t.Fatalf("Do allocates %v times", n)
	}
}

// TestParkWakeRace posts thousands of jobs with pauses around a short spin,
// so that workers park and are woken in every interleaving: a lost wake-up
// hangs the test (go test's -timeout fails it). It once hung under
// qemu-user with a lock-free parking mark.
func TestParkWakeRace(t *testing.T) {
	tm := NewSpin(3, 2*time.Microsecond)
	defer tm.Stop()
	var j countJob
	for i := 0; i < 3000; i++ {
		if i%3 != 0 {
			time.Sleep(time.Duration(i%7) * time.Microsecond)
		}
		tm.Do(&j, 3)
	}
	for w := 0; w < 3; w++ {
		if got := j.ran[w].Load(); got != 3000 {
			t.Fatalf("worker %d ran %d of 3000 jobs", w, got)
		}
	}
}

// TestOwned checks Start, Size and Stop, and that an owner dropped
// without Stop stops its team when collected.
func TestOwned(t *testing.T) {
	base := Live()
	type owner struct{ workers Owned }
	o := &owner{}
	require.Equal(t, 1, o.workers.Size())
	Start(&o.workers, o, 3)
	require.Equal(t, 3, o.workers.Size())
	require.Equal(t, base+2, Live())
	Start(&o.workers, o, 1)
	require.Nil(t, o.workers.Team())
	o.workers.Stop()
	func() {
		dropped := &owner{}
		Start(&dropped.workers, dropped, 2)
	}()
	deadline := time.Now().Add(time.Second)
	for Live() > base && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, base, Live(), "a dropped owner's team must stop")
}
