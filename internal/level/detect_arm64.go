//go:build !purego

package level

import "golang.org/x/sys/cpu"

// detect returns the assembly levels this CPU supports, best first. Every
// arm64 CPU Go runs on has ASIMD; GODEBUG=cpu.asimd=off clears the flag and
// so selects the generic code. cpu.Initialized stays false on linux/arm64
// even though the flags are filled in, so it is not consulted.
func detect() []Level {
	var levels []Level
	if cpu.ARM64.HasASIMD {
		levels = append(levels, NEON)
	}
	return levels
}
