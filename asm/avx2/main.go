// Command avx2 generates the AVX2+FMA kernels of package kernels.
//
// Run it through `go generate ./kernels` or `make generate` in the library
// module; it writes kernels/avx2_amd64.s and its Go declarations,
// kernels/avx2_stubs_amd64.go. The generated files must never be edited by
// hand: `make check-generated` regenerates them and fails on any difference.
//
// Conventions shared by every function here:
//   - lengths are checked in Go before the call; the assembly trusts them and
//     is only called with non-empty shapes;
//   - loads and stores never reach past the slices: vector loops stop at the
//     last whole vector and tails run one float32 at a time, loading each
//     with VMOVSS (qemu's x86 emulation reads 16 bytes for a scalar FMA's
//     memory operand, and the tests run there too);
//   - every function ends with VZEROUPPER so SSE code after it pays no
//     transition penalty;
//   - only X0–X15/Y0–Y15: avo's allocator also hands out X16–X31, which
//     need AVX-512's EVEX encoding (SIGILL on an AVX2-only CPU), so main
//     rejects an output that uses them (mind register pressure when a
//     body keeps many values live).
//
// The files mirror kernels/ and asm/neon: dot.go, axpy.go, scale.go,
// rank1.go, mattvec.go, matvec.go, gemm.go, step.go, activation.go (σ, tanh
// and the exp math) and pointwise*.go (the loop framework and the RNN, LSTM
// and GRU bodies); constants.go holds the constant table and cleanup.go the
// passes over avo's output.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mmcloughlin/avo/gotypes"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// addFlag returns the memory of the kernel's add bool argument (the
// kernels that add to their output or overwrite it compare it to zero).
func addFlag() Mem {
	add, err := Param("add").Resolve()
	if err != nil {
		panic(err)
	}
	return add.Addr
}

// loadGP loads a Go argument into a new general-purpose register.
func loadGP(arg gotypes.Component) GPVirtual {
	r := GP64()
	Load(arg, r)
	return r
}

// vecBytes is the width of one YMM register in bytes; vecFloats in float32s.
const (
	vecBytes  = 32
	vecFloats = 8
)

func main() {
	ConstraintExpr("!purego")
	dot()
	axpy()
	scale()
	rank1Add()
	matTVecAdd()
	matVecOne()
	for batch := 2; batch <= maxBatch; batch++ {
		matVec(batch)
	}
	for _, bf := range []bool{false, true} {
		for batch := 1; batch <= maxBatch; batch++ {
			matVecHalf(batch, bf)
		}
	}
	for batch := 1; batch <= maxBatch; batch++ {
		matVecInt8(batch)
	}
	emitActConsts()
	maxAbsBits()
	quantizeI8()
	activationKernels()
	rnnKernels()
	for _, withCache := range []bool{false, true} {
		lstmForward(withCache)
		gruForward(withCache)
	}
	lstmBackward()
	gruBackward()
	gruResetBefore()
	stepKernels()
	gemmKernels()
	Generate()
	out := flag.Lookup("out").Value.String()
	if _, err := cleanup(out); err != nil {
		fmt.Fprintln(os.Stderr, "avx2:", err)
		os.Exit(1)
	}
	if err := checkVEXRegisters(out); err != nil {
		fmt.Fprintln(os.Stderr, "avx2:", err)
		os.Exit(1)
	}
}
