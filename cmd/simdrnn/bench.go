package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/level"
)

// benchReport is bench's -json document.
type benchReport struct {
	Model  string `json:"model"`
	GOOS   string `json:"goos"`
	GOARCH string `json:"goarch"`
	CPUs   int    `json:"cpus"`
	// Unit is what one measurement times: "step" (Network.Step) or, for a
	// bidirectional model, which cannot step, "sequence" (Network.ForwardInto
	// over SequenceSteps steps).
	Unit          string `json:"unit"`
	SequenceSteps int    `json:"sequence_steps,omitempty"`
	Warmup        int    `json:"warmup"`
	// Results has one entry per level, precision and batch.
	Results []benchResult `json:"results"`
}

// benchResult is the measurement of one level, precision and batch.
type benchResult struct {
	Level     string `json:"level"`
	Precision string `json:"precision"`
	Batch     int    `json:"batch"`
	// Workers is the number of goroutines a step used
	// (cells.State.SetWorkers: 1 unless a layer is large enough to split).
	Workers int `json:"workers"`
	// Count is the number of timed units; the latencies are their
	// percentiles, in nanoseconds.
	Count int     `json:"count"`
	P50   float64 `json:"p50_ns"`
	P90   float64 `json:"p90_ns"`
	P99   float64 `json:"p99_ns"`
	Max   float64 `json:"max_ns"`
	// AllocsPerUnit is the heap allocations per timed unit (runtime
	// MemStats.Mallocs over the timed loop).
	AllocsPerUnit float64 `json:"allocs_per_unit"`
	// StepsPerSecond is the throughput in sequence steps: time steps ×
	// batch per second of timed work.
	StepsPerSecond float64 `json:"steps_per_second"`
	// StepBytes is the bytes of parameters a batch-1 step reads at this
	// precision (Network.StepBytes).
	StepBytes int `json:"step_bytes"`
}

// benchConfig is what bench measures.
type benchConfig struct {
	levels     []level.Level
	precisions []cells.Precision
	batches    []int
	workers    []int         // State.SetWorkers values
	steps      int           // timed units per entry, at most
	maxTime    time.Duration // timed work per entry, at most
	warmup     int
	seqSteps   int // steps of a sequence for a bidirectional model
}

func benchCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "[flags] MODEL",
		"Measures the latency of one Network.Step (batch streams advanced by one time step) of the\n"+
			"network in MODEL, at every kernel level this CPU has and every precision of the recurrent\n"+
			"weights: p50, p90, p99 and max over the timed steps after a warm-up, heap allocations per\n"+
			"step, and the throughput in steps × batch per second. A bidirectional model cannot step:\n"+
			"bench then times Network.ForwardInto over sequences of -seq-len steps. The inputs are random\n"+
			"(fixed seed). A progress bar goes to stderr when it is a terminal; -json prints one document.\n", stderr)
	var mf modelFlags
	mf.register(fs)
	levels := fs.String("levels", "all", "kernel levels to measure, comma-separated (all: "+levelNames(level.Available())+")")
	precs := fs.String("precisions", "all", "precisions of the recurrent weights to measure, comma-separated (all: f32,f16,bf16,int8)")
	batches := fs.String("batches", "1,8", "batch sizes (streams) to measure, comma-separated")
	workers := fs.String("workers", "1", "goroutines per batch-1 step (cells.State.SetWorkers), comma-separated; layers under cells.ParallelMinBytes stay on one")
	steps := fs.Int("steps", 10000, "timed steps per level, precision and batch, at most")
	maxTime := fs.Duration("time", time.Second, "timed work per level, precision and batch, at most (whichever of -steps and -time ends first)")
	warmup := fs.Int("warmup", 200, "untimed steps before the timed ones")
	seqLen := fs.Int("seq-len", 32, "steps of a sequence, for a bidirectional model")
	asJSON := fs.Bool("json", false, "print one JSON document instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("want one MODEL file, got %d arguments", fs.NArg())
	}
	cfg := benchConfig{steps: *steps, maxTime: *maxTime, warmup: *warmup, seqSteps: *seqLen}
	var err error
	if cfg.levels, err = parseLevels(*levels); err != nil {
		return err
	}
	if cfg.precisions, err = parsePrecisions(*precs); err != nil {
		return err
	}
	if cfg.batches, err = parseCounts("-batches", "batch size", *batches, maxBenchBatch); err != nil {
		return err
	}
	if cfg.workers, err = parseCounts("-workers", "worker count", *workers, 64); err != nil {
		return err
	}
	switch {
	case cfg.steps < 1:
		return usageError("-steps %d: want at least 1", cfg.steps)
	case cfg.maxTime <= 0:
		return usageError("-time %v: want a positive duration", cfg.maxTime)
	case cfg.warmup < 0:
		return usageError("-warmup %d: want at least 0", cfg.warmup)
	case cfg.seqSteps < 1:
		return usageError("-seq-len %d: want at least 1", cfg.seqSteps)
	}
	lm, err := mf.load(fs.Arg(0))
	if err != nil {
		return err
	}
	var progress func(done, total int, what string)
	if f, ok := stderr.(*os.File); ok && isTerminal(f.Fd()) {
		progress = func(done, total int, what string) { drawProgress(stderr, done, total, what) }
	}
	report, err := bench(lm, cfg, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, report)
	}
	printBench(stdout, lm, report)
	return nil
}

