package main

import "fmt"

// maxBatch is the largest batch one matVec function serves with one pass
// over W; larger batches are split in Go.
const maxBatch = 8

// mvPlan is the register blocking of one row loop of matVec: rows of W per
// block and vectors of columns per iteration. The x vectors of the
// iteration stay in registers and serve every row of the block; each W
// vector is loaded once and serves every x vector.
type mvPlan struct {
	rows, unroll int
}

// mvPlans gives, per batch size, the plan of the main row loop and of the
// loop over the rows left over (one row at a time). Each keeps the
// accumulators (rows·batch·unroll), the x vectors (batch·unroll) and the W
// vectors (unroll, or rows·unroll when they fit) within the 32 vector
// registers. Four-row blocks reduce their four sums into one vector and
// store it with one instruction.
var mvPlans = map[int][2]mvPlan{
	1: {{4, 4}, {1, 4}},
	2: {{4, 2}, {1, 2}},
	3: {{4, 1}, {1, 2}},
	4: {{4, 1}, {1, 2}},
	5: {{4, 1}, {1, 1}},
	6: {{4, 1}, {1, 1}},
	7: {{2, 1}, {1, 1}},
	8: {{2, 1}, {1, 1}},
}

// mvGP are the general-purpose registers of matVec, taken for the whole
// function.
type mvGP struct {
	w        R   // W: start of the current block, cursor of its first row
	y        R   // &y[i] of vector 0 for the current block
	rowsLeft R   // rows not yet done
	cols     R   // cols
	colBytes R   // cols·4: distance between rows of W and between x vectors
	outBytes R   // rows·4: distance between y vectors
	add      R   // the add flag
	x        R   // x
	n        R   // columns left in the current block
	yBatch   R   // &y[b·rows+i]
	yCursor  R   // where the next row sums go
	wRows    []R // cursors of W's rows: w, then one per further row of the widest block
	xRows    []R // cursors of the x vectors
}

func allocMVGP(f *function, batch int) mvGP {
	var g mvGP
	for _, r := range []*R{&g.w, &g.y, &g.rowsLeft, &g.cols, &g.colBytes, &g.outBytes, &g.add, &g.x, &g.n, &g.yBatch, &g.yCursor} {
		*r = f.gp()
	}
	g.wRows = append([]R{g.w}, f.gps(mvPlans[batch][0].rows-1)...)
	g.xRows = f.gps(batch)
	return g
}

// matVec emits matVecB<batch>NEON: y[b] (+)= W·x[b] for batch vectors with
// one pass over W.
func matVec(fl *file, batch int) {
	name := fmt.Sprintf("matVecB%dSIMD", batch)
	f := fl.text(name, "(y []float32, w []float32, x []float32, rows int, cols int, add bool)",
		fmt.Sprintf("%s sets y[b*rows+i] (+)= Σ_j w[i*cols+j]·x[b*cols+j] for b < %d; rows, cols ≥ 1.", name, batch))
	gp := allocMVGP(f, batch)

	f.op("MOVD %s, %v", f.arg("y_base"), gp.y)
	f.op("MOVD %s, %v", f.arg("w_base"), gp.w)
	f.op("MOVD %s, %v", f.arg("x_base"), gp.x)
	f.op("MOVD %s, %v", f.arg("rows"), gp.rowsLeft)
	f.op("MOVD %s, %v", f.arg("cols"), gp.cols)
	f.op("MOVBU %s, %v", f.arg("add"), gp.add)
	f.op("LSL $2, %v, %v", gp.cols, gp.colBytes)
	f.op("LSL $2, %v, %v", gp.rowsLeft, gp.outBytes)

	plans := mvPlans[batch]
	for k, plan := range plans {
		if k == 1 && plans[0].rows == 1 {
			break // the main loop already goes one row at a time
		}
		loop := fmt.Sprintf("mvb%d_r%d", batch, plan.rows)
		f.label(loop)
		f.op("CMP $%d, %v", plan.rows, gp.rowsLeft)
		f.op("BLT %s_end", loop)
		mvBlock(f, gp, loop, batch, plan)
		f.op("SUB $%d, %v, %v", plan.rows, gp.rowsLeft, gp.rowsLeft)
		f.op("B %s", loop)
		f.label(loop + "_end")
	}
	f.op("RET")
}

// mvRegs is the vector register assignment of one block.
type mvRegs struct {
	x   [][]V   // [b][u]
	w   [][]V   // [r][u]; all rows share one set when they do not fit
	acc [][][]V // [r][b][u]
}

