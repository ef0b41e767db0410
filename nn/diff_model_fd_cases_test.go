package nn

import (
	"testing"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/tensor"
)

// The models of TestModelGradientsFiniteDifferences and the plans each
// must run.

func fdCases() []fdCase {
	return []fdCase{
		{name: "mobilenet block", build: fdMobileBlock, batch: 2, classes: 5, coords: 6, plans: fdMobilePlans},
		{name: "resnet blocks", build: fdResnetBlocks, batch: 3, classes: 4, coords: 4, plans: fdResnetPlans},
		{name: "basic cnn", build: fdBasicCNN, batch: 19, classes: 7, coords: 8, weights: true, plans: fdShardPlans},
		{name: "mobilenet stride 2", build: fdMobileStride2, batch: 3, classes: 3, coords: 6, plans: fdStride2Plans},
		{name: "winograd cnn", build: fdWinogradCNN, batch: 16, classes: 5, coords: 5, plans: fdWinogradShardPlans},
		{name: "sequential bn", build: fdSequentialBN, batch: 5, classes: 4, coords: 6, plans: fdSequentialBNPlans},
		{name: "bn add variants", build: fdBNAddVariants, batch: 4, classes: 3, coords: 6, weights: true, plans: fdBNAddPlans},
		// resnet-20 as the command line builds it, a fifth of its
		// tensors. (mobilenet-v2-small is not here: at 32×32 its last
		// BatchNormalizations see batch×1×1 rows, and at batch 2 a
		// relative change of 1e-7 in the weights moves the loss by 1e-3,
		// beyond float32; at batch 8 it passes with errors up to 0.37 of
		// the tolerance, for 2-3 s. Its blocks are the cases above.)
		{name: "resnet-20", build: fdPreset("resnet-20", tensor.Shape{8, 8, 3}, 4), batch: 2, classes: 4, coords: 2, coords2: 1, every: 5, plans: fdPresetPlans},
		{name: "frozen mobilenet block", build: fdFrozenMobileBlock, batch: 2, classes: 5, coords: 4, plans: fdFrozenPlans},
		// The Graph's data-parallel step (graph_shard.go): at 2 threads
		// these batches run as 2 shards, every fused plan inside them
		// (without the probe, a test layer that no replica can be built
		// of: the input's gradient is not sampled).
		{name: "resnet blocks sharded", build: fdUnprobed(fdResnetBlocks), batch: 5, classes: 4, coords: 2, weights: true, plans: fdShardedPlans(fdResnetPlans)},
		{name: "sequential bn sharded", build: fdSequentialBN, batch: 16, classes: 4, coords: 2, plans: fdSequentialBNShardPlans},
		{name: "mobilenet block sharded", build: fdUnprobed(fdMobileBlock), batch: 4, classes: 5, coords: 2, plans: fdShardedPlans(fdMobilePlans)},
	}
}

// fdMobileBlock: MobileNetV2's inverted residual block (1x1 expand, BN,
// relu6, depthwise, BN, relu6, 1x1 project, BN, Add with the input)
// over 2×32×32 = 2048 rows (whole blocks of rows in a sample: every hub
// pass runs in the depthwise convolution), then conv1x1 -> BN -> Add(skip) -> relu.
func fdMobileBlock() Model {
	g := NewGraph(tensor.Shape{32, 32, 8})
	in := g.Call(&fdProbe{}, g.In())
	x := g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}, NoBias: true}, in)
	x = g.Call(&Activation{Function: "relu6"}, g.Call(&BatchNormalization{Momentum: 0.9}, x))
	x = g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 3}, Padding: "same", NoBias: true}, x)
	x = g.Call(&Activation{Function: "relu6"}, g.Call(&BatchNormalization{}, x))
	x = g.Call(&Conv2D{Filters: 8, KernelSize: [2]int{1, 1}, NoBias: true}, x)
	x = g.Call(&BatchNormalization{Momentum: 0.8}, x)
	s := g.Call(&Add{}, x, in)
	x = g.Call(&BatchNormalization{}, g.Call(&Conv2D{Filters: 8, KernelSize: [2]int{1, 1}, NoBias: true}, s))
	x = g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, x, s))
	x = g.Call(&GlobalAveragePooling2D{}, x)
	g.Call(&Dense{Units: 5, Activation: "softmax"}, x)
	return g
}

