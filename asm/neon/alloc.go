package main

import (
	"fmt"
	"math/bits"
)

// The register allocator: every function has its own register file of the
// general-purpose registers it may use and the 32 vector registers. Code
// takes registers from the pool (gp, gps, vec, vecRun, vecRunTop) instead of
// naming fixed numbers, and gives them back by scope: everything taken
// inside f.scope(body) is free again when body returns, except registers
// body keeps for its caller (keep). Registers held across a loop (pointers,
// counters, constants) are taken in an outer scope, temporaries in the inner
// scope of the helper that needs them. A value handed to a helper that
// consumes it (reusing or dropping its register) is given back with
// release. Running out panics with the function's name: the generator never
// emits code with a register used twice.
//
// Allocation is lowest number first (vecRunTop: highest first), so the
// order of the requests fixes the numbers, and a run of consecutive vector
// registers, as VLD1/VST1 lists need, is the lowest free run.

// gpPool lists the general-purpose registers a leaf ABI0 function may use,
// in allocation order: R0–R17 and R19–R25. R18 (platform register) and
// R26–R29 (closure context, REGTMP of the assembler, g, frame pointer) and
// R30 (link register) are never handed out; see main.go and ASM-NOTES.
var gpPool = func() uint32 {
	var m uint32
	for r := 0; r <= 25; r++ {
		if r != 18 {
			m |= 1 << r
		}
	}
	return m
}()

// regFile is the allocation state of one function.
type regFile struct {
	gp, vec uint32 // bit n set: Rn / Vn is taken
	scopes  []regScope
}

// regScope is an open scope: the registers taken when it opened and those
// kept for the enclosing scope.
type regScope struct {
	gp, vec         uint32
	keepGP, keepVec uint32
}

// gp takes the lowest free general-purpose register.
func (f *function) gp() R {
	free := gpPool &^ f.regs.gp
	if free == 0 {
		panic(fmt.Sprintf("%s: out of general-purpose registers", f.name))
	}
	r := bits.TrailingZeros32(free)
	f.regs.gp |= 1 << r
	return R(r)
}

// gps takes n general-purpose registers.
func (f *function) gps(n int) []R {
	out := make([]R, n)
	for i := range out {
		out[i] = f.gp()
	}
	return out
}

// vec takes the lowest free vector register.
func (f *function) vec() V { return f.vecRun(1)[0] }

// vecRun takes the lowest run of n free consecutive vector registers.
func (f *function) vecRun(n int) []V {
	for first := 0; first+n <= 32; first++ {
		if f.takeRun(first, n) {
			return vecs(V(first), n)
		}
	}
	panic(fmt.Sprintf("%s: out of vector registers (no %d consecutive free; taken %#08x)", f.name, n, f.regs.vec))
}

// vecRunTop takes the highest run of n free consecutive vector registers:
// for values pinned for the whole function, which then stay out of the way
// of the temporaries taken from the bottom.
func (f *function) vecRunTop(n int) []V {
	for first := 32 - n; first >= 0; first-- {
		if f.takeRun(first, n) {
			return vecs(V(first), n)
		}
	}
	panic(fmt.Sprintf("%s: out of vector registers (no %d consecutive free; taken %#08x)", f.name, n, f.regs.vec))
}

func (f *function) takeRun(first, n int) bool {
	mask := uint32((uint64(1)<<n - 1) << first)
	if f.regs.vec&mask != 0 {
		return false
	}
	f.regs.vec |= mask
	return true
}

// vecRuns takes n runs of k consecutive vector registers.
func (f *function) vecRuns(n, k int) [][]V {
	out := make([][]V, n)
	for i := range out {
		out[i] = f.vecRun(k)
	}
	return out
}

// release gives back vector registers before the end of their scope (a
// value consumed by a helper).
func (f *function) release(regs ...V) {
	for _, r := range regs {
		if r < 0 || r > 31 || f.regs.vec&(1<<r) == 0 {
			panic(fmt.Sprintf("%s: release of V%d, which is not taken", f.name, int(r)))
		}
		f.regs.vec &^= 1 << r
	}
}

// scope runs body; the registers it takes are free again afterwards, except
// those it keeps. Registers of enclosing scopes that body releases stay
// free.
func (f *function) scope(body func()) {
	f.regs.scopes = append(f.regs.scopes, regScope{gp: f.regs.gp, vec: f.regs.vec})
	body()
	s := f.regs.scopes[len(f.regs.scopes)-1]
	f.regs.scopes = f.regs.scopes[:len(f.regs.scopes)-1]
	f.regs.gp &= s.gp | s.keepGP
	f.regs.vec &= s.vec | s.keepVec
}

// keep makes vector registers taken in the current scope outlive it: they
// belong to the enclosing scope (the helper's result).
func (f *function) keep(regs ...V) {
	if len(f.regs.scopes) == 0 {
		panic(fmt.Sprintf("%s: keep outside a scope", f.name))
	}
	s := &f.regs.scopes[len(f.regs.scopes)-1]
	for _, r := range regs {
		if f.regs.vec&(1<<r) == 0 {
			panic(fmt.Sprintf("%s: keep of V%d, which is not taken", f.name, int(r)))
		}
		s.keepVec |= 1 << r
	}
}

// result runs body in a scope and keeps the vector register it returns:
// a helper whose temporaries are free again when it returns its value.
func (f *function) result(body func() V) V {
	var r V
	f.scope(func() {
		r = body()
		f.keep(r)
	})
	return r
}
