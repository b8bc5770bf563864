//go:build !purego

package kerneltest

import (
	"golang.org/x/sys/cpu"

	"github.com/simdrnn/simdrnn/internal/level"
)

// cpuHasUnimplemented names a SIMD level the CPU reports (as x/sys/cpu sees
// it, GODEBUG switches included) that this build does not run.
func cpuHasUnimplemented() string {
	if cpu.ARM64.HasASIMD && !level.Has(level.NEON) {
		return "the CPU reports ASIMD, but the neon level is not available"
	}
	return ""
}
