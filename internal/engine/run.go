package engine

import (
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/internal/team"
	"github.com/simdrnn/simdrnn/kernels"
)

// Buffers is one direction's working memory for Run and, with Record, its
// record for a backward pass. The slices grow to the largest call seen and
// are reused: once warm, Run allocates nothing. Rows are in processing
// order: row (k, s) is sample Plan.Order[s] at its k-th step (T steps, a
// batch of B, G gates, I the layer's input width).
type Buffers struct {
	// Record keeps every step's states and caches (training); without it
	// only the current state is kept (inference).
	Record bool

	Permuted bool      // XP holds the input (a reverse direction, or samples of different lengths)
	XP       []float32 // T·B × I: the input in processing order, zero rows for finished samples
	Proj     []float32 // T·B × G·H: the pre-activations; recorded, the LSTM's gate activations
	HS       []float32 // (T+1)·B × H recorded (h_0 … h_T, zero rows for finished samples), else B × H
	CS       []float32 // the same for the LSTM's c
	Cache    []float32 // recorded: T·B × 4H (GRU: r, z, n, W_hn·h + b_hn), T·B × 3H (reset-before: r, z, n)
	RH       []float32 // recorded: T·B × H, r⊙h of the reset-before GRU

	// PackedHH is W_hh packed for the steps of batches over PackedRows.
	PackedHH [2]kernels.PackedMatrix
	// Wide holds W_ih or W_hh widened to float32 from a reduced format.
	Wide    []float32
	scratch Scratch

	// Team, if set, splits each step among its goroutines when W_hh is
	// large enough (SplitMinBytes): by units (SplitsUnits) or by samples,
	// and the input projection by rows; each worker but the caller has its
	// own scratch.
	Team      *team.Team
	teamStep  stepJob
	teamScrat []Scratch
	units     Units
	projStep  projJob
}

// projSplitRows is the fewest rows of the input projection a share of a
// split projection gets.
const projSplitRows = 16

// project sets the rows [r0, r1) of proj (rows of G·H) to InputBias plus
// xp's rows times W_ih: PackedIH, W_ih's float32 values wide (IH, or LowIH
// widened), or int8's own products.
func project(w *Weights, xp, wide, proj []float32, r0, r1 int, s *Scratch) {
	in, gh := w.Input, w.Mode.Gates()*w.Hidden
	n := r1 - r0
	xp, proj = xp[r0*in:r1*in], proj[r0*gh:r1*gh]
	seq.FillRows(proj, w.InputBias)
	switch {
	case w.PackedIH != nil:
		kernels.MatMulPackedAdd(false, n, xp, in, w.PackedIH, proj, gh)
	case w.LowIH != nil && w.LowIH.Format == Int8:
		// Each input row quantized, then the int8 products, W_ih read once
		// per eight rows: as a step computes its input side.
		w.LowIH.MulAdd(proj, 0, gh, xp, n, s)
	default:
		kernels.MatMulAdd(false, true, n, gh, in, xp, in, wide, in, proj, gh)
	}
}

// projJob is the input projection split by rows among a team.
type projJob struct {
	w              Weights // a copy, as stepJob's
	xp, wide, proj []float32
	scratch        []Scratch
	bounds         [65]int
}

// Run projects worker w's rows (a team.Job).
func (j *projJob) Run(w int) {
	if r0, r1 := j.bounds[w], j.bounds[w+1]; r1 > r0 {
		project(&j.w, j.xp, j.wide, j.proj, r0, r1, &j.scratch[w])
	}
}

// SplitMinBytes is the size of W_hh (float32) from which a Team splits a
// step's samples: below it the hand-over costs more than a core saves.
// (A variable so that tests can split small models.)
var SplitMinBytes = 1 << 19

// Splits reports whether a step of rows samples of a layer of the given
// mode and hidden size runs split among t (nil: never): two goroutines or
// more, two rows or more, and W_hh of SplitMinBytes or more. bptt's
// backward steps split by the same rule.
func Splits(t *team.Team, mode Mode, hidden, rows int) bool {
	return t != nil && t.Size() >= 2 && rows >= 2 && mode.Gates()*hidden*hidden*4 >= SplitMinBytes
}

// stepJob is one step's Weights.Step split by rows among a team: worker w
// runs the rows [bounds[w], bounds[w+1]).
type stepJob struct {
	w                                 Weights // a copy: a pointer kept in Buffers would make the caller's escape
	gates, hPrev, hNext, c, cache, rh []float32
	rows                              int
	packed                            *[2]kernels.PackedMatrix
	scratch                           []Scratch
	bounds                            [65]int
}

