package nn

import (
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestShardSerialBackwardBits: resnet-20 (32×32×3, batch 32) at two
// threads, its shards running the convolutions' Backward serially
// (shardSerial: kernel-gradient blocks added in place), serially for the
// 16-channel Winograd ones only (slotsBut16), or as parallel tiles with a
// slot per block (slotsAll), gives the same bits: two training steps'
// losses, every gradient and the weights. It checks which layers ran
// serially: the stride-2 convolutions (3×3 and 1×1 shortcuts) and the
// first one in the first copy only, the 16-channel Winograd ones in the
// first two, no other one in the last two; and that the 16-channel
// Winograd ones, whose kernel-gradient blocks read x in place, hold no
// tile of patches (Conv2D.cols: 288 KiB each).
func TestShardSerialBackwardBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer func(old slotMode) { shardSlots = old }(shardSlots)
	in := tensor.Shape{32, 32, 3}
	modes := []slotMode{slotsNone, slotsBut16, slotsAll}
	gs := make([]*Graph, len(modes))
	losses := make([][2]float64, len(modes))
	for k, mode := range modes {
		g := ResNet20(in, 5)
		if err := g.Build(7); err != nil {
			t.Fatal(err)
		}
		if g.shardCount(32) != 2 {
			t.Fatalf("resnet-20 on a batch of 32 at 2 threads runs %d shards, want 2", g.shardCount(32))
		}
		shardSlots = mode
		x, labels := fuseTestBatch(in, 32)
		for step := range losses[k] {
			losses[k][step], _ = g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
			for _, p := range g.Params() {
				if p.Param.Grad != nil && step == 0 {
					for i, d := range p.Param.Grad.Data {
						p.Param.Value.Data[i] -= 0.05 * d
					}
				}
			}
		}
		gs[k] = g
	}
	for k, g := range gs {
		stride2 := 0
		for _, c := range fdLayers[*Conv2D](g) {
			want, any := 0, false // any: the tile loop's count for these kernels (purego: 16-channel ones without Winograd)
			switch {
			case c.geom.SH == 2 || c.geom.C == 3: // and the first convolution
				stride2 += c.geom.SH - 1
				if modes[k] == slotsNone {
					want = 2
				}
			case c.wino16():
				if modes[k] != slotsAll {
					want = 2
				}
			default:
				any = modes[k] == slotsNone
			}
			if c.wino16() && c.cols != nil && cap(c.cols.Data) >= c.tileRows()*c.geom.Cols() {
				t.Errorf("copy %d: %s holds a tile of patches (%d values) although its kernel-gradient blocks read x in place",
					k, c.Name(), cap(c.cols.Data))
			}
			if c.serialBackwards != want && !any {
				t.Errorf("copy %d: %s (stride %d, %d->%d channels) ran Backward serially %d times in 2 steps, want %d",
					k, c.Name(), c.geom.SH, c.geom.C, c.units(), c.serialBackwards, want)
			}
		}
		if stride2 != 4 {
			t.Errorf("copy %d: resnet-20 has %d stride-2 convolutions, want 4", k, stride2)
		}
	}
	for k := 1; k < len(gs); k++ {
		if losses[0] != losses[k] {
			t.Fatalf("losses %v, %v apart", losses[0], losses[k])
		}
		pa, pb := gs[0].Params(), gs[k].Params()
		for i := range pa {
			sameFloats(t, pa[i].FullName(), pa[i].Param.Value.Data, pb[i].Param.Value.Data)
			if pa[i].Param.Grad != nil {
				sameFloats(t, pa[i].FullName()+" gradient", pa[i].Param.Grad.Data, pb[i].Param.Grad.Data)
			}
		}
	}
}
