package kernels

import (
	"fmt"
	"testing"
)

// TestWino16Guard: the 16-channel Winograd passes read and write nothing
// past the extents their wrappers check (each operand ends where an
// inaccessible page begins), for one to 17 tiles.
func TestWino16Guard(t *testing.T) {
	fill := func(v []float32) []float32 {
		for i := range v {
			v[i] = float32(i%7) - 3
		}
		return v
	}
	for tiles := 1; tiles <= 17; tiles++ {
		pad := wino16Pad(2 * tiles)
		row, vlen := 2*tiles*16, (15*pad+tiles)*16
		var rows [4][]float32
		for i := range rows {
			rows[i] = fill(guardedF32(t, row))
		}
		vin, v, want := guardedF32(t, vlen), guardedF32(t, 16*pad*16), make([]float32, 16*pad*16)
		pf := [2][]float32{fill(guardedF32(t, row)), fill(guardedF32(t, row))}
		wino16InputGo(&rows, tiles, want, pad, &pf)
		wino16Input(&rows, tiles, vin, pad, &pf)
		what := fmt.Sprintf("%d tiles", tiles)
		sameBits(t, what+" input", vin, want[:vlen])
		copy(v, want)
		u := fill(guardedF32(t, Wino16WeightsLen))
		wino16ProductsGo(pad/wino16Group, want, pad, u)
		wino16Products(pad/wino16Group, v, pad, u)
		sameBits(t, what+" products", v, want)
		m := guardedF32(t, vlen)
		copy(m, v)
		y0, y1, bias := guardedF32(t, row), guardedF32(t, row), fill(guardedF32(t, 16))
		w0, w1 := make([]float32, row), make([]float32, row)
		wino16OutputGo(m, pad, tiles, w0, w1, bias, &pf)
		wino16Output(m, pad, tiles, y0, y1, bias, &pf)
		sameBits(t, what+" output", y0, w0)
		sameBits(t, what+" output", y1, w1)

		d0, d1 := fill(guardedF32(t, row)), fill(guardedF32(t, row))
		s, wantS := guardedF32(t, Wino16WeightsLen), make([]float32, Wino16WeightsLen)
		wino16GradProductsGo(tiles, m, d0, d1, pad, wantS, &[2][]float32{d1, d0})
		wino16GradProducts(tiles, m, d0, d1, pad, s, &[2][]float32{d1, d0})
		sameBits(t, what+" gradient products", s, wantS)
		gr, wantG := guardedF32(t, 9*256), make([]float32, 9*256)
		wino16GradWeightsGo(s, wantG, true)
		wino16GradWeights(s, gr, true)
		sameBits(t, what+" gradient weights", gr, wantG)
	}
}
