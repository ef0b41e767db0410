package kernels

import "runtime"

// The kernel gradient of a Winograd F(2×2, 3×3) convolution. The forward
// pass computes, per tile t, y_t = Aᵀ M_t A with M_t[ξ] = Σ_c V_t[ξ][c]
// U[ξ][c][f], V = Bᵀ d B and U = G g Gᵀ; so with dM_t = A dy_t Aᵀ
//
//	dU[ξ] (C × F) = Σ_t V_t[ξ]ᵀ dM_t[ξ],   dg = Gᵀ dU G,
//
// 16 products (one per ξ) with the tiles as the reduction, a chunk of
// tiles at a time. The chunks, and so the order of the sums, depend on
// the shape and the byte budget only, never on the threads.

// WinogradGradScratchLen is the scratch WinogradKernelGrad needs for
// chunks of chunk tiles: WinogradConv's and the 16 C×F sums dU.
func WinogradGradScratchLen(g ConvGeom, f, chunk int) int {
	return WinogradScratchLen(g, f, chunk) + 16*g.C*f
}

// WinogradKernelGrad overwrites dw (a Keras HWIO kernel, 3×3×C×f) with
// the gradient of the loss with respect to the kernel of the convolution
// of x (N×H×W×C) by a 3×3 stride-1 window g, given the gradient dy
// (N×OH×OW×f) of its output: Σ over the batch of dy times the patches, as
// the direct method sums it, but through the Winograd transforms (results
// differ from it in the last bits). The tiles run chunk at a time (see
// WinogradChunk) in scratch (WinogradGradScratchLen).
func WinogradKernelGrad(g ConvGeom, f int, x, dy, dw, scratch []float32, chunk int) {
	if !WinogradApplies(g) || chunk < 1 {
		panic("kernels.WinogradKernelGrad: not a 3x3 stride-1 window, or no chunk")
	}
	if len(x) < g.N*g.H*g.W*g.C || len(dy) < g.N*g.OH*g.OW*f || len(dw) < 9*g.C*f ||
		len(scratch) < WinogradGradScratchLen(g, f, chunk) {
		panic("kernels.WinogradKernelGrad: slice too short")
	}
	sl := WinogradScratchLen(g, f, chunk)
	zero := scratch[sl-winogradZeroLen(g, f) : sl]
	clear(zero)
	du := scratch[sl : sl+16*g.C*f]
	tiles := WinogradTiles(g)
	for t0 := 0; t0 < tiles; t0 += chunk {
		nt := min(chunk, tiles-t0)
		vs, ms := nt*g.C+xiPad, nt*f+xiPad
		v, m := scratch[:16*vs], scratch[16*vs:16*(vs+ms)]
		ForEachChunk(nt, max(1, minChunkValues/(16*(g.C+f))), func(lo, hi int) {
			inputTiles(g, x, zero, t0+lo, t0+hi, v[lo*g.C:], vs)
			gradOutTiles(g, f, dy, zero[:f], t0+lo, t0+hi, m[lo*f:], ms)
		})
		p := &winogradGradProducts{nt: nt, c: g.C, f: f, v: v, m: m, du: du, vs: vs, ms: ms, add: t0 > 0}
		parallelRun(p, 16, runtime.GOMAXPROCS(0))
	}
	cf := g.C * f
	ForEachChunk(g.C, max(1, minChunkValues/(16*f)), func(lo, hi int) {
		wino.kernelGradRow(du[lo*f:], cf, (hi-lo)*f, dw[lo*f:])
	})
}

// winogradGradProducts is the 16 products dU[ξ] (+)= v[ξ]ᵀ·m[ξ] of a chunk
// of nt tiles (added to the sums of the chunks before, after the first),
// one task each, every one on a single thread (winogradImpl.gemmT).
type winogradGradProducts struct {
	nt, c, f int
	v, m, du []float32
	vs, ms   int // the distance between two ξ in v and in m
	add      bool
}

func (p *winogradGradProducts) runTask(xi int, s *gemmScratch) {
	cf := p.c * p.f
	wino.gemmT(p.v[xi*p.vs:][:p.nt*p.c], p.c, p.nt, p.m[xi*p.ms:][:p.nt*p.f], p.f, p.du[xi*cf:][:cf], p.add, s)
}

// gradOutTiles writes the transforms A dy Aᵀ of the gradients of the
// batch's tiles [a, b) (zeros beyond OH or OW): position ξ of tile a+t at
// o[ξ*stride+t*f:], f values.
func gradOutTiles(g ConvGeom, f int, dy, zero []float32, a, b int, o []float32, stride int) {
	th, tw := (g.OH+1)/2, (g.OW+1)/2
	var d [4][]float32
	for tg := a; tg < b; {
		n, p := tg/(th*tw), tg%(th*tw)
		i, j := p/tw, p%tw
		run := 1
		if 2*i+1 < g.OH && 2*j+1 < g.OW {
			run = min(b, tg+g.OW/2-j) - tg
		}
		for k := range d {
			oh, ow := 2*i+k/2, 2*j+k%2
			if oh >= g.OH || ow >= g.OW {
				d[k] = zero[:f]
				continue
			}
			at := ((n*g.OH+oh)*g.OW + ow) * f
			d[k] = dy[at : at+(run-1)*2*f+f]
		}
		wino.gradOut(&d, 2*f*min(run-1, 1), run, f, o[(tg-a)*f:], stride)
		tg += run
	}
}

// winogradKernelGradRowGo is kernelGradRow: dg = Gᵀ dU G of each pair j
// < n, with Gᵀ = [1 ½ ½ 0; 0 ½ -½ 0; 0 ½ ½ 1] (the HWIO kernel's pairs
// are contiguous like dU's, so the pairs of several input channels go
// in one call).
func winogradKernelGradRowGo(du []float32, cf, n int, dw []float32) {
	for j := range n {
		var r [3][4]float32 // Gᵀ dU
		for s := 0; s < 4; s++ {
			d0, d1, d2, d3 := du[j+s*cf], du[j+(4+s)*cf], du[j+(8+s)*cf], du[j+(12+s)*cf]
			h := 0.5 * (d1 + d2)
			r[0][s], r[1][s], r[2][s] = d0+h, 0.5*(d1-d2), h+d3
		}
		for i := 0; i < 3; i++ {
			d0, d1, d2, d3 := r[i][0], r[i][1], r[i][2], r[i][3]
			h := 0.5 * (d1 + d2)
			dw[(3*i)*cf+j], dw[(3*i+1)*cf+j], dw[(3*i+2)*cf+j] = d0+h, 0.5*(d1-d2), h+d3
		}
	}
}
