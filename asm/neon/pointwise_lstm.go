package main

func lstmForward(fl *file, withCache bool) {
	ops := []pwOperand{{"h", 1}, {"c", 1}, {"gates", 4}}
	if withCache {
		ops = append(ops, pwOperand{"cache", 4})
	}
	name := cacheName("lstmForward", withCache)
	pointwise(fl, name, []string{"h", "c", "gates", "cache"},
		name+" is one LSTM pointwise step over batch rows of hidden units.", ops, true,
		func(k *pw) {
			act := func(block int, f func(V) V) V {
				return k.result(func() V {
					v := f(k.load("gates", block))
					if withCache {
						k.store("cache", block, v)
					}
					return v
				})
			}
			ig := k.result(func() V { return k.mul(act(0, k.sigmoid), act(2, k.tanh)) })
			k.scope(func() {
				f := act(1, k.sigmoid)
				k.fmlaTo(ig, f, k.load("c", 0)) // c' = f·c + i·g
			})
			c := ig
			k.store("c", 0, c)
			o := act(3, k.sigmoid)
			tc := k.tanh(c)
			k.mulIn(tc, o)
			k.store("h", 0, tc)
		})
}

func lstmBackward(fl *file) {
	params := []string{"dgates", "dcPrev", "cache", "cPrev", "c", "dh", "dc"}
	ops := []pwOperand{{"dgates", 4}, {"dcPrev", 1}, {"cache", 4}, {"cPrev", 1}, {"c", 1}, {"dh", 1}, {"dc", 1}}
	pointwise(fl, "lstmBackwardSIMD", params,
		"lstmBackwardSIMD is one LSTM pointwise backward step over batch rows of hidden units.", ops, true,
		func(k *pw) {
			var dc V
			k.scope(func() {
				th := k.result(func() V { return k.tanh(k.load("c", 0)) })
				dh := k.load("dh", 0)
				o := k.load("cache", 3)
				dc = k.load("dc", 0)
				k.keep(dc)
				k.scope(func() {
					omt := k.oneMinusSquare(th)
					dho := k.mul(dh, o)
					k.fmlaTo(dc, omt, dho) // dc += dh·o·(1 − th²)
				})
				do := k.mul(dh, th)
				k.mulIn(do, o)
				omo := k.oneMinus(o)
				k.mulIn(do, omo)
				k.store("dgates", 3, do)
			})
			k.scope(func() {
				i := k.load("cache", 0)
				g := k.load("cache", 2)
				k.scope(func() {
					di := k.mul(dc, g)
					k.mulIn(di, i)
					omi := k.oneMinus(i)
					k.mulIn(di, omi)
					k.store("dgates", 0, di)
				})
				dg := k.mul(dc, i)
				omg := k.oneMinusSquare(g)
				k.mulIn(dg, omg)
				k.store("dgates", 2, dg)
			})
			f := k.load("cache", 1)
			cp := k.load("cPrev", 0)
			df := k.mul(dc, cp)
			k.mulIn(df, f)
			omf := k.oneMinus(f)
			k.mulIn(df, omf)
			k.store("dgates", 1, df)
			k.mulIn(dc, f)
			k.store("dcPrev", 0, dc)
		})
}
