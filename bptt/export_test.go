package bptt

import "github.com/simdrnn/simdrnn/internal/engine"

// SetSplitMinBytes lowers the size of W_hh from which a Tape's workers
// split a step, so that the tests cover the split on small nets; it
// returns a function that restores it.
func SetSplitMinBytes(n int) (restore func()) {
	old := engine.SplitMinBytes
	engine.SplitMinBytes = n
	return func() { engine.SplitMinBytes = old }
}
