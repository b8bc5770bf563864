package main

import "fmt"

// The reduced-precision matrix·vector kernels: W stored as IEEE binary16,
// bfloat16 or int8 (with one float32 scale per row), x as float32 or int8
// (with one scale per vector). They follow matVec (matvec.go): blocks of
// rows against every x vector at once, so that each W vector is loaded once
// for all of them and each x vector serves every row of the block, then a
// loop over the rows left over one at a time. What differs is the element
// type of W (and x), and with it how many columns one load covers, how a
// loaded W vector turns into products, and how the row sums are finished.

// lowpKind is the storage format of a reduced-precision kernel.
type lowpKind int

const (
	lowpF16   lowpKind = iota // w binary16, x float32
	lowpBF16                  // w bfloat16, x float32
	lowpI8                    // w, x int8: SMULL/SMLAL2 into int16, SADALP into int32
	lowpI8Dot                 // w, x int8: SDOT into int32 (ARMv8.2 dotprod)
)

func (k lowpKind) name() string {
	return [...]string{"F16", "BF16", "I8", "I8Dot"}[k]
}

// integer tells the int8 kernels (int32 sums, scaled at the end) from the
// 16-bit float ones (float32 sums, as matVec).
func (k lowpKind) integer() bool { return k == lowpI8 || k == lowpI8Dot }

// wBytes is the size of one element of W.
func (k lowpKind) wBytes() int {
	if k.integer() {
		return 1
	}
	return 2
}

// stepCols is the number of columns of the main loop's step: one 16-byte
// load of each row of W (eight 16-bit floats or sixteen int8s).
func (k lowpKind) stepCols() int { return vecBytes / k.wBytes() }

// lowpPlan is the register blocking of one row loop: rows of W per block,
// accumulators per row and x vector (float kernels: one per half of the
// eight-column step when registers allow, for two independent FMLA chains)
// and temporaries (int8 without dotprod: the int16 products).
type lowpPlan struct {
	rows, accs, temps int
}

// lowpPlans returns the plan of the main row loop (the most rows, up to 4,
// whose registers fit in 32) and of the loop over the rows left over.
//
//	float: x batch + W 2·rows (the two converted halves) + accs rows·batch·accs
//	int8:  x batch + W rows + accs rows·batch + temps
func lowpPlans(k lowpKind, batch int) [2]lowpPlan {
	accs, temps := 1, 0
	if !k.integer() && batch <= 2 {
		accs = 2
	}
	if k == lowpI8 {
		temps = 2
	}
	need := func(rows int) int {
		if k.integer() {
			return batch + rows + rows*batch + temps
		}
		return batch + 2*rows + rows*batch*accs
	}
	rows := 4
	for need(rows) > 32 {
		rows--
	}
	main := lowpPlan{rows, accs, temps}
	if k == lowpI8 {
		// Spare registers become more temporaries: more product chains
		// in flight.
		main.temps = min(4, temps+32-need(rows))
	}
	return [2]lowpPlan{main, {1, accs, temps}}
}

// lowpGP are the general-purpose registers of a lowp kernel, taken for the
// whole function.
type lowpGP struct {
	w        R   // W: start of the current block, cursor of its first row
	y        R   // &y[i] of vector 0 for the current block
	ws       R   // int8: &ws[i] for the current block
	rowsLeft R   // rows not yet done
	cols     R   // cols
	wRow     R   // bytes per row of W
	xRow     R   // bytes per x vector (the same register as wRow for int8)
	outBytes R   // rows·4: distance between y vectors
	add      R   // the add flag
	x        R   // x
	n        R   // columns left in the current block
	yBatch   R   // &y[b·rows+i]
	yCursor  R   // where the next row sums go
	wRows    []R // cursors of W's rows: w, then one per further row of the widest block
	xRows    []R // cursors of the x vectors
}

