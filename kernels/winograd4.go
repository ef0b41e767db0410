package kernels

// Winograd F(4×4, 3×3): the output in 4×4 tiles, each reading a 6×6 input
// patch d_t at (4i - PadTop, 4j - PadLeft),
//
//	y_t = Aᵀ [ Σ_c (G g Gᵀ) ⊙ (Bᵀ d_{t,c} B) ] A
//
// with Lavin & Gray's matrices on the points 0, ±1, ±2, ∞:
//
//	Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//	G  = [¼ 0 0; -⅙ -⅙ -⅙; -⅙ ⅙ -⅙; 1⁄24 1⁄12 ⅙; 1⁄24 -1⁄12 ⅙; 0 0 1]
//	Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// 36 multiplies per 16 outputs and channel pair (2.25 per output, against
// 4 for F(2×2, 3×3) and 9 for the direct method), as 36 products V_ξ · U_ξ
// per chunk of tiles. The data transforms use only multiplies by powers of
// two (exact), so their bits do not depend on how the additions are
// fused; the kernel transforms (with ⅙ and 1⁄24) are computed in float64
// and rounded once. The larger coefficients cost accuracy: about 4-8× the
// error of F(2×2, 3×3) relative to the largest output (see the tests).
// It runs on outputs whose height and width are multiples of 4 (no tile
// crosses the far edge of y); the input's padding is read from zeros.

// Winograd4Applies reports whether Winograd4Conv computes g: a 3×3
// stride-1 window whose output height and width are multiples of 4.
func Winograd4Applies(g ConvGeom) bool {
	return WinogradApplies(g) && g.OH%4 == 0 && g.OW%4 == 0 && g.OH > 0 && g.OW > 0
}

// Winograd4KernelLen is the length of a transformed kernel: 36×c×f.
func Winograd4KernelLen(c, f int) int { return 36 * c * f }

// Winograd4Kernel is WinogradKernel for F(4×4, 3×3): u[ξ] (c × f, or
// f × c with flip) = (G g Gᵀ)[ξ] for the 36 positions ξ = 6r + s, in
// float64 rounded once. Each thread writes its own rows of every u[ξ]
// (the input channels, or with flip the output ones), a row of all 36 at
// once (the 36 u[ξ] lie c·f apart, often a multiple of 4 KiB: stored one
// tile at a time they competed for the same L1 set).
func Winograd4Kernel(w []float32, c, f int, flip bool, u []float32) {
	cf := c * f
	if len(w) < 9*cf || len(u) < 36*cf {
		panic("kernels.Winograd4Kernel: slice too short")
	}
	rows, cols := c, f // u[ξ] is rows × cols
	if flip {
		rows, cols = f, c
	}
	ForEachChunk(rows, max(1, minChunkValues/(36*cols)), func(lo, hi int) {
		var g [9]float64
		var t [36]float64
		row := make([]float32, 36*cols) // row i of the 36 u[ξ], stored at once
		for i := lo; i < hi; i++ {
			for j := range cols {
				for k := range g {
					if flip { // w'[k][f=i][c=j] = w[8-k][j][i]
						g[k] = float64(w[(8-k)*cf+j*f+i])
					} else {
						g[k] = float64(w[k*cf+i*f+j])
					}
				}
				kernelTile4(&g, &t)
				for xi, v := range t {
					row[xi*cols+j] = float32(v)
				}
			}
			for xi := range 36 {
				copy(u[xi*cf+i*cols:][:cols], row[xi*cols:][:cols])
			}
		}
	})
}

// kernelTile4 sets t = G g Gᵀ (6×6, row-major) for the 3×3 g.
func kernelTile4(g *[9]float64, t *[36]float64) {
	var r [6][3]float64 // G g
	for s := range 3 {
		r[0][s], r[1][s], r[2][s], r[3][s], r[4][s], r[5][s] = g6(g[s], g[3+s], g[6+s])
	}
	for i := range 6 {
		t[6*i], t[6*i+1], t[6*i+2], t[6*i+3], t[6*i+4], t[6*i+5] = g6(r[i][0], r[i][1], r[i][2])
	}
}

