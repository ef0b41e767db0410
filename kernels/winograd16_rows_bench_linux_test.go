//go:build !purego && amd64

package kernels

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkWino16RowsAB: Wino16Rows over a 16-sample shard of resnet-20's
// 32×32×16 convolution (x read just before: a cycle of 12 sets of
// tensors), in calls of 512 rows (Forward's tiles) or of a sample (the
// input gradient's), against wino16RowsByValue, Wino16Rows as it was
// before its rows went to the passes by pointer (the same passes; its
// arrays of slices copied at each call), alternated in one goroutine, the
// order swapped every round, both checked to give the same bits: medians
// of the thread CPU µs per shard and of old less new.
//
//	go test ./kernels -run '^$' -bench Wino16RowsAB -benchtime 1x
func BenchmarkWino16RowsAB(b *testing.B) {
	g := sameGeom16(16, 32, 32)
	m := g.Rows()
	rng := rand.New(rand.NewPCG(1, 2))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	const sets = 12
	type set struct{ x, y [2][]float32 }
	data := make([]set, sets)
	for i := range data {
		x := normal(m * 16)
		data[i] = set{[2][]float32{x, x}, [2][]float32{make([]float32, m*16), make([]float32, m*16)}}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]float32, Wino16Len(g))
	u := normal(Wino16WeightsLen)
	var res [4][]float64
	for b.Loop() {
		for r := 0; r < 400; r++ {
			step := 512
			if r%4 >= 2 {
				step = 1024 // dx: a sample per call
			}
			d := data[r%sets]
			for k := 0; k < 2; k++ {
				v := k ^ (r & 1) // 0 old, 1 new
				touch(d.x[v])
				c0 := threadCPU()
				for t := 0; t < m; t += step {
					if v == 0 {
						wino16RowsByValue(g, d.x[v], t, t+step, u, nil, d.y[v][t*16:], buf)
					} else {
						Wino16Rows(g, d.x[v], t, t+step, u, nil, d.y[v][t*16:], buf)
					}
				}
				res[v+2*(r%4/2)] = append(res[v+2*(r%4/2)], (threadCPU()-c0)*1e6)
			}
			for i := range d.y[0] {
				if d.y[0][i] != d.y[1][i] {
					b.Fatalf("round %d: value %d: %v by value, %v by pointer", r, i, d.y[0][i], d.y[1][i])
				}
			}
		}
	}
	for k, name := range []string{"tile512-", "sample-"} {
		b.ReportMetric(medianF(res[2*k]), name+"old-us")
		b.ReportMetric(medianF(res[2*k+1]), name+"new-us")
		d := make([]float64, len(res[2*k]))
		for i := range d {
			d[i] = res[2*k][i] - res[2*k+1][i]
		}
		b.ReportMetric(medianF(d), name+"old-new-us")
	}
}

// wino16RowsByValue is Wino16Rows before this change (the benchmark's old
// side), with its helpers and the passes' wrappers as they were.
func wino16RowsByValue(g ConvGeom, x []float32, r0, r1 int, u, bias, y, buf []float32) {
	if !wino16Geom(g, 16) {
		panic("kernels.Wino16Rows: not a 16-channel 3x3 same convolution")
	}
	checkRows(g, r0, r1, len(x), g.Cols()*(r1-r0), "Wino16Rows")
	if len(y) < (r1-r0)*16 || len(u) < Wino16WeightsLen || len(buf) < Wino16Len(g) || bias != nil && len(bias) < 16 {
		panic("kernels.Wino16Rows: slice too short")
	}
	pad, rowLen := wino16Pad(g.W), g.W*16
	v := buf[:16*pad*16]
	zero, tmp := buf[len(v):][:rowLen], buf[len(v)+rowLen:][:2*rowLen]
	clear(zero)
	if tiles := g.W / 2; tiles < pad { // the groups' spare tiles: zeros, never stored
		for p := 0; p < 16; p++ {
			clear(v[(p*pad+tiles)*16 : (p+1)*pad*16])
		}
	}
	per := g.OH * g.OW
	for r := r0; r < r1; {
		n, oh := r/per, r%per/g.OW&^1
		start := n*per + oh*g.OW
		end := min(start+2*g.OW, (n+1)*per)
		in := wino16InRowsByValue(g, x, n, oh, zero)
		pf := wino16NextRowsByValue(g, x, n, oh, zero)
		if start >= r0 && end <= r1 {
			y0, y1 := y[(start-r0)*16:][:rowLen], tmp[rowLen:]
			if end-start == 2*g.OW {
				y1 = y[(start-r0)*16+rowLen:][:rowLen]
			}
			out := [2][]float32{zero, zero} // the next pair's output rows, to prefetch (past r1 too, where y holds them)
			if (end-r0+2*g.OW)*16 <= len(y) {
				out = [2][]float32{y[(end-r0)*16:][:rowLen], y[(end-r0)*16+rowLen:][:rowLen]}
			}
			wino16PairByValue(g, in, pf, out, u, bias, y0, y1, v)
		} else {
			wino16PairByValue(g, in, pf, [2][]float32{zero, zero}, u, bias, tmp[:rowLen], tmp[rowLen:], v)
			lo, hi := max(start, r0), min(end, r1)
			copy(y[(lo-r0)*16:(hi-r0)*16], tmp[(lo-start)*16:(hi-start)*16])
		}
		r = end
	}
}

