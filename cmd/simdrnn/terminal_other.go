//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package main

// isTerminal reports false: without termios there is no reliable test, and
// a progress bar in a file or pipe is worse than none.
func isTerminal(fd uintptr) bool { return false }