// Run steps worker w's rows (a team.Job).
func (j *stepJob) Run(w int) {
	r0, r1 := j.bounds[w], j.bounds[w+1]
	n := r1 - r0
	if n == 0 {
		return
	}
	gw, hw := len(j.gates)/j.rows, j.w.Hidden
	part := func(s []float32, width int) []float32 {
		if s == nil {
			return nil
		}
		return s[r0*width : r1*width]
	}
	cw := 0
	if j.cache != nil {
		cw = len(j.cache) / j.rows
	}
	j.w.Step(n, part(j.gates, gw), part(j.hPrev, hw), part(j.hNext, hw), part(j.c, hw), part(j.cache, cw), part(j.rh, hw), &j.scratch[w], j.packed)
}

// step runs w.Step on rows rows, split among b.Team when it is set, the
// rows are two or more and W_hh is large enough.
func (b *Buffers) step(w *Weights, rows int, gates, hPrev, hNext, c, cache, rh []float32, packed *[2]kernels.PackedMatrix) {
	t := b.Team
	if !Splits(t, w.Mode, w.Hidden, rows) {
		w.Step(rows, gates, hPrev, hNext, c, cache, rh, &b.scratch, packed)
		return
	}
	j := &b.teamStep
	*j = stepJob{w: *w, gates: gates, hPrev: hPrev, hNext: hNext, c: c, cache: cache, rh: rh, rows: rows, packed: packed}
	shares := EvenBounds(j.bounds[:], rows, t.Size())
	j.scratch = b.shareScratch(shares)
	for i := 1; i < shares; i++ {
		j.scratch[i].Grow(w.Mode, w.Hidden, rows, true)
	}
	t.Do(j, shares)
	b.scratch = b.teamScrat[0] // a grown int8 scratch is kept
	*j = stepJob{}
}

// shareScratch returns the scratch of shares workers of a split step or
// projection: the buffers' own for the caller's share, then the workers'.
func (b *Buffers) shareScratch(shares int) []Scratch {
	for len(b.teamScrat) < shares {
		b.teamScrat = append(b.teamScrat, Scratch{})
	}
	b.teamScrat[0] = b.scratch
	return b.teamScrat[:shares]
}

