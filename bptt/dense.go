package bptt

import (
	"fmt"
	"math"

	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/kernels"
)

// Dense is a fully connected layer, PyTorch's nn.Linear: for a batch of
// rows inputs x (rows×In, row-major) it computes
//
//	y = x·Wᵀ + b
//
// (rows×Out) with the weight W (Out×In, row-major, PyTorch's layout) and the
// bias b (Out). A typical use is the head of a recurrent Net: its Y,
// batch·steps rows of the Net's output size, in, logits out.
//
// A Dense is not safe for concurrent use: Backward keeps a scratch vector.
type Dense struct {
	In, Out int
	Weight  *Param // Out×In
	Bias    *Param // Out, or nil for none: nn.Linear(bias=False), as FromNetwork makes of a head without one

	params []*Param
	ones   []float32 // rows ones, for the bias gradient's column sums
}

// NewDense returns a Dense layer from in to out features, initialised as
// nn.Linear: weight and bias from U(−1/√in, 1/√in), drawn with InitUniform
// and the given seed (PyTorch's distribution, not its random stream). The
// parameters are named as in a PyTorch state_dict of a module registered
// under prefix: prefix + ".weight" and prefix + ".bias", or "weight" and
// "bias" when prefix is empty. It panics, naming NewDense and the sizes,
// unless in ≥ 1, out ≥ 1 and the weight and bias with their gradients fit
// in an int and in the memory limit.
func NewDense(prefix string, in, out int, seed uint64) *Dense {
	if prefix != "" {
		prefix += "."
	}
	d, err := newDense(prefix, in, out, true)
	if err != nil {
		panic("bptt.NewDense: " + err.Error())
	}
	InitUniform(d.params, float32(1/math.Sqrt(float64(in))), seed)
	return d
}

// newDense returns a zero Dense named "<prefix>weight" and "<prefix>bias"
// (with a bias if bias is set), or an error unless in ≥ 1, out ≥ 1 and
// the parameters with their gradients fit in an int and in memory.
func newDense(prefix string, in, out int, bias bool) (*Dense, error) {
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("in = %d, out = %d; want sizes ≥ 1", in, out)
	}
	var size shape.Counter
	size.Add(2, out, in) // the weight and its gradient
	size.Add(2, out)
	if !size.Fits(4) {
		return nil, fmt.Errorf("in = %d, out = %d: %v", in, out, tooLarge("the weight", size))
	}
	d := &Dense{In: in, Out: out, Weight: newParam(prefix+"weight", out, in)}
	d.params = []*Param{d.Weight}
	if bias {
		d.Bias = newParam(prefix+"bias", out)
		d.params = append(d.params, d.Bias)
	}
	return d, nil
}

// Params returns the weight and the bias (if any), in PyTorch's order (the
// Dense's own slice: do not modify it).
func (d *Dense) Params() []*Param { return d.params }

// Forward sets y = x·Wᵀ + b for rows rows: x is rows×In, y rows×Out, both
// row-major. As PyTorch's addmm, each row of y starts as b (zero without a
// bias) and the product is added to it (one kernels.MatMulAdd, error bound
// as there). y must not overlap x. It panics, naming Dense and the sizes,
// unless rows ≥ 0, len(x) = rows·In and len(y) = rows·Out. It allocates
// nothing.
func (d *Dense) Forward(y, x []float32, rows int) {
	d.check("Forward", rows, "x", x, "In", d.In)
	d.check("Forward", rows, "y", y, "Out", d.Out)
	if d.Bias == nil {
		clear(y)
	} else {
		for r := 0; r < rows; r++ {
			copy(y[r*d.Out:(r+1)*d.Out], d.Bias.Data)
		}
	}
	kernels.MatMulAdd(false, true, rows, d.Out, d.In, x, d.In, d.Weight.Data, d.In, y, d.Out)
}

// Backward accumulates the gradients of the parameters from dy = ∂L/∂y
// (rows×Out) and the input x (rows×In) Forward saw, and sets dx = ∂L/∂x
// (rows×In):
//
//	Weight.Grad += dyᵀ·x           (kernels.MatMulAdd)
//	Bias.Grad   += Σ_rows dy       (kernels.MatTVecAdd with a ones vector; none without a bias)
//	dx           = dy·W            (kernels.MatMul)
//
// The gradients accumulate as PyTorch's .grad does; dx is overwritten, and
// may be nil to skip it (the first layer). dx must not overlap dy, x or the
// weight. It panics, naming Dense and the sizes, unless rows ≥ 0,
// len(dy) = rows·Out, len(x) = rows·In and dx is nil or rows·In long. Once
// it has seen the largest rows it allocates nothing.
func (d *Dense) Backward(dx, dy, x []float32, rows int) {
	d.check("Backward", rows, "dy", dy, "Out", d.Out)
	d.check("Backward", rows, "x", x, "In", d.In)
	if dx != nil {
		d.check("Backward", rows, "dx", dx, "In", d.In)
	}
	kernels.MatMulAdd(true, false, d.Out, d.In, rows, dy, d.Out, x, d.In, d.Weight.Grad, d.In)
	if d.Bias != nil {
		if len(d.ones) < rows {
			d.ones = make([]float32, rows)
			for i := range d.ones {
				d.ones[i] = 1
			}
		}
		kernels.MatTVecAdd(d.Bias.Grad, dy, d.ones[:rows])
	}
	if dx != nil {
		kernels.MatMul(false, false, rows, d.In, d.Out, dy, d.Out, d.Weight.Data, d.In, dx, d.In)
	}
}

func (d *Dense) check(method string, rows int, name string, s []float32, widthName string, width int) {
	if rows < 0 {
		panic(fmt.Sprintf("bptt.Dense.%s: rows = %d; want rows ≥ 0", method, rows))
	}
	if n, ok := shape.Mul(rows, width); !ok || len(s) != n {
		panic(fmt.Sprintf("bptt.Dense.%s: len(%s) = %d; want rows × %s = %d × %d%s (Dense %d→%d)",
			method, name, len(s), widthName, rows, width, shape.ProductText(n, ok), d.In, d.Out))
	}
}
