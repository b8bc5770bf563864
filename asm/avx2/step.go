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
//
// That is the plain form (lstmStepSIMD, gruStepSIMD), which the Go side
// calls when hidden is not a multiple of 16 (and for the GRU below 128,
// kernels/dispatch_step_amd64.go). Its eight neighbouring rows
// per pass are eight interleaved streams inside one 4 KiB page, which the
// hardware prefetcher does not follow (matVecOne); the strided form
// (emitStridedStepKernel) reads W in row streams as matVecB1SIMD does and
// transposes its sums back into blocks of consecutive units.

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
	wBlock    Mem // row 0 of the current block: &w[8b·cols] (strided: &w[b·cols])
	region    Mem // strided: hidden/2·rowBytes, from one row stream to the next
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
	left    Mem // blocks left (strided: groups of eight blocks)
	hb      Mem // hidden·4

	// The strided kernels' slots (emitStridedStepKernel).
	strided  bool
	prevSlot Mem // byte offset in prev of the sums of the vector whose pieces run
	groupOff Mem // 32·g: byte offset of the current group's first unit
	qBytes   Mem // hidden/2·4: from a unit in the low half of a gate to its high-half twin
	started  Mem // 1 once a group's sums are in prev
}

// sums returns the memory of the sums of pass p (bias added) of the vector
// of eight units whose pieces run.
func (k *stepKernel) sums(p int) Mem {
	m := k.prev.Offset(p * vecBytes)
	if !k.strided {
		return m
	}
	i := GP64()
	MOVQ(k.prevSlot, i)
	return m.Idx(i, 1)
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
		k.addPart(p, k.hb) // gateBytes: cols·4 · hidden·4 / 4
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

// addPart sets up the frame of part p: its column split, &w[0] in wBlock
// and rowBytes·units/4 in gateBytes (the plain kernel: units = hb, one
// gate's rows) or region (strided: units = qBytes, half a gate's rows).
func (k *stepKernel) addPart(p stepPart, units Mem) {
	f := &partFrame{
		stepPart:  p,
		rowBytes:  AllocLocal(8),
		negWhole:  AllocLocal(8),
		tailBytes: AllocLocal(8),
	}
	scaled := &f.gateBytes
	if k.strided {
		scaled = &f.region
	}
	*scaled = AllocLocal(8)
	f.wBlock = AllocLocal(8)
	splitColumns(p.cols, f.rowBytes, f.negWhole, f.tailBytes)
	n := GP64()
	MOVQ(f.rowBytes, n)
	IMULQ(units, n)
	SHRQ(U8(2), n)
	MOVQ(n, *scaled)
	w := loadGP(Param(p.w).Base())
	MOVQ(w, f.wBlock)
	k.parts = append(k.parts, f)
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
	lstmParts, lstmPasses, lstmPieces :=
		[]stepPart{{w: "w", x: "xh", bias: "bias", cols: "cols"}},
		[]stepPass{{0, 0}, {0, 1}, {0, 2}, {0, 3}},
		[]func(k *stepKernel){
			func(k *stepKernel) { // i·g
				i := sigmoidVec(k.load(k.sums(0)))
				g := tanhVec(k.load(k.sums(2)))
				VMOVUPS(mul(i, g), k.act.Offset(0))
			},
			func(k *stepKernel) { // c = f·c + i·g
				f := sigmoidVec(k.load(k.sums(1)))
				cm := k.unit("c")
				c := k.load(cm)
				VFMADD213PS(k.act.Offset(0), f, c)
				VMOVUPS(c, cm)
			},
			func(k *stepKernel) { // tanh(c)
				VMOVUPS(tanhVec(k.load(k.unit("c"))), k.act.Offset(vecBytes))
			},
			func(k *stepKernel) { // h = o·tanh(c)
				o := sigmoidVec(k.load(k.sums(3)))
				VMOVUPS(mul(o, k.load(k.act.Offset(vecBytes))), k.unit("h"))
			},
		}
	const lstmSig = "func(h, c, w, xh, bias []float32, hidden, cols int)"
	emitStepKernel("lstmStepSIMD", lstmSig,
		"lstmStepSIMD is one LSTM step of one sequence for the first hidden/8·8 units: pre = bias + w·xh per gate, then lstmForward's pointwise step.",
		lstmParts, lstmPasses, 2, lstmPieces)
	emitStridedStepKernel("lstmStepStridedSIMD", lstmSig,
		"lstmStepStridedSIMD is lstmStepSIMD for hidden a multiple of 16, reading W in eight row streams as matVecB1SIMD does.",
		lstmParts, 4, 2, lstmPieces)

	// GRU (reset-after): two parts, W_ih against x and W_hh against the
	// previous h, a pass per gate of each; pieces r, z, then n, then h'
	// (gruForwardSIMD's operations in its order).
	gruParts, gruPasses, gruPieces :=
		[]stepPart{{w: "wIH", x: "x", bias: "bIH", cols: "inputs"}, {w: "wHH", x: "hPrev", bias: "bHH", cols: "hidden"}},
		[]stepPass{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 2}, {1, 2}},
		[]func(k *stepKernel){
			nil,
			func(k *stepKernel) {
				x := k.load(k.sums(0))
				VADDPS(k.sums(1), x, x)
				VMOVUPS(sigmoidVec(x), k.act.Offset(0))
			},
			nil,
			func(k *stepKernel) {
				x := k.load(k.sums(2))
				VADDPS(k.sums(3), x, x)
				VMOVUPS(sigmoidVec(x), k.act.Offset(vecBytes))
			},
			func(k *stepKernel) {
				hn := k.load(k.sums(5))
				VFMADD213PS(k.load(k.sums(4)), k.load(k.act.Offset(0)), hn) // r·hn + xn
				VMOVUPS(tanhVec(hn), k.act.Offset(2*vecBytes))
			},
			func(k *stepKernel) {
				n := k.load(k.act.Offset(2 * vecBytes))
				hp := k.load(k.unit("hPrev"))
				VMOVUPS(blend(k.load(k.act.Offset(vecBytes)), hp, n), k.unit("h"))
			},
		}
	const gruSig = "func(h, wIH, wHH, x, hPrev, bIH, bHH []float32, hidden, inputs int)"
	emitStepKernel("gruStepSIMD", gruSig,
		"gruStepSIMD is one GRU (reset-after) step of one sequence for the first hidden/8·8 units: input and hidden gates = bias + W·vector per gate, then gruForward's pointwise step.",
		gruParts, gruPasses, 3, gruPieces)
	emitStridedStepKernel("gruStepStridedSIMD", gruSig,
		"gruStepStridedSIMD is gruStepSIMD for hidden a multiple of 16, reading each matrix in six row streams.",
		gruParts, 3, 3, gruPieces)
}

