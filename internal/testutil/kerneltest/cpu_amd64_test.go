//go:build !purego

package kerneltest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStrictLevelsX86 checks the strict level rule: fail when a level
// simdrnn implements for the CPU is not run, and only then. A CPU with
// AVX512F owes avx2 and generic, since there is no AVX-512 level.
func TestStrictLevelsX86(t *testing.T) {
	for _, c := range []struct {
		name     string
		f        x86Features
		haveAVX2 bool
		fail     bool
	}{
		{"AVX-512 CPU running avx2", x86Features{AVX2: true, FMA: true, AVX512F: true}, true, false},
		{"AVX-512 CPU without the avx2 level", x86Features{AVX2: true, FMA: true, AVX512F: true}, false, true},
		{"AVX2 CPU running avx2", x86Features{AVX2: true, FMA: true}, true, false},
		{"AVX2 CPU without the avx2 level", x86Features{AVX2: true, FMA: true}, false, true},
		{"AVX2 without FMA", x86Features{AVX2: true}, false, false},
		{"pre-AVX CPU", x86Features{}, false, false},
	} {
		got := x86Unimplemented(c.f, c.haveAVX2)
		if c.fail {
			require.NotEmpty(t, got, c.name)
		} else {
			require.Empty(t, got, c.name)
		}
	}
}
