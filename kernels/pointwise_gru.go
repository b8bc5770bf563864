package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// GRUForwardBatch is the pointwise part of one GRU step in PyTorch's
// reset-after form (nn.GRU; Keras reset_after=True, ONNX
// linear_before_reset=1), fused into one pass.
//
// Layout: inputGates = W_ih·x + b_ih and hiddenGates = W_hh·h + b_hh are
// batch×3H, each row the blocks r, z, n of H values; h (the previous state)
// and hNew are batch×H. cache is nil or batch×4H; if given it receives
// [r, z, n, hn] per row, hn being the hidden side's n block (W_hn·h + b_hn),
// which is what GRUBackwardBatch needs besides h (a tape of 4H + H floats per
// row and step). H is len(h)/batch.
//
// Reference loop, per row and unit j (float32 sums, as written):
//
//	r := σ(inputGates[j] + hiddenGates[j])
//	z := σ(inputGates[H+j] + hiddenGates[H+j])
//	hn := hiddenGates[2H+j]
//	n := tanh(inputGates[2H+j] + r*hn)
//	hNew[j] = n + z*(h[j]-n)                  // (1−z)·n + z·h
//	cache[j], cache[H+j], cache[2H+j], cache[3H+j] = r, z, n, hn
//
// Shapes: batch ≥ 1, len(h) a multiple of batch, len(hNew) = len(h),
// len(inputGates) = len(hiddenGates) = 3·len(h), len(cache) = 0 or
// 4·len(h) (panics otherwise). Aliasing: hNew may be h itself; no other
// overlap.
//
// Error bound: r and z are within 2 ULP of σ of the float32 sums; n is within
// 2 ULP(tanh(a)) + (1 − tanh²(a))·2⁻²⁴·|a| of tanh(a), a = x_n + r·hn computed
// exactly with the r as cached; hNew is within γ(2)·(|n| + |z|·(|h| + |n|)) +
// 2·2⁻¹⁴⁹ of n + z·(h − n) computed exactly from the cached z and n. NaN and
// ±Inf propagate as the reference loop says.
func GRUForwardBatch(hNew, h, inputGates, hiddenGates, cache []float32, batch int) {
	hidden := checkPointwise("GRUForwardBatch", batch, pwOperand{name: "h", n: len(h)},
		pwOperand{name: "hNew", n: len(hNew), blocks: 1},
		pwOperand{name: "inputGates", n: len(inputGates), blocks: 3},
		pwOperand{name: "hiddenGates", n: len(hiddenGates), blocks: 3},
		pwOperand{name: "cache", n: len(cache), blocks: 4, optional: true})
	if hidden == 0 {
		return
	}
	gruForward(level.Active, hNew, h, inputGates, hiddenGates, cache, hidden, batch)
}

