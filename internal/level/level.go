// Package level records which kernel implementation level this process uses.
//
// The level is chosen once, at start-up, from golang.org/x/sys/cpu (which
// honours GODEBUG switches such as cpu.avx512f=off or cpu.avx2=off). Every
// exported kernel in package kernels reads Active once and passes it to its
// dispatch function, which switches on the level it is given to call the
// assembly of that level directly (so internal code and tests can run a
// level without changing Active). Force changes the level for tests and
// benchmarks only: it is not safe to call while kernels run on other
// goroutines.
package level

import "fmt"

// Level is one implementation level of the kernels.
type Level uint8

// The levels, from the portable one up.
const (
	Generic Level = iota // pure Go, always present
	AVX2                 // amd64 with AVX2 and FMA
	NEON                 // arm64 with ASIMD
)

// There is no AVX-512 level: a CPU with AVX512F runs the avx2 level.

var names = [...]string{Generic: "generic", AVX2: "avx2", NEON: "neon"}

// String returns the level's short name, as used in benchmark names and in
// SIMDRNN_REQUIRE_LEVELS.
func (l Level) String() string {
	if int(l) < len(names) {
		return names[l]
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// Parse returns the level named s.
func Parse(s string) (Level, error) {
	for l, name := range names {
		if name == s {
			return Level(l), nil
		}
	}
	return 0, fmt.Errorf("level: unknown level %q", s)
}

// Active is the level the kernels use. It is read on every kernel call.
var Active Level

// available lists the levels this CPU and build support, best first; Generic
// is always last.
var available []Level

func init() {
	available = append(detect(), Generic)
	Active = available[0]
}

// Available returns the levels this CPU and build support, best first, with
// Generic last.
func Available() []Level {
	return append([]Level(nil), available...)
}

// Has reports whether l is available.
func Has(l Level) bool {
	for _, a := range available {
		if a == l {
			return true
		}
	}
	return false
}

// Force makes l the active level and returns a function that restores the
// previous one. It panics if l is not available: running a level the CPU
// lacks would crash with an illegal instruction.
func Force(l Level) (restore func()) {
	if !Has(l) {
		panic(fmt.Sprintf("level: %v is not available on this CPU/build (available: %v)", l, available))
	}
	previous := Active
	Active = l
	return func() { Active = previous }
}
