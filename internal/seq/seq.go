// Package seq holds the sequence bookkeeping that cells (inference) and
// bptt (training) share: bias rows, step order and layout changes.
package seq

// FillRows sets each row of dst (len(dst)/len(row) of them) to row.
func FillRows(dst, row []float32) {
	for start := 0; start < len(dst); start += len(row) {
		copy(dst[start:start+len(row)], row)
	}
}

// StepTime is the time index of a sample's k-th step: k going forward,
// counted back from the sample's own last step (of length steps) in
// reverse.
func StepTime(k, length int, reverse bool) int {
	if reverse {
		return length - 1 - k
	}
	return k
}

// Transpose writes the outer × inner × width array src into dst as inner ×
// outer × width (batch-first ↔ time-major); dst must not overlap src.
func Transpose(dst, src []float32, outer, inner, width int) {
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			copy(dst[(i*outer+o)*width:(i*outer+o+1)*width], src[(o*inner+i)*width:(o*inner+i+1)*width])
		}
	}
}

// LastStates calls f for each final state of the last of layers, in
// PyTorch's h_n layout ((layers·dirs) × batch × hid, layer by layer,
// forward before reverse), with its offset there (hn) and its offset in the
// batch × (dirs·hid) layout that puts each sample's directions side by side
// (last: torch.cat((h_n[-2], h_n[-1]), 1)), the input of a head on the
// final state.
func LastStates(layers, dirs, batch, hid int, f func(hn, last int)) {
	for dir := 0; dir < dirs; dir++ {
		for b := 0; b < batch; b++ {
			f((((layers-1)*dirs+dir)*batch+b)*hid, (b*dirs+dir)*hid)
		}
	}
}
