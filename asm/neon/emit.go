package main

import (
	"fmt"
	"strings"
)

// V is a vector register number, 0–31. Fn(v) names its low lane as a
// scalar float register: on arm64 F<n> is the low part of V<n>.
type V int

// S4 is the register as four float32 lanes, Go syntax.
func (v V) S4() string { return fmt.Sprintf("V%d.S4", int(v)) }

// F is the scalar float register of the low lane.
func (v V) F() string { return fmt.Sprintf("F%d", int(v)) }

// Lane is lane i of the register as a float32 element, Go syntax.
func (v V) Lane(i int) string { return fmt.Sprintf("V%d.S[%d]", int(v), i) }

// R is a general-purpose register number. R18 (platform) and R26–R29
// (closure context, linker temporary, g, frame pointer) are never handed
// out.
type R int

func (r R) String() string {
	if r == 18 || (r >= 26 && r <= 29) || r < 0 || r > 25 {
		panic(fmt.Sprintf("emit: R%d is reserved", int(r)))
	}
	return fmt.Sprintf("R%d", int(r))
}

// vecs returns n consecutive registers from first.
func vecs(first V, n int) []V {
	out := make([]V, n)
	for i := range out {
		out[i] = first + V(i)
	}
	return out
}

// list is the Go syntax of a register list for VLD1/VST1; the registers
// must be consecutive.
func list(regs []V) string {
	names := make([]string, len(regs))
	for i, r := range regs {
		if i > 0 && r != regs[i-1]+1 {
			panic(fmt.Sprintf("emit: register list %v is not consecutive", regs))
		}
		names[i] = r.S4()
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// function is one generated TEXT symbol and its Go declaration.
type function struct {
	name      string
	signature string // Go parameter list and results, after the name
	doc       string
	args      argFrame
	body      strings.Builder
	regs      regFile
}

// op emits one instruction in Go syntax.
func (f *function) op(format string, args ...any) {
	fmt.Fprintf(&f.body, "\t"+format+"\n", args...)
}

// word emits an instruction Go's assembler lacks.
func (f *function) word(w Word) {
	fmt.Fprintf(&f.body, "\tWORD $0x%08x // %s\n", w.Bits, w.GNU)
}

// label emits a label; labels are local to their TEXT block.
func (f *function) label(name string) {
	fmt.Fprintf(&f.body, "%s:\n", name)
}

// comment emits a line comment.
func (f *function) comment(format string, args ...any) {
	fmt.Fprintf(&f.body, "\t// "+format+"\n", args...)
}

// zero clears vector registers.
func (f *function) zero(regs ...V) {
	for _, r := range regs {
		f.op("VEOR V%d.B16, V%d.B16, V%d.B16", int(r), int(r), int(r))
	}
}

// fmla emits acc += a·b lane by lane, fused (VFMLA Vm, Vn, Vd is
// fmla vd.4s, vn.4s, vm.4s).
func (f *function) fmla(acc, a, b V) {
	f.op("VFMLA %s, %s, %s", b.S4(), a.S4(), acc.S4())
}

// loadPartial loads count (1–3) float32s from p into the low lanes of v,
// zeroing the other lanes, and advances p past them. It never reads beyond
// the count elements: FMOVS and FMOVD clear the upper lanes, and a lane
// load fills the third.
func (f *function) loadPartial(v V, p R, count int) {
	switch count {
	case 1:
		f.op("FMOVS.P 4(%v), %s", p, v.F())
	case 2:
		f.op("FMOVD.P 8(%v), %s", p, v.F())
	case 3:
		f.op("FMOVD.P 8(%v), %s", p, v.F())
		f.op("VLD1.P 4(%v), %s", p, v.Lane(2))
	default:
		panic(fmt.Sprintf("loadPartial: count %d", count))
	}
}

// laneNames are the Go names of the element sizes of lane loads and
// stores, by size in bytes.
var laneNames = map[int]string{1: "B", 2: "H", 4: "S", 8: "D"}

// loadBytes loads count (1–16) bytes from p into the low bytes of v,
// zeroing the other bytes, and advances p past them. It never reads
// beyond the count bytes: 16 is one VLD1; FMOVD and FMOVS load 8 or 4 and
// clear the rest; other counts load the largest such piece (or clear v)
// and fill the remaining bytes by lane loads of decreasing size, each
// aligned to its size within the register.
func (f *function) loadBytes(v V, p R, count int) {
	if count < 1 || count > 16 {
		panic(fmt.Sprintf("loadBytes: count %d", count))
	}
	done := 0
	switch {
	case count == 16:
		f.op("VLD1.P 16(%v), [V%d.B16]", p, int(v))
		return
	case count >= 8:
		f.op("FMOVD.P 8(%v), %s", p, v.F())
		done = 8
	case count >= 4:
		f.op("FMOVS.P 4(%v), %s", p, v.F())
		done = 4
	default:
		f.zero(v)
	}
	for size := 8; size >= 1; size /= 2 {
		if count-done >= size {
			f.op("VLD1.P %d(%v), V%d.%s[%d]", size, p, int(v), laneNames[size], done/size)
			done += size
		}
	}
}

// storeBytes stores the low count (1–16) bytes of v at p and advances p past
// them, writing nothing else.
func (f *function) storeBytes(v V, p R, count int) {
	if count < 1 || count > 16 {
		panic(fmt.Sprintf("storeBytes: count %d", count))
	}
	done := 0
	switch {
	case count == 16:
		f.op("VST1.P [V%d.B16], 16(%v)", int(v), p)
		return
	case count >= 8:
		f.op("FMOVD.P %s, 8(%v)", v.F(), p)
		done = 8
	case count >= 4:
		f.op("FMOVS.P %s, 4(%v)", v.F(), p)
		done = 4
	}
	for size := 8; size >= 1; size /= 2 {
		if count-done >= size {
			f.op("VST1.P V%d.%s[%d], %d(%v)", int(v), laneNames[size], done/size, size, p)
			done += size
		}
	}
}

// file collects the functions of one generated assembly file.
type file struct {
	funcs []*function
}

// text starts a function with the Go signature (parameters and result, as
// written after the name); its frame and argument offsets follow from it.
func (fl *file) text(name, signature, doc string) *function {
	f := &function{name: name, signature: signature, args: layoutFrame(signature), doc: doc}
	fl.funcs = append(fl.funcs, f)
	return f
}

// assembly returns the .s file.
func (fl *file) assembly(header string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n//go:build !purego\n\n#include \"textflag.h\"\n", header)
	for _, f := range fl.funcs {
		fmt.Fprintf(&b, "\n// func %s%s\n", f.name, f.signature)
		fmt.Fprintf(&b, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", f.name, f.args.size)
		b.WriteString(f.body.String())
	}
	return b.String()
}

// stubs returns the Go declarations (gofmt'ed by the caller).
func (fl *file) stubs(header, pkg string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n//go:build !purego\n\npackage %s\n", header, pkg)
	for _, f := range fl.funcs {
		fmt.Fprintf(&b, "\n// %s\n//\n//go:noescape\nfunc %s%s\n", f.doc, f.name, f.signature)
	}
	return b.String()
}