// emitStridedStepKernel emits the strided form of a step kernel, for
// hidden a multiple of 16 (the Go side calls the plain one otherwise, and
// for the GRU below H = 128, where its six-row passes cost more than they
// gain).
//
// The kernel reads the weights as matVecB1SIMD (matVecOne) reads them: a
// part's rows are cut into 2·gates streams of hidden/2 rows (the low and
// the high half of each gate), and the pass of block b (b < hidden/2)
// reads row b of every stream — units b and b+hidden/2 of each gate — so
// each stream walks its rows in address order from the first block to the
// last, which the hardware prefetcher follows (eight neighbouring rows read
// side by side it does not). For the LSTM that is eight streams, exactly
// the floor MatVec's over [W_ih | W_hh]; for the GRU six per matrix. A
// pass's sums (walkColumns, sumEight: the same bits as in the plain
// kernel; the GRU's pass of six rows repeats two accumulators in the
// unused lanes) go to a buffer; after eight blocks (a group, blocks 8g …
// 8g+7) each part's buffer is transposed 8×8 into vectors of eight
// consecutive units — stream s gives gate s/2 at units 8g+(s%2)·hidden/2
// … +7 — and the bias is added (bias + sum, as MatVecAdd adds a row's sum
// to a y holding the bias).
//
// A group so yields two vectors of eight units (low and high half), and
// their pieces (four each) run during the next group: one piece after each
// block's passes, vector 0's in blocks 0…3 and vector 1's in blocks 4…7,
// so the pieces' long chains overlap the next loads as in the plain
// kernel. The last group's pieces run after the loop.
//
// With hidden a power of two (and the column count too) the streams are
// a multiple of 4 KiB apart and their current lines fall in one L1 set:
// eight for the LSTM, as for MatVec, twelve for the GRU when W_ih and W_hh
// start at the same offset in a page. Zen 5's L1 has 12 ways (so do
// Intel's since Ice Lake; Haswell's and Zen 3's have 8).
//
// The frame (two buffers of eight vectors per part) is over the limit of a
// NOSPLIT function, so the kernel has the usual stack check.
func emitStridedStepKernel(name, sig, doc string, parts []stepPart, gates, acts int, pieces []func(k *stepKernel)) {
	TEXT(name, 0, sig)
	Pragma("noescape")
	Doc(doc)
	var run []func(k *stepKernel)
	for _, p := range pieces {
		if p != nil {
			run = append(run, p)
		}
	}
	if len(run) != 4 {
		panic("emitStridedStepKernel: a vector's pieces run in four blocks")
	}
	np := len(parts)
	nsums := gates * np // sums of one vector: index gate·np + part
	k := &stepKernel{
		name:     name,
		strided:  true,
		pre:      AllocLocal(vecBytes * 8 * np),    // part p, block j: (8p+j)·32
		prev:     AllocLocal(vecBytes * 2 * nsums), // vector v, sum i: (v·nsums+i)·32
		act:      AllocLocal(vecBytes * acts),
		off:      AllocLocal(8), // 32·j: the block within its group
		prevOff:  AllocLocal(8), // byte offset of the units whose pieces run
		left:     AllocLocal(8), // groups left
		hb:       AllocLocal(8),
		prevSlot: AllocLocal(8), // v·nsums·32
		groupOff: AllocLocal(8), // 32·g
		qBytes:   AllocLocal(8), // hidden/2·4: from the low half to the high
		started:  AllocLocal(8),
	}
	pinConstants(stepPinned...)
	defer unpinConstants()
	hidden := loadGP(Param("hidden"))
	t := GP64()
	MOVQ(hidden, t)
	SHRQ(U8(4), t)
	MOVQ(t, k.left)
	MOVQ(hidden, t)
	SHLQ(U8(1), t) // hidden/2·4
	MOVQ(t, k.qBytes)
	SHLQ(U8(2), hidden)
	MOVQ(hidden, k.hb)
	XORQ(t, t)
	for _, m := range []Mem{k.off, k.prevOff, k.prevSlot, k.groupOff, k.started} {
		MOVQ(t, m)
	}
	for _, p := range parts {
		k.addPart(p, k.qBytes) // region: cols·4 · hidden/2·4 / 4
	}

	// One block per loop body, then piece j%4 of vector j/4 (blocks 0…3
	// run vector 0's pieces, 4…7 vector 1's). The passes are emitted once
	// so that each row stream is read by the same load instructions from
	// the first block to the last: with four blocks unrolled, each load saw
	// its stream jump three rows ahead after every row, and the step ran at
	// 1.45× its floor at H = 128 (1.00 at 256) with no pieces at all.
	Label(name + "_blocks")
	for p := range parts {
		k.stridedPass(fmt.Sprintf("%s_p%d", name, p), p, 2*gates)
	}
	advance := name + "_advance"
	CMPQ(k.started, U8(0))
	JE(LabelRef(advance))
	i := GP64()
	MOVQ(k.off, i)
	ANDQ(U8(3*vecBytes), i) // 32·(j%4)
	for n, piece := range run {
		next := fmt.Sprintf("%s_piece%d", name, n+1)
		if n < len(run)-1 {
			CMPQ(i, U8(n*vecBytes))
			JNE(LabelRef(next))
		}
		piece(k)
		if n < len(run)-1 {
			JMP(LabelRef(advance))
			Label(next)
		}
	}
	Label(advance)
	for _, f := range k.parts {
		w := GP64()
		MOVQ(f.rowBytes, w)
		ADDQ(f.wBlock, w)
		MOVQ(w, f.wBlock)
	}
	ADDQ(U8(vecBytes), k.off)
	CMPQ(k.off, U8(4*vecBytes))
	JNE(LabelRef(name + "_half"))
	k.nextVector(nsums)
	Label(name + "_half")
	CMPQ(k.off, U32(8*vecBytes))
	JNE(LabelRef(name + "_blocks"))

	// A group of eight blocks is done: its sums become the vectors whose
	// pieces run during the next group.
	for p := range parts {
		k.transposeGroup(p, 2*gates, nsums)
	}
	t = GP64()
	XORQ(t, t)
	MOVQ(t, k.off)
	MOVQ(t, k.prevSlot)
	MOVQ(k.groupOff, t)
	MOVQ(t, k.prevOff)
	ADDQ(U8(vecBytes), k.groupOff)
	MOVQ(U32(1), k.started)
	DECQ(k.left)
	JNZ(LabelRef(name + "_blocks"))

	// The last group's pieces, vector 0 then vector 1.
	Label(name + "_last")
	for _, piece := range run {
		piece(k)
	}
	k.nextVector(nsums)
	CMPQ(k.prevSlot, U32(2*nsums*vecBytes))
	JNE(LabelRef(name + "_last"))
	VZEROUPPER()
	RET()
}

