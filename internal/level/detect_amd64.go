//go:build !purego

package level

import "golang.org/x/sys/cpu"

// detect returns the assembly levels this CPU supports, best first.
// AVX-512 code is not shipped yet (see README), so only AVX2 is detected.
func detect() []Level {
	var levels []Level
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		levels = append(levels, AVX2)
	}
	return levels
}