// Run runs one direction of a layer over a sequence planned by p. x is the
// layer input, T × B × I time-major; h and c (B × H, c nil but for LSTMs)
// hold the initial state and receive each sample's state after its own
// last step; each step's h goes to y[t][b][offset : offset+H] (rows of
// width floats; y is left alone past each sample's length). The reverse
// direction runs each sample from its own last step back to its first.
//
// The input projection of all steps is one matrix product (Proj = XP·W_ihᵀ
// + InputBias); each step then runs Weights.Step in place on its rows of
// Proj for the samples still running.
func Run(w *Weights, p *Plan, b *Buffers, x, h, c, y []float32, offset, width int, reverse bool) {
	steps, batch, hid, in := p.Steps, p.Batch, w.Hidden, w.Input
	gh := w.Mode.Gates() * hid
	rows := steps * batch

	b.Permuted = reverse || p.Ragged
	xp := x
	if b.Permuted {
		b.XP = Grow(b.XP, rows*in)
		xp = b.XP
		for k := 0; k < steps; k++ {
			active := p.Active[k]
			for s, sample := range p.Order[:active] {
				t := seq.StepTime(k, p.Lens[sample], reverse)
				copy(xp[(k*batch+s)*in:(k*batch+s+1)*in], x[(t*batch+sample)*in:(t*batch+sample+1)*in])
			}
			clear(xp[(k*batch+active)*in : (k+1)*batch*in])
		}
	}
	b.Proj = Grow(b.Proj, rows*gh)
	wide := w.IH
	if w.LowIH != nil && w.LowIH.Format != Int8 {
		b.Wide = Grow(b.Wide, gh*in)
		w.LowIH.Widen(b.Wide)
		wide = b.Wide
	}
	if t := b.Team; Splits(t, w.Mode, hid, 2) && rows >= 2*projSplitRows {
		// Each goroutine projects its rows of XP (the same products as one
		// goroutine's, row by row).
		j := &b.projStep
		*j = projJob{w: *w, xp: xp, wide: wide, proj: b.Proj}
		shares := EvenBounds(j.bounds[:], rows, min(t.Size(), rows/projSplitRows))
		j.scratch = b.shareScratch(shares)
		t.Do(j, shares)
		b.scratch = b.teamScrat[0]
		*j = projJob{}
	} else {
		project(w, xp, wide, b.Proj, 0, rows, &b.scratch)
	}

	// State slots: h_0 … h_T recorded, else the current one — or two in
	// turn when the steps may split by units (SplitsUnits), whose workers
	// read all of h_{t−1} while others write their units of h_t. c is
	// updated in place, each unit by its own worker: one slot.
	record := b.Record
	alternate := !record && SplitsUnits(b.Team, w.Mode, hid, batch)
	slots, cSlots := 1, 1
	switch {
	case record:
		slots, cSlots = steps+1, steps+1
	case alternate:
		slots = 2
	}
	b.HS = Grow(b.HS, slots*batch*hid)
	for s, sample := range p.Order {
		copy(b.HS[s*hid:(s+1)*hid], h[sample*hid:(sample+1)*hid])
	}
	if c != nil {
		b.CS = Grow(b.CS, cSlots*batch*hid)
		for s, sample := range p.Order {
			copy(b.CS[s*hid:(s+1)*hid], c[sample*hid:(sample+1)*hid])
		}
	}
	cacheWidth := 0 // per row of the recorded cache
	switch {
	case record && w.Mode == GRU:
		cacheWidth = 4 * hid
	case record && w.Mode == GRUResetBefore:
		cacheWidth = 3 * hid
		b.RH = Grow(b.RH, rows*hid)
	}
	b.Cache = Grow(b.Cache, rows*cacheWidth)
	b.scratch.Grow(w.Mode, hid, batch, !record)
	var packed *[2]kernels.PackedMatrix
	if batch > PackedRows {
		hh := w.HH
		if w.LowHH != nil {
			b.Wide = Grow(b.Wide, gh*hid)
			w.LowHH.Widen(b.Wide)
			hh = b.Wide
		}
		w.PackHH(&b.PackedHH, hh)
		packed = &b.PackedHH
	}

	for k := 0; k < steps; k++ {
		active := p.Active[k]
		row := k * batch // of Proj, Cache, RH
		prev, next := 0, 0
		switch {
		case record:
			prev, next = row, row+batch
		case alternate:
			prev, next = k%2*batch, (k+1)%2*batch
		}
		hPrev := b.HS[prev*hid : (prev+active)*hid]
		hNext := b.HS[next*hid : (next+active)*hid]
		var cNext []float32
		if c != nil {
			if record {
				cNext = b.CS[next*hid : (next+active)*hid]
				copy(cNext, b.CS[prev*hid:(prev+active)*hid])
			} else {
				cNext = b.CS[:active*hid]
			}
		}
		gates := b.Proj[row*gh : (row+active)*gh]
		var cache, rh []float32
		switch {
		case record && w.Mode == LSTM:
			cache = gates
		case record && cacheWidth > 0:
			cache = b.Cache[row*cacheWidth : (row+active)*cacheWidth]
			if w.Mode == GRUResetBefore {
				rh = b.RH[row*hid : (row+active)*hid]
				clear(b.RH[(row+active)*hid : (row+batch)*hid])
			}
		case w.Mode == GRUResetBefore:
			cache, rh = b.scratch.Cache[:active*3*hid], b.scratch.RH[:active*hid]
		}
		switch {
		case active == 0:
		case (record || alternate) && SplitsUnits(b.Team, w.Mode, hid, active):
			b.stepUnits(w, active, gates, hPrev, hNext, cNext, cache)
		default:
			b.step(w, active, gates, hPrev, hNext, cNext, cache, rh, packed)
		}
		if record {
			// Finished samples hold zeros from here on (their final
			// state is read at their own last step).
			clear(b.HS[(next+active)*hid : (next+batch)*hid])
			if c != nil {
				clear(b.CS[(next+active)*hid : (next+batch)*hid])
			}
		}
		for s, sample := range p.Order[:active] {
			at := (seq.StepTime(k, p.Lens[sample], reverse)*batch+sample)*width + offset
			copy(y[at:at+hid], hNext[s*hid:(s+1)*hid])
		}
	}
	for s, sample := range p.Order {
		at, cAt := s*hid, s*hid
		switch {
		case record:
			at = (p.Lens[sample]*batch + s) * hid
			cAt = at
		case alternate: // the slot of the sample's last step
			at = (p.Lens[sample]%2*batch + s) * hid
		}
		copy(h[sample*hid:(sample+1)*hid], b.HS[at:at+hid])
		if c != nil {
			copy(c[sample*hid:(sample+1)*hid], b.CS[cAt:cAt+hid])
		}
	}
}
