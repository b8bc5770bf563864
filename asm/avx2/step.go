package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// This file emits the fused streaming steps (lstmStepSIMD, gruStepSIMD):
// one time step of one sequence, the matrix·vector products and the
// pointwise step in one pass over the weights.
//
// The hidden units go in blocks of eight. For a block the kernel makes
// passes, one per gate and weight matrix: eight consecutive rows of the
// matrix against its vector, eight accumulators walked over the columns
// by matVecB1SIMD's code (walkColumns), reduced to one vector of eight row
// sums in matVecB1SIMD's order, plus the bias (bias + sum, as MatVecAdd
// adds a row's sum to a y that holds the bias). The sums go to the stack.
//
// The pointwise step of block b then runs in pieces placed between the
// passes of block b+1, so that its long dependent chains (an activation is
// some 80 cycles deep) overlap the next block's loads instead of stalling
// them: placed as one lump after a block, the chains fill the reorder
// buffer and the weight stream stops. Each piece reads its inputs from the
// stack and stores its results there or to the outputs. The last block's
// pieces run after the loop.
//
// The pieces use the same operations in the same order as lstmForwardSIMD
// and gruForwardSIMD, so with the same row sums the results are the same
// bits as MatVecAdd followed by the pointwise kernel.

// stepPart is one weight matrix of a step kernel: the parameter names of
// the matrix (rows of cols floats, gate-blocked as PyTorch lays them out),
// of the vector it multiplies, of the bias (one value per row) and of the
// column count.
type stepPart struct {
	w, x, bias, cols string
}

// stepPass is one pass over a block: part's rows of gate.
type stepPass struct {
	part, gate int
}

// partFrame holds one part's values kept on the stack.
type partFrame struct {
	stepPart
	rowBytes  Mem // cols·4
	negWhole  Mem // −(bytes of whole vectors in a row)
	tailBytes Mem // bytes of the last partial vector of a row
	gateBytes Mem // hidden·rowBytes: from one gate's rows to the next
	wBlock    Mem // &w[8b·cols]: row 0 of the current block in gate 0
}

// stepKernel is the state of one step kernel's emission.
type stepKernel struct {
	name    string
	parts   []*partFrame
	passes  []stepPass
	pre     Mem // sums of the current block, one vector per pass
	prev    Mem // sums of the block whose pieces run
	act     Mem // pieces' results
	off     Mem // 32·b: byte offset of the current block in a vector of H
	prevOff Mem // byte offset of the block whose pieces run
	left    Mem // blocks left
	hb      Mem // hidden·4
}

// unit returns the vector of param at the block whose pieces run.
func (k *stepKernel) unit(param string) Mem {
	p := loadGP(Param(param).Base())
	o := GP64()
	MOVQ(k.prevOff, o)
	return Mem{Base: p, Index: o, Scale: 1}
}

func (k *stepKernel) load(m Mem) VecVirtual {
	v := YMM()
	VMOVUPS(m, v)
	return v
}

// stepPinned are the activation constants the step kernels keep in
// registers from start to end (kreg copies them, kconst reads them), so
// that a block's pieces do not load them some twenty times. Five is what
// fits: a pass holds nine registers and the pieces' peaks leave no more.
// σ's are pinned (it runs three times per LSTM block, tanh twice).
var stepPinned = []string{"one", "sigmoidShifter", "p1", "p3", "tanhShifter"}

