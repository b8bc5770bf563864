// Command wordcheck proves that every WORD directive in the arm64 assembly
// of package kernels is the instruction its comment names.
//
// Usage:
//
//	go run ./neon/wordcheck [library root]
//
// run from the asm module (the root defaults to ..). It builds the arm64
// test binary of ./kernels, disassembles it with aarch64-linux-gnu-objdump,
// and for each TEXT symbol of kernels/*_arm64.s walks that function's
// disassembly: every `WORD $0x… // mnemonic operands` line must be found, in
// order, with objdump printing exactly the commented mnemonic and operands
// (whitespace normalised). It exits non-zero on any mismatch, on a function
// missing from the binary, or if no WORDs are found at all.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// word is one WORD directive of the source.
type word struct {
	bits uint32
	text string // the comment, normalised
	pos  string // file:line
}

// insn is one instruction of the disassembly.
type insn struct {
	bits uint32
	text string // mnemonic and operands, normalised
}

var (
	textLine    = regexp.MustCompile(`^TEXT\s+·(\w+)\(SB\)`)
	wordLine    = regexp.MustCompile(`^\s*WORD\s+\$0x([0-9a-fA-F]{1,8})\s*(?://\s*(.*))?$`)
	symbolLine  = regexp.MustCompile(`^[0-9a-f]+ <(.+)>:$`)
	objdumpLine = regexp.MustCompile(`^\s*[0-9a-f]+:\s+([0-9a-f]{8})\s+(.*)$`)
)

func main() {
	root := ".."
	switch len(os.Args) {
	case 1:
	case 2:
		root = os.Args[1]
	default:
		fail("usage: wordcheck [library root]")
	}
	if err := run(root); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "wordcheck: "+msg)
	os.Exit(1)
}

func run(root string) error {
	sources, err := filepath.Glob(filepath.Join(root, "kernels", "*_arm64.s"))
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		return fmt.Errorf("no kernels/*_arm64.s under %s", root)
	}
	want := map[string][]word{} // by function name
	total := 0
	for _, path := range sources {
		n, err := readWords(path, want)
		if err != nil {
			return err
		}
		total += n
	}
	if total == 0 {
		return fmt.Errorf("no WORD directives found in %v", sources)
	}

	tmp, err := os.MkdirTemp("", "wordcheck")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	binary := filepath.Join(tmp, "kernels.test")
	build := exec.Command("go", "test", "-c", "-o", binary, "./kernels")
	build.Dir = root
	build.Env = append(os.Environ(), "GOARCH=arm64", "GOOS=linux", "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the arm64 test binary: %v", err)
	}
	out, err := exec.Command("aarch64-linux-gnu-objdump", "-d", binary).Output()
	if err != nil {
		return fmt.Errorf("aarch64-linux-gnu-objdump (apt-get install binutils-aarch64-linux-gnu): %v", err)
	}
	have := disassembly(string(out))

	var problems []string
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		insns, ok := findFunction(have, name)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: function not found in the binary", name))
			continue
		}
		next := 0
		for _, w := range want[name] {
			i := next
			for i < len(insns) && insns[i].bits != w.bits {
				i++
			}
			if i == len(insns) {
				problems = append(problems, fmt.Sprintf("%s: WORD $0x%08x (%s) not found in %s after instruction %d", w.pos, w.bits, w.text, name, next))
				continue
			}
			if insns[i].text != w.text {
				problems = append(problems, fmt.Sprintf("%s: WORD $0x%08x: comment says %q, objdump says %q", w.pos, w.bits, w.text, insns[i].text))
			}
			next = i + 1
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	fmt.Printf("wordcheck: %d WORDs in %d functions decode to their comments\n", total, len(want))
	return nil
}

// readWords adds the WORD directives of one assembly file to want, by
// function, and returns how many it found.
func readWords(path string, want map[string][]word) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fn, count := "", 0
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if m := textLine.FindStringSubmatch(sc.Text()); m != nil {
			fn = m[1]
			continue
		}
		m := wordLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		pos := fmt.Sprintf("%s:%d", path, line)
		if fn == "" {
			return 0, fmt.Errorf("%s: WORD outside a TEXT block", pos)
		}
		if strings.TrimSpace(m[2]) == "" {
			return 0, fmt.Errorf("%s: WORD without a mnemonic comment", pos)
		}
		bits, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil {
			return 0, fmt.Errorf("%s: %v", pos, err)
		}
		want[fn] = append(want[fn], word{bits: uint32(bits), text: normalize(m[2]), pos: pos})
		count++
	}
	return count, sc.Err()
}

// disassembly splits objdump output into functions by symbol name.
func disassembly(out string) map[string][]insn {
	funcs := map[string][]insn{}
	current := ""
	for _, line := range strings.Split(out, "\n") {
		if m := symbolLine.FindStringSubmatch(line); m != nil {
			current = m[1]
			continue
		}
		if m := objdumpLine.FindStringSubmatch(line); m != nil && current != "" {
			bits, _ := strconv.ParseUint(m[1], 16, 32)
			funcs[current] = append(funcs[current], insn{bits: uint32(bits), text: normalize(m[2])})
		}
	}
	return funcs
}

// findFunction finds the kernels package's assembly function name; Go
// names it <module>/kernels.<name>.abi0 in the binary. A test that takes
// the function as a value also links an ABIInternal wrapper named
// <module>/kernels.<name>, which only calls it: the .abi0 body is the one
// to check whenever it is there.
func findFunction(have map[string][]insn, name string) ([]insn, bool) {
	var wrapper []insn
	found := false
	for sym, insns := range have {
		s, abi0 := strings.CutSuffix(sym, ".abi0")
		if !strings.HasSuffix(s, "/kernels."+name) {
			continue
		}
		if abi0 {
			return insns, true
		}
		wrapper, found = insns, true
	}
	return wrapper, found
}

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }
