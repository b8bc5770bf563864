package main

import (
	"strings"
	"testing"
)

// mustPanic runs fn and checks that it panics with a message containing want.
func mustPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		if msg, _ := r.(string); !strings.Contains(msg, want) {
			t.Fatalf("panic %q, want one containing %q", r, want)
		}
	}()
	fn()
}

func TestAllocGP(t *testing.T) {
	f := &function{name: "k"}
	seen := map[R]bool{}
	for range 25 {
		r := f.gp()
		if r == 18 || r > 25 || seen[r] {
			t.Fatalf("gp handed out R%d (seen %v)", int(r), seen)
		}
		seen[r] = true
	}
	mustPanic(t, "k: out of general-purpose registers", func() { f.gp() })
}

func TestAllocVecRuns(t *testing.T) {
	f := &function{name: "k"}
	top := f.vecRunTop(14)
	if top[0] != 18 || top[13] != 31 {
		t.Fatalf("vecRunTop(14) = %v", top)
	}
	a := f.vec()
	run := f.vecRun(4)
	if a != 0 || run[0] != 1 || run[3] != 4 {
		t.Fatalf("vec, vecRun(4) = %v, %v", a, run)
	}
	f.release(a)
	if got := f.vecRun(2); got[0] != 5 {
		t.Fatalf("vecRun(2) after releasing V0 = %v, want the run from V5", got)
	}
	if got := f.vec(); got != 0 {
		t.Fatalf("vec after releasing V0 = V%d", int(got))
	}
	mustPanic(t, "k: out of vector registers", func() { f.vecRun(12) })
	mustPanic(t, "k: release of V17", func() { f.release(17) })
}

func TestAllocScopes(t *testing.T) {
	f := &function{name: "k"}
	outer := f.vec() // V0, held across the scope
	consumed := f.vec()
	var kept V
	f.scope(func() {
		f.gps(3)
		f.vecRun(4)
		kept = f.vec()
		f.keep(kept)
		f.release(consumed) // an outer value consumed inside stays free
	})
	if f.regs.gp != 0 {
		t.Fatalf("scope left general-purpose registers %#x taken", f.regs.gp)
	}
	if want := uint32(1)<<outer | uint32(1)<<kept; f.regs.vec != want {
		t.Fatalf("after the scope V %#x taken, want %#x (V%d and the kept V%d)", f.regs.vec, want, int(outer), int(kept))
	}
	r := f.result(func() V { f.vec(); return f.vec() })
	if f.regs.vec != uint32(1)<<outer|uint32(1)<<kept|uint32(1)<<r {
		t.Fatalf("result kept %#x", f.regs.vec)
	}
	mustPanic(t, "k: keep outside a scope", func() { f.keep(r) })
}

// TestEmitAllFitsRegisters emits every kernel: none runs out of registers.
func TestEmitAllFitsRegisters(t *testing.T) {
	var fl file
	emitAll(&fl)
	if len(fl.funcs) == 0 {
		t.Fatal("no functions")
	}
}
