// Package shape computes how many elements an operand needs, with every
// product and sum checked for overflow, so that a size a caller passes can
// never wrap around to a small number that a length check then accepts.
//
// Every public entry point of kernels, cells and bptt computes its operand
// sizes here before it touches or allocates memory: an ok of false means the
// size cannot be represented (or a factor is negative) and the caller
// reports it (kernels panic with their own name; constructors return an
// error).
package shape

import (
	"math"
	"math/bits"
	"strconv"
)

// Mul returns a·b. ok is false if a or b is negative or the product does
// not fit in an int.
func Mul(a, b int) (n int, ok bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt {
		return 0, false
	}
	return int(lo), true
}

// Add returns a+b. ok is false if a or b is negative or the sum does not
// fit in an int.
func Add(a, b int) (n int, ok bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	s, carry := bits.Add64(uint64(a), uint64(b), 0)
	if carry != 0 || s > math.MaxInt {
		return 0, false
	}
	return int(s), true
}

// Prod returns the product of factors (1 for none). ok is false if any
// factor is negative or the product does not fit in an int; a zero factor
// gives 0 even when the others would overflow.
func Prod(factors ...int) (n int, ok bool) {
	n = 1
	overflow := false
	for _, f := range factors {
		if f < 0 {
			return 0, false
		}
		if f == 0 {
			return 0, allNonNegative(factors)
		}
		if !overflow {
			if n, ok = Mul(n, f); !ok {
				overflow = true
			}
		}
	}
	if overflow {
		return 0, false
	}
	return n, true
}

func allNonNegative(xs []int) bool {
	for _, x := range xs {
		if x < 0 {
			return false
		}
	}
	return true
}

// Matrix returns how many elements a rows×cols row-major matrix with
// leading dimension ld spans: 0 if it is empty, else (rows−1)·ld + cols.
// ok is false if a size is negative, ld < cols, or the span does not fit in
// an int.
func Matrix(rows, cols, ld int) (n int, ok bool) {
	if rows < 0 || cols < 0 || ld < cols {
		return 0, false
	}
	if rows == 0 || cols == 0 {
		return 0, true
	}
	n, ok = Mul(rows-1, ld)
	if !ok {
		return 0, false
	}
	return Add(n, cols)
}

// ProductText formats " = n" for a counted product, or says that it
// overflows (ok false): the end of an error message that states a size.
func ProductText(n int, ok bool) string {
	if !ok {
		return ", which overflows an int"
	}
	return " = " + strconv.Itoa(n)
}

// Counter sums element counts with overflow checks: once a term does not
// fit in an int (or a factor is negative), OK stays false. The zero Counter
// holds 0.
type Counter struct {
	n        int
	overflow bool
}

// Add adds the product of factors.
func (c *Counter) Add(factors ...int) {
	if c.overflow {
		return
	}
	p, ok := Prod(factors...)
	if ok {
		c.n, ok = Add(c.n, p)
	}
	c.overflow = !ok
}

// Merge adds another count.
func (c *Counter) Merge(o Counter) {
	c.Add(o.n)
	c.overflow = c.overflow || o.overflow
}

// N returns the sum (meaningless unless OK).
func (c Counter) N() int { return c.n }

// OK reports whether every term was counted without overflow.
func (c Counter) OK() bool { return !c.overflow }

// Fits reports whether the count is OK and that many elements of size
// bytes fit in memory (see Fits).
func (c Counter) Fits(size int) bool { return c.OK() && Fits(c.n, size) }
