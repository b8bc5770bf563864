package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// encodingCases covers every encoder, several registers (including V31 and
// the high bit of Rm in FMLA by element) and both arrangements.
var encodingCases = []Word{
	FADD(S4, 0, 1, 2),
	FADD(S2, 31, 30, 29),
	FADD(S4, 16, 16, 17),
	FSUB(S4, 3, 4, 5),
	FSUB(S2, 7, 7, 31),
	FADDP(S4, 16, 16, 17),
	FADDP(S4, 0, 0, 0),
	FADDP(S2, 9, 10, 11),
	FMUL(S4, 1, 1, 0),
	FMUL(S2, 30, 31, 16),
	FDIV(S4, 2, 3, 4),
	FMAX(S4, 5, 6, 7),
	FMIN(S4, 8, 9, 10),
	FMIN(S2, 20, 21, 22),
	FADDPScalar(0, 0),
	FADDPScalar(16, 31),
	FADDPScalar(31, 5),
	FMLAElem(S4, 4, 8, 0, 0),
	FMLAElem(S4, 7, 23, 0, 3),
	FMLAElem(S4, 5, 12, 17, 1),
	FMLAElem(S4, 31, 30, 31, 2),
	FMLAElem(S2, 6, 9, 15, 3),
	BIC(S4, 1, 2, 3),
	BIC(S4, 31, 0, 17),
	BIC(S2, 4, 5, 6),
	FABS(S4, 0, 1),
	FABS(S2, 31, 17),
	FNEG(S4, 2, 30),
	FNEG(S4, 16, 16),
	FRINTN(S4, 3, 4),
	FRINTN(S2, 29, 31),
	FCVTZS(S4, 7, 8),
	FCVTZS(S4, 31, 0),
	FRECPE(S4, 11, 12),
	FRECPE(S2, 0, 31),
	FCMLT0(S4, 17, 18),
	FCMLT0(S4, 31, 0),
	FCMLE0(S4, 21, 22),
	FCMLE0(S2, 1, 30),
	FCVTL(0, 1, false),
	FCVTL(31, 17, true),
	FCVTL(16, 16, true),
	SHLL16(2, 3, false),
	SHLL16(30, 31, true),
	SMULL(4, 5, 6, false),
	SMULL(31, 16, 17, true),
	SMLAL(7, 8, 9, false),
	SMLAL(29, 30, 31, true),
	SADALP(10, 11),
	SADALP(31, 0),
	SDOT(12, 13, 14),
	SDOT(31, 16, 30),
	SCVTF(S4, 15, 16),
	SCVTF(S2, 31, 0),
	FCVTNS(S4, 17, 18),
	FCVTNS(S2, 0, 31),
	SQXTNH(19, 20, false),
	SQXTNH(31, 1, true),
	SQXTNB(21, 22, false),
	SQXTNB(2, 31, true),
	SMAXB(23, 24, 25, true),
	SMAXB(31, 0, 16, false),
	UMAXV(26, 27),
	UMAXV(0, 31),
}

var objdumpLine = regexp.MustCompile(`^\s*[0-9a-f]+:\s+([0-9a-f]{8})\s+(.*)$`)

// TestEncoding assembles the GNU text of every case with GNU as (with the
// ARMv8.2 dot product extension, for SDOT) and checks
// that the word is the one the encoder built and that objdump prints the
// text back exactly. GNU binutils for aarch64 are required: the test fails,
// not skips, without them.
func TestEncoding(t *testing.T) {
	as, err := exec.LookPath("aarch64-linux-gnu-as")
	if err != nil {
		t.Fatalf("aarch64-linux-gnu-as not found (apt-get install binutils-aarch64-linux-gnu): %v", err)
	}
	objdump, err := exec.LookPath("aarch64-linux-gnu-objdump")
	if err != nil {
		t.Fatalf("aarch64-linux-gnu-objdump not found (apt-get install binutils-aarch64-linux-gnu): %v", err)
	}
	dir := t.TempDir()
	var src strings.Builder
	for _, c := range encodingCases {
		src.WriteString("\t" + c.GNU + "\n")
	}
	srcPath, objPath := filepath.Join(dir, "cases.s"), filepath.Join(dir, "cases.o")
	if err := os.WriteFile(srcPath, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-march=armv8.2-a+dotprod", "-o", objPath, srcPath).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", as, err, out)
	}
	out, err := exec.Command(objdump, "-d", objPath).Output()
	if err != nil {
		t.Fatalf("%s: %v", objdump, err)
	}
	var got []Word
	for _, line := range strings.Split(string(out), "\n") {
		m := objdumpLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		bits, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, Word{Bits: uint32(bits), GNU: normalize(m[2])})
	}
	if len(got) != len(encodingCases) {
		t.Fatalf("objdump shows %d instructions, want %d:\n%s", len(got), len(encodingCases), out)
	}
	for i, want := range encodingCases {
		if got[i].Bits != want.Bits {
			t.Errorf("%s: encoder gives %#08x, GNU as %#08x", want.GNU, want.Bits, got[i].Bits)
		}
		if got[i].GNU != want.GNU {
			t.Errorf("%#08x: encoder's text %q, objdump prints %q", want.Bits, want.GNU, got[i].GNU)
		}
	}
}

// normalize collapses objdump's tabs and runs of spaces to single spaces.
func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestEncoderRejects checks that out-of-range fields panic instead of
// silently spilling into neighbouring bits.
func TestEncoderRejects(t *testing.T) {
	for name, f := range map[string]func(){
		"register 32":  func() { FADD(S4, 32, 0, 0) },
		"register -1":  func() { FMUL(S4, 0, -1, 0) },
		"lane index 4": func() { FMLAElem(S4, 0, 0, 0, 4) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestGenerated runs the generator into a temporary directory and checks
// that the output is deterministic and every WORD is one of the encoder's.
func TestGenerated(t *testing.T) {
	gen := func() (string, string) {
		var fl file
		emitAll(&fl)
		return fl.assembly("// header"), fl.stubs("// header", "kernels")
	}
	s1, g1 := gen()
	s2, g2 := gen()
	if s1 != s2 || g1 != g2 {
		t.Fatal("generator output is not deterministic")
	}
	words := regexp.MustCompile(`WORD \$0x([0-9a-f]{8}) // (.*)`).FindAllStringSubmatch(s1, -1)
	if len(words) == 0 {
		t.Fatal("no WORD directives generated")
	}
	for _, reserved := range []string{"R18", "R26", "R27", "R28", "R29"} {
		if regexp.MustCompile(`\b` + reserved + `\b`).MatchString(s1) {
			t.Errorf("generated assembly uses reserved register %s", reserved)
		}
	}
}
