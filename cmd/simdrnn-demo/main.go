// Command simdrnn-demo is the showcase that make demo runs. On this machine
// it shows the CPU features and the kernel level simdrnn chose, then:
//
//  1. trains an LSTM and a GRU (hidden 50, dense softmax head, Adam, the same
//     data, order, seeds and budget) to classify noisy sequences of 20 steps,
//     with per-epoch loss, train accuracy and time, and both test accuracies;
//  2. trains both on the adding problem (50 steps, long memory), drawing each
//     loss curve as a sparkline against the baseline of predicting the mean;
//  3. streams the test sequences through the trained LSTM one step at a time
//     as a cells.Model, checks its accuracy and prints the per-step latency
//     percentiles at every level;
//  4. measures the kernels' throughput at the LSTM shape W = 4H × 2H at
//     every level.
//
// Everything runs in process from fixed seeds, in well under a minute on two
// cores.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/cpu"

	"github.com/simdrnn/simdrnn/kernels"
)

func main() {
	hidden := flag.Int("h", 256, "hidden size H of the kernel throughput table (W = 4H × 2H)")
	flag.Parse()
	start := time.Now()

	fmt.Printf("simdrnn on %s/%s, %d CPUs\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("CPU features: %s\n", features())
	fmt.Printf("kernel level: %s (available: %s)\n\n", kernels.ActiveLevel(), strings.Join(kernels.AvailableLevels(), ", "))

	lstm, data, accuracy, err := classifyDemo()
	check("sequence classification", err)
	fmt.Println()
	check("adding problem", addingDemo())
	fmt.Println()
	check("streaming", streamDemo(lstm, data, accuracy))
	fmt.Println()
	kernelDemo(*hidden)
	fmt.Printf("\ndemo done in %v\n", time.Since(start).Round(100*time.Millisecond))
}

// check exits with the error of a part of the demo, if any.
func check(part string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "simdrnn-demo: %s: %v\n", part, err)
		os.Exit(1)
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
