package kernels

import "sync"

// A depthwise plan splits one sample's pixels into runs: consecutive
// pixels of a row that meet the same kernel taps (all of them inside the
// image, or the same ones cut off by the padding). A run is one call of a
// kernel (dwTaps, dwGradK): its taps are pairs of element offsets, where
// the first pixel reads (into x or dz) and which kernel slice it uses,
// and each next pixel of the run reads xs elements further on.
//
// The forward plan runs over output pixels (it is also the weight
// gradient's); the input-gradient plan runs over input pixels, gathering
// from the output gradient: with strides, the input pixels of a row that
// meet the same taps are those of one residue modulo the stride, which
// read consecutive outputs.
type dwPlan struct {
	runs   []dwRun
	off    []int // pairs of (read offset, kernel offset) in elements
	ys, xs int   // elements from one pixel of a run to the next: written, read
	covers bool  // the runs write every pixel (none meets no tap)
}

// dwRun is n pixels starting at element y of the written tensor, whose
// taps are off[t0:t1].
type dwRun struct{ y, n, t0, t1 int }

// tap1 is one tap along one axis: kernel index k meets index at (input
// index in a forward plan, output index in an input-gradient plan).
type tap1 struct{ k, at int }

var dwPlans sync.Map // dwPlanKey -> *dwPlan

type dwPlanKey struct {
	g        ConvGeom // N = 0
	backward bool
}

// depthwisePlan returns the (cached) plan of g for forward and weight
// gradient, or with backward for the input gradient.
func depthwisePlan(g ConvGeom, backward bool) *dwPlan {
	g.N = 0
	key := dwPlanKey{g, backward}
	if p, ok := dwPlans.Load(key); ok {
		return p.(*dwPlan)
	}
	var p *dwPlan
	if backward {
		p = inputGradPlan(g)
	} else {
		p = forwardPlan(g)
	}
	dwPlans.Store(key, p)
	return p
}

// forwardTaps lists the taps of output o along an axis of size n (kernel
// k, stride s, padding pad) that fall inside the input.
func forwardTaps(o, n, k, s, pad int) []tap1 {
	var ts []tap1
	for kk := range k {
		if i := o*s - pad + kk; i >= 0 && i < n {
			ts = append(ts, tap1{kk, i})
		}
	}
	return ts
}

// backwardTaps lists the taps that bring input i into an output of an
// axis with on outputs: kernel index kk with i = o*s - pad + kk.
func backwardTaps(i, on, k, s, pad int) []tap1 {
	var ts []tap1
	for kk := range k {
		if d := i + pad - kk; d >= 0 && d%s == 0 && d/s < on {
			ts = append(ts, tap1{kk, d / s})
		}
	}
	return ts
}

// sameKernelTaps reports whether two tap lists use the same kernel
// indices (depthwise plans and the direct input gradient's runs).
func sameKernelTaps(a, b []tap1) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].k != b[i].k {
			return false
		}
	}
	return true
}

// addRuns appends the runs of one row: the positions first, first+step,
// ... (count of them) grouped while their column taps (cols) keep the same
// kernel indices. rows are the row's taps; offset turns a (row tap, column
// tap) pair into the element read; y is the written element of a position.
func (p *dwPlan) addRuns(rows []tap1, count int, cols func(j int) []tap1, y func(j int) int, offset func(r, c tap1) int, kw, c int) {
	for j0 := 0; j0 < count; {
		first := cols(j0)
		j1 := j0 + 1
		for j1 < count && sameKernelTaps(cols(j1), first) {
			j1++
		}
		t0 := len(p.off)
		for _, r := range rows {
			for _, cl := range first {
				p.off = append(p.off, offset(r, cl), (r.k*kw+cl.k)*c)
			}
		}
		if len(p.off) > t0 {
			p.runs = append(p.runs, dwRun{y: y(j0), n: j1 - j0, t0: t0, t1: len(p.off)})
		}
		j0 = j1
	}
}

// forwardPlan: runs over the output pixels of each output row.
func forwardPlan(g ConvGeom) *dwPlan {
	p := &dwPlan{ys: g.C, xs: g.SW * g.C}
	for oh := range g.OH {
		rows := forwardTaps(oh, g.H, g.KH, g.SH, g.PadTop)
		cols := func(ow int) []tap1 { return forwardTaps(ow, g.W, g.KW, g.SW, g.PadLeft) }
		p.addRuns(rows, g.OW, cols,
			func(ow int) int { return (oh*g.OW + ow) * g.C },
			func(r, c tap1) int { return (r.at*g.W + c.at) * g.C }, g.KW, g.C)
	}
	p.setCovers(g.OH * g.OW)
	return p
}

// setCovers sets covers: the runs hold all pixels pixels.
func (p *dwPlan) setCovers(pixels int) {
	n := 0
	for _, r := range p.runs {
		n += r.n
	}
	p.covers = n == pixels
}

// inputGradPlan: runs over the input pixels of each input row, one
// residue modulo the column stride at a time.
func inputGradPlan(g ConvGeom) *dwPlan {
	p := &dwPlan{ys: g.SW * g.C, xs: g.C}
	for ih := range g.H {
		rows := backwardTaps(ih, g.OH, g.KH, g.SH, g.PadTop)
		for r := 0; r < min(g.SW, g.W); r++ {
			count := (g.W - r + g.SW - 1) / g.SW
			cols := func(j int) []tap1 { return backwardTaps(r+j*g.SW, g.OW, g.KW, g.SW, g.PadLeft) }
			p.addRuns(rows, count, cols,
				func(j int) int { return (ih*g.W + r + j*g.SW) * g.C },
				func(rt, ct tap1) int { return (rt.at*g.OW + ct.at) * g.C }, g.KW, g.C)
		}
	}
	p.setCovers(g.H * g.W)
	return p
}
