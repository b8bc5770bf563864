package kerneltest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/ref"
)

// TestZeroSignRules checks the checkers against the rule package kernels
// states: forward results keep the sign of a zero, backward (gradient)
// results may give either zero for an exact zero, and nothing else is
// loosened.
func TestZeroSignRules(t *testing.T) {
	negZero := math.Copysign(0, -1)
	posZero32, negZero32 := float32(0), float32(math.Copysign(0, -1))
	zero := func(w float64) ref.Value { return ref.Value{Want: w} }

	require.Error(t, checkValue("h'", posZero32, zero(negZero), 1, 0), "forward: +0 for −0 is wrong")
	require.Error(t, checkValue("h'", negZero32, zero(0), 1, 0), "forward: −0 for +0 is wrong")
	require.NoError(t, checkValue("h'", negZero32, zero(negZero), 1, 0))

	require.NoError(t, checkGrad("df", posZero32, zero(negZero), 1, 0), "backward: either zero")
	require.NoError(t, checkGrad("df", negZero32, zero(0), 1, 0), "backward: either zero")
	require.Error(t, checkGrad("df", float32(math.NaN()), zero(0), 1, 0), "backward: NaN is not zero")
	require.Error(t, checkGrad("df", 1e-30, zero(negZero), 1, 0), "backward: a nonzero result outside the bound")
	require.Error(t, checkGrad("df", -1, ref.Value{Want: 1, Mag: 1}, 1, 0), "backward: nonzero signs are kept")
	require.NoError(t, checkGrad("df", posZero32, ref.Value{Want: -1e-45, Mag: 0}, 1, 1e-44), "backward: zero within the bound of a tiny value")
}
