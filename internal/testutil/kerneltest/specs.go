package kerneltest

import (
	"fmt"
	"math"

	"github.com/simdrnn/simdrnn/internal/testutil/ref"
)

// Shape is the size of one kernel call: Rows (m) and Cols (n) of the matrix
// or the length of a vector (Cols), and the batch of the batched forms.
type Shape struct{ Rows, Cols, Batch int }

func (s Shape) String() string { return fmt.Sprintf("%dx%d/b%d", s.Rows, s.Cols, s.Batch) }

// Spec describes one kernel for the shared tests: its operands' lengths for
// a shape, which operand it writes, how to call it, and how to check the
// result against the float64 reference under the bound its doc states.
type Spec struct {
	Name string
	// Matrix reports whether Rows matters; vector kernels use Cols only.
	Matrix bool
	// Batched reports whether Batch matters.
	Batched bool
	// Sizes returns the length of each operand for the shape.
	Sizes func(s Shape) []int
	// Output is the index of the operand the kernel writes, or −1 when it
	// returns a scalar instead.
	Output int
	// Elementwise reports whether each output element comes from one
	// operation (no reduction), so huge magnitudes cannot overflow partial sums.
	Elementwise bool
	// Run calls the kernel of k on ops; alpha is used by the kernels that take one.
	Run func(k *Kernels, s Shape, alpha float32, ops [][]float32) float32
	// Check compares the outputs of Run (ops after, result) with the
	// reference computed from the operands before the call.
	Check func(s Shape, alpha float32, before, after [][]float32, result float32) error
}

// Specs lists every linear-algebra kernel.
var Specs = []Spec{
	{
		Name: "Dot", Sizes: func(s Shape) []int { return []int{s.Cols, s.Cols} }, Output: -1,
		Run: func(k *Kernels, s Shape, _ float32, ops [][]float32) float32 { return k.Dot(ops[0], ops[1]) },
		Check: func(s Shape, _ float32, before, _ [][]float32, got float32) error {
			x, y := before[0], before[1]
			want := ref.Dot(x, y)
			bound := Gamma(len(x))*ref.AbsDot(x, y) + float64(len(x))*Underflow
			if !Close(got, want, bound) {
				return fmt.Errorf("Dot = %v, want %v ± %g", got, want, bound)
			}
			return nil
		},
	},
	{
		Name: "Axpy", Sizes: func(s Shape) []int { return []int{s.Cols, s.Cols} }, Output: 1, Elementwise: true,
		Run: func(k *Kernels, s Shape, alpha float32, ops [][]float32) float32 {
			k.Axpy(alpha, ops[0], ops[1])
			return 0
		},
		Check: func(s Shape, alpha float32, before, after [][]float32, _ float32) error {
			x, y := before[0], before[1]
			want := ref.Axpy(alpha, x, y)
			for i, got := range after[1] {
				product := float64(alpha) * float64(x[i])
				if err := closeFMA("Axpy", i, got, want[i], float64(y[i]), product); err != nil {
					return err
				}
			}
			return nil
		},
	},
	{
		Name: "Scale", Sizes: func(s Shape) []int { return []int{s.Cols} }, Output: 0, Elementwise: true,
		Run: func(k *Kernels, s Shape, alpha float32, ops [][]float32) float32 { k.Scale(alpha, ops[0]); return 0 },
		Check: func(s Shape, alpha float32, before, after [][]float32, _ float32) error {
			want := ref.Scale(alpha, before[0])
			for i, got := range after[0] {
				// Correctly rounded: the bits must match exactly.
				w := float32(want[i])
				if math.Float32bits(got) != math.Float32bits(w) && !(math.IsNaN(float64(got)) && math.IsNaN(float64(w))) {
					return fmt.Errorf("Scale[%d] = %v, want %v exactly", i, got, w)
				}
			}
			return nil
		},
	},
	matVecSpec("MatVec", false, false),
	matVecSpec("MatVecAdd", true, false),
	matVecSpec("MatVecBatch", false, true),
	matVecSpec("MatVecBatchAdd", true, true),
	{
		Name: "MatTVecAdd", Matrix: true,
		Sizes:  func(s Shape) []int { return []int{s.Cols, s.Rows * s.Cols, s.Rows} },
		Output: 0,
		Run: func(k *Kernels, s Shape, _ float32, ops [][]float32) float32 {
			k.MatTVecAdd(ops[0], ops[1], ops[2])
			return 0
		},
		Check: func(s Shape, _ float32, before, after [][]float32, _ float32) error {
			y, w, x := before[0], before[1], before[2]
			want := ref.MatTVecAdd(y, w, x)
			scale := ref.MatTVecAbs(y, w, x)
			m := len(x)
			return compareEach("MatTVecAdd", after[0], want, func(j int) float64 {
				return Gamma(m+1)*scale[j] + float64(m+1)*Underflow
			})
		},
	},
	{
		Name: "Rank1Add", Matrix: true, Elementwise: true,
		Sizes:  func(s Shape) []int { return []int{s.Rows * s.Cols, s.Rows, s.Cols} },
		Output: 0,
		Run: func(k *Kernels, s Shape, _ float32, ops [][]float32) float32 {
			k.Rank1Add(ops[0], ops[1], ops[2])
			return 0
		},
		Check: func(s Shape, _ float32, before, after [][]float32, _ float32) error {
			w, a, b := before[0], before[1], before[2]
			want := ref.Rank1Add(w, a, b)
			n := len(b)
			for k, got := range after[0] {
				product := float64(a[k/n]) * float64(b[k%n])
				if err := closeFMA("Rank1Add", k, got, want[k], float64(w[k]), product); err != nil {
					return err
				}
			}
			return nil
		},
	},
}