func allocMV(f *function, batch int, plan mvPlan) mvRegs {
	rows, unroll := plan.rows, plan.unroll
	var g mvRegs
	g.x = f.vecRuns(batch, unroll)
	distinct := batch*unroll+rows*unroll+rows*batch*unroll <= 32
	for r := range rows {
		if r == 0 || distinct {
			g.w = append(g.w, f.vecRun(unroll))
		} else {
			g.w = append(g.w, g.w[0])
		}
	}
	g.acc = make([][][]V, rows)
	for r := range rows {
		g.acc[r] = f.vecRuns(batch, unroll)
	}
	return g
}

// mvBlock emits one block of plan.rows rows of W against every x vector:
// set up the cursors, zero the accumulators, walk the columns, reduce,
// store, and advance W and y to the next block.
func mvBlock(f *function, gp mvGP, prefix string, batch int, plan mvPlan) {
	f.scope(func() { mvBlockIn(f, gp, prefix, batch, plan) })
}

func mvBlockIn(f *function, gp mvGP, prefix string, batch int, plan mvPlan) {
	rows, unroll := plan.rows, plan.unroll
	g := allocMV(f, batch, plan)
	wr, xr := gp.wRows[:rows], gp.xRows[:batch]

	blockStart(f, gp.x, gp.colBytes, gp.colBytes, gp.cols, gp.n, xr, wr, g.acc)

	// fmlas emits the products of the first k vectors of row r with every
	// x vector.
	fmlas := func(r, k int) {
		for b := range batch {
			for u := range k {
				f.fmla(g.acc[r][b][u], g.w[r][u], g.x[b][u])
			}
		}
	}
	distinct := rows == 1 || g.w[0][0] != g.w[1][0]
	// step emits k whole vectors of columns.
	step := func(k int) {
		for b := range batch {
			f.op("VLD1.P %d(%v), %s", k*vecBytes, xr[b], list(g.x[b][:k]))
		}
		if distinct {
			for r := range rows {
				f.op("VLD1.P %d(%v), %s", k*vecBytes, wr[r], list(g.w[r][:k]))
			}
			for r := range rows {
				fmlas(r, k)
			}
		} else {
			for r := range rows {
				f.op("VLD1.P %d(%v), %s", k*vecBytes, wr[r], list(g.w[r][:k]))
				fmlas(r, k)
			}
		}
		f.op("SUB $%d, %v, %v", k*vecFloats, gp.n, gp.n)
	}

	if unroll > 1 {
		f.label(prefix + "_unrolled")
		f.op("CMP $%d, %v", unroll*vecFloats, gp.n)
		f.op("BLT %s_vectors", prefix)
		step(unroll)
		f.op("B %s_unrolled", prefix)
	}
	f.label(prefix + "_vectors")
	f.op("CMP $%d, %v", vecFloats, gp.n)
	f.op("BLT %s_tail", prefix)
	step(1)
	f.op("B %s_vectors", prefix)

	// Tail: one to three columns left. They are loaded into the low lanes
	// of zeroed vectors (never past the rows or x vectors), so the other
	// lanes add 0·0 = +0 and change no sum.
	f.label(prefix + "_tail")
	f.op("CBZ %v, %s_reduce", gp.n, prefix)
	f.op("CMP $2, %v", gp.n)
	f.op("BLT %s_tail1", prefix)
	f.op("BEQ %s_tail2", prefix)
	for count := 3; count >= 1; count-- {
		f.label(fmt.Sprintf("%s_tail%d", prefix, count))
		for b := range batch {
			f.loadPartial(g.x[b][0], xr[b], count)
		}
		for r := range rows {
			f.loadPartial(g.w[r][0], wr[r], count)
			if !distinct {
				fmlas(r, 1)
			}
		}
		if distinct {
			for r := range rows {
				fmlas(r, 1)
			}
		}
		if count > 1 {
			f.op("B %s_reduce", prefix)
		}
	}

	f.label(prefix + "_reduce")
	for r := range g.acc {
		for b := range g.acc[r] {
			a := g.acc[r][b]
			for s := 1; s < unroll; s *= 2 {
				for u := 0; u+s < unroll; u += 2 * s {
					f.word(FADD(S4, a[u], a[u], a[u+s]))
				}
			}
		}
	}
	storeBlock(f, gp, prefix, g.acc, g.x[0][0])
	f.op("ADD $%d, %v, %v", 4*rows, gp.y, gp.y)
	if rows > 1 {
		f.op("MOVD %v, %v", wr[rows-1], gp.w)
	}
}

