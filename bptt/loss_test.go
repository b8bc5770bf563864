package bptt_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// crossEntropyReference is the textbook formula in float64, without the
// max subtraction (for moderate logits only).
func crossEntropyReference(logits []float32, labels []int, classes int) (loss float64, grad []float64) {
	rows := len(labels)
	grad = make([]float64, len(logits))
	for r, label := range labels {
		sum := 0.0
		for j := 0; j < classes; j++ {
			sum += math.Exp(float64(logits[r*classes+j]))
		}
		loss += -math.Log(math.Exp(float64(logits[r*classes+label])) / sum)
		for j := 0; j < classes; j++ {
			p := math.Exp(float64(logits[r*classes+j])) / sum
			if j == label {
				p--
			}
			grad[r*classes+j] = p / float64(rows)
		}
	}
	return loss / float64(rows), grad
}

// TestSoftmaxCrossEntropy checks the loss and gradient against the float64
// formula and central differences.
func TestSoftmaxCrossEntropy(t *testing.T) {
	const rows, classes = 5, 7
	r := kerneltest.Rand(101)
	logits := make([]float32, rows*classes)
	kerneltest.Fill(r, logits)
	for i := range logits {
		logits[i] *= 4
	}
	labels := []int{0, 6, 3, 3, 1}
	dlogits := make([]float32, len(logits))
	loss := bptt.SoftmaxCrossEntropy(dlogits, logits, labels, classes)
	wantLoss, wantGrad := crossEntropyReference(logits, labels, classes)
	require.InEpsilon(t, wantLoss, loss, 1e-12)
	requireAllClose(t, "dlogits", dlogits, wantGrad, 1e-7)
	require.Equal(t, loss, bptt.SoftmaxCrossEntropy(nil, logits, labels, classes))

	res, err := bptt.GradCheck([]*bptt.Param{{Name: "logits", Data: logits, Grad: dlogits}}, func() float64 {
		return bptt.SoftmaxCrossEntropy(nil, logits, labels, classes)
	}, bptt.GradCheckOptions{Eps: 1e-3, RTol: 1e-3, ATol: 1e-5})
	require.NoError(t, err)
	require.Equal(t, rows*classes, res.Checked)

	// In place: dlogits may be logits.
	inPlace := append([]float32(nil), logits...)
	require.Equal(t, loss, bptt.SoftmaxCrossEntropy(inPlace, inPlace, labels, classes))
	require.Equal(t, dlogits, inPlace)
}

// TestSoftmaxCrossEntropyStable checks that huge logits neither overflow
// nor lose the loss: shifting every logit of a row leaves it unchanged.
func TestSoftmaxCrossEntropyStable(t *testing.T) {
	logits := []float32{1, 2, 3, 1e4 + 1, 1e4 + 2, 1e4 + 3, -1e4 + 1, -1e4 + 2, -1e4 + 3}
	labels := []int{0, 0, 0}
	d := make([]float32, len(logits))
	loss := bptt.SoftmaxCrossEntropy(d, logits, labels, 3)
	want, wantGrad := crossEntropyReference(logits[:3], labels[:1], 3)
	require.InEpsilon(t, want, loss, 1e-12)
	for r := 0; r < 3; r++ {
		requireAllClose(t, "row", d[3*r:3*r+3], []float64{wantGrad[0] / 3, wantGrad[1] / 3, wantGrad[2] / 3}, 1e-7)
	}

	nan := float32(math.NaN())
	d = d[:6]
	require.True(t, math.IsNaN(bptt.SoftmaxCrossEntropy(d, []float32{1, nan, 2, 0, 0, 0}, []int{0, 1}, 3)))
	require.True(t, math.IsNaN(float64(d[0])))
	require.False(t, math.IsNaN(float64(d[3])), "a NaN stays in its row")
	require.True(t, math.IsNaN(bptt.SoftmaxCrossEntropy(nil, nil, nil, 3)))
}

// TestLossBadShapes checks the panics name the function and the sizes.
func TestLossBadShapes(t *testing.T) {
	require.PanicsWithValue(t, "bptt.SoftmaxCrossEntropy: len(logits) = 5; want len(labels) × classes = 2 × 3 = 6", func() {
		bptt.SoftmaxCrossEntropy(nil, make([]float32, 5), []int{0, 1}, 3)
	})
	require.PanicsWithValue(t, "bptt.SoftmaxCrossEntropy: labels[1] = 3; want 0 ≤ label < classes = 3", func() {
		bptt.SoftmaxCrossEntropy(nil, make([]float32, 6), []int{0, 3}, 3)
	})
	require.PanicsWithValue(t, "bptt.SoftmaxCrossEntropy: len(dlogits) = 2; want 0 or len(logits) = 6", func() {
		bptt.SoftmaxCrossEntropy(make([]float32, 2), make([]float32, 6), []int{0, 1}, 3)
	})
	require.PanicsWithValue(t, "bptt.Accuracy: classes = 0; want classes ≥ 1", func() { bptt.Accuracy(nil, nil, 0) })
	require.PanicsWithValue(t, "bptt.MSE: len(dpred) = 0, len(pred) = 2, len(target) = 3; want len(target) = len(pred) and len(dpred) 0 or len(pred)", func() {
		bptt.MSE(nil, make([]float32, 2), make([]float32, 3))
	})
}

// TestMSE checks PyTorch's mean reduction and gradient against the float64
// formula and central differences.
func TestMSE(t *testing.T) {
	pred := []float32{0.5, -1, 2, 0.125}
	target := []float32{1, -1, -2, 0}
	d := make([]float32, 4)
	loss := bptt.MSE(d, pred, target)
	require.Equal(t, (0.25+0+16+0.015625)/4, loss)
	require.Equal(t, []float32{2 * -0.5 / 4, 0, 2 * 4.0 / 4, 2 * 0.125 / 4}, d)

	r := kerneltest.Rand(102)
	pred, target, d = make([]float32, 30), make([]float32, 30), make([]float32, 30)
	kerneltest.Fill(r, pred)
	kerneltest.Fill(r, target)
	bptt.MSE(d, pred, target)
	_, err := bptt.GradCheck([]*bptt.Param{{Name: "pred", Data: pred, Grad: d}}, func() float64 {
		return bptt.MSE(nil, pred, target)
	}, bptt.GradCheckOptions{Eps: 1e-3, RTol: 1e-4, ATol: 1e-6})
	require.NoError(t, err)
	require.True(t, math.IsNaN(bptt.MSE(nil, nil, nil)))
}

// TestAccuracy checks ties (the first maximum wins, as torch.argmax) and
// NaN (counted as the maximum).
func TestAccuracy(t *testing.T) {
	nan := float32(math.NaN())
	logits := []float32{
		0, 3, 1, // argmax 1
		2, 2, 0, // tie: 0
		1, nan, 5, // NaN: 1
		-1, -2, -0.5, // 2
	}
	require.Equal(t, 1.0, bptt.Accuracy(logits, []int{1, 0, 1, 2}, 3))
	require.Equal(t, 0.5, bptt.Accuracy(logits, []int{1, 1, 2, 2}, 3))
	require.Equal(t, 0.0, bptt.Accuracy(logits, []int{0, 1, 2, 0}, 3))
	require.True(t, math.IsNaN(bptt.Accuracy(nil, nil, 3)))
}
