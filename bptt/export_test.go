package bptt

import "github.com/simdrnn/simdrnn/internal/engine"

// SetSplitMinBytes lowers the size of W_hh from which a Tape's workers
// split a step, so that the tests cover the split on small nets; it
// returns a function that restores it.
func SetSplitMinBytes(n int) (restore func()) {
	old, oldUnits := engine.SplitMinBytes, engine.UnitMinBytes
	engine.SplitMinBytes, engine.UnitMinBytes = n, n
	return func() { engine.SplitMinBytes, engine.UnitMinBytes = old, oldUnits }
}
