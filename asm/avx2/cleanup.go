package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// noOpMove matches a register-to-register VMOVAPS whose source and
// destination are the same register. avo emits one wherever the generator
// copies a value into a new virtual register and the allocator gives both
// the same physical register; it does nothing, so cleanup drops it.
var noOpMove = regexp.MustCompile(`^\s*VMOVAPS\s+([XY]\d+), ([XY]\d+)\s*$`)

// constRef matches a reference to the constant table, DATA lines included.
var constRef = regexp.MustCompile(`actconst<>\+(\d+)\(SB\)`)

// constName names the constant at byte offset off of the table.
func constName(off string) string {
	n, err := strconv.Atoi(off)
	if err != nil || n/vecBytes >= len(actConstValues) {
		panic("cleanup: no constant at actconst<>+" + off)
	}
	return actConstValues[n/vecBytes]
}

// cleanup rewrites the generated file at path without its no-op moves, with
// each constant named: a comment line before its DATA lines and a trailing
// comment on every instruction that reads it. It returns how many moves it
// dropped.
func cleanup(path string) (int, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	lines := strings.SplitAfter(string(src), "\n")
	kept := make([]string, 0, len(lines)+len(actConstValues))
	dropped := 0
	for _, line := range lines {
		if m := noOpMove.FindStringSubmatch(line); m != nil && m[1] == m[2] {
			dropped++
			continue
		}
		if m := constRef.FindStringSubmatch(line); m != nil {
			if strings.HasPrefix(line, "DATA ") {
				if off, _ := strconv.Atoi(m[1]); off%vecBytes == 0 {
					kept = append(kept, "\n// "+constName(m[1])+"\n")
				}
			} else if !strings.Contains(line, "//") {
				var names []string
				for _, ref := range constRef.FindAllStringSubmatch(line, -1) {
					names = append(names, constName(ref[1]))
				}
				line = strings.TrimRight(line, "\n") + " // " + strings.Join(names, ", ") + "\n"
			}
		}
		kept = append(kept, line)
	}
	return dropped, os.WriteFile(path, []byte(strings.Join(kept, "")), 0o644)
}

// evexRegister matches the vector registers only AVX-512 can encode.
var evexRegister = regexp.MustCompile(`\b([XYZ](1[6-9]|2[0-9]|3[01])|Z([0-9]|1[0-5])|K[0-7])\b`)

// checkVEXRegisters fails when the generated file uses a register beyond
// AVX2's sixteen, naming the function and the line.
func checkVEXRegisters(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fn := ""
	for i, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "TEXT ") {
			fn = line
			continue
		}
		code, _, _ := strings.Cut(line, "//")
		if r := evexRegister.FindString(code); r != "" {
			return fmt.Errorf("%s:%d: %s uses %s, which needs AVX-512 (EVEX); too many values are live at once", path, i+1, fn, r)
		}
	}
	return nil
}
