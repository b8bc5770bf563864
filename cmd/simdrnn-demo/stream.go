package main

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/internal/level"
)

// streamPasses is how many times the test set is streamed per level, for
// enough steps to read a p99 from.
const streamPasses = 10

// streamDemo turns the trained LSTM into an inference model, feeds it the
// test samples one value at a time at batch 1, as a live signal would
// arrive, classifies each sample after its last step with the trained head,
// and prints the streaming accuracy and the per-step latency percentiles
// at every level.
func streamDemo(m *recurrentModel, data classData, batchAccuracy float64) error {
	model, err := m.net.Model()
	if err != nil {
		return err
	}
	hidden := model.Config().HiddenSize
	test := data.x[classTrain:]
	fmt.Printf("3. Streaming inference: the trained LSTM as a cells.Model (Net.Model), fed the %d test samples\n", len(test))
	fmt.Printf("   one value at a time (NewState(1), Step), the head applied after each sample's last step\n\n")

	y := make([]float32, hidden)
	logits := make([]float32, classes)
	labels := make([]int, 1)
	state, err := model.NewState(1)
	if err != nil {
		return err
	}
	// One pass at the chosen level for the accuracy.
	var correct float64
	for i, sample := range test {
		state.Reset()
		for t := range sample {
			if err := model.Step(state, sample[t:t+1], y); err != nil {
				return err
			}
		}
		m.head.Forward(logits, y, 1)
		labels[0] = data.labels[classTrain+i]
		correct += bptt.Accuracy(logits, labels, classes)
	}
	fmt.Printf("   streaming test accuracy %.1f%% (the batched Forward: %.1f%%)\n\n", 100*correct/float64(len(test)), 100*batchAccuracy)

	steps := streamPasses * len(test) * classSteps
	fmt.Printf("   latency of one Step (input 1, hidden %d), %d steps per level:\n", hidden, steps)
	fmt.Printf("   %-8s %9s %9s %9s %9s\n", "level", "p50", "p90", "p99", "max")
	times := make([]time.Duration, 0, steps)
	var p50 []time.Duration
	for _, l := range level.Available() {
		restore := level.Force(l)
		times = times[:0]
		for pass := 0; pass < streamPasses; pass++ {
			for _, sample := range test {
				state.Reset()
				for t := range sample {
					start := time.Now()
					_ = model.Step(state, sample[t:t+1], y)
					times = append(times, time.Since(start))
				}
			}
		}
		restore()
		slices.Sort(times)
		q := func(p float64) time.Duration {
			return times[int(math.Min(float64(len(times)-1), p*float64(len(times))))]
		}
		p50 = append(p50, q(0.5))
		fmt.Printf("   %-8v %9s %9s %9s %9s\n", l, micros(q(0.5)), micros(q(0.9)), micros(q(0.99)), micros(times[len(times)-1]))
	}
	if len(p50) > 1 {
		fmt.Printf("   p50 speed-up of %v over generic: %.1f×\n", level.Available()[0], float64(p50[len(p50)-1])/float64(p50[0]))
	}
	return nil
}

// micros formats d in microseconds with two decimals.
func micros(d time.Duration) string {
	return fmt.Sprintf("%.2f µs", float64(d.Nanoseconds())/1e3)
}
