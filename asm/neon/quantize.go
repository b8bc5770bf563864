package main

import "fmt"

// The two kernels that quantize float32 vectors to int8 for the int8
// matVec kernels: the largest magnitude (for the scale) and the rounding
// itself.

// maxAbsBits emits maxAbsBitsSIMD: the unsigned maximum of the bit patterns
// with the sign cleared, so NaN > Inf > every finite value, and 0 for an
// empty x (zeroed tail lanes never win).
func maxAbsBits(fl *file) {
	f := fl.text("maxAbsBitsSIMD", "(x []float32) uint32",
		"maxAbsBitsSIMD returns max_j (float32bits(x[j]) & 0x7fffffff), 0 when len(x) == 0: NaN > Inf > finite.")
	p, n, t := f.gp(), f.gp(), f.gp()
	acc := f.vecRun(4)
	in := f.vecRun(4)
	mask := f.vec()
	f.op("MOVD %s, %v", f.arg("x_base"), p)
	f.op("MOVD %s, %v", f.arg("x_len"), n)
	f.op("MOVW $0x7fffffff, %v", t)
	f.op("VDUP %v, %s", t, mask.S4())
	f.zero(acc...)
	umax := func(acc, v V) {
		f.op("VAND V%d.B16, V%d.B16, V%d.B16", int(mask), int(v), int(v))
		f.op("VUMAX %s, %s, %s", v.S4(), acc.S4(), acc.S4())
	}
	f.label("mab_loop16")
	f.op("CMP $16, %v", n)
	f.op("BLT mab_loop4")
	f.op("VLD1.P 64(%v), %s", p, list(in))
	for i := range in {
		umax(acc[i], in[i])
	}
	f.op("SUB $16, %v, %v", n, n)
	f.op("B mab_loop16")
	f.label("mab_loop4")
	f.op("CMP $4, %v", n)
	f.op("BLT mab_tail")
	f.op("VLD1.P 16(%v), %s", p, list(in[:1]))
	umax(acc[0], in[0])
	f.op("SUB $4, %v, %v", n, n)
	f.op("B mab_loop4")
	f.label("mab_tail")
	f.op("CBZ %v, mab_reduce", n)
	f.op("CMP $2, %v", n)
	f.op("BLT mab_tail1")
	f.op("BEQ mab_tail2")
	for count := 3; count >= 1; count-- {
		f.label(fmt.Sprintf("mab_tail%d", count))
		f.loadBytes(in[0], p, 4*count)
		umax(acc[0], in[0])
		if count > 1 {
			f.op("B mab_reduce")
		}
	}
	f.label("mab_reduce")
	f.op("VUMAX %s, %s, %s", acc[1].S4(), acc[0].S4(), acc[0].S4())
	f.op("VUMAX %s, %s, %s", acc[3].S4(), acc[2].S4(), acc[2].S4())
	f.op("VUMAX %s, %s, %s", acc[2].S4(), acc[0].S4(), acc[0].S4())
	f.word(UMAXV(acc[0], acc[0]))
	f.op("VMOV %s, %v", acc[0].Lane(0), t)
	f.op("MOVW %v, %s", t, f.arg("ret"))
	f.op("RET")
}

// quantizeI8 emits quantizeI8SIMD: q[j] = x[j]·inv (a float32 product)
// rounded to the nearest integer, ties to even (FCVTNS), narrowed with
// saturation to int16 and int8 (SQXTN twice) and clamped to −127 (SMAX),
// so that the result lies in [−127, 127] when |x[j]·inv| ≤ 127.5.
func quantizeI8(fl *file) {
	f := fl.text("quantizeI8SIMD", "(q []int8, x []float32, inv float32)",
		"quantizeI8SIMD sets q[j] = int8(roundToNearestEven(x[j]*inv)) clamped to [−127, 127]; len(q) == len(x) ≥ 0, |x[j]*inv| ≤ 127.5.")
	pq, px, n, t := f.gp(), f.gp(), f.gp(), f.gp()
	in := f.vecRun(4)
	wide := f.vecRun(2) // int16 lanes
	out := f.vec()
	inv, low := f.vec(), f.vec()
	f.op("MOVD %s, %v", f.arg("q_base"), pq)
	f.op("MOVD %s, %v", f.arg("x_base"), px)
	f.op("MOVD %s, %v", f.arg("x_len"), n)
	f.op("FMOVS %s, %s", f.arg("inv"), inv.F())
	f.op("VDUP %s, %s", inv.Lane(0), inv.S4())
	f.op("MOVW $-127, %v", t)
	f.op("VDUP %v, V%d.B16", t, int(low))
	// round emits the products and their rounding to int32 in place.
	round := func(vs []V) {
		for _, v := range vs {
			f.word(FMUL(S4, v, v, inv))
		}
		for _, v := range vs {
			f.word(FCVTNS(S4, v, v))
		}
	}
	f.label("q8_loop16")
	f.op("CMP $16, %v", n)
	f.op("BLT q8_loop4")
	f.op("VLD1.P 64(%v), %s", px, list(in))
	round(in)
	f.word(SQXTNH(wide[0], in[0], false))
	f.word(SQXTNH(wide[0], in[1], true))
	f.word(SQXTNH(wide[1], in[2], false))
	f.word(SQXTNH(wide[1], in[3], true))
	f.word(SQXTNB(out, wide[0], false))
	f.word(SQXTNB(out, wide[1], true))
	f.word(SMAXB(out, out, low, true))
	f.storeBytes(out, pq, 16)
	f.op("SUB $16, %v, %v", n, n)
	f.op("B q8_loop16")
	// four at a time, then the last one to three through zeroed lanes that
	// are not stored
	quarter := func(count int) {
		round(in[:1])
		f.word(SQXTNH(wide[0], in[0], false))
		f.word(SQXTNB(out, wide[0], false))
		f.word(SMAXB(out, out, low, false))
		f.storeBytes(out, pq, count)
	}
	f.label("q8_loop4")
	f.op("CMP $4, %v", n)
	f.op("BLT q8_tail")
	f.op("VLD1.P 16(%v), %s", px, list(in[:1]))
	quarter(4)
	f.op("SUB $4, %v, %v", n, n)
	f.op("B q8_loop4")
	f.label("q8_tail")
	f.op("CBZ %v, q8_done", n)
	f.op("CMP $2, %v", n)
	f.op("BLT q8_tail1")
	f.op("BEQ q8_tail2")
	for count := 3; count >= 1; count-- {
		f.label(fmt.Sprintf("q8_tail%d", count))
		f.loadBytes(in[0], px, 4*count)
		quarter(count)
		if count > 1 {
			f.op("B q8_done")
		}
	}
	f.label("q8_done")
	f.op("RET")
}