// matVecLowp emits matVec<kind>B<batch>SIMD.
func matVecLowp(fl *file, k lowpKind, batch int) {
	name := fmt.Sprintf("matVec%sB%dSIMD", k.name(), batch)
	var sig, doc string
	switch k {
	case lowpF16, lowpBF16:
		format := map[lowpKind]string{lowpF16: "IEEE binary16", lowpBF16: "bfloat16"}[k]
		sig = "(y []float32, w []uint16, x []float32, rows int, cols int, add bool)"
		doc = fmt.Sprintf("%s sets y[b*rows+i] (+)= Σ_j f32(w[i*cols+j])·x[b*cols+j] for b < %d, w in %s bits; rows, cols ≥ 1.", name, batch, format)
	default:
		sig = "(y []float32, w []int8, ws []float32, x []int8, xs []float32, rows int, cols int, add bool)"
		doc = fmt.Sprintf("%s sets y[b*rows+i] (+)= float32(Σ_j int32(w[i*cols+j])·int32(x[b*cols+j]))·(ws[i]·xs[b]) for b < %d, two roundings, no fused multiply-add; rows, cols ≥ 1, |w|, |x| ≤ 127, cols ≤ 131072.", name, batch)
		if k == lowpI8Dot {
			doc += " Needs ARMv8.2 dotprod (SDOT)."
		}
	}
	f := fl.text(name, sig, doc)
	plans := lowpPlans(k, batch)

	var g lowpGP
	for _, r := range []*R{&g.w, &g.y, &g.rowsLeft, &g.cols, &g.wRow, &g.outBytes, &g.add, &g.x, &g.n, &g.yBatch, &g.yCursor} {
		*r = f.gp()
	}
	g.xRow = g.wRow
	if !k.integer() {
		g.xRow = f.gp()
	}
	if k.integer() {
		g.ws = f.gp()
	}
	g.wRows = append([]R{g.w}, f.gps(plans[0].rows-1)...)
	g.xRows = f.gps(batch)

	f.op("MOVD %s, %v", f.arg("y_base"), g.y)
	f.op("MOVD %s, %v", f.arg("w_base"), g.w)
	f.op("MOVD %s, %v", f.arg("x_base"), g.x)
	if k.integer() {
		f.op("MOVD %s, %v", f.arg("ws_base"), g.ws)
	}
	f.op("MOVD %s, %v", f.arg("rows"), g.rowsLeft)
	f.op("MOVD %s, %v", f.arg("cols"), g.cols)
	f.op("MOVBU %s, %v", f.arg("add"), g.add)
	if k.integer() {
		f.op("MOVD %v, %v", g.cols, g.wRow)
	} else {
		f.op("LSL $1, %v, %v", g.cols, g.wRow)
		f.op("LSL $2, %v, %v", g.cols, g.xRow)
	}
	f.op("LSL $2, %v, %v", g.rowsLeft, g.outBytes)

	for i, plan := range plans {
		if i == 1 && plans[0].rows == 1 {
			break // the main loop already goes one row at a time
		}
		loop := fmt.Sprintf("%s_r%d", name, plan.rows)
		f.label(loop)
		f.op("CMP $%d, %v", plan.rows, g.rowsLeft)
		f.op("BLT %s_end", loop)
		f.scope(func() { lowpBlock(f, k, g, loop, batch, plan) })
		f.op("SUB $%d, %v, %v", plan.rows, g.rowsLeft, g.rowsLeft)
		f.op("B %s", loop)
		f.label(loop + "_end")
	}
	f.op("RET")
}

// lowpRegs is the vector register assignment of one block.
type lowpRegs struct {
	x     []V     // [b]: four float32 columns, or sixteen int8 columns
	w     [][]V   // [r]: float: the two converted halves of eight columns (raw bits load into [r][0]); int8: one
	acc   [][][]V // [r][b][a]
	temps []V     // int16 products (lowpI8)
}