// wino16Pair computes a pair of output rows into y0 and y1 from its input
// rows in, through the scratch v, prefetching the next pair's input rows
// pf and output rows out.
func wino16PairByValue(g ConvGeom, in [4][]float32, pf, out [2][]float32, u, bias, y0, y1, v []float32) {
	pad, tiles := wino16Pad(g.W), g.W/2
	wino16InputByValue(in, tiles, v, pad, pf)
	wino16Products(pad/wino16Group, v, pad, u)
	wino16OutputByValue(v, pad, tiles, y0, y1, bias, out)
}

// wino16InRows is the input rows oh-1 .. oh+2 of sample n of x that
// output rows oh, oh+1 read, zero for those outside the image.
func wino16InRowsByValue(g ConvGeom, x []float32, n, oh int, zero []float32) [4][]float32 {
	rowLen := g.W * 16
	var rows [4][]float32
	for i := range rows {
		if ih := oh - 1 + i; ih >= 0 && ih < g.H {
			rows[i] = x[(n*g.H+ih)*rowLen:][:rowLen]
		} else {
			rows[i] = zero
		}
	}
	return rows
}

// wino16NextRows is the two input rows that the pair of output rows after
// (n, oh) reads first (zero past x's end): oh+3 and oh+4, or the next
// sample's rows 0 and 1.
func wino16NextRowsByValue(g ConvGeom, x []float32, n, oh int, zero []float32) [2][]float32 {
	rowLen := g.W * 16
	first := n*g.H + oh + 3
	if oh+2 >= g.OH {
		first = (n + 1) * g.H
	}
	pf := [2][]float32{zero, zero}
	for i := range pf {
		if r := first + i; (r+1)*rowLen <= len(x) {
			pf[i] = x[r*rowLen:][:rowLen]
		}
	}
	return pf
}

// wino16Input is wino16InputGo in AVX-512; rows hold 2·tiles pixels; it
// prefetches those of rows pf.
func wino16InputByValue(rows [4][]float32, tiles int, v []float32, vstride int, pf [2][]float32) {
	if tiles < 1 || vstride < tiles {
		panic("kernels: wino16Input on no tiles")
	}
	for _, r := range rows {
		_ = r[2*tiles*16-1]
	}
	_, _, _ = v[(15*vstride+tiles)*16-1], pf[0][2*tiles*16-1], pf[1][2*tiles*16-1]
	wino16InputAVX512(&rows[0][0], &rows[1][0], &rows[2][0], &rows[3][0], tiles, &v[0], vstride, &pf[0][0], &pf[1][0])
}

// wino16Output is wino16OutputGo in AVX-512; it prefetches rows pf.
func wino16OutputByValue(m []float32, vstride, tiles int, y0, y1, bias []float32, pf [2][]float32) {
	if tiles < 1 || vstride < tiles {
		panic("kernels: wino16Output on no tiles")
	}
	_, _, _ = m[(15*vstride+tiles)*16-1], y0[2*tiles*16-1], y1[2*tiles*16-1]
	_, _ = pf[0][2*tiles*16-1], pf[1][2*tiles*16-1]
	var bp *float32
	if bias != nil {
		bp = &bias[:16][0]
	}
	wino16OutputAVX512(&m[0], vstride, tiles, &y0[0], &y1[0], bp, &pf[0][0], &pf[1][0])
}
