package team

import "runtime"

// Owned is the optional team of a value (a workspace, a tape, a state)
// that may be dropped without being closed: Start ties the team's Stop to
// the owner's collection. The zero value has no team.
type Owned struct {
	team    *Team
	cleanup runtime.Cleanup
}

// Start stops o's team, if any, then for n > 1 starts a team of n (New)
// that stops when owner, the value o lies in, is collected.
func Start[O any](o *Owned, owner *O, n int) {
	o.Stop()
	if n > 1 {
		o.team = New(n)
		o.cleanup = runtime.AddCleanup(owner, func(t *Team) { t.Stop() }, o.team)
	}
}

// Team returns o's team, or nil.
func (o *Owned) Team() *Team { return o.team }

// Size returns the size of o's team, 1 without one.
func (o *Owned) Size() int {
	if o.team == nil {
		return 1
	}
	return o.team.Size()
}

// Stop stops o's team, if any; it is safe to call more than once.
func (o *Owned) Stop() {
	if o.team == nil {
		return
	}
	o.cleanup.Stop()
	o.team.Stop()
	o.team = nil
}
