package main

// The GEMM micro-kernel's register block: gemmRows rows of C by gemmCols
// columns, four vectors a row.
const (
	gemmRows    = 6
	gemmCols    = 16
	gemmColVecs = gemmCols / vecFloats
)

// gemmRegs are the registers of the micro-kernel, all taken for the whole
// function. The four B vectors of a step take one run, the A values of two
// steps (12 floats) a run of three (a single step uses the first and the
// low half of the second), and the 24 accumulators a run in which row i
// has the four consecutive registers from 4i, so that one VLD1 or VST1
// moves a whole row of C.
type gemmRegs struct {
	b, a, acc []V
	k         R // steps left (see gemmKernel for its value after the pair loop)
	aPtr      R // packed A cursor
	bPtr      R // packed B cursor
	c         R // start of the current row of C
	ldc       R // ldc·4: distance between rows of C in bytes
	add       R // the add flag
}

func allocGemm(f *function) gemmRegs {
	g := gemmRegs{b: f.vecRun(gemmColVecs), a: f.vecRun(3), acc: f.vecRun(gemmRows * gemmColVecs)}
	g.k, g.aPtr, g.bPtr, g.c, g.ldc, g.add = f.gp(), f.gp(), f.gp(), f.gp(), f.gp(), f.gp()
	return g
}

// accRow returns the four accumulators of row i.
func (g gemmRegs) accRow(i int) []V { return g.acc[i*gemmColVecs : (i+1)*gemmColVecs] }

// gemmKernel emits gemm6x16SIMD: C[0:6][0:16] (+)= Σ_p a[p*6+i]·b[p*16+j]
// over packed panels: a holds kc groups of 6 floats (one column of the A
// block each), b kc groups of 16 floats (one row of the B block each).
//
// Each step multiplies the four B vectors by the six A values with FMLA by
// element (fmla vacc.4s, vb.4s, va.s[lane]), which reads the A value
// straight from a lane of a loaded vector. Broadcasting the A values
// instead (VLD1R + VFMLA) would need six more registers than the 30 this
// block uses, or a smaller block, and six loads a step where lane access
// needs one and a half: the k loop runs two steps an iteration so one
// 48-byte VLD1 brings the 12 A values of both. A single step left over
// (odd kc) loads its 6 A values exactly, so nothing past a or b is read.
//
// The accumulators start at +0 and every product is added with one fused
// multiply-add, so each C element is the sum of its products in p order
// (with add, C + sum); rows of C are stored with one VST1 each, and only
// the 6×16 tile is touched.
func gemmKernel(fl *file) {
	f := fl.text("gemm6x16SIMD", "(kc int, a *float32, b *float32, c *float32, ldc int, add bool)",
		"gemm6x16SIMD sets (or with add, adds to) the 6×16 block of C at c, rows ldc\n"+
			"// floats apart, the product of the packed panels a (kc×6) and b (kc×16); kc ≥ 1.")

	g := allocGemm(f)
	f.op("MOVD %s, %v", f.arg("kc"), g.k)
	f.op("MOVD %s, %v", f.arg("a"), g.aPtr)
	f.op("MOVD %s, %v", f.arg("b"), g.bPtr)
	f.zero(g.acc...)

	// step emits the 24 FMLAs of one step whose six A values are floats
	// first … first+5 of the registers from g.a.
	step := func(first int) {
		f.op("VLD1.P %d(%v), %s", gemmCols*4, g.bPtr, list(g.b))
		for j, bv := range g.b {
			for i := range gemmRows {
				e := first + i
				f.word(FMLAElem(S4, g.accRow(i)[j], bv, g.a[e/vecFloats], e%vecFloats))
			}
		}
	}

	// Pairs of steps while two or more are left. g.k counts down from
	// kc−2; when the loop ends it is −2 (kc even) or −1 (kc odd, one step
	// left), which bit 0 tells apart.
	f.op("SUBS $2, %v, %v", g.k, g.k)
	f.op("BLT gemm_single")
	f.label("gemm_pairs")
	f.op("VLD1.P %d(%v), %s", 2*gemmRows*4, g.aPtr, list(g.a))
	step(0)
	step(gemmRows)
	f.op("SUBS $2, %v, %v", g.k, g.k)
	f.op("BGE gemm_pairs")

	f.label("gemm_single")
	f.op("TBZ $0, %v, gemm_store", g.k)
	f.op("VLD1 (%v), %s", g.aPtr, list(g.a[:1]))
	f.op("FMOVD %d(%v), %s", vecBytes, g.aPtr, g.a[1].F()) // rows 4–5; clears the upper lanes
	step(0)

	f.label("gemm_store")
	f.op("MOVD %s, %v", f.arg("c"), g.c)
	f.op("MOVD %s, %v", f.arg("ldc"), g.ldc)
	f.op("LSL $2, %v, %v", g.ldc, g.ldc)
	f.op("MOVBU %s, %v", f.arg("add"), g.add)
	f.op("CBZW %v, gemm_set", g.add)
	// C += sum, in that operand order (as the generic kernel's c += v).
	// The B registers are free now and hold the loaded row.
	for i := range gemmRows {
		row := g.accRow(i)
		f.op("VLD1 (%v), %s", g.c, list(g.b))
		for j, acc := range row {
			f.word(FADD(S4, acc, g.b[j], acc))
		}
		gemmStoreRow(f, g, i, row)
	}
	f.op("RET")
	f.label("gemm_set")
	for i := range gemmRows {
		gemmStoreRow(f, g, i, g.accRow(i))
	}
	f.op("RET")
}

// gemmStoreRow stores row i of the tile at g.c and moves g.c to the
// next row (except after the last).
func gemmStoreRow(f *function, g gemmRegs, i int, row []V) {
	if i == gemmRows-1 {
		f.op("VST1 %s, (%v)", list(row), g.c)
		return
	}
	f.op("VST1.P %s, (%v)(%v)", list(row), g.c, g.ldc)
}
