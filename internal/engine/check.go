package engine

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/shape"
)

// The argument checks of a sequence call, shared by cells.Model.Forward,
// bptt.Net.Forward and TruncatedBPTT; every error starts with the package
// and the function ("cells: Forward: …").

// CheckInput checks steps ≥ 1, batch ≥ 1 and len(x) = steps·batch·input,
// the product counted with overflow checks.
func CheckInput(pkg, function string, x []float32, steps, batch, input int) error {
	if steps < 1 || batch < 1 {
		return fmt.Errorf("%s: %s: steps = %d, batch = %d; want both ≥ 1", pkg, function, steps, batch)
	}
	if n, ok := shape.Prod(steps, batch, input); !ok || n != len(x) {
		return fmt.Errorf("%s: %s: len(x) = %d; want steps × batch × input = %d × %d × %d%s", pkg, function, len(x), steps, batch, input, shape.ProductText(n, ok))
	}
	return nil
}

// CheckStates checks initial states h0 and c0 (nil: zeros) of states values
// each, laid out as layout says; c0 is for LSTMs only.
func CheckStates(pkg, function, layout string, mode fmt.Stringer, lstm bool, states int, h0, c0 []float32) error {
	if h0 != nil && len(h0) != states {
		return fmt.Errorf("%s: %s: len(H0) = %d; want %s = %d", pkg, function, len(h0), layout, states)
	}
	if c0 != nil && (!lstm || len(c0) != states) {
		return fmt.Errorf("%s: %s: C0 of length %d given to a %v; want an LSTM and length %d", pkg, function, len(c0), mode, states)
	}
	return nil
}

// CheckLengths checks per-sample lengths (nil: all steps): one per sample,
// each in 0 … steps.
func CheckLengths(pkg, function string, lengths []int, steps, batch int) error {
	if lengths == nil {
		return nil
	}
	if len(lengths) != batch {
		return fmt.Errorf("%s: %s: %d lengths for a batch of %d", pkg, function, len(lengths), batch)
	}
	for b, l := range lengths {
		if l < 0 || l > steps {
			return fmt.Errorf("%s: %s: length %d of sample %d is outside 0 … %d steps", pkg, function, l, b, steps)
		}
	}
	return nil
}