// parseLevels parses -levels: "all" or names of available levels.
func parseLevels(s string) ([]level.Level, error) {
	if s == "all" {
		return level.Available(), nil
	}
	var out []level.Level
	for _, name := range strings.Split(s, ",") {
		l, err := level.Parse(strings.TrimSpace(name))
		if err != nil || !level.Has(l) {
			return nil, usageError("-levels: %q is not a level this CPU and build have (%s)", name, levelNames(level.Available()))
		}
		out = append(out, l)
	}
	return out, nil
}

// levelNames joins the levels' names with commas.
func levelNames(levels []level.Level) string {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = l.String()
	}
	return strings.Join(names, ",")
}

// parsePrecisions parses -precisions: "all" or precision names.
func parsePrecisions(s string) ([]cells.Precision, error) {
	if s == "all" {
		return precisions, nil
	}
	var out []cells.Precision
	for _, name := range strings.Split(s, ",") {
		p, err := cells.ParsePrecision(strings.TrimSpace(name))
		if err != nil {
			return nil, usageError("-precisions: %q is not f32, f16, bf16 or int8", name)
		}
		out = append(out, p)
	}
	return out, nil
}

// maxBenchBatch bounds -batches, so that a typo cannot ask for gigabytes.
const maxBenchBatch = 4096

// parseCounts parses a comma-separated list of counts from 1 to most.
func parseCounts(flag, what, s string, most int) ([]int, error) {
	var out []int
	for _, field := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 || n > most {
			return nil, usageError("%s: %q is not a %s from 1 to %d", flag, field, what, most)
		}
		out = append(out, n)
	}
	return out, nil
}

// bench measures every level, precision and batch of cfg, reporting each
// finished entry to progress (if not nil).
func bench(lm *loadedModel, cfg benchConfig, progress func(done, total int, what string)) (*benchReport, error) {
	net := lm.net
	report := &benchReport{Model: lm.path, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), Unit: "step", Warmup: cfg.warmup}
	bidirectional := net.Parts().RNN.Config().Bidirectional
	if bidirectional {
		report.Unit, report.SequenceSteps = "sequence", cfg.seqSteps
	}
	nets := make([]*cells.Network, len(cfg.precisions))
	for i, p := range cfg.precisions {
		var err error
		if nets[i], err = net.WithPrecision(p); err != nil {
			return nil, err
		}
	}
	workers := cfg.workers
	if len(workers) == 0 {
		workers = []int{1}
	}
	total := len(cfg.levels) * len(cfg.precisions) * len(cfg.batches) * len(workers)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, l := range cfg.levels {
		for i, p := range cfg.precisions {
			for _, batch := range cfg.batches {
				for _, w := range workers {
					what := fmt.Sprintf("%s %s batch %d workers %d", l, p, batch, w)
					if progress != nil {
						progress(len(report.Results), total, what)
					}
					restore := level.Force(l)
					r := benchResult{Workers: 1}
					var err error
					if bidirectional {
						r, err = benchForward(nets[i], batch, cfg, rng)
						r.Workers = 1
					} else {
						r, err = benchStep(nets[i], batch, w, cfg, rng)
					}
					restore()
					if err != nil {
						return nil, fmt.Errorf("%s: %v", what, err)
					}
					r.Level, r.Precision, r.Batch, r.StepBytes = l.String(), p.String(), batch, nets[i].StepBytes()
					report.Results = append(report.Results, r)
				}
			}
		}
	}
	if progress != nil {
		progress(total, total, "")
	}
	return report, nil
}

// benchInputs are a few random inputs of rows rows (steps × batch), which
// the timed loop cycles through.
const benchInputs = 8

// randomInputs returns benchInputs random inputs of rows rows for net:
// standard normal features, or uniform token ids.
func randomInputs(net *cells.Network, rows int, rng *rand.Rand) []cells.Input {
	inputs := make([]cells.Input, benchInputs)
	for k := range inputs {
		if e := net.Parts().Embedding; e != nil {
			ids := make([]int64, rows)
			for i := range ids {
				ids[i] = rng.Int64N(int64(e.Vocab()))
			}
			inputs[k].IDs = ids
			continue
		}
		x := make([]float32, rows*net.InputSize())
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		inputs[k].X = x
	}
	return inputs
}