func fdMobilePlans(t *testing.T, m Model, procs int) {
	g := m.(*Graph)
	want := ranApply | ranStats | ranSums | ranGrad | ranConvGrad | ranConvSums
	if ran := hubPassesRan(g); ran&want != want {
		t.Errorf("mobilenet block, %d threads: hub passes ran %06b, want %06b", procs, ran, want)
	}
	convs := fdLayers[*Conv2D](g)
	for _, c := range convs {
		if !c.pointwiseTiled() {
			t.Errorf("%s: not on tiles", c.Name())
		}
	}
	if convs[0].gradBN == nil || convs[1].gradBN == nil || convs[1].sumsBN == nil || convs[2].gradBN != nil {
		t.Errorf("pointwise pairs: expand %v, project %v/%v, last %v (want set, set/set, nil)",
			convs[0].gradBN != nil, convs[1].gradBN != nil, convs[1].sumsBN != nil, convs[2].gradBN != nil)
	}
	adds := fdLayers[*Add](g)
	if adds[0].bnRan || !adds[1].bnRan {
		t.Errorf("BN applied by the Add: %v, %v; want false, true", adds[0].bnRan, adds[1].bnRan)
	}
}

// fdResnetBlocks: two ResNet basic blocks of 16 3×3 filters
// (conv -> BN -> relu -> conv -> BN -> Add(skip) -> relu; the second's
// skip is the first's fused relu), and a projection
// block whose shortcut is a 1×1 stride-2 conv -> BN the Add applies and
// whose second conv has 32 channels (Winograd); 6×7 input.
func fdResnetBlocks() Model {
	conv := func(f, k, s int, bias bool) *Conv2D {
		return &Conv2D{Filters: f, KernelSize: [2]int{k, k}, Strides: [2]int{s, s}, Padding: "same", NoBias: !bias}
	}
	g := NewGraph(tensor.Shape{6, 7, 16})
	in := g.Call(&fdProbe{}, g.In())
	x := g.Call(&Activation{Function: "relu"}, g.Call(&BatchNormalization{}, g.Call(conv(16, 3, 1, true), in)))
	x = g.Call(&BatchNormalization{Momentum: 0.9}, g.Call(conv(16, 3, 1, false), x))
	b := g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, x, in))
	x = g.Call(&Activation{Function: "relu"}, g.Call(&BatchNormalization{}, g.Call(conv(16, 3, 1, false), b)))
	x = g.Call(&BatchNormalization{}, g.Call(conv(16, 3, 1, false), x))
	b = g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, x, b))
	sc := g.Call(&BatchNormalization{}, g.Call(conv(32, 1, 2, false), b))
	x = g.Call(&Activation{Function: "relu"}, g.Call(&BatchNormalization{}, g.Call(conv(32, 3, 2, true), b)))
	x = g.Call(&BatchNormalization{}, g.Call(conv(32, 3, 1, false), x))
	x = g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, sc, x))
	x = g.Call(&GlobalAveragePooling2D{}, x)
	g.Call(&Dense{Units: 4, Activation: "softmax"}, x)
	return g
}

func fdResnetPlans(t *testing.T, m Model, procs int) {
	g := m.(*Graph)
	convs := fdLayers[*Conv2D](g)
	tap := fdTapKernels()
	for _, c := range convs[:4] {
		if tap && !(c.direct() && kernels.ConvTapApplies(c.geom, c.units()) && c.tapDx()) {
			t.Errorf("%s: not on the three-tap kernels", c.Name())
		}
	}
	if !tap {
		t.Logf("no three-tap kernels in this build: the 16-filter convolutions run the others")
	}
	if !convs[6].useWinograd() || convs[5].useWinograd() {
		t.Errorf("Winograd: %s %v, %s %v; want true, false", convs[6].Name(), convs[6].useWinograd(), convs[5].Name(), convs[5].useWinograd())
	}
	adds := fdLayers[*Add](g)
	for _, a := range adds {
		if !a.bnRan || a.bnSide != 0 {
			t.Errorf("%s, %d threads: BN applied %v side %d; want true, 0", a.Name(), procs, a.bnRan, a.bnSide)
		}
	}
	if bn := adds[2].bn; bn == nil || !bn.dxOverX {
		t.Errorf("the shortcut's BatchNormalization does not write its input gradient over its input")
	}
}

