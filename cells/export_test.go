package cells

import (
	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/internal/team"
)

// SetParallelMinBytes lowers the sizes from which State.SetWorkers and
// Workspace.SetWorkers split a layer, so that the tests cover the parallel
// steps on small models; it returns a function that restores them.
func SetParallelMinBytes(n int) (restore func()) {
	old, oldSplit, oldUnits := parallelMinBytes, engine.SplitMinBytes, engine.UnitMinBytes
	parallelMinBytes, engine.SplitMinBytes, engine.UnitMinBytes = n, n, n
	return func() { parallelMinBytes, engine.SplitMinBytes, engine.UnitMinBytes = old, oldSplit, oldUnits }
}

// LiveWorkers returns the number of State workers that have not exited.
func LiveWorkers() int64 { return team.Live() }

// SetMemoryLimit lowers the memory limit sizes are checked against.
func SetMemoryLimit(n uint64) (restore func()) { return shape.SetMemoryLimit(n) }
