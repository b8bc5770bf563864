package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/shape"
)

// product formats a·b for a panic message: the number, or a note that it
// does not fit in an int (a size no slice can have).
func product(factors ...int) string {
	if n, ok := shape.Prod(factors...); ok {
		return fmt.Sprint(n)
	}
	return "more than an int can count"
}

// is reports whether n equals the product of factors, computed without
// overflow (a product that does not fit in an int equals no length).
func is(n int, factors ...int) bool {
	want, ok := shape.Prod(factors...)
	return ok && n == want
}
