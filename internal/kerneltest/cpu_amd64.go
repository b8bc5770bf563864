//go:build !purego

package kerneltest

import (
	"golang.org/x/sys/cpu"

	"github.com/simdrnn/simdrnn/internal/level"
)

// cpuHasUnimplemented names a SIMD level the CPU reports (as x/sys/cpu sees
// it, GODEBUG switches included) that this build does not run. AVX-512 has
// no implementation yet, so a CPU with AVX512F fails the strict check: the
// tests would otherwise pass without testing the level such a CPU is owed.
func cpuHasUnimplemented() string {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA && !level.Has(level.AVX2) {
		return "the CPU reports AVX2 and FMA, but the avx2 level is not available"
	}
	if cpu.X86.HasAVX512F {
		return "the CPU reports AVX512F, but simdrnn has no AVX-512 level yet: it is not exercised"
	}
	return ""
}