// fdBasicCNN: basic-cnn's shape on an odd 11×11 input, a Sequential of
// per-sample layers: at 2 threads and batch 19 it runs in 2 shards (of
// 9 and 10 samples, or so).
func fdBasicCNN() Model {
	return NewSequential(tensor.Shape{11, 11, 1},
		&Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Activation: "relu"},
		&MaxPooling2D{},
		&Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"},
		&Flatten{},
		&Dense{Units: 12, Activation: "relu"},
		&Dense{Units: 7, Activation: "softmax"})
}

func fdShardPlans(t *testing.T, m Model, procs int) {
	if s := m.(*Sequential).shardCount(19); s != procs {
		t.Errorf("basic cnn at %d threads: %d shards, want %d", procs, s, procs)
	}
}

// fdTapKernels reports whether this build runs the three-tap kernels
// (not with purego or without AVX-512), on a 3×3 "same" convolution of
// 16 channels and filters.
func fdTapKernels() bool {
	return kernels.ConvTapApplies(kernels.ConvGeom{N: 1, H: 8, W: 8, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, OH: 8, OW: 8, PadTop: 1, PadLeft: 1}, 16)
}

// fdLayers lists a Graph's layers of type L in call order.
func fdLayers[L Layer](g *Graph) []L {
	var ls []L
	for _, n := range g.nodes {
		if l, ok := n.layer.(L); ok {
			ls = append(ls, l)
		}
	}
	return ls
}

// fdMobileStride2: MobileNetV2's stride-2 block on an odd 9×11 input,
// fewer than 2048 rows (the pointwise convolutions' whole-matrix
// products): expand, BN, relu6, ZeroPadding2D, a valid stride-2
// depthwise convolution (which does the padding's work), BN, relu6,
// project, BN; then a Concatenate with the input's average.
func fdMobileStride2() Model {
	g := NewGraph(tensor.Shape{9, 11, 8})
	in := g.Call(&fdProbe{}, g.In())
	x := g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}, NoBias: true}, in)
	x = g.Call(&Activation{Function: "relu6"}, g.Call(&BatchNormalization{}, x))
	x = g.Call(&ZeroPadding2D{Padding: [4]int{0, 1, 0, 1}}, x)
	x = g.Call(&DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, NoBias: true}, x)
	x = g.Call(&Activation{Function: "relu6"}, g.Call(&BatchNormalization{}, x))
	x = g.Call(&BatchNormalization{}, g.Call(&Conv2D{Filters: 8, KernelSize: [2]int{1, 1}, NoBias: true}, x))
	x = g.Call(&Concatenate{}, g.Call(&GlobalAveragePooling2D{}, x), g.Call(&GlobalAveragePooling2D{}, in))
	g.Call(&Dense{Units: 3, Activation: "softmax"}, x)
	return g
}

func fdStride2Plans(t *testing.T, m Model, procs int) {
	g := m.(*Graph)
	want := ranApply | ranGrad | ranConvGrad // no tiles: no sums in the project convolution
	if ran := hubPassesRan(g); ran&want != want {
		t.Errorf("mobilenet stride 2, %d threads: hub passes ran %06b, want %06b", procs, ran, want)
	}
	if d := fdLayers[*DepthwiseConv2D](g)[0]; d.prePad == nil {
		t.Errorf("%s does not do the ZeroPadding2D's work", d.Name())
	}
	for _, c := range fdLayers[*Conv2D](g) {
		if c.pointwiseTiled() {
			t.Errorf("%s: on tiles, want the whole-matrix products", c.Name())
		}
	}
}

// fdWinogradCNN: a Sequential whose first convolution (32 channels in
// and out, 3×3 stride 1) runs Winograd, then a 16-filter one (three-tap
// kernels), at batch 16: 2 shards at 2 threads, the replicas reading the
// model's transformed kernel.
func fdWinogradCNN() Model {
	return NewSequential(tensor.Shape{4, 5, 32},
		&Conv2D{Filters: 32, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"},
		&Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Activation: "relu"},
		&MaxPooling2D{},
		&Flatten{},
		&Dense{Units: 5, Activation: "softmax"})
}

