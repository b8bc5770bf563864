package shape

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCounter: a sum of products, and an overflow or a negative factor that
// stays reported whatever is added after it.
func TestCounter(t *testing.T) {
	var c Counter
	require.True(t, c.OK())
	c.Add(2, 3, 4)
	c.Add(5)
	c.Add()
	require.Equal(t, 30, c.N())
	require.True(t, c.OK())

	over := c
	over.Add(math.MaxInt, 2)
	require.False(t, over.OK())
	over.Add(1)
	require.False(t, over.OK())

	sum := c
	sum.Add(math.MaxInt - 30)
	require.True(t, sum.OK())
	sum.Add(1)
	require.False(t, sum.OK())

	negative := c
	negative.Add(-1, 0)
	require.False(t, negative.OK())

	merged := c
	merged.Merge(c)
	require.Equal(t, 60, merged.N())
	merged.Merge(over)
	require.False(t, merged.OK())
	require.False(t, merged.Fits(4))
	require.True(t, c.Fits(4))
}

func TestProductText(t *testing.T) {
	require.Equal(t, " = 12", ProductText(12, true))
	require.Equal(t, ", which overflows an int", ProductText(0, false))
}
