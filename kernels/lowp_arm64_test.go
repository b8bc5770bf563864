//go:build !purego

package kernels_test

import (
	"testing"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// TestMatVecInt8WithoutDotProd runs the int8 checks at the NEON level on
// the plain kernels too when the CPU has the dot product (TestMatVecInt8
// then ran the SDOT ones), so both are exercised on such a CPU. It is a
// sequential top-level test: parallel subtests of other tests never run
// while it switches the kernels.
func TestMatVecInt8WithoutDotProd(t *testing.T) {
	if !hasLevel(level.NEON) {
		t.Skip("the neon level is off (GODEBUG=cpu.asimd=off): no int8 kernels to choose between")
	}
	t.Logf("dot product: %v", kernels.HasDotProd())
	kerneltest.WithLevel(level.NEON, func() {
		kernels.WithoutDotProd(func() { checkMatVecInt8(t, level.NEON) })
	})
}

func hasLevel(l level.Level) bool {
	for _, have := range kerneltest.Levels() {
		if have == l {
			return true
		}
	}
	return false
}
