package engine

import (
	"github.com/simdrnn/simdrnn/internal/team"
	"github.com/simdrnn/simdrnn/kernels"
)

// unitAlign is the multiple of units each share of a unit split starts at,
// so that the kernels' blocks of eight units stay whole.
const unitAlign = 16

// UnitSplitOff, when set, makes a team split every step by samples, as it
// does for batches over PackedRows (for benchmarks that compare the two).
var UnitSplitOff = false

// SplitsUnits reports whether a step of rows samples that Splits splits
// among t divides the layer's units instead of its samples: an LSTM or
// (reset-after) GRU layer whose step runs MatVecBatchAdd (2 … PackedRows
// rows), where splitting the samples would make every worker stream all of
// W_hh. Each worker then reads only its units' rows of each gate block of
// W_hh, the same rows at every step, so they stay in its core's cache.
func SplitsUnits(t *team.Team, mode Mode, hidden, rows int) bool {
	return !UnitSplitOff && Splits(t, mode, hidden, rows) && rows <= PackedRows &&
		(mode == LSTM || mode == GRU) && hidden >= 2*unitAlign
}

// unitBounds sets bounds[0 … shares] to the shares' first units (and the
// end): multiples of unitAlign, as even as they can be. It returns the
// number of shares.
func unitBounds(bounds []int, hidden, workers int) int {
	blocks := (hidden + unitAlign - 1) / unitAlign
	shares := min(workers, blocks, len(bounds)-1)
	for w := 0; w <= shares; w++ {
		bounds[w] = min(hidden, blocks*w/shares*unitAlign)
	}
	return shares
}

// unitJob is one step of rows samples split by units among a team: worker
// w computes the units [bounds[w], bounds[w+1]) of every sample, from
// those rows of each gate block of W_hh (or LowHH), and writes only their
// parts of hNext, c and cache. hNext must not be hPrev: every worker reads
// all of hPrev.
type unitJob struct {
	w                             Weights // a copy: a pointer kept in Buffers would make the caller's escape
	gates, hPrev, hNext, c, cache []float32
	rows                          int
	work                          [][]float32 // per worker: unitWorkFloats
	scratch                       []Scratch   // per worker: int8's quantized vectors
	bounds                        [65]int
}

// unitWorkFloats is the scratch a share of n units of rows samples needs:
// the hidden-side products gate-major (G·rows·n), the same sample-major
// (G·rows·n), and for the GRU one sample's input gates (3n) and cache (4n).
func unitWorkFloats(m Mode, rows, n int) int {
	return 2*m.Gates()*rows*n + 7*n
}

// Run steps worker w's units (a team.Job).
func (j *unitJob) Run(wk int) {
	u0, u1 := j.bounds[wk], j.bounds[wk+1]
	n := u1 - u0
	if n == 0 {
		return
	}
	hid, rows, mode := j.w.Hidden, j.rows, j.w.Mode
	g := mode.Gates()
	gw := g * hid // a row of gates
	work := j.work[wk]
	byGate := work[:g*rows*n]               // [gate][sample][unit]
	bySample := work[g*rows*n : 2*g*rows*n] // [sample][gate][unit]
	in := work[2*g*rows*n : 2*g*rows*n+3*n]
	cache := work[2*g*rows*n+3*n : 2*g*rows*n+7*n]

	for k := 0; k < g; k++ {
		block := byGate[k*rows*n : (k+1)*rows*n]
		first := k*hid + u0
		for s := 0; s < rows; s++ {
			dst := block[s*n : (s+1)*n]
			switch {
			case mode == LSTM: // the input side, InputBias included
				copy(dst, j.gates[s*gw+first:s*gw+first+n])
			case j.w.BiasHH != nil:
				copy(dst, j.w.BiasHH[first:first+n])
			default:
				clear(dst)
			}
		}
		if j.w.LowHH != nil {
			j.w.LowHH.MulAdd(block, first, n, j.hPrev, rows, &j.scratch[wk])
		} else {
			kernels.MatVecBatchAdd(block, j.w.HH[first*hid:(first+n)*hid], j.hPrev, rows)
		}
	}
	for s := 0; s < rows; s++ {
		mine := bySample[s*g*n : (s+1)*g*n]
		for k := 0; k < g; k++ {
			copy(mine[k*n:(k+1)*n], byGate[(k*rows+s)*n:(k*rows+s+1)*n])
		}
		at := s*hid + u0
		hNext := j.hNext[at : at+n]
		switch mode {
		case LSTM:
			var act []float32
			if j.cache != nil {
				act = mine
			}
			kernels.LSTMForwardBatch(hNext, j.c[at:at+n], mine, act, 1)
			if j.cache != nil {
				for k := 0; k < g; k++ {
					copy(j.cache[s*4*hid+k*hid+u0:], mine[k*n:(k+1)*n])
				}
			}
		case GRU:
			for k := 0; k < g; k++ {
				copy(in[k*n:(k+1)*n], j.gates[s*gw+k*hid+u0:s*gw+k*hid+u1])
			}
			var c []float32
			if j.cache != nil {
				c = cache
			}
			kernels.GRUForwardBatch(hNext, j.hPrev[at:at+n], in, mine, c, 1)
			if j.cache != nil {
				for k := 0; k < 4; k++ {
					copy(j.cache[s*4*hid+k*hid+u0:], cache[k*n:(k+1)*n])
				}
			}
		}
	}
}

// stepUnits runs w's step on rows samples split by units among b.Team
// (SplitsUnits); hNext must not be hPrev.
func (b *Buffers) stepUnits(w *Weights, rows int, gates, hPrev, hNext, c, cache []float32) {
	t := b.Team
	j := &b.unitStep
	shares := unitBounds(j.bounds[:], w.Hidden, t.Size())
	for len(b.unitWork) < shares {
		b.unitWork = append(b.unitWork, nil)
	}
	for len(b.teamScrat) < shares {
		b.teamScrat = append(b.teamScrat, Scratch{})
	}
	b.teamScrat[0] = b.scratch
	for i := 0; i < shares; i++ {
		b.unitWork[i] = Grow(b.unitWork[i], unitWorkFloats(w.Mode, rows, j.bounds[i+1]-j.bounds[i]))
	}
	bounds := j.bounds
	*j = unitJob{w: *w, gates: gates, hPrev: hPrev, hNext: hNext, c: c, cache: cache, rows: rows,
		work: b.unitWork[:shares], scratch: b.teamScrat, bounds: bounds}
	t.Do(j, shares)
	b.scratch = b.teamScrat[0]
	*j = unitJob{}
}
