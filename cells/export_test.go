package cells

import "github.com/simdrnn/simdrnn/internal/team"

// SetParallelMinBytes lowers the size from which SetWorkers splits a
// layer, so that the tests cover the parallel step on small models; it
// returns a function that restores it.
func SetParallelMinBytes(n int) (restore func()) {
	old := parallelMinBytes
	parallelMinBytes = n
	return func() { parallelMinBytes = old }
}

// LiveWorkers returns the number of State workers that have not exited.
func LiveWorkers() int64 { return team.Live() }
