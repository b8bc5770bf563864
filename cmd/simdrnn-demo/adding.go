package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
)

// The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): each
// step holds a value drawn from U(0, 1) and a marker, 1 at two steps (one in
// each half of the sequence) and 0 elsewhere; the target is the sum of the
// two marked values. Predicting the mean, 1, scores the variance of the
// sum, 1/6 ≈ 0.167; beating it needs the net to carry a value across up to
// addingSteps steps.
const (
	addingSteps    = 50
	addingHidden   = 50
	addingBatch    = 32
	addingUpdates  = 2000
	addingLR       = 0.01
	addingClip     = 1.0
	addingTest     = 1000
	addingDataSeed = 11
)

// addingBatchInto fills x (steps × batch × 2, time-major) and target
// (batch) with fresh samples from r.
func addingBatchInto(r *rand.Rand, x, target []float32, batch int) {
	clear(x)
	for b := 0; b < batch; b++ {
		first, second := r.IntN(addingSteps/2), addingSteps/2+r.IntN(addingSteps/2)
		var sum float32
		for t := 0; t < addingSteps; t++ {
			v := r.Float32()
			at := (t*batch + b) * 2
			x[at] = v
			if t == first || t == second {
				x[at+1] = 1
				sum += v
			}
		}
		target[b] = sum
	}
}

// addingDemo trains an LSTM and a GRU on the same stream of batches and
// prints their loss curves and test MSE against the baseline.
func addingDemo() error {
	fmt.Printf("2. The adding problem: %d steps of (value, marker), target the sum of the 2 marked values;\n", addingSteps)
	fmt.Printf("   hidden %d, dense head on h_T, MSE, Adam lr %g, clip %g, %d updates of batch %d (fresh samples)\n\n",
		addingHidden, addingLR, addingClip, addingUpdates, addingBatch)

	testX := make([]float32, addingSteps*addingTest*2)
	testTarget := make([]float32, addingTest)
	addingBatchInto(rand.New(rand.NewPCG(addingDataSeed, 0)), testX, testTarget, addingTest)
	var mean float64
	for _, v := range testTarget {
		mean += float64(v)
	}
	mean /= addingTest
	baselinePred := make([]float32, addingTest)
	for i := range baselinePred {
		baselinePred[i] = float32(mean)
	}
	baseline := bptt.MSE(nil, baselinePred, testTarget)
	fmt.Printf("   baseline: always predicting the mean (%.3f), test MSE %.4f (the sum's variance, 1/6)\n\n", mean, baseline)

	x := make([]float32, addingSteps*addingBatch*2)
	target := make([]float32, addingBatch)
	dpred := make([]float32, addingBatch)
	for _, run := range []struct {
		name string
		mode cells.Mode
	}{{"LSTM", cells.LSTM}, {"GRU", cells.GRU}} {
		m, err := newRecurrentModel(run.mode, 2, addingHidden, 1, addingLR, addingClip, 1)
		if err != nil {
			return err
		}
		r := rand.New(rand.NewPCG(addingDataSeed, 1))
		losses := make([]float64, addingUpdates)
		start := time.Now()
		for u := range losses {
			addingBatchInto(r, x, target, addingBatch)
			pred, err := m.forward(x, addingSteps, addingBatch)
			if err != nil {
				return err
			}
			losses[u] = bptt.MSE(dpred, pred, target)
			if err := m.update(dpred, addingBatch); err != nil {
				return err
			}
		}
		elapsed := time.Since(start)
		pred, err := m.forward(testX, addingSteps, addingTest)
		if err != nil {
			return err
		}
		mse := bptt.MSE(nil, pred, testTarget)
		fmt.Printf("   %-4s train MSE %s\n", run.name, sparkline(losses, 60))
		learned := "never"
		if u := firstBelow(losses, baseline/10, 50); u >= 0 {
			learned = fmt.Sprintf("after %d updates", u)
		}
		fmt.Printf("        test MSE %.2g = %.2g%% of the baseline; train MSE below 10%% of it %s; %.1fs\n", mse, 100*mse/baseline, learned, elapsed.Seconds())
	}
	return nil
}

// firstBelow returns the number of updates after which the mean of the last
// window losses first fell below limit, or −1.
func firstBelow(losses []float64, limit float64, window int) int {
	var sum float64
	for i, v := range losses {
		sum += v
		if i >= window {
			sum -= losses[i-window]
		}
		if i+1 >= window && sum/float64(window) < limit {
			return i + 1
		}
	}
	return -1
}
