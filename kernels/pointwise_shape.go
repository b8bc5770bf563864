package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/shape"
)

// pwOperand is one slice argument of a fused pointwise kernel: blocks is
// its row length in units of the hidden size (1 for B×H, 4 for the LSTM's
// B×4H gates); optional operands may also be empty.
type pwOperand struct {
	name     string
	n        int
	blocks   int
	optional bool
}

// checkPointwise validates the operands of a fused pointwise kernel against
// batch and the B×H operand base, and returns the hidden size. It panics
// with the kernel's name and the sizes on any mismatch.
func checkPointwise(kernel string, batch int, base pwOperand, ops ...pwOperand) (hidden int) {
	if batch < 1 {
		panic(fmt.Sprintf("kernels.%s: batch = %d; want batch ≥ 1", kernel, batch))
	}
	if base.n%batch != 0 {
		panic(fmt.Sprintf("kernels.%s: len(%s) = %d; want a multiple of batch = %d", kernel, base.name, base.n, batch))
	}
	hidden = base.n / batch
	for _, op := range ops {
		want, ok := shape.Mul(op.blocks, base.n)
		if (ok && op.n == want) || (op.optional && op.n == 0) {
			continue
		}
		factor := ""
		if op.blocks != 1 {
			factor = fmt.Sprintf("%d × ", op.blocks)
		}
		alt := ""
		if op.optional {
			alt = "0 or "
		}
		panic(fmt.Sprintf("kernels.%s: len(%s) = %d; want %s%slen(%s) = %s (batch = %d, hidden = %d)",
			kernel, op.name, op.n, alt, factor, base.name, product(op.blocks, base.n), batch, hidden))
	}
	return hidden
}
