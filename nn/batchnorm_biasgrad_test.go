package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// TestConvBiasGradFromBN: the bias gradient a BatchNormalization gives
// the Conv2D before it (convBiasGrad) is Σ dz over its rows, dz being the
// input gradient it wrote: within a few roundings of each dz (relative to
// Σ|dz|) of their float64 sum, for a whole batch (where the exact sum is
// zero) and for each of two shards of a sharded step (17 and 11 samples,
// each shard's data shifted differently: each shard's exact sum is far
// from zero), plain and with relu fused (its gradient kept as bits).
func TestConvBiasGradFromBN(t *testing.T) {
	relu, err := lookupActivation("relu")
	if err != nil {
		t.Fatal(err)
	}
	for _, act := range []*activation{nil, relu} {
		for _, sizes := range [][]int{{28}, {17, 11}} {
			what := fmt.Sprintf("relu %v, samples %v", act != nil, sizes)
			checkBiasGrad(t, what, act, sizes)
		}
	}
}

func checkBiasGrad(t *testing.T, what string, act *activation, sizes []int) {
	const c = 16
	in := tensor.Shape{3, 4, c}
	rng := rand.New(rand.NewPCG(9, uint64(len(sizes))))
	shards := len(sizes)
	bar := kernels.NewBarrier(shards)
	slots := newBNShared(shards, c)
	ls := make([]*BatchNormalization, shards)
	xs, dys := make([]*tensor.Tensor, shards), make([]*tensor.Tensor, shards)
	for k, n := range sizes {
		l := &BatchNormalization{}
		if _, err := l.Build(in, rng); err != nil {
			t.Fatal(err)
		}
		for j := range c {
			l.gamma.Value.Data[j] = float32(0.5 + rng.Float64())
			l.beta.Value.Data[j] = float32(rng.NormFloat64())
		}
		l.fused.act, l.dz.conv = act, true
		if shards > 1 {
			l.sync = &bnSync{bar: bar, shard: k, slots: slots}
		}
		x, dy := tensor.New(append([]int{n}, in...)...), tensor.New(append([]int{n}, in...)...)
		for i := range x.Data {
			x.Data[i] = float32(3 + float64(k) + 2*rng.NormFloat64())
			dy.Data[i] = float32(rng.NormFloat64())
		}
		ls[k], xs[k], dys[k] = l, x, dy
	}
	// The shards' Forwards, then their Backwards (the directions share
	// the slots' row counts: in a model, later layers' barriers keep a
	// shard from reaching a layer's Backward while another still reads
	// its Forward's slots).
	for _, pass := range []func(k int){
		func(k int) { ls[k].Forward(xs[k], true) },
		func(k int) { ls[k].Backward(dys[k], true) },
	} {
		var wg sync.WaitGroup
		for k := range ls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pass(k)
			}()
		}
		wg.Wait()
	}
	for k, l := range ls {
		dx := dys[k].Data // Backward wrote dx over dy
		got := make([]float32, c)
		if !l.convBiasGrad(got) {
			t.Fatalf("%s, shard %d: no bias gradient after a training Backward", what, k)
		}
		if l.convBiasGrad(got) {
			t.Errorf("%s, shard %d: a second bias gradient from the same Backward", what, k)
		}
		for j := range c {
			sum, mag := 0.0, 0.0
			for i := j; i < len(dx); i += c {
				sum += float64(dx[i])
				mag += math.Abs(float64(dx[i]))
			}
			if e := math.Abs(float64(got[j]) - sum); e > 4*mag*0x1p-24 {
				t.Errorf("%s, shard %d, channel %d: bias gradient %g, Σ dz %g (Σ|dz| %g)", what, k, j, got[j], sum, mag)
			}
			if shards > 1 && math.Abs(sum) < 1e-3*mag {
				t.Errorf("%s, shard %d, channel %d: Σ dz %g near zero (Σ|dz| %g): the test checks too little", what, k, j, sum, mag)
			}
		}
	}
}

// TestConvBiasGradFromBNModel: resnet-20 (32×32×3, batch 32) at one
// thread and at two (two shards), its 3×3 convolutions paired with the
// BatchNormalizations after them (the 1×1 shortcuts, read by an Add,
// not), gives the same loss and the same bits of every gradient as the
// model that sums each bias gradient over dz (dz.off) but the paired
// convolutions' bias gradients, which are computed otherwise (their bits
// differ) and lie within 1e-4 of Σ|BatchNormalization's beta gradient|
// of each other (the exact value is zero).
func TestConvBiasGradFromBNModel(t *testing.T) {
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d threads", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			in := tensor.Shape{32, 32, 3}
			var gs [2]*Graph
			var losses [2]float64
			for k := range gs {
				g := ResNet20(in, 5)
				if err := g.Build(7); err != nil {
					t.Fatal(err)
				}
				for _, b := range fdLayers[*BatchNormalization](g) {
					b.dz.off = k == 1
				}
				x, labels := fuseTestBatch(in, 32)
				losses[k], _ = g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
				gs[k] = g
			}
			if losses[0] != losses[1] {
				t.Fatalf("losses %v, %v", losses[0], losses[1])
			}
			paired, differ := map[*Param]*BatchNormalization{}, 0
			for _, c := range fdLayers[*Conv2D](gs[0]) {
				if (c.biasBN == nil) != (c.geom.KH == 1) {
					t.Errorf("%s (%dx%d): paired %v", c.Name(), c.geom.KH, c.geom.KW, c.biasBN != nil)
				}
				if c.biasBN != nil {
					paired[c.bias] = c.biasBN
				}
			}
			pa, pb := gs[0].Params(), gs[1].Params()
			for i := range pa {
				a, b := pa[i].Param.Grad, pb[i].Param.Grad
				if a == nil {
					continue
				}
				bn, ok := paired[pa[i].Param]
				if !ok {
					sameFloats(t, pa[i].FullName()+" gradient", a.Data, b.Data)
					continue
				}
				scale := 0.0
				for _, v := range bn.beta.Grad.Data {
					scale += math.Abs(float64(v))
				}
				for j := range a.Data {
					if a.Data[j] != b.Data[j] {
						differ++
					}
					if e := math.Abs(float64(a.Data[j] - b.Data[j])); e > 1e-4*scale {
						t.Errorf("%s gradient [%d]: %g from the BatchNormalization, %g summed", pa[i].FullName(), j, a.Data[j], b.Data[j])
					}
				}
			}
			if len(paired) != 19 || differ == 0 {
				t.Errorf("%d convolutions paired (want 19), %d bias gradient values with other bits", len(paired), differ)
			}
		})
	}
}