// benchStep times Network.Step of batch streams, split across workers
// goroutines where the state allows it.
func benchStep(net *cells.Network, batch, workers int, cfg benchConfig, rng *rand.Rand) (benchResult, error) {
	state, err := net.NewState(batch)
	if err != nil {
		return benchResult{}, err
	}
	defer state.RNN().Close()
	if err := state.RNN().SetWorkers(workers); err != nil {
		return benchResult{}, err
	}
	inputs := randomInputs(net, batch, rng)
	y := make([]float32, batch*net.OutputSize())
	r, err := timeLoop(cfg, cfg.warmup, batch, func(k int) error { return net.Step(state, inputs[k%benchInputs], y) })
	r.Workers = state.RNN().Workers()
	return r, err
}

// benchForward times Network.ForwardInto over sequences of cfg.seqSteps
// steps, for a model that cannot step.
func benchForward(net *cells.Network, batch int, cfg benchConfig, rng *rand.Rand) (benchResult, error) {
	inputs := randomInputs(net, cfg.seqSteps*batch, rng)
	out, ws := &cells.Output{}, &cells.Workspace{}
	forward := func(k int) error { return net.ForwardInto(out, ws, inputs[k%benchInputs], cfg.seqSteps, batch, nil) }
	return timeLoop(cfg, max(cfg.warmup/cfg.seqSteps, 1), batch*cfg.seqSteps, forward)
}

// timeLoop runs warmup units untimed, then times unit(k) for k = 0, 1, …
// until cfg.steps units or cfg.maxTime of them, and summarizes them; each
// unit advances stepsPerUnit sequence steps (time steps × batch).
//
// The garbage collection before the warm-up leaves the heap of the entries
// before behind, and the pause after it lets the finalizers it queued (of
// files, say) run before the timed loop, whose count of allocations is the
// process's; so the loop counts the allocations of a warm stream,
// including those after a collection that happens while it runs.
func timeLoop(cfg benchConfig, warmup, stepsPerUnit int, unit func(k int) error) (benchResult, error) {
	times := make([]time.Duration, 0, cfg.steps)
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	for k := 0; k < warmup; k++ {
		if err := unit(k); err != nil {
			return benchResult{}, err
		}
	}
	var total time.Duration
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for k := 0; k < cfg.steps && total < cfg.maxTime; k++ {
		start := time.Now()
		err := unit(k)
		d := time.Since(start)
		if err != nil {
			return benchResult{}, err
		}
		times = append(times, d)
		total += d
	}
	runtime.ReadMemStats(&after)
	if len(times) == 0 {
		return benchResult{}, errors.New("nothing was timed")
	}
	slices.Sort(times)
	quantile := func(q float64) float64 {
		return float64(times[min(len(times)-1, int(q*float64(len(times))))].Nanoseconds())
	}
	return benchResult{
		Count:          len(times),
		P50:            quantile(0.5),
		P90:            quantile(0.9),
		P99:            quantile(0.99),
		Max:            float64(times[len(times)-1].Nanoseconds()),
		AllocsPerUnit:  float64(after.Mallocs-before.Mallocs) / float64(len(times)),
		StepsPerSecond: float64(len(times)*stepsPerUnit) / max(total.Seconds(), 1e-9),
	}, nil
}

// drawProgress redraws a one-line progress bar on a terminal, or clears
// it when done reaches total.
func drawProgress(w io.Writer, done, total int, what string) {
	const width = 30
	if done >= total {
		fmt.Fprint(w, "\r\033[K")
		return
	}
	filled := width * done / total
	fmt.Fprintf(w, "\r\033[K[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, what)
}

// printBench prints the report as a table.
func printBench(w io.Writer, lm *loadedModel, r *benchReport) {
	cfg := lm.net.Parts().RNN.Config()
	fmt.Fprintf(w, "%s: %s, input %d, hidden %d, %d layer%s, on %s/%s with %d CPUs\n", r.Model, modeName(cfg.Mode), cfg.InputSize, cfg.HiddenSize, cfg.NumLayers, plural(cfg.NumLayers), r.GOOS, r.GOARCH, r.CPUs)
	unit := "step"
	if r.Unit == "sequence" {
		unit = "seq"
		fmt.Fprintf(w, "bidirectional: it cannot step, so each measurement is one Network.ForwardInto over %d steps\n", r.SequenceSteps)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "level\tprecision\tbatch\tworkers\tbytes/step\tp50\tp90\tp99\tmax\tallocs/%s\tsteps×batch/s\t%ss\t\n", unit, unit)
	for _, e := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%d\t\n", e.Level, e.Precision, e.Batch, e.Workers, grouped(int64(e.StepBytes)),
			micros(e.P50), micros(e.P90), micros(e.P99), micros(e.Max), e.AllocsPerUnit, grouped(int64(e.StepsPerSecond)), e.Count)
	}
	tw.Flush()
}

// micros formats nanoseconds as microseconds.
func micros(ns float64) string {
	return fmt.Sprintf("%.2f µs", ns/1e3)
}