// emitStepKernel emits one step kernel; pieces[p] (nil for none) runs
// after pass p of the next block.
func emitStepKernel(name, sig, doc string, parts []stepPart, passes []stepPass, acts int, pieces []func(k *stepKernel)) {
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc)
	k := &stepKernel{
		name:    name,
		passes:  passes,
		pre:     AllocLocal(vecBytes * len(passes)),
		prev:    AllocLocal(vecBytes * len(passes)),
		act:     AllocLocal(vecBytes * acts),
		off:     AllocLocal(8),
		prevOff: AllocLocal(8),
		left:    AllocLocal(8),
		hb:      AllocLocal(8),
	}
	pinConstants(stepPinned...)
	defer unpinConstants()
	hidden := loadGP(Param("hidden"))
	t := GP64()
	MOVQ(hidden, t)
	SHRQ(U8(3), t)
	MOVQ(t, k.left)
	SHLQ(U8(2), hidden)
	MOVQ(hidden, k.hb)
	XORQ(t, t)
	MOVQ(t, k.off)
	for _, p := range parts {
		f := &partFrame{
			stepPart:  p,
			rowBytes:  AllocLocal(8),
			negWhole:  AllocLocal(8),
			tailBytes: AllocLocal(8),
			gateBytes: AllocLocal(8),
			wBlock:    AllocLocal(8),
		}
		splitColumns(p.cols, f.rowBytes, f.negWhole, f.tailBytes)
		gb := GP64()
		MOVQ(f.rowBytes, gb)
		IMULQ(k.hb, gb)
		SHRQ(U8(2), gb) // cols·4 · hidden·4 / 4
		MOVQ(gb, f.gateBytes)
		w := loadGP(Param(p.w).Base())
		MOVQ(w, f.wBlock)
		k.parts = append(k.parts, f)
	}

	Label(name + "_block")
	for p, pass := range passes {
		k.pass(fmt.Sprintf("%s_p%d", name, p), pass, k.pre.Offset(p*vecBytes))
		if p < len(pieces) && pieces[p] != nil {
			skip := fmt.Sprintf("%s_p%d_first", name, p)
			CMPQ(k.off, U8(0))
			JE(LabelRef(skip))
			pieces[p](k)
			Label(skip)
		}
	}
	// The block's sums become the previous block's; advance.
	for p := range passes {
		v := YMM()
		VMOVUPS(k.pre.Offset(p*vecBytes), v)
		VMOVUPS(v, k.prev.Offset(p*vecBytes))
	}
	o := GP64()
	MOVQ(k.off, o)
	MOVQ(o, k.prevOff)
	ADDQ(U8(vecBytes), k.off)
	for _, f := range k.parts {
		w := GP64()
		MOVQ(f.rowBytes, w)
		SHLQ(U8(3), w)
		ADDQ(f.wBlock, w)
		MOVQ(w, f.wBlock)
	}
	DECQ(k.left)
	JNZ(LabelRef(name + "_block"))

	// The last block's pieces.
	for _, piece := range pieces {
		if piece != nil {
			piece(k)
		}
	}
	VZEROUPPER()
	RET()
}

// pass emits one pass: the eight rows of the current block in gate
// pass.gate of pass.part against its vector, reduced, plus the bias,
// stored to dst.
func (k *stepKernel) pass(prefix string, pass stepPass, dst Mem) {
	f := k.parts[pass.part]
	plan := mvPlan{rows: vecFloats, unroll: 1, xInRegs: true} // matVecB1SIMD's
	rowsAcc := zeroAccumulators(vecFloats, 1, 1)
	w := GP64()
	MOVQ(f.wBlock, w)
	for g := 0; g < pass.gate; g++ {
		ADDQ(f.gateBytes, w)
	}
	SUBQ(f.negWhole, w)
	wr := rowPointers(w, vecFloats, f.rowBytes)
	xb := loadGP(Param(f.x).Base())
	SUBQ(f.negWhole, xb)
	walkColumns(prefix, plan, rowsAcc, wr, []GPVirtual{xb}, f.negWhole, f.tailBytes, colPrefetch{})
	acc := make([]VecVirtual, vecFloats)
	for r := range acc {
		acc[r] = rowsAcc[r][0][0]
	}

	sum := sumEight(acc) // as matVecB1SIMD reduces a block of eight rows
	bias := loadGP(Param(f.bias).Base())
	ADDQ(k.off, bias)
	for g := 0; g < pass.gate; g++ {
		ADDQ(k.hb, bias)
	}
	b := YMM()
	VMOVUPS(Mem{Base: bias}, b)
	VADDPS(sum, b, b) // bias + sum
	VMOVUPS(b, dst)
}