func matVecSpec(name string, add, batched bool) Spec {
	return Spec{
		Name: name, Matrix: true, Batched: batched,
		Sizes: func(s Shape) []int {
			return []int{s.Batch * s.Rows, s.Rows * s.Cols, s.Batch * s.Cols}
		},
		Output: 0,
		Run: func(k *Kernels, s Shape, _ float32, ops [][]float32) float32 {
			y, w, x := ops[0], ops[1], ops[2]
			switch {
			case batched && add:
				k.MatVecBatchAdd(y, w, x, s.Batch)
			case batched:
				k.MatVecBatch(y, w, x, s.Batch)
			case add:
				k.MatVecAdd(y, w, x)
			default:
				k.MatVec(y, w, x)
			}
			return 0
		},
		Check: func(s Shape, _ float32, before, after [][]float32, _ float32) error {
			y, w, x := before[0], before[1], before[2]
			want := ref.MatVecBatch(y, w, x, s.Batch, add)
			n := s.Cols
			return compareEach(name, after[0], want, func(k int) float64 {
				b, i := k/s.Rows, k%s.Rows
				scale := ref.AbsDot(w[i*n:(i+1)*n], x[b*n:(b+1)*n])
				if add {
					return Gamma(n+1)*(math.Abs(float64(y[k]))+scale) + float64(n+1)*Underflow
				}
				return Gamma(n)*scale + float64(n)*Underflow
			})
		},
	}
}

// closeFMA checks one y + p result (p an exact product) under the bound
// γ(2)·(|y| + |p|) + 2⁻¹⁴⁹. Without FMA the product is rounded to float32
// first, so where p alone overflows float32 the infinity of p's sign is
// accepted too.
func closeFMA(name string, i int, got float32, want, y, product float64) error {
	bound := Gamma(2)*(math.Abs(y)+math.Abs(product)) + Underflow
	if Close(got, want, bound) {
		return nil
	}
	if rounded := float64(float32(product)); math.IsInf(rounded, 0) && float64(got) == rounded+y {
		return nil
	}
	return fmt.Errorf("%s: out[%d] = %v, want %v ± %g", name, i, got, want, bound)
}

func compareEach(name string, got []float32, want []float64, bound func(i int) float64) error {
	for i := range got {
		if b := bound(i); !Close(got[i], want[i], b) {
			return fmt.Errorf("%s: out[%d] = %v, want %v ± %g", name, i, got[i], want[i], b)
		}
	}
	return nil
}

// Normalize sets the parts of s the spec does not use: Batch 1 for
// unbatched kernels, Rows 1 for vector kernels.
func (sp Spec) Normalize(s Shape) Shape {
	if !sp.Batched {
		s.Batch = 1
	}
	if !sp.Matrix {
		s.Rows = 1
	}
	return s
}

// Execute copies ops, runs the spec with the kernels k on ops in place, and checks the result
// and that no operand other than the output changed.
func (sp Spec) Execute(k *Kernels, s Shape, alpha float32, ops [][]float32) error {
	before := make([][]float32, len(ops))
	for i, op := range ops {
		before[i] = append([]float32(nil), op...)
	}
	result := sp.Run(k, s, alpha, ops)
	for i, op := range ops {
		if i == sp.Output {
			continue
		}
		for k := range op {
			if math.Float32bits(op[k]) != math.Float32bits(before[i][k]) {
				return fmt.Errorf("%s %v: input operand %d changed at %d", sp.Name, s, i, k)
			}
		}
	}
	if err := sp.Check(s, alpha, before, ops, result); err != nil {
		return fmt.Errorf("%s %v: %w", sp.Name, s, err)
	}
	return nil
}
