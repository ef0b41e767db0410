package nn

import (
	"slices"
	"sync/atomic"
)

// A sharded training step's Conv2Ds that run Winograd use the model's
// transformed kernels (Forward's and the input gradient's), transformed
// once a step for all the shards: a step changes the weights, so every
// shard would otherwise transform them twice a step. The weights cannot
// change until the step returns, so the model's layers, like the
// replicas', skip their Forward's and Backward's check of the kernel
// against the transformed one (setSameWeights; unlinkShards clears it).
//
// When the shards meet at barriers (shardRunner) they share the
// transforms out at the start of their Forward (shareWinogradIn): each
// claims layers, largest kernel first, until none are left, transforms
// them on its own goroutine and meets the others at the barrier before
// its Forward reads them. Transformed before the shards started (as
// shareWinograd still does for shards that do not meet), the layers'
// transforms were a serial phase of two small parallel regions each
// (resnet-20: 0.25-0.27 ms a step on a loaded host, with the shards not
// yet started); claimed, the work is split between the shards, and
// shard 0 starts on it while shard 1 is still starting. Who transforms a
// layer does not change its bits.

// shardWino is a step's list of the model's Winograd layers and the
// shards' claims on them.
type shardWino struct {
	layers []int        // the model's Winograd Conv2Ds (layer indices), largest kernel first
	next   atomic.Int32 // the next layer to claim
	// serial transforms them all before the shards start, as a step
	// without barriers does (benchmarks' A/B).
	serial bool
}

// list lists the Winograd Conv2Ds among the model's layers for a step.
func (w *shardWino) list(layers []Layer) {
	w.layers = w.layers[:0]
	for i, l := range layers {
		if c, ok := l.(*Conv2D); ok && c.useWinograd() {
			w.layers = append(w.layers, i)
		}
	}
	kernelLen := func(i int) int { return layers[i].(*Conv2D).kernel.Value.Len() }
	slices.SortStableFunc(w.layers, func(a, b int) int { return kernelLen(b) - kernelLen(a) })
	w.next.Store(0)
}

// shareWinograd transforms every listed layer's kernel before the shards
// start and points the replicas' layers at the transforms.
func (sh *shardSet[M]) shareWinograd() {
	for _, i := range sh.wino.layers {
		sh.shareLayer(i)
	}
	for k := 1; k < len(sh.layers); k++ {
		sh.readShared(k)
	}
}

// shareWinogradIn is shard k's part in the transforms at its Forward's
// start: it transforms the layers it claims, meets the other shards, and
// points its replica's layers at the transforms.
func (sh *shardSet[M]) shareWinogradIn(k int) {
	if len(sh.wino.layers) == 0 {
		return
	}
	for {
		j := int(sh.wino.next.Add(1)) - 1
		if j >= len(sh.wino.layers) {
			break
		}
		sh.shareLayer(sh.wino.layers[j])
	}
	sh.links.bar.Wait()
	if k > 0 {
		sh.readShared(k)
	}
}

// shareLayer transforms the kernel of the model's layer i for the step.
func (sh *shardSet[M]) shareLayer(i int) {
	c := sh.layers[0][i].(*Conv2D)
	c.refreshShared()
	c.setSameWeights(!sh.recheck)
}

// readShared has shard k's Winograd layers read the model's transforms.
func (sh *shardSet[M]) readShared(k int) {
	for _, i := range sh.wino.layers {
		sh.layers[k][i].(*Conv2D).readWinograd(sh.layers[0][i].(*Conv2D))
	}
}