// storeBlock stores the sums of a block, reduced into acc[r][b][0], to
// y[b·rows+i] for every x vector b, in groups of 4, 2 and 1 rows
// (storeRowSums); scratch is a free register. It uses the y, yBatch,
// yCursor, add and outBytes registers of gp.
func storeBlock(f *function, gp mvGP, prefix string, acc [][][]V, scratch V) {
	rows, batch := len(acc), len(acc[0])
	f.op("MOVD %v, %v", gp.y, gp.yBatch)
	for b := range batch {
		f.op("MOVD %v, %v", gp.yBatch, gp.yCursor)
		for r0 := 0; r0 < rows; {
			group := rowGroup(rows - r0)
			sums := make([]V, group)
			for k := range sums {
				sums[k] = acc[r0+k][b][0]
			}
			storeRowSums(f, gp, fmt.Sprintf("%s_b%d_r%d", prefix, b, r0), sums, scratch)
			r0 += group
		}
		if b+1 < batch {
			f.op("ADD %v, %v, %v", gp.outBytes, gp.yBatch, gp.yBatch)
		}
	}
}

// rowGroup is the number of rows stored together out of left: 4, 2 or 1.
func rowGroup(left int) int {
	group := 4
	for group > left {
		group /= 2
	}
	return group
}

// blockStart emits the start of a block: the x cursors point at the x
// vectors (xRow bytes apart from x), the cursors of the rows after wr[0]
// at the rows that follow it (wRow bytes apart), the accumulators are
// zeroed and the column counter n is set to cols.
func blockStart(f *function, x, xRow, wRow, cols, n R, xr, wr []R, acc [][][]V) {
	f.op("MOVD %v, %v", x, xr[0])
	for b := 1; b < len(xr); b++ {
		f.op("ADD %v, %v, %v", xRow, xr[b-1], xr[b])
	}
	for r := 1; r < len(wr); r++ {
		f.op("ADD %v, %v, %v", wRow, wr[r-1], wr[r])
	}
	for r := range acc {
		for b := range acc[r] {
			f.zero(acc[r][b]...)
		}
	}
	f.op("MOVD %v, %v", cols, n)
}

// storeRowSums reduces the accumulators of 1, 2 or 4 consecutive rows to
// their sums and stores them at the y cursor, advancing it; with the add
// flag set the old values are added to the finished sums (the sum of each
// row is formed before y is added). The reduction overwrites the
// accumulators; scratch is a free register.
func storeRowSums(f *function, gp mvGP, prefix string, sums []V, scratch V) {
	s := sums[0]
	switch len(sums) {
	case 4:
		f.word(FADDP(S4, sums[0], sums[0], sums[1]))
		f.word(FADDP(S4, sums[2], sums[2], sums[3]))
		f.word(FADDP(S4, s, sums[0], sums[2]))
	case 2:
		f.word(FADDP(S4, s, sums[0], sums[1]))
		f.word(FADDP(S4, s, s, s))
	case 1:
		f.word(FADDP(S4, s, s, s))
		f.word(FADDPScalar(s, s))
	default:
		panic(fmt.Sprintf("storeRowSums: group of %d", len(sums)))
	}
	storeRows(f, gp.add, gp.yCursor, prefix, s, len(sums), scratch)
}

// storeRows stores the low count (1, 2 or 4) lanes of s at the y cursor,
// advancing it; with the add flag set the old values of y are added first
// (y + s, one rounding per lane). scratch is a free register.
func storeRows(f *function, add, yCursor R, prefix string, s V, count int, scratch V) {
	f.op("CBZW %v, %s_store", add, prefix)
	switch count {
	case 4:
		f.op("VLD1 (%v), %s", yCursor, list([]V{scratch}))
		f.word(FADD(S4, s, scratch, s))
	case 2:
		f.op("FMOVD (%v), %s", yCursor, scratch.F())
		f.word(FADD(S2, s, scratch, s))
	case 1:
		f.op("FMOVS (%v), %s", yCursor, scratch.F())
		f.op("FADDS %s, %s, %s", s.F(), scratch.F(), s.F())
	default:
		panic(fmt.Sprintf("storeRows: group of %d", count))
	}
	f.label(prefix + "_store")
	switch count {
	case 4:
		f.op("VST1.P %s, 16(%v)", list([]V{s}), yCursor)
	case 2:
		f.op("FMOVD.P %s, 8(%v)", s.F(), yCursor)
	case 1:
		f.op("FMOVS.P %s, 4(%v)", s.F(), yCursor)
	}
}