func stepKernels() {
	// LSTM: one part, [W_ih | W_hh] against x‖h; four pieces of about
	// equal length and depth: i·g, c', tanh(c'), h' (lstmForwardSIMD's
	// operations).
	emitStepKernel("lstmStepSIMD", "func(h, c, w, xh, bias []float32, hidden, cols int)",
		"lstmStepSIMD is one LSTM step of one sequence for the first hidden/8·8 units: pre = bias + w·xh per gate, then lstmForward's pointwise step.",
		[]stepPart{{w: "w", x: "xh", bias: "bias", cols: "cols"}},
		[]stepPass{{0, 0}, {0, 1}, {0, 2}, {0, 3}}, 2,
		[]func(k *stepKernel){
			func(k *stepKernel) { // i·g
				i := sigmoidVec(k.load(k.prev.Offset(0)))
				g := tanhVec(k.load(k.prev.Offset(2 * vecBytes)))
				VMOVUPS(mul(i, g), k.act.Offset(0))
			},
			func(k *stepKernel) { // c = f·c + i·g
				f := sigmoidVec(k.load(k.prev.Offset(vecBytes)))
				cm := k.unit("c")
				c := k.load(cm)
				VFMADD213PS(k.act.Offset(0), f, c)
				VMOVUPS(c, cm)
			},
			func(k *stepKernel) { // tanh(c)
				VMOVUPS(tanhVec(k.load(k.unit("c"))), k.act.Offset(vecBytes))
			},
			func(k *stepKernel) { // h = o·tanh(c)
				o := sigmoidVec(k.load(k.prev.Offset(3 * vecBytes)))
				VMOVUPS(mul(o, k.load(k.act.Offset(vecBytes))), k.unit("h"))
			},
		})

	// GRU (reset-after): two parts, W_ih against x and W_hh against the
	// previous h, a pass per gate of each; pieces r, z, then n, then h'
	// (gruForwardSIMD's operations in its order).
	emitStepKernel("gruStepSIMD", "func(h, wIH, wHH, x, hPrev, bIH, bHH []float32, hidden, inputs int)",
		"gruStepSIMD is one GRU (reset-after) step of one sequence for the first hidden/8·8 units: input and hidden gates = bias + W·vector per gate, then gruForward's pointwise step.",
		[]stepPart{{w: "wIH", x: "x", bias: "bIH", cols: "inputs"}, {w: "wHH", x: "hPrev", bias: "bHH", cols: "hidden"}},
		[]stepPass{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 2}, {1, 2}}, 3,
		[]func(k *stepKernel){
			nil,
			func(k *stepKernel) {
				x := k.load(k.prev.Offset(0))
				VADDPS(k.prev.Offset(vecBytes), x, x)
				VMOVUPS(sigmoidVec(x), k.act.Offset(0))
			},
			nil,
			func(k *stepKernel) {
				x := k.load(k.prev.Offset(2 * vecBytes))
				VADDPS(k.prev.Offset(3*vecBytes), x, x)
				VMOVUPS(sigmoidVec(x), k.act.Offset(vecBytes))
			},
			func(k *stepKernel) {
				hn := k.load(k.prev.Offset(5 * vecBytes))
				VFMADD213PS(k.load(k.prev.Offset(4*vecBytes)), k.load(k.act.Offset(0)), hn) // r·hn + xn
				VMOVUPS(tanhVec(hn), k.act.Offset(2*vecBytes))
			},
			func(k *stepKernel) {
				n := k.load(k.act.Offset(2 * vecBytes))
				hp := k.load(k.unit("hPrev"))
				VMOVUPS(blend(k.load(k.act.Offset(vecBytes)), hp, n), k.unit("h"))
			},
		})
}