// g6 is G times the column (a, b, c), with
// G = [¼ 0 0; -⅙ -⅙ -⅙; -⅙ ⅙ -⅙; 1⁄24 1⁄12 ⅙; 1⁄24 -1⁄12 ⅙; 0 0 1].
func g6(a, b, c float64) (r0, r1, r2, r3, r4, r5 float64) {
	const sixth = 1.0 / 6
	p, q, h := a+c, (0.25*a+c)*sixth, b*(1.0/12)
	return 0.25 * a, -(p + b) * sixth, -(p - b) * sixth, q + h, q - h, c
}

// Winograd4Tiles is the number of 4×4 output tiles of g's batch.
func Winograd4Tiles(g ConvGeom) int { return g.N * (g.OH / 4) * (g.OW / 4) }

// Winograd4Chunk is how many tiles Winograd4Conv transforms at once for f
// output channels within about bytes of scratch (at least one).
func Winograd4Chunk(g ConvGeom, f, bytes int) int {
	return max(1, min(Winograd4Tiles(g), bytes/(4*36*(g.C+f))))
}

// Winograd4ScratchLen is the scratch of one chunk of chunk tiles: its
// transformed inputs and products, and zeros.
func Winograd4ScratchLen(g ConvGeom, f, chunk int) int {
	return 36*(chunk*(g.C+f)+2*xiPad) + winograd4ZeroLen(g, f)
}

// winograd4ZeroLen is the zeros the F(4×4) transforms read: a run of a
// row of tiles ((4·tiles per row - 3)·C values) or f values of a bias.
func winograd4ZeroLen(g ConvGeom, f int) int { return max(f, g.C*(g.OW+4)) }

// Winograd4Conv is WinogradConv in F(4×4, 3×3); it panics unless
// Winograd4Applies(g). chunk counts 4×4 tiles (Winograd4Chunk).
func Winograd4Conv(g ConvGeom, f int, x, u, bias, y []float32, relu bool, chunk int) {
	winogradConv(&winogradChunks{g: g, f: f, x: x, u: u, bias: bias, y: y, relu: relu, chunk: chunk, f4: true})
}

// Winograd4ConvMask is WinogradConvMask in F(4×4, 3×3).
func Winograd4ConvMask(g ConvGeom, f int, x, u, bias, y []float32, mask []uint64, chunk int) {
	if !WinogradFusesMask(g, f) || len(mask) < (g.N*g.OH*g.OW*f+63)/64 {
		panic("kernels.Winograd4ConvMask: the output's runs are not whole mask words, or mask too short")
	}
	winogradConv(&winogradChunks{g: g, f: f, x: x, u: u, bias: bias, y: y, relu: true, mask: mask, chunk: chunk, f4: true})
}

// Winograd4ConvResidual is WinogradConvResidual in F(4×4, 3×3).
func Winograd4ConvResidual(g ConvGeom, f int, x, u, bias, y, res []float32, resFirst bool, chunk int) {
	if len(res) < g.N*g.OH*g.OW*f {
		panic("kernels.Winograd4ConvResidual: res too short")
	}
	winogradConv(&winogradChunks{g: g, f: f, x: x, u: u, bias: bias, y: y, res: res, resFirst: resFirst, chunk: chunk, f4: true})
}

// runTask4 is winogradChunks.runTask for F(4×4, 3×3).
func (w *winogradChunks) runTask4(ci int, s *gemmScratch) {
	g, f := w.g, w.f
	t0 := ci * w.chunk
	nt := min(w.chunk, Winograd4Tiles(g)-t0)
	n := Winograd4ScratchLen(g, f, w.chunk)
	s.wino = grow(s.wino, n)
	zero := s.wino[n-winograd4ZeroLen(g, f):]
	clear(zero)
	bias := w.bias
	if bias == nil {
		bias = zero[:f]
	}
	vs, ms := nt*g.C+xiPad, nt*f+xiPad
	v, m := s.wino[:36*vs], s.wino[36*vs:36*(vs+ms)]
	inputTiles4(g, w.x, zero, t0, t0+nt, v, vs, &s.rows4.in)
	cf := g.C * f
	for xi := range 36 {
		wino.gemm(v[xi*vs:][:nt*g.C], nt, g.C, w.u[xi*cf:][:cf], f, m[xi*ms:][:nt*f], s)
	}
	outputTiles4(g, f, m, ms, bias[:f], t0, t0+nt, w, &s.rows4.out)
	s.rows4 = winoRows4{} // no reference to x and y kept in the pool
}
