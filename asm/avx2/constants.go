package main

import (
	"github.com/simdrnn/simdrnn/asm/internal/actconst"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// actConst is the table of 32-byte constants (eight equal lanes each).
var (
	actConstMem   Mem
	actConstIndex = map[string]int{}
)

var actConstValues = []string{
	"absmask",
	"signmask",
	"one",
	"two",
	"half",
	"negLog2e",
	"negTwoLog2e",
	"sigmoidShifter",
	"tanhShifter",
	"c1",
	"c2",
	"c1Half",
	"c2Half",
	"p0",
	"p1",
	"p2",
	"p3",
	"p4",
	"t0",
	"t1",
	"t2",
	"t3",
	"t4",
	"sigmoidClamp",
	"tanhClamp",
	"twoM64",
}

func emitActConsts() {
	actConstMem = GLOBL("actconst", RODATA|NOPTR)
	for i, name := range actConstValues {
		actConstIndex[name] = i
		for lane := 0; lane < vecFloats; lane++ {
			DATA(i*vecBytes+4*lane, U32(actconst.Bits[name]))
		}
	}
}

// constMem returns the memory operand of the named constant.
func constMem(name string) Mem {
	i, ok := actConstIndex[name]
	if !ok {
		panic("no constant " + name)
	}
	return actConstMem.Offset(i * vecBytes)
}

// loadConst loads the named constant into a new register.
func loadConst(name string) VecVirtual {
	r := YMM()
	VMOVUPS(constMem(name), r)
	return r
}

// kreg returns a new register holding the named constant, free to
// overwrite: a copy of the register it is pinned to, if any, else loaded.
func kreg(name string) VecVirtual {
	if p, ok := pinned[name]; ok {
		r := YMM()
		VMOVAPS(p, r)
		return r
	}
	return loadConst(name)
}

// kconst returns a register holding the named constant for reading only:
// the register it is pinned to, if any, else a new one loaded.
func kconst(name string) VecVirtual {
	if p, ok := pinned[name]; ok {
		return p
	}
	return loadConst(name)
}

// pinned holds the constants that a kernel keeps in registers throughout
// (pinConstants); kreg copies them and kconst reads them instead of loading.
var pinned = map[string]VecVirtual{}

// pinConstants loads the named constants into the registers that kreg and
// kconst use until unpinConstants.
func pinConstants(names ...string) {
	for _, name := range names {
		pinned[name] = loadConst(name)
	}
}

// unpinConstants ends pinConstants: kreg and kconst load again.
func unpinConstants() { clear(pinned) }
