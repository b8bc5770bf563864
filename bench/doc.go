// Package bench holds the go test benchmarks of simdrnn's kernels at every
// implementation level, at the LSTM shapes W = 4H × 2H (input and
// recurrent weights of one layer side by side) for H = 64 … 1024.
//
// Names follow kernel/level=…/shape so benchstat can line levels up:
//
//	go test -run '^$' -bench . -count 6 ./bench > out.txt
//	benchstat -col /level out.txt
//
// Throughput is in bytes of the weight matrix streamed per second (MB/s in
// the go test output); Dot streams two vectors of half that size each, the
// same number of bytes, as the practical ceiling of one pass over memory.
// Comparisons with other libraries live in the separate module bench/peers.
package bench
