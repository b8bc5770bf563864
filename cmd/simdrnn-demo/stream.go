package main

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/level"
)

// streamPasses is how many times the test set is streamed per level, for
// enough steps to read a p99 from.
const streamPasses = 10

// streamDemo turns the trained LSTM into an inference model, converts its
// weights to every precision (cells.Model.WithPrecision), feeds each the
// test samples one value at a time at batch 1, as a live signal would
// arrive, classifies each sample after its last step with the trained head,
// and prints the streaming accuracy per precision and the per-step latency
// percentiles at every level and precision.
func streamDemo(m *recurrentModel, data classData, batchAccuracy float64) error {
	f32Model, err := m.net.Model()
	if err != nil {
		return err
	}
	hidden := f32Model.Config().HiddenSize
	test := data.x[classTrain:]
	fmt.Printf("3. Streaming inference: the trained LSTM as a cells.Model (Net.Model), its weights at each precision\n")
	fmt.Printf("   (Model.WithPrecision), fed the %d test samples one value at a time (NewState(1), Step),\n", len(test))
	fmt.Printf("   the head applied after each sample's last step (the batched Forward at f32: %.1f%%)\n\n", 100*batchAccuracy)

	y := make([]float32, hidden)
	logits := make([]float32, classes)
	labels := make([]int, 1)
	type run struct {
		p     cells.Precision
		model *cells.Model
		state *cells.State
	}
	var runs []run
	fmt.Printf("   %-9s %13s %9s\n", "precision", "weight bytes", "accuracy")
	for _, p := range []cells.Precision{cells.F32, cells.F16, cells.BF16, cells.Int8} {
		model, err := f32Model.WithPrecision(p)
		if err != nil {
			return err
		}
		state, err := model.NewState(1)
		if err != nil {
			return err
		}
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
		fmt.Printf("   %-9v %13d %8.1f%%\n", p, model.WeightBytes(), 100*correct/float64(len(test)))
		runs = append(runs, run{p, model, state})
	}

	steps := streamPasses * len(test) * classSteps
	fmt.Printf("\n   latency of one Step (input 1, hidden %d), %d steps per level and precision:\n", hidden, steps)
	fmt.Printf("   %-8s %-9s %9s %9s %9s %9s\n", "level", "precision", "p50", "p90", "p99", "max")
	times := make([]time.Duration, 0, steps)
	var p50 []time.Duration // f32 per level
	for _, l := range level.Available() {
		for _, r := range runs {
			restore := level.Force(l)
			times = times[:0]
			for pass := 0; pass < streamPasses; pass++ {
				for _, sample := range test {
					r.state.Reset()
					for t := range sample {
						start := time.Now()
						_ = r.model.Step(r.state, sample[t:t+1], y)
						times = append(times, time.Since(start))
					}
				}
			}
			restore()
			slices.Sort(times)
			q := func(p float64) time.Duration {
				return times[int(math.Min(float64(len(times)-1), p*float64(len(times))))]
			}
			if r.p == cells.F32 {
				p50 = append(p50, q(0.5))
			}
			fmt.Printf("   %-8v %-9v %9s %9s %9s %9s\n", l, r.p, micros(q(0.5)), micros(q(0.9)), micros(q(0.99)), micros(times[len(times)-1]))
		}
	}
	if len(p50) > 1 {
		fmt.Printf("   f32 p50 speed-up of %v over generic: %.1f×\n", level.Available()[0], float64(p50[len(p50)-1])/float64(p50[0]))
	}
	return nil
}

// micros formats d in microseconds with two decimals.
func micros(d time.Duration) string {
	return fmt.Sprintf("%.2f µs", float64(d.Nanoseconds())/1e3)
}