func fdWinogradShardPlans(t *testing.T, m Model, procs int) {
	fdShardPlans(t, m, procs)
	if c := m.(*Sequential).Layers[0].(*Conv2D); !c.useWinograd() {
		t.Errorf("%s: not Winograd", c.Name())
	}
}

// fdSequentialBN: a Sequential with BatchNormalizations after a relu
// Conv2D (strides 2×1: the three-tap kernels in the forward pass) and a
// linear 1×1 one and a relu Dense (written over their input,
// nn/inplace.go), which it does not shard.
func fdSequentialBN() Model {
	return NewSequential(tensor.Shape{8, 7, 3},
		&Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 1}, Padding: "same", Activation: "relu"},
		&BatchNormalization{Momentum: 0.9},
		&Conv2D{Filters: 8, KernelSize: [2]int{1, 1}},
		&BatchNormalization{},
		&Activation{Function: "relu"},
		&MaxPooling2D{},
		&GlobalAveragePooling2D{},
		&Dense{Units: 12, Activation: "relu"},
		&BatchNormalization{},
		&Dense{Units: 4, Activation: "softmax"})
}

func fdSequentialBNPlans(t *testing.T, m Model, procs int) {
	s := m.(*Sequential)
	if n := s.shardCount(5); n != 1 {
		t.Errorf("sequential bn: %d shards", n)
	}
	if c := s.Layers[0].(*Conv2D); fdTapKernels() && !(c.direct() && kernels.ConvTapApplies(c.geom, c.units())) {
		t.Errorf("%s (strides 2×1): not on the three-tap kernels", c.Name())
	}
	for _, i := range []int{1, 3, 8} {
		if bn := s.Layers[i].(*BatchNormalization); !bn.inPlace {
			t.Errorf("%s: not written over its input", bn.Name())
		}
	}
}

// fdBNAddVariants: BatchNormalizations read by an Add with relu where the
// Add cannot apply one (12 channels, not a multiple of 8) and where it
// does but the Conv2D before (relu) keeps its output, so that the
// BatchNormalization writes its input gradient into its own buffer.
func fdBNAddVariants() Model {
	g := NewGraph(tensor.Shape{6, 5, 12})
	in := g.Call(&fdProbe{}, g.In())
	x := g.Call(&BatchNormalization{}, g.Call(&Conv2D{Filters: 12, KernelSize: [2]int{3, 3}, Padding: "same", Activation: "relu"}, in))
	a := g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, x, in))
	x = g.Call(&BatchNormalization{}, g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}, Activation: "relu"}, a))
	y := g.Call(&Conv2D{Filters: 16, KernelSize: [2]int{1, 1}, NoBias: true}, a)
	x = g.Call(&Activation{Function: "relu"}, g.Call(&Add{}, x, y))
	x = g.Call(&GlobalAveragePooling2D{}, x)
	g.Call(&Dense{Units: 3, Activation: "softmax"}, x)
	return g
}

func fdBNAddPlans(t *testing.T, m Model, procs int) {
	adds := fdLayers[*Add](m.(*Graph))
	if adds[0].bn == nil || adds[0].bnRan {
		t.Errorf("12 channels: BN paired %v, applied by the Add %v; want true, false", adds[0].bn != nil, adds[0].bnRan)
	}
	if !adds[1].bnRan || adds[1].bn.dxOverX {
		t.Errorf("after a relu Conv2D: BN applied by the Add %v, input gradient over its input %v; want true, false", adds[1].bnRan, adds[1].bn.dxOverX)
	}
}

// fdFrozenMobileBlock is fdMobileBlock fine-tuned: the expand
// convolution frozen before Build, and after it (SetTrainableBuilt, as a
// second fine-tuning stage does) the BatchNormalizations next to the
// depthwise convolution and the one the last Add applies, which then run
// in inference mode inside the fused passes.
func fdFrozenMobileBlock() Model {
	g := fdMobileBlock().(*Graph)
	SetTrainable(fdLayers[*Conv2D](g)[0], false)
	return fdFrozen{g}
}

// fdFrozen freezes its BatchNormalizations 0, 1 and 3 once built.
type fdFrozen struct{ *Graph }

func (f fdFrozen) Build(seed uint64) error {
	if err := f.Graph.Build(seed); err != nil {
		return err
	}
	bns := fdLayers[*BatchNormalization](f.Graph)
	for _, i := range []int{0, 1, 3} {
		SetTrainableBuilt(bns[i], false)
	}
	return nil
}