// lowpBlock emits one block of plan.rows rows of W against every x vector:
// set up the cursors, zero the accumulators, walk the columns in steps of
// stepCols, then 8 and 4 columns (int8), then the last one to three; then
// finish the row sums, store, and advance W, y (and ws) to the next block.
func lowpBlock(f *function, k lowpKind, g lowpGP, prefix string, batch int, plan lowpPlan) {
	rows := plan.rows
	var v lowpRegs
	for range batch {
		v.x = append(v.x, f.vec())
	}
	for range rows {
		if k.integer() {
			v.w = append(v.w, []V{f.vec()})
		} else {
			v.w = append(v.w, f.vecRun(2))
		}
	}
	v.acc = make([][][]V, rows)
	for r := range rows {
		v.acc[r] = f.vecRuns(batch, plan.accs)
	}
	for range plan.temps {
		v.temps = append(v.temps, f.vec())
	}
	wr, xr := g.wRows[:rows], g.xRows[:batch]

	blockStart(f, g.x, g.xRow, g.wRow, g.cols, g.n, xr, wr, v.acc)

	step := func(cols int) {
		if k.integer() {
			lowpStepInt(f, k, v, wr, xr, cols)
		} else {
			lowpStepFloat(f, k, v, wr, xr, cols)
		}
	}
	full := k.stepCols()
	f.label(prefix + "_loop")
	f.op("CMP $%d, %v", full, g.n)
	f.op("BLT %s_part", prefix)
	step(full)
	f.op("SUB $%d, %v, %v", full, g.n, g.n)
	f.op("B %s_loop", prefix)
	f.label(prefix + "_part")
	// Fewer than stepCols columns left: one step of each power of two
	// from half of it down to 4, each loading exactly its columns.
	for cols := full / 2; cols >= 4; cols /= 2 {
		f.op("CMP $%d, %v", cols, g.n)
		f.op("BLT %s_part%d", prefix, cols)
		step(cols)
		f.op("SUB $%d, %v, %v", cols, g.n, g.n)
		f.label(fmt.Sprintf("%s_part%d", prefix, cols))
	}
	// One to three columns left, loaded into the low lanes of zeroed
	// vectors: the other lanes add products of zeros.
	f.op("CBZ %v, %s_reduce", g.n, prefix)
	f.op("CMP $2, %v", g.n)
	f.op("BLT %s_tail1", prefix)
	f.op("BEQ %s_tail2", prefix)
	for cols := 3; cols >= 1; cols-- {
		f.label(fmt.Sprintf("%s_tail%d", prefix, cols))
		step(cols)
		if cols > 1 {
			f.op("B %s_reduce", prefix)
		}
	}

	f.label(prefix + "_reduce")
	if k.integer() {
		lowpFinishInt(f, g, v, prefix, batch, rows)
	} else {
		lowpFinishFloat(f, g, v, prefix, batch, rows)
	}
	f.op("ADD $%d, %v, %v", 4*rows, g.y, g.y)
	if k.integer() {
		f.op("ADD $%d, %v, %v", 4*rows, g.ws, g.ws)
	}
	if rows > 1 {
		f.op("MOVD %v, %v", wr[rows-1], g.w)
	}
}

// lowpStepFloat emits cols (1–8) columns of every row against every x
// vector: the rows' 16-bit values are loaded, widened to float32 (the upper
// four into the second register first, then the lower four in place), and
// each half of the columns multiplies the four x columns it covers.
func lowpStepFloat(f *function, k lowpKind, v lowpRegs, wr, xr []R, cols int) {
	halves := (cols + 3) / 4
	for r := range wr {
		f.loadBytes(v.w[r][0], wr[r], 2*cols)
	}
	for r := range wr {
		raw := v.w[r][0]
		if halves == 2 {
			f.word(widen(k, v.w[r][1], raw, true))
		}
		f.word(widen(k, raw, raw, false))
	}
	for h := range halves {
		for b := range xr {
			f.loadBytes(v.x[b], xr[b], 4*min(4, cols-4*h))
		}
		for r := range wr {
			for b := range xr {
				acc := v.acc[r][b][h%len(v.acc[r][b])]
				f.fmla(acc, v.w[r][h], v.x[b])
			}
		}
	}
}

// widen is the instruction that turns four 16-bit values of n (the upper
// four when high) into float32 lanes of d: FCVTL for binary16 (exact), a
// shift left by 16 for bfloat16 (its bits are the upper half of the
// float32's).
func widen(k lowpKind, d, n V, high bool) Word {
	if k == lowpBF16 {
		return SHLL16(d, n, high)
	}
	return FCVTL(d, n, high)
}