// nextVector moves the pieces of a strided kernel from vector 0 of a group
// (the low half's units) to vector 1 (the high half's).
func (k *stepKernel) nextVector(nsums int) {
	t := GP64()
	MOVQ(k.qBytes, t)
	ADDQ(t, k.prevOff)
	ADDQ(U32(nsums*vecBytes), k.prevSlot)
}

// stridedPass emits the pass of the current block b over part p: row b of
// each of the part's rows streams (hidden/2 rows apart) against its
// vector, reduced to one vector of sums (lane s: stream s) stored to the
// buffer pre at part p, block j = off/32.
func (k *stepKernel) stridedPass(prefix string, p, rows int) {
	f := k.parts[p]
	plan := mvPlan{rows: rows, unroll: 1, xInRegs: true} // matVecB1SIMD's
	rowsAcc := zeroAccumulators(rows, 1, 1)
	w := GP64()
	MOVQ(f.wBlock, w)
	SUBQ(f.negWhole, w)
	wr := rowPointers(w, rows, f.region)
	xb := loadGP(Param(f.x).Base())
	SUBQ(f.negWhole, xb)
	walkColumns(prefix, plan, rowsAcc, wr, []GPVirtual{xb}, f.negWhole, f.tailBytes, colPrefetch{})
	acc := make([]VecVirtual, vecFloats)
	for r := range acc {
		acc[r] = rowsAcc[r%rows][0][0] // lanes past rows are not used
	}
	sum := sumEight(acc) // as matVecB1SIMD reduces a block of eight rows
	j := GP64()
	MOVQ(k.off, j)
	VMOVUPS(sum, k.pre.Offset(p*8*vecBytes).Idx(j, 1))
}

