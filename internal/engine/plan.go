package engine

import "sort"

// Plan is the order in which a batch of samples runs: samples by
// decreasing length (stable), so that at step k the samples still running
// are a prefix of Order, Active[k] of them, and run as one smaller batch.
// Its slices grow to the largest batch seen and are reused.
type Plan struct {
	Steps, Batch int
	Order        []int // processing slot s holds sample Order[s]
	Lens         []int // each sample's length
	Active       []int // Active[k]: samples running at step k
	Ragged       bool  // some sample is shorter than Steps
}

// Make plans steps × batch samples of the given lengths (nil: every sample
// runs all steps; otherwise checked by CheckLengths). It allocates only to
// grow the plan.
func (p *Plan) Make(lengths []int, steps, batch int) {
	p.Steps, p.Batch, p.Ragged = steps, batch, false
	p.Order, p.Lens = growInts(p.Order, batch), growInts(p.Lens, batch)
	for b := range p.Order {
		p.Order[b] = b
		p.Lens[b] = steps
		if lengths != nil {
			p.Lens[b] = lengths[b]
			p.Ragged = p.Ragged || lengths[b] < steps
		}
	}
	if p.Ragged {
		sort.Stable((*byLength)(p))
	}
	p.Active = growInts(p.Active, steps)
	active := batch
	for k := range p.Active {
		for active > 0 && p.Lens[p.Order[active-1]] <= k {
			active--
		}
		p.Active[k] = active
	}
}

// byLength sorts a plan's Order by decreasing length.
type byLength Plan

func (p *byLength) Len() int           { return len(p.Order) }
func (p *byLength) Less(i, j int) bool { return p.Lens[p.Order[i]] > p.Lens[p.Order[j]] }
func (p *byLength) Swap(i, j int)      { p.Order[i], p.Order[j] = p.Order[j], p.Order[i] }

// Grow returns s resliced to n elements, reallocated only if too small. The
// contents are not cleared.
func Grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func growInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
