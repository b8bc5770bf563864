package ref

import "math"

// The fused pointwise kernels are checked step by step: each activation
// against the exact activation of its argument, and each arithmetic output
// against the exact value of its formula evaluated on the float32 values the
// kernel cached. The functions here give those exact values in float64
// together with the magnitude M of each formula (every factor replaced by
// its absolute value, every difference a − b by |a| + |b|), which scales the
// kernels' error bounds.

// Value is an exact result and the magnitude its error bound scales with.
type Value struct{ Want, Mag float64 }

func abs64(v float32) float64 { return math.Abs(float64(v)) }

// LSTMCell returns c' = f·c + i·g for the cached activations.
func LSTMCell(i, f, g, c float32) Value {
	fi, ff, fg, fc := float64(i), float64(f), float64(g), float64(c)
	return Value{ff*fc + fi*fg, math.Abs(ff*fc) + math.Abs(fi*fg)}
}

// LSTMBackward returns the exact do, di, df, dg and dcPrev of one unit (see
// kernels.LSTMBackwardBatch), tanh(c) exact.
func LSTMBackward(i, f, g, o, cPrev, c, dh, dc float32) (do, di, df, dg, dcPrev Value) {
	fi, ff, fg, fo := float64(i), float64(f), float64(g), float64(o)
	th := math.Tanh(float64(c))
	fdh := float64(dh)
	d := float64(dc) + fdh*fo*(1-th*th)
	md := abs64(dc) + math.Abs(fdh*fo)*(1+th*th)
	do = Value{fdh * th * fo * (1 - fo), math.Abs(fdh * th * fo * (1 - fo))}
	di = Value{d * fg * fi * (1 - fi), md * math.Abs(fg*fi*(1-fi))}
	df = Value{d * float64(cPrev) * ff * (1 - ff), md * math.Abs(float64(cPrev)*ff*(1-ff))}
	dg = Value{d * fi * (1 - fg*fg), md * math.Abs(fi) * (1 + fg*fg)}
	dcPrev = Value{d * ff, md * math.Abs(ff)}
	return
}

// GRUArgument returns x_n + r·hn, the argument of the GRU's tanh.
func GRUArgument(xn, r, hn float32) Value {
	p := float64(r) * float64(hn)
	return Value{float64(xn) + p, abs64(xn) + math.Abs(p)}
}

// GRUOutput returns h' = n + z·(h − n) for the cached z and n.
func GRUOutput(z, n, h float32) Value {
	fz, fn, fh := float64(z), float64(n), float64(h)
	return Value{fn + fz*(fh-fn), math.Abs(fn) + math.Abs(fz)*(math.Abs(fh)+math.Abs(fn))}
}

// GRUBackward returns the exact dr, dz, dn, dn·r and dh·z of one unit (see
// kernels.GRUBackwardBatch).
func GRUBackward(r, z, n, hn, h, dh float32) (dr, dz, dn, dnr, dhz Value) {
	fr, fz, fn, fhn, fh, fdh := float64(r), float64(z), float64(n), float64(hn), float64(h), float64(dh)
	dn = Value{fdh * (1 - fz) * (1 - fn*fn), math.Abs(fdh*(1-fz)) * (1 + fn*fn)}
	dz = Value{fdh * (fh - fn) * fz * (1 - fz), math.Abs(fdh) * (math.Abs(fh) + math.Abs(fn)) * math.Abs(fz*(1-fz))}
	dr = Value{dn.Want * fhn * fr * (1 - fr), dn.Mag * math.Abs(fhn*fr*(1-fr))}
	dnr = Value{dn.Want * fr, dn.Mag * math.Abs(fr)}
	dhz = Value{fdh * fz, math.Abs(fdh * fz)}
	return
}

// GRUResetBeforeGatesBackward returns the exact dr = drh·h·r·(1−r) and
// dhPrev + drh·r of one unit (see kernels.GRUResetBeforeBackwardGatesBatch).
func GRUResetBeforeGatesBackward(r, h, drh, dhPrev float32) (dr, dhPrevNew Value) {
	fr, fh, fd := float64(r), float64(h), float64(drh)
	dr = Value{fd * fh * fr * (1 - fr), math.Abs(fd * fh * fr * (1 - fr))}
	dhPrevNew = Value{float64(dhPrev) + fd*fr, abs64(dhPrev) + math.Abs(fd*fr)}
	return
}

// RNNTanhBackward returns dh·(1 − h²).
func RNNTanhBackward(h, dh float32) Value {
	fh, fd := float64(h), float64(dh)
	return Value{fd * (1 - fh*fh), math.Abs(fd) * (1 + fh*fh)}
}
