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
