//go:build !race

package cells_test

// raceEnabled is true when the race detector, whose shadow memory counts in
// the resident set, is built in.
const raceEnabled = false
