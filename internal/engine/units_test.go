package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBounds checks the shares of a split: UnitBounds' start at multiples
// of 16 units, EvenBounds' differ by one row at most, neither makes more
// shares than it has room, workers or (units / 16, rows) for.
func TestBounds(t *testing.T) {
	var b [65]int
	for _, c := range []struct {
		hidden, workers int
		want            []int
	}{
		{41, 2, []int{0, 16, 41}},
		{41, 3, []int{0, 16, 32, 41}},
		{64, 3, []int{0, 16, 32, 64}},
		{16, 4, []int{0, 16}},
		{1024, 2, []int{0, 512, 1024}},
	} {
		n := UnitBounds(b[:], c.hidden, c.workers)
		require.Equal(t, c.want, b[:n+1], "UnitBounds(%d, %d)", c.hidden, c.workers)
	}
	for _, c := range []struct {
		rows, workers int
		want          []int
	}{
		{5, 2, []int{0, 2, 5}},
		{3, 8, []int{0, 1, 2, 3}},
		{100, 3, []int{0, 33, 66, 100}},
	} {
		n := EvenBounds(b[:], c.rows, c.workers)
		require.Equal(t, c.want, b[:n+1], "EvenBounds(%d, %d)", c.rows, c.workers)
	}
	require.Equal(t, 2, EvenBounds(b[:3], 100, 8), "no more shares than bounds has room for")
	require.Equal(t, 2, UnitBounds(b[:3], 1024, 8))
}
