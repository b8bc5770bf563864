package kernels_test

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/internal/testutil/ref"
	"github.com/simdrnn/simdrnn/kernels"
)

// activationBoundULP is the error bound Sigmoid's and Tanh's doc comments
// state, in ULP of the exact result (ref.ULP).
const activationBoundULP = 2

// ulpStats is the error of one activation at one level over a sweep.
type ulpStats struct {
	max        float64
	arg        float32
	count      uint64
	over1      uint64 // results more than 1 ULP off
	outOfRange uint64 // results outside [0, 1] or [−1, 1]
}

func (s *ulpStats) merge(o ulpStats) {
	if o.max > s.max || s.count == 0 {
		s.max, s.arg = o.max, o.arg
	}
	s.count += o.count
	s.over1 += o.over1
	s.outOfRange += o.outOfRange
}

type activationCase struct {
	name   string
	run    func(l level.Level, dst, x []float32)
	ref    func(x float32) float64
	lo, hi float32
}

var activationCases = []activationCase{
	{"Sigmoid", kernels.SigmoidAt, ref.Sigmoid, 0, 1},
	{"Tanh", kernels.TanhAt, ref.Tanh, -1, 1},
}

// sweepActivations runs every activation at every level on the inputs fill
// writes for chunk 0 … chunks−1 (fill returns how many it wrote), on
// GOMAXPROCS goroutines, and returns the statistics per activation and level.
func sweepActivations(chunks int, fill func(chunk int, x []float32) int) map[string]*ulpStats {
	return sweepActivationsAt(kerneltest.Levels(), chunks, fill)
}

// sweepActivationsAt is sweepActivations on the given levels only.
func sweepActivationsAt(levels []level.Level, chunks int, fill func(chunk int, x []float32) int) map[string]*ulpStats {
	const chunkSize = 1 << 16
	stats := map[string]*ulpStats{}
	for _, c := range activationCases {
		for _, l := range levels {
			stats[c.name+"/"+l.String()] = &ulpStats{}
		}
	}
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float32, chunkSize)
			got := make([]float32, chunkSize)
			want := make([]float64, chunkSize)
			local := map[string]*ulpStats{}
			for key := range stats {
				local[key] = &ulpStats{}
			}
			for {
				chunk := int(next.Add(1) - 1)
				if chunk >= chunks {
					break
				}
				n := fill(chunk, x)
				for _, c := range activationCases {
					for i, v := range x[:n] {
						want[i] = c.ref(v)
					}
					for _, l := range levels {
						c.run(l, got[:n], x[:n])
						s := local[c.name+"/"+l.String()]
						s.count += uint64(n)
						for i, g := range got[:n] {
							e := ref.ULPError(g, want[i])
							if e > 1 {
								s.over1++
							}
							if e > s.max {
								s.max, s.arg = e, x[i]
							}
							if g < c.lo || g > c.hi {
								s.outOfRange++
							}
						}
					}
				}
			}
			mu.Lock()
			for key, s := range local {
				stats[key].merge(*s)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return stats
}

func reportActivations(t *testing.T, stats map[string]*ulpStats) {
	t.Helper()
	reportActivationsAt(t, kerneltest.Levels(), stats)
}

func reportActivationsAt(t *testing.T, levels []level.Level, stats map[string]*ulpStats) {
	t.Helper()
	for _, c := range activationCases {
		for _, l := range levels {
			key := c.name + "/" + l.String()
			s := stats[key]
			line := fmt.Sprintf("%-16s max %.4f ULP at x = %v (%#08x); %d inputs, %d over 1 ULP, %d out of range",
				key, s.max, s.arg, math.Float32bits(s.arg), s.count, s.over1, s.outOfRange)
			t.Log(line)
			if s.max > activationBoundULP || s.outOfRange > 0 {
				t.Errorf("%s: bound of %d ULP or range violated", key, activationBoundULP)
			}
		}
	}
}

