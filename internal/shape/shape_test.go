//go:build amd64 || arm64

package shape

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMul(t *testing.T) {
	for _, c := range []struct {
		a, b, want int
		ok         bool
	}{
		{0, 0, 0, true},
		{3, 5, 15, true},
		{math.MaxInt, 1, math.MaxInt, true},
		{math.MaxInt, 2, 0, false},
		{1 << 32, 1 << 31, 0, false}, // 2⁶³ does not fit
		{1 << 32, 1 << 32, 0, false}, // wraps to 0 unchecked
		{3, math.MaxInt/3 + 1, 0, false},
		{-1, 5, 0, false},
		{5, -1, 0, false},
		{math.MinInt, -1, 0, false},
	} {
		got, ok := Mul(c.a, c.b)
		require.Equal(t, c.ok, ok, "Mul(%d, %d)", c.a, c.b)
		if ok {
			require.Equal(t, c.want, got, "Mul(%d, %d)", c.a, c.b)
		}
	}
}

func TestAdd(t *testing.T) {
	n, ok := Add(math.MaxInt-1, 1)
	require.True(t, ok)
	require.Equal(t, math.MaxInt, n)
	_, ok = Add(math.MaxInt, 1)
	require.False(t, ok)
	_, ok = Add(-1, 1)
	require.False(t, ok)
}

func TestProd(t *testing.T) {
	n, ok := Prod()
	require.True(t, ok)
	require.Equal(t, 1, n)
	n, ok = Prod(2, 3, 4)
	require.True(t, ok)
	require.Equal(t, 24, n)
	n, ok = Prod(1<<40, 1<<40, 0)
	require.True(t, ok, "a zero factor makes the product 0")
	require.Equal(t, 0, n)
	_, ok = Prod(1<<40, 0, -1)
	require.False(t, ok, "negative factors are refused even with a zero")
	_, ok = Prod(4, 1<<61, 2) // 2⁶⁴ wraps to 0 unchecked
	require.False(t, ok)
	_, ok = Prod(1<<62, 2, 1)
	require.False(t, ok)
}

func TestMatrix(t *testing.T) {
	for _, c := range []struct {
		rows, cols, ld, want int
		ok                   bool
	}{
		{0, 5, 5, 0, true},
		{5, 0, 0, 0, true},
		{0, 0, math.MaxInt, 0, true},
		{3, 4, 4, 12, true},
		{3, 4, 10, 24, true},
		{3, 4, 3, 0, false},            // ld < cols
		{3, 16, math.MaxInt, 0, false}, // 2·MaxInt + 16 wraps to 14 unchecked
		{math.MaxInt, 1, 1, math.MaxInt, true},
		{2, 1, math.MaxInt, 0, false}, // MaxInt + 1
		{-1, 4, 4, 0, false},
		{4, -1, 4, 0, false},
		{1, math.MaxInt, math.MaxInt, math.MaxInt, true},
	} {
		got, ok := Matrix(c.rows, c.cols, c.ld)
		require.Equal(t, c.ok, ok, "Matrix(%d, %d, %d)", c.rows, c.cols, c.ld)
		if ok {
			require.Equal(t, c.want, got, "Matrix(%d, %d, %d)", c.rows, c.cols, c.ld)
		}
	}
}

func TestFits(t *testing.T) {
	require.True(t, Fits(0, 4))
	require.True(t, Fits(1<<20, 4))
	require.False(t, Fits(math.MaxInt, 4), "overflowing byte counts never fit")
	require.False(t, Fits(1<<46, 4), "2⁴⁸ bytes is above every limit")
	require.LessOrEqual(t, MemoryLimit(), maxAddressBytes)
	require.Greater(t, MemoryLimit(), uint64(1<<26), "the limit is at least the machine's memory, which is more than 64 MiB")
}
