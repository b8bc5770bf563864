package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/kernels"
)

// kernelDemo prints the throughput of the kernels at the LSTM shape
// W = 4H × 2H at every level, and the speed-up of the best over generic.
func kernelDemo(h int) {
	fmt.Printf("4. Kernels: GB/s of the %d×%d weight matrix (%.1f MiB, the LSTM's [W_ih | W_hh] at H = %d)\n",
		4*h, 2*h, float64(4*4*h*2*h)/(1<<20), h)
	fmt.Printf("   streamed per call, at every level\n\n")
	levels := level.Available()
	fmt.Printf("   %-18s", "kernel")
	for _, l := range levels {
		fmt.Printf(" %8v", l)
	}
	if len(levels) > 1 {
		fmt.Printf(" %9s", "speed-up")
	}
	fmt.Println()
	for _, k := range demoKernels(h) {
		fmt.Printf("   %-18s", k.name)
		var rates []float64
		for _, l := range levels {
			restore := level.Force(l)
			rate := float64(k.bytes) / float64(timePerCall(k.run).Nanoseconds())
			restore()
			rates = append(rates, rate)
			fmt.Printf(" %8.1f", rate)
		}
		if len(levels) > 1 {
			fmt.Printf(" %8.1f×", rates[0]/rates[len(rates)-1])
		}
		fmt.Println()
	}
}

// timePerCall returns the fastest of three timings of f, each over enough
// calls to take about 20 ms.
func timePerCall(f func()) time.Duration {
	calls := 1
	for {
		start := time.Now()
		for i := 0; i < calls; i++ {
			f()
		}
		if time.Since(start) >= 20*time.Millisecond {
			break
		}
		calls *= 2
	}
	best := time.Duration(1<<63 - 1)
	for round := 0; round < 3; round++ {
		start := time.Now()
		for i := 0; i < calls; i++ {
			f()
		}
		best = min(best, time.Since(start))
	}
	return best / time.Duration(calls)
}

// demoKernel is one kernel call at the LSTM shape and the bytes of weights
// it streams.
type demoKernel struct {
	name  string
	bytes int
	run   func()
}

// demoKernels returns the kernels at the LSTM shape for hidden size h.
func demoKernels(h int) []demoKernel {
	r := rand.New(rand.NewPCG(1, 0x5eed))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = 2*r.Float32() - 1
		}
		return s
	}
	w, x, y := fill(4*h*2*h), fill(8*2*h), fill(8*4*h)
	half := len(w) / 2
	bytes := 4 * len(w)
	return []demoKernel{
		{"Dot (same bytes)", bytes, func() { _ = kernels.Dot(w[:half], w[half:]) }},
		{"MatVec", bytes, func() { kernels.MatVec(y[:4*h], w, x[:2*h]) }},
		{"MatVecBatch B=4", bytes, func() { kernels.MatVecBatch(y[:4*4*h], w, x[:4*2*h], 4) }},
		{"MatTVecAdd", bytes, func() { kernels.MatTVecAdd(x[:2*h], w, y[:4*h]) }},
		{"Rank1Add", bytes, func() { kernels.Rank1Add(w, y[:4*h], x[:2*h]) }},
	}
}
