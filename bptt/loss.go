package bptt

import (
	"fmt"
	"math"

	"github.com/simdrnn/simdrnn/internal/shape"
)

// The losses are computed in float64 from the float32 inputs: they run once
// per batch over rows·classes values, far from the cost of the recurrent
// products, and their exp and log have no kernel.

// SoftmaxCrossEntropy returns the mean cross-entropy of the logits against
// the labels, PyTorch's nn.CrossEntropyLoss (reduction "mean", no weights,
// no label smoothing, no ignore_index), and writes its gradient:
//
//	loss       = (1/rows)·Σ_r (log Σ_j exp(z[r][j]) − z[r][labels[r]])
//	dlogits[r] = (softmax(z[r]) − onehot(labels[r])) / rows
//
// logits is rows×classes, row-major, with rows = len(labels); dlogits has
// the same shape, or is nil to compute the loss only. Each row's maximum is
// subtracted before exp, so large logits do not overflow; the sums are in
// float64 and each dlogits element is rounded once to float32. A NaN or +Inf
// logit makes its row's loss and gradient NaN (as in PyTorch), and so the
// mean; rows = 0 gives NaN, as PyTorch's mean over nothing.
//
// It panics, naming the function and the sizes, unless classes ≥ 1,
// len(logits) = rows·classes, dlogits is nil or as long, and every label is
// in [0, classes). dlogits may be logits itself.
func SoftmaxCrossEntropy(dlogits, logits []float32, labels []int, classes int) (loss float64) {
	checkLogits("SoftmaxCrossEntropy", logits, labels, classes)
	rows := len(labels)
	if dlogits != nil && len(dlogits) != len(logits) {
		panic(fmt.Sprintf("bptt.SoftmaxCrossEntropy: len(dlogits) = %d; want 0 or len(logits) = %d", len(dlogits), len(logits)))
	}
	if rows == 0 {
		return math.NaN()
	}
	scale := 1 / float64(rows)
	total := 0.0
	for r, label := range labels {
		z := logits[r*classes : (r+1)*classes]
		zmax := math.Inf(-1)
		for _, v := range z {
			// math.Max propagates NaN: a NaN logit makes the row NaN.
			zmax = math.Max(zmax, float64(v))
		}
		sum := 0.0
		for _, v := range z {
			sum += math.Exp(float64(v) - zmax)
		}
		total += math.Log(sum) + zmax - float64(z[label])
		if dlogits == nil {
			continue
		}
		dz := dlogits[r*classes : (r+1)*classes]
		for j, v := range z {
			g := math.Exp(float64(v)-zmax) / sum
			if j == label {
				g--
			}
			dz[j] = float32(g * scale)
		}
	}
	return total * scale
}

// MSE returns the mean squared error of pred against target, PyTorch's
// nn.MSELoss (reduction "mean"), and writes its gradient:
//
//	loss     = (1/n)·Σ_i (pred[i] − target[i])²
//	dpred[i] = 2·(pred[i] − target[i]) / n
//
// with n = len(pred). The loss is summed in float64 and each dpred element
// is rounded once to float32. dpred is nil to compute the loss only, and
// may be pred itself. n = 0 gives NaN, as PyTorch's mean over nothing. It
// panics, naming MSE and the sizes, unless len(target) = n and dpred is nil
// or n long.
func MSE(dpred, pred, target []float32) float64 {
	if len(target) != len(pred) || (dpred != nil && len(dpred) != len(pred)) {
		panic(fmt.Sprintf("bptt.MSE: len(dpred) = %d, len(pred) = %d, len(target) = %d; want len(target) = len(pred) and len(dpred) 0 or len(pred)", len(dpred), len(pred), len(target)))
	}
	n := float64(len(pred))
	if len(pred) == 0 {
		return math.NaN()
	}
	sum := 0.0
	for i, p := range pred {
		diff := float64(p) - float64(target[i])
		sum += diff * diff
		if dpred != nil {
			dpred[i] = float32(2 * diff / n)
		}
	}
	return sum / n
}

// Accuracy returns the fraction of rows whose largest logit is at the
// label: logits is rows×classes, row-major, rows = len(labels). As
// torch.argmax, the first largest logit of a row is its prediction and a
// NaN counts as larger than any number. rows = 0 gives NaN. It panics as
// SoftmaxCrossEntropy on bad shapes or labels.
func Accuracy(logits []float32, labels []int, classes int) float64 {
	checkLogits("Accuracy", logits, labels, classes)
	if len(labels) == 0 {
		return math.NaN()
	}
	correct := 0
	for r, label := range labels {
		z := logits[r*classes : (r+1)*classes]
		best := 0
		for j, v := range z {
			if math.IsNaN(float64(z[best])) {
				break
			}
			if v > z[best] || math.IsNaN(float64(v)) {
				best = j
			}
		}
		if best == label {
			correct++
		}
	}
	return float64(correct) / float64(len(labels))
}

func checkLogits(function string, logits []float32, labels []int, classes int) {
	if classes < 1 {
		panic(fmt.Sprintf("bptt.%s: classes = %d; want classes ≥ 1", function, classes))
	}
	if n, ok := shape.Mul(len(labels), classes); !ok || len(logits) != n {
		panic(fmt.Sprintf("bptt.%s: len(logits) = %d; want len(labels) × classes = %d × %d%s", function, len(logits), len(labels), classes, shape.ProductText(n, ok)))
	}
	for r, label := range labels {
		if label < 0 || label >= classes {
			panic(fmt.Sprintf("bptt.%s: labels[%d] = %d; want 0 ≤ label < classes = %d", function, r, label, classes))
		}
	}
}
