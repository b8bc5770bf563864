package main

// The GEMM micro-kernel's register block: gemmRows rows of C by gemmCols
// columns, four vectors a row.
const (
	gemmRows    = 6
	gemmCols    = 16
	gemmColVecs = gemmCols / vecFloats
)

// Vector registers of the micro-kernel. The 24 accumulators take V8–V31,
// row i in the four consecutive registers from V8+4i, so that one VLD1 or
// VST1 moves a whole row of C. The four B vectors of a step take V0–V3; the
// A values of two steps (12 floats) take V4–V6, and a single step uses V4
// and the low half of V5.
var (
	gemmB   = vecs(0, gemmColVecs)
	gemmA   = vecs(4, 3)
	gemmAcc = vecs(8, gemmRows*gemmColVecs)
)

// General-purpose registers of the micro-kernel.
const (
	gemmK      = R(0) // steps left (see gemmKernel for its value after the pair loop)
	gemmAPtr   = R(1) // packed A cursor
	gemmBPtr   = R(2) // packed B cursor
	gemmC      = R(3) // start of the current row of C
	gemmLdc    = R(4) // ldc·4: distance between rows of C in bytes
	gemmAddArg = R(5) // the add flag
)

// gemmAccRow returns the four accumulators of row i.
func gemmAccRow(i int) []V { return gemmAcc[i*gemmColVecs : (i+1)*gemmColVecs] }

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

	f.op("MOVD %s, %v", f.arg("kc"), gemmK)
	f.op("MOVD %s, %v", f.arg("a"), gemmAPtr)
	f.op("MOVD %s, %v", f.arg("b"), gemmBPtr)
	f.zero(gemmAcc...)

	// step emits the 24 FMLAs of one step whose six A values are floats
	// first … first+5 of the registers from gemmA.
	step := func(first int) {
		f.op("VLD1.P %d(%v), %s", gemmCols*4, gemmBPtr, list(gemmB))
		for j, bv := range gemmB {
			for i := range gemmRows {
				e := first + i
				f.word(FMLAElem(S4, gemmAccRow(i)[j], bv, gemmA[e/vecFloats], e%vecFloats))
			}
		}
	}

	// Pairs of steps while two or more are left. gemmK counts down from
	// kc−2; when the loop ends it is −2 (kc even) or −1 (kc odd, one step
	// left), which bit 0 tells apart.
	f.op("SUBS $2, %v, %v", gemmK, gemmK)
	f.op("BLT gemm_single")
	f.label("gemm_pairs")
	f.op("VLD1.P %d(%v), %s", 2*gemmRows*4, gemmAPtr, list(gemmA))
	step(0)
	step(gemmRows)
	f.op("SUBS $2, %v, %v", gemmK, gemmK)
	f.op("BGE gemm_pairs")

	f.label("gemm_single")
	f.op("TBZ $0, %v, gemm_store", gemmK)
	f.op("VLD1 (%v), %s", gemmAPtr, list(gemmA[:1]))
	f.op("FMOVD %d(%v), %s", vecBytes, gemmAPtr, gemmA[1].F()) // rows 4–5; clears the upper lanes
	step(0)

	f.label("gemm_store")
	f.op("MOVD %s, %v", f.arg("c"), gemmC)
	f.op("MOVD %s, %v", f.arg("ldc"), gemmLdc)
	f.op("LSL $2, %v, %v", gemmLdc, gemmLdc)
	f.op("MOVBU %s, %v", f.arg("add"), gemmAddArg)
	f.op("CBZW %v, gemm_set", gemmAddArg)
	// C += sum, in that operand order (as the generic kernel's c += v).
	// The B registers are free now and hold the loaded row.
	for i := range gemmRows {
		row := gemmAccRow(i)
		f.op("VLD1 (%v), %s", gemmC, list(gemmB))
		for j, acc := range row {
			f.word(FADD(S4, acc, gemmB[j], acc))
		}
		gemmStoreRow(f, i, row)
	}
	f.op("RET")
	f.label("gemm_set")
	for i := range gemmRows {
		gemmStoreRow(f, i, gemmAccRow(i))
	}
	f.op("RET")
}

// gemmStoreRow stores row i of the tile at gemmC and moves gemmC to the
// next row (except after the last).
func gemmStoreRow(f *function, i int, row []V) {
	if i == gemmRows-1 {
		f.op("VST1 %s, (%v)", list(row), gemmC)
		return
	}
	f.op("VST1.P %s, (%v)(%v)", list(row), gemmC, gemmLdc)
}
