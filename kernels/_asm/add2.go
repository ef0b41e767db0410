package main

import (
	b "github.com/mmcloughlin/avo/build"
	op "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// genAdd2: y = a + b, and with relu y = max(a + b, 0) as genRelu takes
// the max (the sign bit cleared after VMAXPS), AVX-512 only.
func genAdd2(relu bool) {
	s := avx512
	name, what := "add2", "y[i] = a[i] + b[i]"
	if relu {
		name, what = "add2Relu", "y[i] = max(a[i] + b[i], 0)"
	}
	name = header(s, name, "func(y, a, b *float32, n int)", "computes "+what+" for i < n, as "+name+"Go.", coverage(s))
	var zero, abs reg.VecVirtual
	setup := func() {
		if relu {
			zero, abs = s.zero(), s.broadcast(0x7fffffff)
		}
	}
	streamPrefetched(s, name, []string{"y", "a", "b"}, 4, setup, func(c vecCtx, p []reg.GPVirtual, disp int) {
		v := c.load(op.Mem{Base: p[1], Disp: disp})
		w := c.load(op.Mem{Base: p[2], Disp: disp})
		b.VADDPS(w, v, v) // a + b
		if relu {
			b.VMAXPS(v, zero, v) // zero > v ? zero : v
			s.and(abs, v, v)
		}
		c.store(v, op.Mem{Base: p[0], Disp: disp})
	})
}
