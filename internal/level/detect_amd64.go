//go:build !purego

package level

import "golang.org/x/sys/cpu"

// detect returns the assembly levels this CPU supports, best first. There
// is no AVX-512 level (see README): a CPU with AVX512F gets avx2.
func detect() []Level {
	var levels []Level
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		levels = append(levels, AVX2)
	}
	return levels
}