// GRUBackwardBatch is the pointwise part of one reset-after GRU backward
// step, fused into one pass: the chain rule through PyTorch's GRU, r, z =
// σ(·), n = tanh(x_n + r⊙hn) with hn = W_hn·h + b_hn, h' = (1−z)⊙n + z⊙h,
// with σ' = σ(1−σ) and tanh' = 1 − tanh². From the cache of GRUForwardBatch, the previous state h and dh = ∂L/∂h' it writes
// the input-side gate gradient [dr, dz, dn] and the hidden-side one
// [dr, dz, dn·r] (both batch×3H, the layout of the gates) and the direct
// part dhPrev = dh⊙z of ∂L/∂h. The caller adds W_hhᵀ·dHiddenGates to dhPrev
// and forms dx = W_ihᵀ·dInputGates with MatTVecAdd.
//
// Reference loop, per row and unit j (r, z, n, hn from the cache):
//
//	dn := dh[j] * (1-z) * (1-n*n)
//	dz := dh[j] * (h[j]-n) * z * (1-z)
//	dr := dn * hn * r * (1-r)
//	dInputGates[j], dInputGates[H+j], dInputGates[2H+j] = dr, dz, dn
//	dHiddenGates[j], dHiddenGates[H+j], dHiddenGates[2H+j] = dr, dz, dn*r
//	dhPrev[j] = dh[j] * z
//
// Shapes: batch ≥ 1, len(h) a multiple of batch, len(dh) = len(dhPrev) =
// len(h), len(dInputGates) = len(dHiddenGates) = 3·len(h), len(cache) =
// 4·len(h) (panics otherwise). Aliasing: dhPrev may be dh itself; no other
// overlap.
//
// Error bound: each output is within γ(8)·M + 8·2⁻¹⁴⁹ of the reference loop
// evaluated exactly, M being the loop with every factor replaced by its
// absolute value, h − n by |h| + |n| and 1 − n² by 1 + n². dr is formed as
// dh·hn·(1−z)·(1−n²)·r·(1−r), unbounded factors first. The bound assumes
// cached activations in their ranges (r, z in [0, 1], n in [−1, 1]), as the
// forward kernels write them.
func GRUBackwardBatch(dInputGates, dHiddenGates, dhPrev, cache, h, dh []float32, batch int) {
	hidden := checkPointwise("GRUBackwardBatch", batch, pwOperand{name: "h", n: len(h)},
		pwOperand{name: "dInputGates", n: len(dInputGates), blocks: 3},
		pwOperand{name: "dHiddenGates", n: len(dHiddenGates), blocks: 3},
		pwOperand{name: "dhPrev", n: len(dhPrev), blocks: 1},
		pwOperand{name: "cache", n: len(cache), blocks: 4},
		pwOperand{name: "dh", n: len(dh), blocks: 1})
	if hidden == 0 {
		return
	}
	gruBackward(level.Active, dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
}

// GRUResetBeforeGatesBatch is the first pointwise phase of one GRU step in
// the reset-before form (Keras reset_after=False, ONNX
// linear_before_reset=0): n = tanh(W_in·x + b_in + W_hn·(r⊙h) + b_hn).
// The reset gate must be known before the product with W_hn, so a step is
// GRUResetBeforeGatesBatch (r, z and r⊙h), then the caller's
// hn = W_hn·(r⊙h) + b_hn (MatVec on the last H rows of W_hh), then
// GRUResetBeforeOutputBatch (n and h').
//
// Layout: inputGates = W_ih·x + b_ih is batch×3H (blocks r, z, n);
// hiddenGates = W_hr,hz·h + b_hr,hz is batch×2H (blocks r, z: the first 2H
// rows of W_hh); h and rh are batch×H; cache is batch×3H and receives r and
// z in its first two blocks (the third, n, is written by the second phase).
// The tape for the backward pass is the cache and h (3H + H per row).
//
// Reference loop, per row and unit j (float32 sums):
//
//	r := σ(inputGates[j] + hiddenGates[j])
//	z := σ(inputGates[H+j] + hiddenGates[H+j])
//	cache[j], cache[H+j] = r, z
//	rh[j] = r * h[j]
//
// Shapes: batch ≥ 1, len(h) a multiple of batch, len(rh) = len(h),
// len(cache) = len(inputGates) = 3·len(h), len(hiddenGates) = 2·len(h)
// (panics otherwise). No overlap. Error bound: r and z within 2 ULP of σ of
// the float32 sums; rh correctly rounded from the cached r.
func GRUResetBeforeGatesBatch(rh, cache, inputGates, hiddenGates, h []float32, batch int) {
	hidden := checkPointwise("GRUResetBeforeGatesBatch", batch, pwOperand{name: "h", n: len(h)},
		pwOperand{name: "rh", n: len(rh), blocks: 1},
		pwOperand{name: "cache", n: len(cache), blocks: 3},
		pwOperand{name: "inputGates", n: len(inputGates), blocks: 3},
		pwOperand{name: "hiddenGates", n: len(hiddenGates), blocks: 2})
	if hidden == 0 {
		return
	}
	gruResetBeforeGates(level.Active, rh, cache, inputGates, hiddenGates, h, hidden, batch)
}

// GRUResetBeforeOutputBatch is the second pointwise phase of a
// reset-before GRU step (see GRUResetBeforeGatesBatch): from hn =
// W_hn·(r⊙h) + b_hn (batch×H) it computes n, stores it in the third block of
// cache and writes h'.
//
// Reference loop, per row and unit j (z from the cache):
//
//	n := tanh(inputGates[2H+j] + hn[j])
//	cache[2H+j] = n
//	hNew[j] = n + z*(h[j]-n)                  // (1−z)·n + z·h
//
// Shapes: batch ≥ 1, len(h) a multiple of batch, len(hNew) = len(hn) =
// len(h), len(cache) = len(inputGates) = 3·len(h) (panics otherwise).
// Aliasing: hNew may be h itself. Error bound: n within 2 ULP of tanh of the
// float32 sum; hNew as in GRUForwardBatch.
func GRUResetBeforeOutputBatch(hNew, cache, h, inputGates, hn []float32, batch int) {
	hidden := checkPointwise("GRUResetBeforeOutputBatch", batch, pwOperand{name: "h", n: len(h)},
		pwOperand{name: "hNew", n: len(hNew), blocks: 1},
		pwOperand{name: "cache", n: len(cache), blocks: 3},
		pwOperand{name: "inputGates", n: len(inputGates), blocks: 3},
		pwOperand{name: "hn", n: len(hn), blocks: 1})
	if hidden == 0 {
		return
	}
	gruResetBeforeOutput(level.Active, hNew, cache, h, inputGates, hn, hidden, batch)
}

// GRUResetBeforeBackwardOutputBatch is the first pointwise phase of a
// reset-before GRU backward step: through h' = (1−z)·n + z·h and
// n = tanh(·) it writes dz and dn into the second and third blocks of dGates
// (batch×3H) and dhPrev = dh⊙z. The caller then forms drh = W_hnᵀ·dn
// (MatTVecAdd into zeros) and calls GRUResetBeforeBackwardGatesBatch. dn is
// also the gradient of b_in, b_hn and (with r⊙h) of W_hn.
//
// Reference loop, per row and unit j (z, n from the cache):
//
//	dGates[H+j] = dh[j] * (h[j]-n) * z * (1-z)   // dz
//	dGates[2H+j] = dh[j] * (1-z) * (1-n*n)       // dn
//	dhPrev[j] = dh[j] * z
//
// Shapes: batch ≥ 1, len(h) a multiple of batch, len(dhPrev) = len(dh) =
// len(h), len(dGates) = len(cache) = 3·len(h) (panics otherwise). Aliasing:
// dhPrev may be dh itself. Error bound: as GRUBackwardBatch.
func GRUResetBeforeBackwardOutputBatch(dGates, dhPrev, cache, h, dh []float32, batch int) {
	hidden := checkPointwise("GRUResetBeforeBackwardOutputBatch", batch, pwOperand{name: "h", n: len(h)},
		pwOperand{name: "dGates", n: len(dGates), blocks: 3},
		pwOperand{name: "dhPrev", n: len(dhPrev), blocks: 1},
		pwOperand{name: "cache", n: len(cache), blocks: 3},
		pwOperand{name: "dh", n: len(dh), blocks: 1})
	if hidden == 0 {
		return
	}
	gruResetBeforeBackwardOutput(level.Active, dGates, dhPrev, cache, h, dh, hidden, batch)
}

// GRUResetBeforeBackwardGatesBatch is the second pointwise phase of a
// reset-before GRU backward step: from drh = W_hnᵀ·dn (batch×H) it writes
// dr into the first block of dGates and adds drh⊙r to dhPrev. dGates is then
// [dr, dz, dn], the gradient of both gate pre-activations; the caller adds
// W_hr,hzᵀ·[dr, dz] to dhPrev and forms dx = W_ihᵀ·dGates.
//
// Reference loop, per row and unit j (r from the cache):
//
//	dGates[j] = drh[j] * h[j] * r * (1-r)        // dr
//	dhPrev[j] += drh[j] * r
//
// Shapes: as GRUResetBeforeBackwardOutputBatch with drh for dh. No overlap.
// Error bound: as GRUBackwardBatch, with |dhPrev| added to M of dhPrev.
func GRUResetBeforeBackwardGatesBatch(dGates, dhPrev, cache, h, drh []float32, batch int) {
	hidden := checkPointwise("GRUResetBeforeBackwardGatesBatch", batch, pwOperand{name: "h", n: len(h)},
		pwOperand{name: "dGates", n: len(dGates), blocks: 3},
		pwOperand{name: "dhPrev", n: len(dhPrev), blocks: 1},
		pwOperand{name: "cache", n: len(cache), blocks: 3},
		pwOperand{name: "drh", n: len(drh), blocks: 1})
	if hidden == 0 {
		return
	}
	gruResetBeforeBackwardGates(level.Active, dGates, dhPrev, cache, h, drh, hidden, batch)
}

func gruForwardGeneric(hNew, h, inputGates, hiddenGates, cache []float32, hidden, batch int) {
	for b := 0; b < batch; b++ {
		in := inputGates[3*b*hidden : 3*(b+1)*hidden]
		hg := hiddenGates[3*b*hidden : 3*(b+1)*hidden]
		var cc []float32
		if len(cache) > 0 {
			cc = cache[4*b*hidden : 4*(b+1)*hidden]
		}
		row := b * hidden
		for j := 0; j < hidden; j++ {
			r := sigmoidScalar(in[j] + hg[j])
			z := sigmoidScalar(in[hidden+j] + hg[hidden+j])
			hn := hg[2*hidden+j]
			n := tanhScalar(float32(float64(in[2*hidden+j]) + float64(r)*float64(hn)))
			if cc != nil {
				cc[j], cc[hidden+j], cc[2*hidden+j], cc[3*hidden+j] = r, z, n, hn
			}
			nn := float64(n)
			hNew[row+j] = float32(nn + float64(z)*(float64(h[row+j])-nn))
		}
	}
}

func gruBackwardGeneric(dInputGates, dHiddenGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	for b := 0; b < batch; b++ {
		di := dInputGates[3*b*hidden : 3*(b+1)*hidden]
		dg := dHiddenGates[3*b*hidden : 3*(b+1)*hidden]
		ca := cache[4*b*hidden : 4*(b+1)*hidden]
		row := b * hidden
		for j := 0; j < hidden; j++ {
			r, z := float64(ca[j]), float64(ca[hidden+j])
			n, hn := float64(ca[2*hidden+j]), float64(ca[3*hidden+j])
			dhj := float64(dh[row+j])
			dn := dhj * (1 - z) * (1 - n*n)
			dz := float32(dhj * (float64(h[row+j]) - n) * z * (1 - z))
			dr := float32(dn * hn * r * (1 - r))
			di[j], di[hidden+j], di[2*hidden+j] = dr, dz, float32(dn)
			dg[j], dg[hidden+j], dg[2*hidden+j] = dr, dz, float32(dn*r)
			dhPrev[row+j] = float32(dhj * z)
		}
	}
}

func gruResetBeforeGatesGeneric(rh, cache, inputGates, hiddenGates, h []float32, hidden, batch int) {
	for b := 0; b < batch; b++ {
		in := inputGates[3*b*hidden : 3*(b+1)*hidden]
		hg := hiddenGates[2*b*hidden : 2*(b+1)*hidden]
		ca := cache[3*b*hidden : 3*(b+1)*hidden]
		row := b * hidden
		for j := 0; j < hidden; j++ {
			r := sigmoidScalar(in[j] + hg[j])
			ca[j] = r
			ca[hidden+j] = sigmoidScalar(in[hidden+j] + hg[hidden+j])
			rh[row+j] = r * h[row+j]
		}
	}
}

func gruResetBeforeOutputGeneric(hNew, cache, h, inputGates, hn []float32, hidden, batch int) {
	for b := 0; b < batch; b++ {
		in := inputGates[3*b*hidden : 3*(b+1)*hidden]
		ca := cache[3*b*hidden : 3*(b+1)*hidden]
		row := b * hidden
		for j := 0; j < hidden; j++ {
			n := tanhScalar(in[2*hidden+j] + hn[row+j])
			ca[2*hidden+j] = n
			nn := float64(n)
			hNew[row+j] = float32(nn + float64(ca[hidden+j])*(float64(h[row+j])-nn))
		}
	}
}

func gruResetBeforeBackwardOutputGeneric(dGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	for b := 0; b < batch; b++ {
		dg := dGates[3*b*hidden : 3*(b+1)*hidden]
		ca := cache[3*b*hidden : 3*(b+1)*hidden]
		row := b * hidden
		for j := 0; j < hidden; j++ {
			z, n := float64(ca[hidden+j]), float64(ca[2*hidden+j])
			dhj := float64(dh[row+j])
			dg[hidden+j] = float32(dhj * (float64(h[row+j]) - n) * z * (1 - z))
			dg[2*hidden+j] = float32(dhj * (1 - z) * (1 - n*n))
			dhPrev[row+j] = float32(dhj * z)
		}
	}
}

func gruResetBeforeBackwardGatesGeneric(dGates, dhPrev, cache, h, drh []float32, hidden, batch int) {
	for b := 0; b < batch; b++ {
		dg := dGates[3*b*hidden : 3*(b+1)*hidden]
		ca := cache[3*b*hidden : 3*(b+1)*hidden]
		row := b * hidden
		for j := 0; j < hidden; j++ {
			r := float64(ca[j])
			d := float64(drh[row+j])
			dg[j] = float32(d * float64(h[row+j]) * r * (1 - r))
			dhPrev[row+j] = float32(float64(dhPrev[row+j]) + d*r)
		}
	}
}
