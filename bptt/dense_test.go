package bptt_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// denseReference returns y = x·Wᵀ + b and, for the upstream gradient dy,
// dW = dyᵀ·x, db = Σ_rows dy and dx = dy·W, in float64.
func denseReference(d *bptt.Dense, x, dy []float32, rows int) (y, dW, db, dx []float64) {
	in, out := d.In, d.Out
	w, b := d.Weight.Data, d.Bias.Data
	y, dW, db, dx = make([]float64, rows*out), make([]float64, out*in), make([]float64, out), make([]float64, rows*in)
	for r := 0; r < rows; r++ {
		for o := 0; o < out; o++ {
			sum := float64(b[o])
			for i := 0; i < in; i++ {
				sum += float64(x[r*in+i]) * float64(w[o*in+i])
				dW[o*in+i] += float64(dy[r*out+o]) * float64(x[r*in+i])
				dx[r*in+i] += float64(dy[r*out+o]) * float64(w[o*in+i])
			}
			y[r*out+o] = sum
			db[o] += float64(dy[r*out+o])
		}
	}
	return y, dW, db, dx
}

func requireAllClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		require.InDelta(t, want[i], float64(got[i]), tol*(1+math.Abs(want[i])), "%s[%d]", what, i)
	}
}

// TestDense checks Forward and Backward against the float64 reference at
// every level, for shapes on both sides of the matrix product's blocks,
// that gradients accumulate and that a nil dx is skipped.
func TestDense(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, s := range [][3]int{{1, 1, 1}, {3, 5, 2}, {17, 40, 9}, {64, 300, 7}, {0, 4, 3}} {
			rows, in, out := s[0], s[1], s[2]
			t.Run(fmt.Sprintf("rows%d_in%d_out%d", rows, in, out), func(t *testing.T) {
				d := bptt.NewDense("head", in, out, 5)
				r := kerneltest.Rand(91)
				x, dy := make([]float32, rows*in), make([]float32, rows*out)
				kerneltest.Fill(r, x)
				kerneltest.Fill(r, dy)
				y, dx := make([]float32, rows*out), make([]float32, rows*in)
				d.Forward(y, x, rows)
				d.Backward(dx, dy, x, rows)
				wantY, wantDW, wantDB, wantDX := denseReference(d, x, dy, rows)
				tol := 1e-6 * float64(max(in, rows, out))
				requireAllClose(t, "y", y, wantY, tol)
				requireAllClose(t, "dW", d.Weight.Grad, wantDW, tol)
				requireAllClose(t, "db", d.Bias.Grad, wantDB, tol)
				requireAllClose(t, "dx", dx, wantDX, tol)

				// A second backward without dx adds the same gradients again.
				d.Backward(nil, dy, x, rows)
				for i := range wantDW {
					wantDW[i] *= 2
				}
				for i := range wantDB {
					wantDB[i] *= 2
				}
				requireAllClose(t, "2·dW", d.Weight.Grad, wantDW, tol)
				requireAllClose(t, "2·db", d.Bias.Grad, wantDB, tol)
			})
		}
	})
}

// TestDenseGradCheck checks Dense's backward pass against central
// differences of an MSE loss.
func TestDenseGradCheck(t *testing.T) {
	const rows, in, out = 6, 5, 3
	d := bptt.NewDense("", in, out, 7)
	r := kerneltest.Rand(92)
	x, target := make([]float32, rows*in), make([]float32, rows*out)
	kerneltest.Fill(r, x)
	kerneltest.Fill(r, target)
	y, dy, dx := make([]float32, rows*out), make([]float32, rows*out), make([]float32, rows*in)
	d.Forward(y, x, rows)
	bptt.MSE(dy, y, target)
	d.Backward(dx, dy, x, rows)
	res, err := bptt.GradCheck(d.Params(), func() float64 {
		d.Forward(y, x, rows)
		return bptt.MSE(nil, y, target)
	}, bptt.GradCheckOptions{})
	require.NoError(t, err)
	require.Equal(t, out*in+out, res.Checked)

	// dx against central differences of the input.
	xParam := &bptt.Param{Name: "x", Data: x, Grad: dx}
	_, err = bptt.GradCheck([]*bptt.Param{xParam}, func() float64 {
		d.Forward(y, x, rows)
		return bptt.MSE(nil, y, target)
	}, bptt.GradCheckOptions{})
	require.NoError(t, err)
}

// TestNewDense checks the names, the shapes and nn.Linear's initialisation
// range, and that the seed decides the values.
func TestNewDense(t *testing.T) {
	d := bptt.NewDense("fc", 16, 4, 1)
	require.Equal(t, "fc.weight", d.Weight.Name)
	require.Equal(t, []int{4, 16}, d.Weight.Shape)
	require.Equal(t, "fc.bias", d.Bias.Name)
	require.Equal(t, []int{4}, d.Bias.Shape)
	require.Equal(t, []*bptt.Param{d.Weight, d.Bias}, d.Params())
	for _, p := range d.Params() {
		require.Len(t, p.Grad, len(p.Data))
		for _, v := range p.Data {
			require.True(t, v >= -0.25 && v < 0.25, "%s value %v outside U(−1/√16, 1/√16)", p.Name, v)
		}
	}
	require.Equal(t, d.Weight.Data, bptt.NewDense("fc", 16, 4, 1).Weight.Data)
	require.NotEqual(t, d.Weight.Data, bptt.NewDense("fc", 16, 4, 2).Weight.Data)
	require.Equal(t, "weight", bptt.NewDense("", 2, 3, 1).Weight.Name)
	require.PanicsWithValue(t, "bptt.NewDense: in = 0, out = 3; want sizes ≥ 1", func() { bptt.NewDense("", 0, 3, 1) })
}

// TestDenseBadShapes checks the panics name Dense and the sizes.
func TestDenseBadShapes(t *testing.T) {
	d := bptt.NewDense("", 3, 2, 1)
	require.PanicsWithValue(t, "bptt.Dense.Forward: len(x) = 5; want rows × In = 2 × 3 = 6 (Dense 3→2)", func() { d.Forward(make([]float32, 4), make([]float32, 5), 2) })
	require.PanicsWithValue(t, "bptt.Dense.Forward: len(y) = 3; want rows × Out = 2 × 2 = 4 (Dense 3→2)", func() { d.Forward(make([]float32, 3), make([]float32, 6), 2) })
	require.PanicsWithValue(t, "bptt.Dense.Backward: len(dx) = 7; want rows × In = 2 × 3 = 6 (Dense 3→2)", func() { d.Backward(make([]float32, 7), make([]float32, 4), make([]float32, 6), 2) })
	require.PanicsWithValue(t, "bptt.Dense.Backward: rows = -1; want rows ≥ 0", func() { d.Backward(nil, nil, nil, -1) })
}

// TestDenseNoAllocations checks Forward and Backward allocate nothing once
// they have seen the largest batch.
func TestDenseNoAllocations(t *testing.T) {
	const rows, in, out = 32, 50, 10
	d := bptt.NewDense("", in, out, 1)
	x, y, dy, dx := make([]float32, rows*in), make([]float32, rows*out), make([]float32, rows*out), make([]float32, rows*in)
	d.Backward(dx, dy, x, rows)
	require.Zero(t, testing.AllocsPerRun(20, func() {
		d.Forward(y, x, rows)
		d.Backward(dx, dy, x, rows)
		d.Backward(nil, dy[:out], x[:in], 1)
	}))
}
