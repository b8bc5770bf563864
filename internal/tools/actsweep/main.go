// Command actsweep proves the activation error bound for a level that only
// runs under emulation (NEON under qemu on the development machine), where
// the in-process exhaustive test would spend hours computing the float64
// reference in emulated code.
//
// It runs in two halves joined by a pipe. The producer, built for the
// emulated architecture, computes Sigmoid or Tanh at the level asked for
// over a fixed list of inputs and writes the result bits to stdout. The
// checker, native, starts the producer, walks the same list, computes the
// reference in float64 and the ULP error of each result (the definition of
// internal/testutil/ref.ULPError, the one the native exhaustive test uses), and
// prints the maximum and where.
//
// The inputs: every float32 in [−10, 10] (2 185 232 386 of them, where both
// functions do all their work: beyond, results saturate) and every
// stride-th bit pattern of all 2³² (NaN, ±Inf, subnormals and huge values
// included).
//
//	GOARCH=arm64 go build -o /tmp/actsweep-arm64 ./internal/tools/actsweep
//	go run ./internal/tools/actsweep -func tanh -producer 'qemu-aarch64-static /tmp/actsweep-arm64'
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/ref"
	"github.com/simdrnn/simdrnn/kernels"
)

const chunk = 1 << 16

// ten is the bit pattern of float32(10).
var ten = math.Float32bits(10)

// walk calls visit with consecutive chunks of input bit patterns: the
// positive and negative halves of [−10, 10], then every stride-th pattern.
func walk(dense bool, stride uint64, visit func(bits []uint32)) {
	buf := make([]uint32, 0, chunk)
	emit := func(b uint32) {
		buf = append(buf, b)
		if len(buf) == chunk {
			visit(buf)
			buf = buf[:0]
		}
	}
	for _, sign := range []uint32{0, 1 << 31} {
		for b := uint32(0); dense && b <= ten; b++ {
			emit(sign | b)
		}
	}
	for b := uint64(0); b < 1<<32; b += stride {
		emit(uint32(b))
	}
	if len(buf) > 0 {
		visit(buf)
	}
}

func main() {
	fn := flag.String("func", "sigmoid", "sigmoid or tanh")
	levelName := flag.String("level", "neon", "the level the producer runs")
	stride := flag.Uint64("stride", 4097, "stride of the subset of all 2³² bit patterns")
	dense := flag.Bool("dense", true, "include every float32 in [−10, 10] (false: the strided subset only, for a quick check)")
	produce := flag.Bool("produce", false, "be the producer: write result bits to stdout")
	producer := flag.String("producer", "", "command that runs the producer (checker mode)")
	flag.Parse()
	var kernel func(dst, x []float32)
	var want func(float32) float64
	switch *fn {
	case "sigmoid":
		kernel, want = kernels.Sigmoid, ref.Sigmoid
	case "tanh":
		kernel, want = kernels.Tanh, ref.Tanh
	default:
		fail("unknown -func %q", *fn)
	}
	if *produce {
		l, err := level.Parse(*levelName)
		if err != nil {
			fail("%v", err)
		}
		defer level.Force(l)()
		out := bufio.NewWriterSize(os.Stdout, 1<<20)
		x, y := make([]float32, chunk), make([]float32, chunk)
		raw := make([]byte, 4*chunk)
		walk(*dense, *stride, func(bits []uint32) {
			for i, b := range bits {
				x[i] = math.Float32frombits(b)
			}
			kernel(y[:len(bits)], x[:len(bits)])
			for i := range bits {
				binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(y[i]))
			}
			if _, err := out.Write(raw[:4*len(bits)]); err != nil {
				fail("write: %v", err)
			}
		})
		if err := out.Flush(); err != nil {
			fail("flush: %v", err)
		}
		return
	}
	if *producer == "" {
		fail("checker mode needs -producer")
	}
	args := append(strings.Fields(*producer), "-produce", "-func", *fn, "-level", *levelName, "-stride", fmt.Sprint(*stride), fmt.Sprintf("-dense=%v", *dense))
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fail("%v", err)
	}
	if err := cmd.Start(); err != nil {
		fail("start producer: %v", err)
	}
	in := bufio.NewReaderSize(stdout, 1<<20)
	raw := make([]byte, 4*chunk)
	start := time.Now()
	var count, overOne, outOfRange uint64
	worst, worstAt := 0.0, uint32(0)
	lo, hi := 0.0, 1.0
	if *fn == "tanh" {
		lo = -1
	}
	walk(*dense, *stride, func(bits []uint32) {
		if _, err := io.ReadFull(in, raw[:4*len(bits)]); err != nil {
			fail("read from producer after %d results: %v", count, err)
		}
		for i, b := range bits {
			got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			x := math.Float32frombits(b)
			e := ref.ULPError(got, want(x))
			if e > worst || (math.IsNaN(e) && !math.IsNaN(worst)) {
				worst, worstAt = e, b
			}
			if e > 1 {
				overOne++
			}
			if g := float64(got); g < lo || g > hi {
				if !math.IsNaN(g) {
					outOfRange++
				}
			}
			count++
		}
	})
	if err := cmd.Wait(); err != nil {
		fail("producer: %v", err)
	}
	what := fmt.Sprintf("every %d-th bit pattern", *stride)
	if *dense {
		what = "every float32 in [-10, 10] and " + what
	}
	fmt.Printf("%s/%s max %.4f ULP at x = %v (%#08x); %d inputs (%s), %d over 1 ULP, %d out of range, %v\n",
		strings.ToUpper((*fn)[:1])+(*fn)[1:], *levelName, worst, math.Float32frombits(worstAt), worstAt, count, what, overOne, outOfRange, time.Since(start).Round(time.Second))
	if !(worst <= 2) {
		os.Exit(1)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "actsweep: "+format+"\n", args...)
	os.Exit(2)
}