func fdFrozenPlans(t *testing.T, m Model, procs int) {
	g := m.(fdFrozen).Graph
	if c := fdLayers[*Conv2D](g)[0]; Trainable(c) || c.kernel.Trainable {
		t.Errorf("%s is not frozen", c.Name())
	}
	for i, bn := range fdLayers[*BatchNormalization](g) {
		if frozen := i != 2; Trainable(bn) == frozen || bn.training == frozen {
			t.Errorf("%s: trainable %v, trained %v; want %v", bn.Name(), Trainable(bn), bn.training, !frozen)
		}
	}
}

// fdPreset builds a preset model as the command line does, on a small input.
func fdPreset(name string, input tensor.Shape, classes int) func() Model {
	return func() Model {
		m, err := NewPreset(name, input, classes)
		if err != nil {
			panic(err)
		}
		return m
	}
}

// fdPresetPlans: resnet-20's nine residual Adds apply the
// BatchNormalization before them; its six 16-channel 3×3 convolutions
// (8×8 here) run Winograd F(2×2,3×3) forward, for the input gradient and
// for the kernel gradient (Conv2D.wino16) where this build has those
// passes.
func fdPresetPlans(t *testing.T, m Model, procs int) {
	wino := 0
	for _, c := range fdLayers[*Conv2D](m.(*Graph)) {
		if c.wino16() && c.w16.fwd > 0 && c.w16.dx > 0 && c.w16.grads.Load() > 0 {
			wino++
		}
	}
	if probe := (kernels.ConvGeom{H: 8, W: 8, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, OH: 8, OW: 8, PadTop: 1, PadLeft: 1}); kernels.Wino16Applies(probe, 16) && wino != 6 {
		t.Errorf("resnet-20, %d threads: %d convolutions ran the 16-channel Winograd path forward, for dx and for dkernel, want 6", procs, wino)
	}
	applied := 0
	for _, a := range fdLayers[*Add](m.(*Graph)) {
		if a.bnRan {
			applied++
		}
	}
	if applied != 9 {
		t.Errorf("resnet-20, %d threads: %d BatchNormalizations applied by Adds, want 9", procs, applied)
	}
}

// fdShardedPlans is plans, and a Graph step that ran in one shard per
// thread (graph_shard.go) at more than one thread, the whole batch at one.
func fdShardedPlans(plans func(t *testing.T, m Model, procs int)) func(t *testing.T, m Model, procs int) {
	return func(t *testing.T, m Model, procs int) {
		plans(t, m, procs)
		want := procs
		if procs == 1 {
			want = 0
		}
		if ran := m.(*Graph).shards.ran; ran != want {
			t.Errorf("%d threads: %d shards ran, want %d", procs, ran, want)
		}
	}
}

// fdUnprobed is build's Graph without its fdProbe: the probe's readers
// read the input.
func fdUnprobed(build func() Model) func() Model {
	return func() Model {
		g := build().(*Graph)
		if _, ok := g.nodes[0].layer.(*fdProbe); !ok || g.nodes[0].inputs[0] != inputRef {
			panic("fdUnprobed: the first layer is not a probe on the input")
		}
		r := NewGraph(g.Input)
		for _, n := range g.nodes[1:] {
			in := make([]Ref, len(n.inputs))
			for k, ref := range n.inputs {
				in[k] = max(inputRef, ref-1) // node 0 (the probe) is the input now
			}
			r.Call(n.layer, in...)
		}
		return r
	}
}

// fdSequentialBNShardPlans: fdSequentialBN at batch 16 runs in 2 shards at
// 2 threads, the replica's BatchNormalizations linked to the model's.
func fdSequentialBNShardPlans(t *testing.T, m Model, procs int) {
	s := m.(*Sequential)
	if n := s.shardCount(16); n != procs {
		t.Errorf("sequential bn at %d threads: %d shards, want %d", procs, n, procs)
	}
	if procs > 1 && (len(s.shards.reps) == 0 || s.shards.reps[0].Layers[1].(*BatchNormalization).sync == nil) {
		t.Errorf("sequential bn at %d threads: the replica's BatchNormalization did not take part", procs)
	}
}
