package nn

import (
	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// In a Sequential's inference Forward, a MaxPooling2D that fuseReluPool
// pairs with a Conv2D whose patches are read in place
// (kernels.ConvRowsDirect: basic-cnn's first convolution) runs that
// convolution too, a few whole samples per task: each task computes its
// samples' convolution rows into its own scratch, small enough to stay in
// the cache, and pools them with relu at once (kernels.MaxPool2x2Relu).
// The convolution's output is never written out whole and read back, and
// each thread pools what it has just computed. Every output row is its
// own product (ConvRowsDirect's bits do not depend on which rows a call
// covers, nor do kernels.Wino16Rows', which a 16-channel "same"
// convolution runs), so the result has the bits of the two layers run
// one after the other. The Sequential skips the convolution (pooledConv).

// pooledConvBytes is about the size of a task's convolution output.
const pooledConvBytes = 256 << 10

// A Conv2D that runs Winograd (basic-cnn's second convolution) the pool
// runs on the rows and columns its windows read: where the convolution's
// output has an odd size the last row and column are dropped (11×11 ->
// 5×5 reads 10×10), so the 2×2 output tiles that only they need are not
// computed (25 tiles a sample instead of 36), nor the edge tiles' partial
// stores. A tile's output is its own: its input transform reads the same
// input patch, each of its rows of the 16 products is summed alone (in
// the AVX-512 products, the same instructions whatever rows share a call;
// kernels.WinogradRowsOwnBits) and its output transform is its own; so
// the pooled values have the bits of the whole convolution pooled. (The
// Go products, purego or without AVX-512, keep the values but not always
// a NaN's payload; there the convolution runs on its own.) The convolution's
// output goes into the arena's slab that does not hold x, the pool's over
// x (as two layers would take them).

// poolsConv reports whether a MaxPooling2D can run c for an inference
// Forward: c reads its patches in place, or runs Winograd on tiles whose
// bits are their own, NaN payloads included
// (kernels.WinogradRowsOwnBits: the AVX-512 products).
func poolsConv(c *Conv2D) bool {
	if c.useWinograd() {
		return kernels.WinogradRowsOwnBits(c.geom.C, c.Filters)
	}
	return !c.pointwise() && c.direct()
}

// pooledConv reports whether layer i is a Conv2D that the MaxPooling2D
// after it runs (pool_conv.go).
func pooledConv(layers []Layer, i int) bool {
	if i+1 >= len(layers) {
		return false
	}
	p, ok := layers[i+1].(*MaxPooling2D)
	return ok && p.conv != nil && Layer(p.conv) == layers[i]
}

// forwardConv is Forward with the paired convolution: x is the
// convolution's input.
func (l *MaxPooling2D) forwardConv(x *tensor.Tensor) *tensor.Tensor {
	c := l.conv
	if c.useWinograd() {
		return l.forwardWinograd(x)
	}
	g := c.geom
	g.N = batchOf(c, x, c.in)
	c.geom = g
	n, per, units := g.N, g.OH*g.OW, c.units()
	pg := l.geom
	outSize := pg.OH * pg.OW * pg.C
	y := output(l.arena, &l.y, x, n, l.out)
	l.x = nil // no Backward after an inference Forward
	var bias []float32
	if c.bias != nil {
		bias = c.bias.Value.Data
	}
	wino16 := c.wino16() // Winograd's rows, as Conv2D.Forward computes them (conv2d_wino16.go)
	if wino16 {
		c.wino16Weights()
	}
	group := max(1, pooledConvBytes/(4*per*units)) // samples per task
	kernels.ForEachTask(ceilDiv(n, group), func(t int, s *kernels.TaskScratch) {
		b0, b1 := t*group, min(n, (t+1)*group)
		r0, r1 := b0*per, b1*per
		ys := s.Buf(1, (r1-r0)*units)
		if wino16 {
			kernels.Wino16Rows(g, x.Data, r0, r1, c.w16.u, bias, ys, s.Buf(0, kernels.Wino16Len(g)))
		} else {
			kernels.ConvRowsDirect(g, x.Data, r0, r1, c.kernel.Value.Data, units, bias, ys, s.Buf(0, kernels.ConvDirectLen(g, r1-r0)))
		}
		for b := b0; b < b1; b++ {
			src := ys[(b-b0)*per*units : (b-b0+1)*per*units]
			kernels.MaxPool2x2Relu(y.Data[b*outSize:(b+1)*outSize], src, pg.H, pg.W, pg.C)
		}
	})
	return y
}

// forwardWinograd is forwardConv with a convolution that runs Winograd:
// the convolution of the rows and columns the windows read, then the
// pool with relu.
func (l *MaxPooling2D) forwardWinograd(x *tensor.Tensor) *tensor.Tensor {
	c, pg := l.conv, l.geom
	g, f := c.geom, c.Filters
	g.N = batchOf(c, x, c.in)
	g.OH, g.OW = 2*pg.OH, 2*pg.OW // tiled2x2: the windows read these
	c.wino.refresh(c.kernel.Value.Data, g.C, f, false)
	var bias []float32
	if c.bias != nil {
		bias = c.bias.Value.Data
	}
	cy := output(l.arena, &l.convY, x, g.N, tensor.Shape{g.OH, g.OW, f})
	kernels.WinogradConv(g, f, x.Data, c.wino.u.Data, bias, cy.Data, false, kernels.WinogradChunk(g, f, c.tileBudget(false)))
	l.x = nil // no Backward after an inference Forward
	y := output(l.arena, &l.y, cy, g.N, l.out)
	inSize, outSize := g.OH*g.OW*f, pg.OH*pg.OW*pg.C
	kernels.ForEachChunk(g.N, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			kernels.MaxPool2x2Relu(y.Data[b*outSize:(b+1)*outSize], cy.Data[b*inSize:(b+1)*inSize], g.OH, g.OW, f)
		}
	})
	return y
}
