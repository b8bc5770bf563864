//go:build !purego

package kerneltest

import (
	"golang.org/x/sys/cpu"

	"github.com/simdrnn/simdrnn/internal/level"
)

// cpuHasUnimplemented names a level the library implements for this CPU
// (as x/sys/cpu sees it, GODEBUG switches included) that this build does not
// run. simdrnn has no AVX-512 level, so AVX512F is not asked about: on such
// a CPU the levels owed are avx2 and generic, and those stay strict.
func cpuHasUnimplemented() string {
	return x86Unimplemented(x86Features{AVX2: cpu.X86.HasAVX2, FMA: cpu.X86.HasFMA, AVX512F: cpu.X86.HasAVX512F}, level.Has(level.AVX2))
}

// x86Features are the CPU features the strict level check looks at.
type x86Features struct{ AVX2, FMA, AVX512F bool }

// x86Unimplemented is cpuHasUnimplemented for given features and whether
// this build offers the avx2 level. AVX512F is deliberately not consulted.
func x86Unimplemented(f x86Features, haveAVX2 bool) string {
	if f.AVX2 && f.FMA && !haveAVX2 {
		return "the CPU reports AVX2 and FMA, but the avx2 level is not available"
	}
	return ""
}
