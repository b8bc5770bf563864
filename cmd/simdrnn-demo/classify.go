package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
)

// The sequence-classification task: every sample is 20 values read as 20
// time steps of one feature; class 0 is a sine of 2 periods over the window,
// class 1 of 3 periods, each with a random phase and amplitude, under
// Gaussian noise. Neither the mean nor any single step tells the classes
// apart: the net must follow the oscillation.
const (
	classSamples  = 1000
	classSteps    = 20
	classTrain    = 800 // the first 800 samples train, the last 200 test
	classes       = 2
	classHidden   = 50
	classEpochs   = 10
	classBatch    = 32
	classLR       = 0.01
	classClip     = 5.0
	classNoise    = 1.0
	classDataSeed = 7
)

// classData is a set of samples, each classSteps values, and their labels.
type classData struct {
	x      [][]float32
	labels []int
}

// makeClassData draws the samples from a fixed seed.
func makeClassData() classData {
	r := rand.New(rand.NewPCG(classDataSeed, 1))
	var d classData
	for i := 0; i < classSamples; i++ {
		label := r.IntN(classes)
		periods := float64(2 + label)
		phase := 2 * math.Pi * r.Float64()
		amplitude := 0.8 + 0.4*r.Float64()
		x := make([]float32, classSteps)
		for t := range x {
			x[t] = float32(amplitude*math.Sin(2*math.Pi*periods*float64(t)/classSteps+phase) + classNoise*r.NormFloat64())
		}
		d.x = append(d.x, x)
		d.labels = append(d.labels, label)
	}
	return d
}

// batch gathers the samples of indices as time-major input (steps × batch
// × 1) and their labels, reusing the buffers x and labels.
func (d classData) batch(x []float32, labels []int, indices []int) ([]float32, []int) {
	x, labels = resize(x, classSteps*len(indices)), labels[:0]
	for b, i := range indices {
		for t, v := range d.x[i] {
			x[t*len(indices)+b] = v
		}
		labels = append(labels, d.labels[i])
	}
	return x, labels
}

// classifyDemo trains an LSTM and a GRU with the same data, order, budget
// and seeds, one epoch of each in turn, and prints their progress and test
// accuracy. It returns the trained LSTM, the data and the LSTM's test
// accuracy.
func classifyDemo() (*recurrentModel, classData, float64, error) {
	data := makeClassData()
	fmt.Printf("1. Sequence classification: %d samples (%d train, %d test), %d steps × 1 feature, 2 classes\n",
		classSamples, classTrain, classSamples-classTrain, classSteps)
	fmt.Printf("   (sines of 2 or 3 periods, random phase, noise σ = %.1f); hidden %d, dense softmax head on h_T,\n", classNoise, classHidden)
	fmt.Printf("   Adam lr %g, gradient norm clipped at %g, batch %d, %d epochs, the same data order and seeds for both\n\n",
		classLR, classClip, classBatch, classEpochs)

	var models []*recurrentModel
	for _, mode := range []cells.Mode{cells.LSTM, cells.GRU} {
		m, err := newRecurrentModel(mode, 1, classHidden, classes, classLR, classClip, 1)
		if err != nil {
			return nil, data, 0, err
		}
		models = append(models, m)
	}
	fmt.Printf("   %5s │ %-26s │ %s\n", "", "LSTM", "GRU")
	fmt.Printf("   %5s │ %8s %9s %7s │ %8s %9s %7s\n", "epoch", "loss", "train acc", "time", "loss", "train acc", "time")
	order := make([]int, classTrain)
	for i := range order {
		order[i] = i
	}
	shuffle := rand.New(rand.NewPCG(classDataSeed, 2))
	var x []float32
	labels := make([]int, 0, classSamples)
	dlogits := make([]float32, classBatch*classes)
	total := make([]time.Duration, len(models))
	for epoch := 1; epoch <= classEpochs; epoch++ {
		shuffle.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		fmt.Printf("   %5d │", epoch)
		for k, m := range models {
			start := time.Now()
			var loss, correct float64
			for from := 0; from < len(order); from += classBatch {
				indices := order[from:min(from+classBatch, len(order))]
				x, labels = data.batch(x, labels, indices)
				logits, err := m.forward(x, classSteps, len(indices))
				if err != nil {
					return nil, data, 0, err
				}
				n := float64(len(indices))
				loss += n * bptt.SoftmaxCrossEntropy(dlogits[:len(logits)], logits, labels, classes)
				correct += n * bptt.Accuracy(logits, labels, classes)
				if err := m.update(dlogits[:len(logits)], len(indices)); err != nil {
					return nil, data, 0, err
				}
			}
			elapsed := time.Since(start)
			total[k] += elapsed
			separator := " │"
			if k == len(models)-1 {
				separator = "\n"
			}
			fmt.Printf(" %8.4f %8.1f%% %7s%s", loss/classTrain, 100*correct/classTrain, elapsed.Round(time.Millisecond), separator)
		}
	}
	test := make([]int, classSamples-classTrain)
	for i := range test {
		test[i] = classTrain + i
	}
	x, labels = data.batch(x, labels, test)
	accuracy := make([]float64, len(models))
	for k, m := range models {
		logits, err := m.forward(x, classSteps, len(test))
		if err != nil {
			return nil, data, 0, err
		}
		accuracy[k] = bptt.Accuracy(logits, labels, classes)
	}
	fmt.Printf("   %5s │ %-26s │ %s\n", "total",
		fmt.Sprintf("test acc %.1f%% in %v", 100*accuracy[0], total[0].Round(time.Millisecond)),
		fmt.Sprintf("test acc %.1f%% in %v", 100*accuracy[1], total[1].Round(time.Millisecond)))
	return models[0], data, accuracy[0], nil
}
