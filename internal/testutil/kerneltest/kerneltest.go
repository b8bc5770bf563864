// Package kerneltest holds what the kernel tests, fuzz targets and
// benchmarks share: running a function once per implementation level,
// making data, and comparing results with the float64 reference under the
// error bounds the kernels' doc comments state.
package kerneltest

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/simdrnn/simdrnn/internal/level"
)

var (
	exercisedMu sync.Mutex
	exercised   = map[level.Level]bool{}
)

// Levels returns every level this CPU and build have, best first, generic last.
func Levels() []level.Level { return level.Available() }

// ForEachLevel runs f as a subtest once per available level, with that level
// forced, and records that the level was exercised. It changes the global
// level.Active, so its tests (and WithLevel's) stay sequential: neither they
// nor f may call t.Parallel. Tests that need not read level.Active use
// ForEachLevelParallel, whose parallel subtests never overlap them (see there).
func ForEachLevel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, l := range Levels() {
		t.Run(l.String(), func(t *testing.T) {
			WithLevel(l, func() { f(t) })
		})
	}
}

// WithLevel runs f with level l forced and records that l was exercised.
func WithLevel(l level.Level, f func()) {
	restore := level.Force(l)
	defer restore()
	markExercised(l)
	f()
}

func markExercised(l level.Level) {
	exercisedMu.Lock()
	exercised[l] = true
	exercisedMu.Unlock()
}

// CheckLevels is called by TestMain after the tests ran. It returns an error
// when a level this build has was not exercised by ForEachLevel, when a level
// named in SIMDRNN_REQUIRE_LEVELS (comma-separated) is not available, or when
// the level chosen at start-up differs from SIMDRNN_EXPECT_LEVEL. It also
// asks cpuHasUnimplemented (per architecture) whether the CPU reports a level
// this build cannot run: with SIMDRNN_STRICT_LEVELS=1 that is an error too.
func CheckLevels(startLevel level.Level) error {
	var problems []string
	exercisedMu.Lock()
	for _, l := range Levels() {
		if !exercised[l] {
			problems = append(problems, fmt.Sprintf("level %v is available but no test exercised it", l))
		}
	}
	exercisedMu.Unlock()
	required, err := requiredLevels()
	if err != nil {
		problems = append(problems, err.Error())
	}
	for _, l := range required {
		if !slices.Contains(Levels(), l) {
			problems = append(problems, fmt.Sprintf("SIMDRNN_REQUIRE_LEVELS names %v, but this CPU/build offers only %v", l, Levels()))
		}
	}
	if want := os.Getenv("SIMDRNN_EXPECT_LEVEL"); want != "" && want != startLevel.String() {
		problems = append(problems, fmt.Sprintf("SIMDRNN_EXPECT_LEVEL=%s, but the level chosen at start-up is %v", want, startLevel))
	}
	if os.Getenv("SIMDRNN_STRICT_LEVELS") == "1" {
		if missing := cpuHasUnimplemented(); missing != "" {
			problems = append(problems, missing)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("level check failed:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// requiredLevels returns the levels named in SIMDRNN_REQUIRE_LEVELS
// (comma-separated), and an error for a name that is not a level.
func requiredLevels() ([]level.Level, error) {
	req := os.Getenv("SIMDRNN_REQUIRE_LEVELS")
	if req == "" {
		return nil, nil
	}
	var out []level.Level
	var errs []error
	for _, name := range strings.Split(req, ",") {
		l, err := level.Parse(strings.TrimSpace(name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, l)
	}
	return out, errors.Join(errs...)
}

// NeedLevel is for a test of one level's code called directly: it returns
// when this CPU and build have level l, fails the test when
// SIMDRNN_REQUIRE_LEVELS names l (CI must not pass by skipping it), and
// skips it otherwise.
func NeedLevel(t testing.TB, l level.Level) {
	t.Helper()
	if slices.Contains(Levels(), l) {
		return
	}
	if required, _ := requiredLevels(); slices.Contains(required, l) {
		t.Fatalf("SIMDRNN_REQUIRE_LEVELS names %v, but this CPU/build offers only %v", l, Levels())
	}
	t.Skipf("level %v is not available here (only %v)", l, Levels())
}

// Main is the body of TestMain for packages whose tests use ForEachLevel.
func Main(m *testing.M) {
	start := level.Active
	code := m.Run()
	// A run filtered with -run exercises only part of the levels on purpose.
	if f := flag.Lookup("test.run"); code == 0 && (f == nil || f.Value.String() == "") {
		if err := CheckLevels(start); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// Rand returns a deterministic generator for the given seed.
func Rand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// Fill sets every element of s to a uniform value in [−1, 1).
func Fill(r *rand.Rand, s []float32) {
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
}

// Sentinel is the value written around outputs to catch stray writes.
const Sentinel = float32(-7.25e-3)

// Padded returns a slice of n float32s that starts at offset floats into a
// backing array with sentinel-filled padding on both sides, and a check
// that reports an error if any padding changed.
func Padded(n, offset int) (s []float32, check func() error) {
	const pad = 16
	back := make([]float32, offset+n+pad+pad)
	for i := range back {
		back[i] = Sentinel
	}
	s = back[pad+offset : pad+offset+n : pad+offset+n]
	return s, func() error {
		for i, v := range back {
			if i >= pad+offset && i < pad+offset+n {
				continue
			}
			if math.Float32bits(v) != math.Float32bits(Sentinel) {
				return fmt.Errorf("padding changed at %d (offset %d, n %d): %v", i-pad-offset, offset, n, v)
			}
		}
		return nil
	}
}

// U is the unit roundoff of float32.
const U = 1.0 / (1 << 24)

// Gamma is γ(n) = n·u/(1−n·u), the factor in the kernels' error bounds.
func Gamma(n int) float64 { return float64(n) * U / (1 - float64(n)*U) }

// Underflow is the absolute term per rounding, 2⁻¹⁴⁹.
const Underflow = 0x1p-149

// Close reports whether got is an acceptable float32 result for the exact
// (float64 reference) value want under the absolute bound: NaN must give
// NaN, ±Inf the same infinity, a want beyond the float32 range may give the
// infinity of its sign, and two zeros must have the same sign.
func Close(got float32, want, bound float64) bool {
	g := float64(got)
	switch {
	case math.IsNaN(want):
		return math.IsNaN(g)
	case math.IsInf(want, 0):
		return g == want
	case math.IsNaN(g):
		return false
	case math.IsInf(g, 0):
		return math.IsInf(float64(float32(want)), int(math.Copysign(1, want))) && math.Signbit(g) == math.Signbit(want)
	case g == 0 && want == 0:
		return math.Signbit(g) == math.Signbit(want)
	}
	return math.Abs(g-want) <= bound
}