// lowpStepInt emits cols (1–16) int8 columns of every row against every x
// vector, summed exactly into the int32 accumulators: SDOT adds groups of
// four products to each lane; without it, SMULL and SMLAL2 form pairs of
// products in int16 (|sum| ≤ 2·127² < 2¹⁵) and SADALP adds adjacent pairs
// to the int32 lanes. Lanes past cols hold zeros on both sides.
func lowpStepInt(f *function, k lowpKind, v lowpRegs, wr, xr []R, cols int) {
	for b := range xr {
		f.loadBytes(v.x[b], xr[b], cols)
	}
	for r := range wr {
		f.loadBytes(v.w[r][0], wr[r], cols)
	}
	next := 0
	for r := range wr {
		for b := range xr {
			acc, w, x := v.acc[r][b][0], v.w[r][0], v.x[b]
			if k == lowpI8Dot {
				f.word(SDOT(acc, w, x))
				continue
			}
			t := v.temps[next%len(v.temps)]
			next++
			f.word(SMULL(t, w, x, false))
			if cols > 8 {
				f.word(SMLAL(t, w, x, true))
			}
			f.word(SADALP(acc, t))
		}
	}
}

// lowpFinishFloat adds each row's accumulators into one and stores the
// sums as matVec does.
func lowpFinishFloat(f *function, g lowpGP, v lowpRegs, prefix string, batch, rows int) {
	for r := range v.acc {
		for b := range v.acc[r] {
			a := v.acc[r][b]
			for u := 1; u < len(a); u++ {
				f.word(FADD(S4, a[0], a[0], a[u]))
			}
		}
	}
	storeBlock(f, mvGP{y: g.y, yBatch: g.yBatch, yCursor: g.yCursor, add: g.add, outBytes: g.outBytes}, prefix, v.acc, v.x[0])
}

// lowpFinishInt reduces each row's int32 lanes to its sum, converts it to
// float32 (rounded to nearest even), multiplies by the scale ws[i]·xs[b]
// (itself a rounded float32 product), and stores it or adds it to y: every
// step rounds separately, so the result is the same bits as the Go
// reference's.
func lowpFinishInt(f *function, g lowpGP, v lowpRegs, prefix string, batch, rows int) {
	wsCursor, xsCursor := f.gp(), f.gp()
	// The x, W and product registers are free again: take the broadcast
	// xs[b], the scales and the old y values from them.
	f.release(v.x...)
	for _, w := range v.w {
		f.release(w...)
	}
	f.release(v.temps...)
	xsb, scale, scratch := f.vec(), f.vec(), f.vec()
	// The int32 sums of each group of rows, lane i for row r0+i.
	for b := range batch {
		for r0 := 0; r0 < rows; {
			group := rowGroup(rows - r0)
			a := func(i int) V { return v.acc[r0+i][b][0] }
			switch group {
			case 4:
				f.op("VADDP %s, %s, %s", a(1).S4(), a(0).S4(), a(0).S4())
				f.op("VADDP %s, %s, %s", a(3).S4(), a(2).S4(), a(2).S4())
				f.op("VADDP %s, %s, %s", a(2).S4(), a(0).S4(), a(0).S4())
			case 2:
				f.op("VADDP %s, %s, %s", a(1).S4(), a(0).S4(), a(0).S4())
				f.op("VADDP %s, %s, %s", a(0).S4(), a(0).S4(), a(0).S4())
			case 1:
				f.op("VADDV %s, V%d", a(0).S4(), int(a(0)))
			}
			f.word(SCVTF(S4, a(0), a(0)))
			r0 += group
		}
	}
	f.op("MOVD %v, %v", g.y, g.yBatch)
	f.op("MOVD %s, %v", f.arg("xs_base"), xsCursor)
	for b := range batch {
		f.op("MOVD %v, %v", g.yBatch, g.yCursor)
		f.op("MOVD %v, %v", g.ws, wsCursor)
		f.op("VLD1R.P 4(%v), [%s]", xsCursor, xsb.S4())
		for r0 := 0; r0 < rows; {
			group := rowGroup(rows - r0)
			sum := v.acc[r0][b][0]
			f.loadBytes(scale, wsCursor, 4*group)
			f.word(FMUL(S4, scale, scale, xsb))
			f.word(FMUL(S4, sum, sum, scale))
			storeRows(f, g.add, g.yCursor, fmt.Sprintf("%s_b%d_r%d", prefix, b, r0), sum, group, scratch)
			r0 += group
		}
		if b+1 < batch {
			f.op("ADD %v, %v, %v", g.outBytes, g.yBatch, g.yBatch)
		}
	}
}
