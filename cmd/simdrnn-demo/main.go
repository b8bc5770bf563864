// Command simdrnn-demo shows what simdrnn finds on this machine: the CPU
// features, the kernel level chosen, the throughput of each kernel at
// every available level against the generic code at the LSTM shape
// W = 4H × 2H (H = 256 by default), and an LSTM loaded from a safetensors
// file streaming a sequence step by step, with per-step latency
// percentiles at each level.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"text/tabwriter"

	"golang.org/x/sys/cpu"

	"github.com/simdrnn/simdrnn/internal/kerneltest"
	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/kernels"
)

func main() {
	hidden := flag.Int("h", 256, "hidden size H of the LSTM shape W = 4H × 2H")
	steps := flag.Int("steps", 5000, "steps of the streaming demo")
	flag.Parse()

	fmt.Printf("simdrnn kernels on %s/%s, %d CPUs\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("CPU features: %s\n", features())
	fmt.Printf("level chosen: %s (available: %s)\n\n", kernels.ActiveLevel(), strings.Join(kernels.AvailableLevels(), ", "))

	h := *hidden
	fmt.Printf("Throughput in GB/s of the %d×%d weight matrix (%.1f MiB) streamed per call, and speed-up over generic:\n\n",
		4*h, 2*h, float64(4*4*h*2*h)/(1<<20))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	levels := level.Available()
	fmt.Fprint(tw, "kernel\t")
	for _, l := range levels {
		fmt.Fprintf(tw, "%v\t", l)
	}
	if len(levels) > 1 {
		fmt.Fprint(tw, "speed-up\t")
	}
	fmt.Fprintln(tw)
	for _, k := range demoKernels(h) {
		fmt.Fprintf(tw, "%s\t", k.name)
		var rates []float64
		for _, l := range levels {
			var rate float64
			kerneltest.WithLevel(l, func() {
				result := testing.Benchmark(func(b *testing.B) {
					for b.Loop() {
						k.run()
					}
				})
				rate = float64(k.bytes) * float64(result.N) / float64(result.T.Nanoseconds())
			})
			rates = append(rates, rate)
			fmt.Fprintf(tw, "%.1f\t", rate)
		}
		if len(levels) > 1 {
			fmt.Fprintf(tw, "%.1f×\t", rates[0]/rates[len(rates)-1])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	if err := streamDemo(h, h, *steps); err != nil {
		fmt.Fprintln(os.Stderr, "streaming demo:", err)
		os.Exit(1)
	}
}

type demoKernel struct {
	name  string
	bytes int
	run   func()
}

// demoKernels returns the kernels at the LSTM shape for hidden size h.
func demoKernels(h int) []demoKernel {
	r := kerneltest.Rand(1)
	w := make([]float32, 4*h*2*h)
	x := make([]float32, 8*2*h)
	y := make([]float32, 8*4*h)
	kerneltest.Fill(r, w)
	kerneltest.Fill(r, x)
	kerneltest.Fill(r, y)
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

// features lists the SIMD features golang.org/x/sys/cpu reports.
func features() string {
	var have []string
	add := func(name string, ok bool) {
		if ok {
			have = append(have, name)
		}
	}
	switch runtime.GOARCH {
	case "amd64":
		add("sse4.2", cpu.X86.HasSSE42)
		add("avx", cpu.X86.HasAVX)
		add("avx2", cpu.X86.HasAVX2)
		add("fma", cpu.X86.HasFMA)
		add("avx512f", cpu.X86.HasAVX512F)
	case "arm64":
		add("asimd", cpu.ARM64.HasASIMD)
		add("fphp", cpu.ARM64.HasFPHP)
		add("sve", cpu.ARM64.HasSVE)
	}
	if len(have) == 0 {
		return "none that simdrnn uses"
	}
	return strings.Join(have, " ")
}