// transposeGroup turns part p's eight buffered blocks (block j, lane s:
// stream s at unit 8g+j) into vectors of consecutive units (stream s: gate
// s/2, half s%2, lane j), adds the bias (bias + sum, as MatVecAdd adds a
// row's sum to a y holding the bias) and stores them to prev.
func (k *stepKernel) transposeGroup(p, rows, nsums int) {
	f := k.parts[p]
	v := make([]VecVirtual, 8)
	for j := range v {
		v[j] = YMM()
		VMOVUPS(k.pre.Offset((p*8+j)*vecBytes), v[j])
	}
	slot := func(s int) Mem {
		gate, half := s/2, s%2
		return k.prev.Offset((half*nsums + gate*len(k.parts) + p) * vecBytes)
	}
	// The sums go to prev first and the bias is added from there: with the
	// eight transposed vectors live, the bias's register would be a
	// seventeenth.
	s := transposeQuarters(v)
	for u := 0; u < rows; u++ {
		VMOVUPS(transposedColumn(s, u), slot(u))
	}
	bias := loadGP(Param(f.bias).Base())
	ADDQ(k.groupOff, bias)
	step := GP64()
	MOVQ(k.qBytes, step)
	for u := 0; u < rows; u++ {
		b := YMM()
		VMOVUPS(Mem{Base: bias}, b)
		VADDPS(slot(u), b, b) // bias + sum
		VMOVUPS(b, slot(u))
		if u < rows-1 {
			ADDQ(step, bias)
		}
	}
}
