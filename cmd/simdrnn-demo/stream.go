package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/kerneltest"
	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/kernels"
)

// streamDemo saves a seeded LSTM as a safetensors file (as a PyTorch user
// would hand it over), loads it, streams a sequence through it one step at
// a time and prints per-step latency percentiles at each level.
func streamDemo(input, hidden, steps int) error {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: input, HiddenSize: hidden, NumLayers: 1}
	path, err := writeDemoModel(cfg)
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(path))
	model, err := cells.LoadSafetensors(path, cfg, "")
	if err != nil {
		return err
	}
	fmt.Printf("\nStreaming: an LSTM (input %d, hidden %d) loaded from %s, %d steps at batch 1\n\n", input, hidden, filepath.Base(path), steps)
	fmt.Printf("%10s %9s %9s %9s %9s %9s\n", "level", "p50", "p90", "p99", "p99.9", "max")
	x := make([]float32, steps*input)
	kerneltest.Fill(kerneltest.Rand(2), x)
	y := make([]float32, hidden)
	for _, l := range level.Available() {
		var times []time.Duration
		kerneltest.WithLevel(l, func() {
			state, _ := model.NewState(1)
			for warm := 0; warm < 100; warm++ {
				_ = model.Step(state, x[:input], y)
			}
			state.Reset()
			times = make([]time.Duration, steps)
			for t := 0; t < steps; t++ {
				start := time.Now()
				_ = model.Step(state, x[t*input:(t+1)*input], y)
				times[t] = time.Since(start)
			}
		})
		slices.Sort(times)
		q := func(p float64) time.Duration {
			return times[int(math.Min(float64(len(times)-1), p*float64(len(times))))]
		}
		fmt.Printf("%10v %9v %9v %9v %9v %9v\n", l, q(0.5), q(0.9), q(0.99), q(0.999), times[len(times)-1])
	}
	return nil
}

// writeDemoModel writes a seeded model (uniform ±1/√H, PyTorch's
// initialisation) to a temporary safetensors file.
func writeDemoModel(cfg cells.Config) (string, error) {
	r := kerneltest.Rand(1)
	params := map[string][]float32{}
	for _, spec := range cfg.Params() {
		data := make([]float32, spec.Size())
		kerneltest.Fill(r, data)
		kernels.Scale(1/float32(math.Sqrt(float64(cfg.HiddenSize))), data)
		params[spec.Name] = data
	}
	model, err := cells.New(cfg, params)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "simdrnn-demo")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "lstm.safetensors")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := model.WriteSafetensors(f, ""); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}
