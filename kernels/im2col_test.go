package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// geoms are convolution geometries with and without padding, strides and
// channel counts below and above the vector widths.
func geoms() []ConvGeom {
	var gs []ConvGeom
	for _, c := range []int{1, 3, 32} {
		for _, k := range [][2]int{{3, 3}, {2, 2}, {1, 3}} {
			for _, s := range []int{1, 2} {
				for _, pad := range []int{0, 1} {
					g := ConvGeom{N: 2, H: 7, W: 6, C: c, KH: k[0], KW: k[1], SH: s, SW: s, PadTop: pad, PadLeft: pad}
					g.OH = (g.H+2*pad-g.KH)/s + 1
					g.OW = (g.W+2*pad-g.KW)/s + 1
					gs = append(gs, g)
				}
			}
		}
	}
	return gs
}

// refIm2col and refCol2im index every patch entry directly; refCol2im
// adds in the same order (patch by patch) as Col2im.
func refIm2col(g ConvGeom, x, cols []float32) {
	r := 0
	for n := range g.N {
		for oh := range g.OH {
			for ow := range g.OW {
				for kh := range g.KH {
					for kw := range g.KW {
						for c := range g.C {
							ih, iw := oh*g.SH-g.PadTop+kh, ow*g.SW-g.PadLeft+kw
							v := float32(0)
							if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
								v = x[((n*g.H+ih)*g.W+iw)*g.C+c]
							}
							cols[r*g.Cols()+(kh*g.KW+kw)*g.C+c] = v
						}
					}
				}
				r++
			}
		}
	}
}

func refCol2im(g ConvGeom, cols, dx []float32) {
	clear(dx)
	r := 0
	for n := range g.N {
		for oh := range g.OH {
			for ow := range g.OW {
				for kh := range g.KH {
					for kw := range g.KW {
						for c := range g.C {
							ih, iw := oh*g.SH-g.PadTop+kh, ow*g.SW-g.PadLeft+kw
							if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
								dx[((n*g.H+ih)*g.W+iw)*g.C+c] += cols[r*g.Cols()+(kh*g.KW+kw)*g.C+c]
							}
						}
					}
				}
				r++
			}
		}
	}
}

func TestIm2colCol2im(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 1))
	for _, g := range geoms() {
		what := fmt.Sprintf("%+v", g)
		x := values(rng, g.N*g.H*g.W*g.C)
		want := make([]float32, g.Rows()*g.Cols())
		refIm2col(g, x, want)
		cols := newBanded(values(rng, len(want)))
		Im2col(g, x, cols.s())
		cols.check(t, "Im2col "+what)
		sameBits(t, "Im2col "+what, cols.s(), want)

		dcols := values(rng, len(want))
		wantDx := make([]float32, len(x))
		refCol2im(g, dcols, wantDx)
		dx := newBanded(values(rng, len(x)))
		Col2im(g, dcols, dx.s())
		dx.check(t, "Col2im "+what)
		sameValues(t, "Col2im "+what, dx.s(), wantDx)
	}
}

// BenchmarkIm2colRows runs resnet-20's 3x3 convolutions (16, 32 and 64
// channels, and the first one over RGB) at batch 32, in tiles of 512
// rows as nn's Conv2D does.
func BenchmarkIm2colRows(b *testing.B) {
	const tile = 512
	for _, s := range [][2]int{{32, 3}, {32, 16}, {16, 32}, {8, 64}} {
		g := ConvGeom{N: 32, H: s[0], W: s[0], C: s[1], KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: s[0], OW: s[0]}
		x, cols := benchData(g.N*g.H*g.W*g.C), make([]float32, tile*g.Cols())
		name := fmt.Sprintf("%dx%dx%d", g.H, g.W, g.C)
		b.Run("Im2colRows/"+name, func(b *testing.B) {
			b.SetBytes(int64(4 * g.Rows() * g.Cols()))
			for b.Loop() {
				for r0 := 0; r0 < g.Rows(); r0 += tile {
					Im2colRows(g, x, r0, min(g.Rows(), r0+tile), cols)
				}
			}
		})
		b.Run("Col2imRows/"+name, func(b *testing.B) {
			b.SetBytes(int64(4 * g.Rows() * g.Cols()))
			for b.Loop() {
				clear(x)
				for r0 := 0; r0 < g.Rows(); r0 += tile {
					Col2imRows(g, cols, r0, min(g.Rows(), r0+tile), x)
				}
			}
		})
	}
}

// BenchmarkIm2col runs the basic CNN's first two convolutions at batch 32.
func BenchmarkIm2col(b *testing.B) {
	for _, g := range []ConvGeom{
		{N: 32, H: 28, W: 28, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, OH: 26, OW: 26},
		{N: 32, H: 13, W: 13, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, OH: 11, OW: 11},
	} {
		x, cols := benchData(g.N*g.H*g.W*g.C), make([]float32, g.Rows()*g.Cols())
		b.Run(fmt.Sprintf("Im2col/%dx%dx%d", g.H, g.W, g.C), func(b *testing.B) {
			b.SetBytes(int64(4 * len(cols)))
			for b.Loop() {
				Im2col(g, x, cols)
			}
		})
		b.Run(fmt.Sprintf("Col2im/%dx%dx%d", g.H, g.W, g.C), func(b *testing.B) {
			b.SetBytes(int64(4 * len(cols)))
			for b.Loop() {
				Col2im(g, cols, x)
			}
		})
	}
}

// TestIm2colRowsTiles cuts each patch matrix into tiles of several sizes
// (inside one image and across images): Im2colRows and Im2colRowsSerial
// must give the rows of the reference, and Col2imRows or Col2imRowsSerial
// over all tiles the same bits as Col2im.
func TestIm2colRowsTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	// big has enough rows for Im2colRows to split them over threads.
	big := ConvGeom{N: 3, H: 20, W: 20, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 20, OW: 20}
	for _, g := range append(geoms(), big) {
		x := values(rng, g.N*g.H*g.W*g.C)
		k, m := g.Cols(), g.Rows()
		want := make([]float32, m*k)
		refIm2col(g, x, want)
		dcols := values(rng, m*k)
		wantDx := make([]float32, len(x))
		Col2im(g, dcols, wantDx)
		for _, tile := range []int{1, 5, g.OW + 1, m - 1, m} {
			if tile < 1 {
				continue
			}
			what := fmt.Sprintf("%+v tile %d", g, tile)
			dx, dxSerial := newBanded(make([]float32, len(x))), newBanded(make([]float32, len(x)))
			for r0 := 0; r0 < m; r0 += tile {
				r1 := min(m, r0+tile)
				cols, serial := newBanded(values(rng, (r1-r0)*k)), newBanded(values(rng, (r1-r0)*k))
				Im2colRows(g, x, r0, r1, cols.s())
				Im2colRowsSerial(g, x, r0, r1, serial.s())
				for name, c := range map[string]*banded{"Im2colRows ": cols, "Im2colRowsSerial ": serial} {
					c.check(t, name+what)
					sameBits(t, name+what, c.s(), want[r0*k:r1*k])
				}
				Col2imRows(g, dcols[r0*k:r1*k], r0, r1, dx.s())
				Col2imRowsSerial(g, dcols[r0*k:r1*k], r0, r1, dxSerial.s())
			}
			for name, d := range map[string]*banded{"Col2imRows ": dx, "Col2imRowsSerial ": dxSerial} {
				d.check(t, name+what)
				sameBits(t, name+what, d.s(), wantDx)
			}
		}
	}
}
