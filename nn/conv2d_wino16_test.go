package nn

import (
	"runtime"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestWino16SerialBackwardBits: resnet-20 (16×16×3, batch 8) at two
// threads, its shards running the 16-channel convolutions' Backward
// serially (wino16Serial: kernel-gradient blocks added in place) or as
// parallel tiles with a slot per block (wino16Slots), gives the same
// bits: two training steps' losses, every gradient and the weights.
func TestWino16SerialBackwardBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer func(old bool) { wino16Slots = old }(wino16Slots)
	in := tensor.Shape{16, 16, 3}
	var gs [2]*Graph
	var losses [2][2]float64
	for k := range gs {
		g := ResNet20(in, 5)
		if err := g.Build(7); err != nil {
			t.Fatal(err)
		}
		if g.shardCount(8) != 2 {
			t.Fatalf("resnet-20 on a batch of 8 at 2 threads runs %d shards, want 2", g.shardCount(8))
		}
		wino16Slots = k == 1
		x, labels := fuseTestBatch(in, 8)
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
	probe := kernels.ConvGeom{H: 16, W: 16, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, OH: 16, OW: 16, PadTop: 1, PadLeft: 1}
	for k, g := range gs {
		serial := 0
		for _, c := range fdLayers[*Conv2D](g) {
			serial += c.w16.serial
		}
		if want := 12 * (1 - k); kernels.Wino16Applies(probe, 16) && serial != want { // 6 layers, 2 steps
			t.Errorf("copy %d: the model's 16-channel convolutions ran Backward serially %d times, want %d", k, serial, want)
		}
	}
	if losses[0] != losses[1] {
		t.Fatalf("losses %v, %v apart", losses[0], losses[1])
	}
	pa, pb := gs[0].Params(), gs[1].Params()
	for i := range pa {
		sameFloats(t, pa[i].FullName(), pa[i].Param.Value.Data, pb[i].Param.Value.Data)
		if pa[i].Param.Grad != nil {
			sameFloats(t, pa[i].FullName()+" gradient", pa[i].Param.Grad.Data, pb[i].Param.Grad.Data)
		}
	}
}