// TestActivationExhaustive checks Sigmoid and Tanh at every level on all
// 2³² float32 inputs against float64 math (make exhaustive; a few minutes).
//
// Under emulation (arm64 NEON on qemu) the full sweep takes hours, so
// SIMDRNN_EXHAUSTIVE_STRIDE=N replaces it by every Nth bit pattern (all
// exponents and signs) plus every float32 in [−10, 10], where the
// algorithms switch branches and most results are neither 0 nor ±1; that
// mode checks the assembly levels only (the generic level is proven by the
// full sweep natively and sampled by TestActivationSubset everywhere).
// Native levels keep the full sweep: leave the variable unset there.
func TestActivationExhaustive(t *testing.T) {
	if os.Getenv("SIMDRNN_EXHAUSTIVE") != "1" {
		t.Skip("set SIMDRNN_EXHAUSTIVE=1 (make exhaustive) to check all 2³² inputs")
	}
	start := time.Now()
	if s := os.Getenv("SIMDRNN_EXHAUSTIVE_STRIDE"); s != "" {
		stride, err := strconv.ParseUint(s, 10, 32)
		if err != nil || stride < 1 {
			t.Fatalf("SIMDRNN_EXHAUSTIVE_STRIDE=%q: want a positive integer", s)
		}
		levels := slices.DeleteFunc(kerneltest.Levels(), func(l level.Level) bool { return l == level.Generic })
		if len(levels) == 0 {
			t.Skip("no assembly level to sweep in strided mode")
		}
		ten := uint64(math.Float32bits(10))
		sweep := []bitRange{
			{start: 0, step: uint32(stride), count: (1<<32-1)/stride + 1},
			{start: 0, step: 1, count: ten + 1},       // +0 … 10
			{start: 1 << 31, step: 1, count: ten + 1}, // −0 … −10
		}
		// Sweep in parts and log each as it ends, so that a long run under
		// emulation shows its progress (go test -v streams the lines).
		var parts []bitRange
		for _, r := range sweep {
			const part = 1 << 27
			for first := uint64(0); first < r.count; first += part {
				parts = append(parts, bitRange{start: r.start + uint32(first*uint64(r.step)), step: r.step, count: min(part, r.count-first)})
			}
		}
		stats := map[string]*ulpStats{}
		for i, p := range parts {
			chunks, fill := bitRangeChunks([]bitRange{p})
			for key, s := range sweepActivationsAt(levels, chunks, fill) {
				if stats[key] == nil {
					stats[key] = &ulpStats{}
				}
				stats[key].merge(*s)
				t.Logf("part %d/%d (%d inputs from %#08x, step %d): %s max %.4f ULP so far", i+1, len(parts), p.count, p.start, p.step, key, stats[key].max)
			}
		}
		reportActivationsAt(t, levels, stats)
		t.Logf("strided mode: every %dth of the 2³² bit patterns (%d inputs) plus all %d float32s in [−10, 10], levels %v, in %v",
			stride, sweep[0].count, sweep[1].count+sweep[2].count, levels, time.Since(start).Round(time.Second))
		return
	}
	stats := sweepActivations(1<<16, func(chunk int, x []float32) int {
		base := uint32(chunk) << 16
		for i := range x {
			x[i] = math.Float32frombits(base + uint32(i))
		}
		return len(x)
	})
	reportActivations(t, stats)
	t.Logf("all 2³² inputs at %d levels in %v", len(kerneltest.Levels()), time.Since(start).Round(time.Second))
}

// bitRange is count float32 bit patterns start, start+step, ….
type bitRange struct {
	start, step uint32
	count       uint64
}

// bitRangeChunks splits ranges into chunks of up to 2¹⁶ inputs for
// sweepActivations.
func bitRangeChunks(ranges []bitRange) (int, func(chunk int, x []float32) int) {
	const chunkSize = 1 << 16
	type piece struct {
		r     bitRange
		first uint64
	}
	var pieces []piece
	for _, r := range ranges {
		for first := uint64(0); first < r.count; first += chunkSize {
			pieces = append(pieces, piece{r, first})
		}
	}
	return len(pieces), func(chunk int, x []float32) int {
		p := pieces[chunk]
		n := min(uint64(len(x)), p.r.count-p.first)
		for i := range n {
			x[i] = math.Float32frombits(p.r.start + uint32((p.first+i)*uint64(p.r.step)))
		}
		return int(n)
	}
}

// activationWindows are the starts of runs of 2¹⁶ consecutive float32s that
// TestActivationSubset checks besides its stride: around the algorithms'
// thresholds and clamps (0.0625, 9.01, 10, 16.6, 87.3, 103.3, 104; 0.625,
// where the SIMD tanh of before 2026-11-26 switched branches;
// 0.1733 and 0.3466, where tanh's and σ's reductions first change k)
// and the smallest normals, of both signs.
var activationWindows = []float32{0.0625, 0.625, 9.0, 10, 16.5, 87.3, 103.2, 104, 0x1p-126, 0x1p-20, 0.17329, 0.34657, 1}

// TestActivationSubset is the part of the exhaustive check that runs with
// every go test: every 4099th bit pattern (about a million inputs, all
// exponents and signs) and the windows above.
func TestActivationSubset(t *testing.T) {
	const stride = 4099
	strideChunks := (1<<32/stride + 1<<16 - 1) >> 16
	stats := sweepActivations(strideChunks+2*len(activationWindows), func(chunk int, x []float32) int {
		if chunk < strideChunks {
			n := 0
			for i := range x {
				bits := (uint64(chunk)<<16 + uint64(i)) * stride
				if bits >= 1<<32 {
					break
				}
				x[i] = math.Float32frombits(uint32(bits))
				n++
			}
			return n
		}
		w := chunk - strideChunks
		start := math.Float32bits(activationWindows[w/2]) - 1<<15
		if w%2 == 1 {
			start |= 1 << 31
		}
		for i := range x {
			x[i] = math.Float32frombits(start + uint32(i))
		}
		return len(x)
	})
	reportActivations(t, stats)
}
