package main

import (
	"os"
	"regexp"
	"strings"
)

// noOpMove matches a register-to-register VMOVAPS whose source and
// destination are the same register. avo emits one wherever the generator
// copies a value into a new virtual register and the allocator gives both
// the same physical register; it does nothing, so cleanup drops it.
var noOpMove = regexp.MustCompile(`^\s*VMOVAPS\s+([XY]\d+), ([XY]\d+)\s*$`)

// cleanup rewrites the generated file at path without its no-op moves and
// returns how many it dropped.
func cleanup(path string) (int, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	lines := strings.SplitAfter(string(src), "\n")
	kept := lines[:0]
	dropped := 0
	for _, line := range lines {
		if m := noOpMove.FindStringSubmatch(line); m != nil && m[1] == m[2] {
			dropped++
			continue
		}
		kept = append(kept, line)
	}
	return dropped, os.WriteFile(path, []byte(strings.Join(kept, "")), 0o644)
}
