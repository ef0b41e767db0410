package nn

import "github.com/cnnscope/cnnscope/kernels"

// A Dropout in a sharded training step (graph_shard.go) drops the units
// the whole batch's step would: before the shards start, the model's
// layer draws the whole batch's mask (drawWhole: one number from its
// source, as Forward takes, and the same blocks), and each shard's layer
// (the model's and the replicas') then applies its own rows' words of it
// (shardFrom). The masks, and the layer's source after the step, are the
// bits of the unsharded step's. A shard must start on a whole mask word
// (dropShardable).

// drawWhole draws the mask of a training batch of n samples into whole,
// the layer's buffer for it.
func (l *Dropout) drawWhole(n int) {
	elems := n * l.in.Size()
	words := (elems + 63) / 64
	if cap(l.whole) < words {
		l.whole = make([]uint64, words)
	}
	l.whole = l.whole[:words]
	d := dropMask{seed: l.src.Uint64(), keep: l.keep(), thr: dropThreshold(l.Rate)}
	d.maskOnly(elems, l.whole)
}

// shardFrom makes the layer's next training Forward apply the words of
// mask from element first on (a multiple of 64) instead of drawing its
// own; nil mask: draw again.
func (l *Dropout) shardFrom(mask []uint64, first int) {
	if mask == nil {
		l.from = nil
		return
	}
	l.from = mask[first/64:]
}

// dropShardable reports whether shards of a batch of n samples cut into
// s (rows n*i/s on) start on whole mask words of a Dropout on per-sample
// input in.
func dropShardable(in int, n, s int) bool {
	for i := range s {
		if n*i/s*in%64 != 0 {
			return false
		}
	}
	return true
}

// forwardShard is Forward's training pass with the mask's words taken
// from the whole batch's (shardFrom).
func (l *Dropout) forwardShard(x []float32, y []float32) {
	words := (len(x) + 63) / 64
	if cap(l.mask) < words {
		l.mask = make([]uint64, words)
	}
	l.mask = l.mask[:words]
	copy(l.mask, l.from[:words]) // a buffer of its own, as an unsharded Forward has
	applyMask(y, x, l.mask, l.keep())
}

// maskOnly fills mask with the bits of n elements that forward would
// draw, the blocks in parallel.
func (d dropMask) maskOnly(n int, mask []uint64) {
	blocks := (n + dropBlock - 1) / dropBlock
	kernels.ForEachChunk(blocks, 8, func(lo, hi int) {
		b := lo
		for ; b+8 <= hi && (b+8)*dropBlock <= n; b += 8 {
			d.block8(uint64(b), mask[b*dropBlock/64:(b+8)*dropBlock/64])
		}
		for ; b+4 <= hi && (b+4)*dropBlock <= n; b += 4 {
			d.block4(uint64(b), mask[b*dropBlock/64:(b+4)*dropBlock/64])
		}
		for ; b < hi; b++ {
			e0, e1 := b*dropBlock, min((b+1)*dropBlock, n)
			d.blockBits(uint64(b), e1-e0, mask[e0/64:(e1+63)/64])
		}
	})
}
