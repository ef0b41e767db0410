package train

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/onnx"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
)

// The head is the last Dense or 1x1 Conv2D on the way back from the
// output; anything else with weights, or a merge, there is refused.
func TestHeadIndex(t *testing.T) {
	seq := nn.ModelSpec{Input: []int{8, 8, 1}, Layers: []nn.LayerSpec{
		{Type: "Conv2D", Name: "c", Filters: 2, KernelSize: nn.Pair{3, 3}}, {Type: "Flatten", Name: "f"},
		{Type: "Dense", Name: "d1", Units: 4}, {Type: "Dense", Name: "d2", Units: 3}, {Type: "Activation", Name: "a", Activation: "softmax"}}}
	if i, err := HeadIndex(seq); err != nil || seq.Layers[i].Name != "d2" {
		t.Errorf("sequential: head %d, %v; want d2", i, err)
	}
	conv := nn.ModelSpec{Input: []int{8, 8, 1}, Layers: []nn.LayerSpec{
		{Type: "Conv2D", Name: "c", Filters: 2, KernelSize: nn.Pair{3, 3}, Inputs: []string{"input_layer"}},
		{Type: "Conv2D", Name: "cls", Filters: 3, KernelSize: nn.Pair{1, 1}, Inputs: []string{"c"}},
		{Type: "GlobalAveragePooling2D", Name: "g", Inputs: []string{"cls"}},
		{Type: "Activation", Name: "a", Activation: "softmax", Inputs: []string{"g"}}}}
	if i, err := HeadIndex(conv); err != nil || conv.Layers[i].Name != "cls" {
		t.Errorf("1x1 conv head: %d, %v; want cls", i, err)
	}
	conv.Layers[1].KernelSize = nn.Pair{3, 3}
	if _, err := HeadIndex(conv); err == nil || !strings.Contains(err.Error(), "cls") {
		t.Errorf("3x3 conv at the end: %v, want an error naming cls", err)
	}
	bn := slices.Clone(seq.Layers)
	bn = append(bn[:4:4], nn.LayerSpec{Type: "BatchNormalization", Name: "bn"}, seq.Layers[4])
	if _, err := HeadIndex(nn.ModelSpec{Layers: bn}); err == nil || !strings.Contains(err.Error(), "bn") {
		t.Errorf("BatchNormalization after the Dense: %v, want an error naming bn", err)
	}
	merge := nn.ModelSpec{Layers: []nn.LayerSpec{{Type: "Add", Name: "add", Inputs: []string{"x", "y"}}}}
	if _, err := HeadIndex(merge); err == nil {
		t.Error("a merge before the output: no error")
	}
}

// bnSpec is a small model with a BatchNormalization: conv, bn, dense.
func bnSpec(epochs int) *spec.Spec {
	s := smallSpec(epochs)
	s.Model.Layers = []nn.LayerSpec{
		{Type: "Conv2D", Filters: 4, KernelSize: nn.Pair{3, 3}, Strides: nn.Pair{2, 2}, Activation: "relu"},
		{Type: "BatchNormalization"}, {Type: "Flatten"}, {Type: "Dense", Units: 10, Activation: "softmax"}}
	return s
}

func paramsByName(m nn.Model) map[string][]float32 {
	out := map[string][]float32{}
	for _, p := range m.Params() {
		out[p.FullName()] = slices.Clone(p.Value.Data)
	}
	return out
}

// A fine-tune loads the pre-trained weights, gives the model a fresh head
// (here forced: the classes are the same), keeps the frozen layers'
// weights and BatchNormalization's moving statistics (inference mode),
// and its second stage trains the unfrozen conv but not the
// BatchNormalization.
func TestFineTuneFreezesLoadsAndUnfreezes(t *testing.T) {
	needMNIST(t)
	pre := t.TempDir()
	if _, err := Run(context.Background(), bnSpec(1), RunOptions{Dir: pre, Out: io.Discard}, false); err != nil {
		t.Fatal(err)
	}
	pm, _, err := modelfile.Load(pre)
	if err != nil {
		t.Fatal(err)
	}
	want := paramsByName(pm)
	sp := smallSpec(1)
	sp.Model = spec.Model{From: pre, Freeze: FreezeBase, NewHead: true}
	res, err := Run(context.Background(), sp, RunOptions{Dir: t.TempDir(), Out: io.Discard}, false)
	if err != nil {
		t.Fatal(err)
	}
	got := paramsByName(res.Model)
	for name, w := range want {
		frozen := !strings.HasPrefix(name, "dense/")
		if same := slices.Equal(got[name], w); same != frozen {
			t.Errorf("%s: unchanged %v after a fine-tune that freezes the base, want %v", name, same, frozen)
		}
	}
	if l := res.History.Epochs[0]; l[LogPretrainedChange] != 0 || l[LogBNDrift] != 0 {
		t.Errorf("frozen base: pretrained_change %v, bn_drift %v; want 0 and 0", l[LogPretrainedChange], l[LogBNDrift])
	}
	if tr, _ := res.Model.CountParams(); tr != len(want["dense/kernel"])+len(want["dense/bias"]) {
		t.Errorf("%d trainable weights, want the head's %d", tr, len(want["dense/kernel"])+len(want["dense/bias"]))
	}

	// Stage 2 from epoch 2: the conv trains, the BatchNormalization stays frozen.
	sp = smallSpec(2)
	sp.Model = spec.Model{From: pre, Freeze: FreezeBase}
	sp.Fit.FineTune = &spec.FineTune{Epoch: 1, LearningRate: 1e-4}
	res, err = Run(context.Background(), sp, RunOptions{Dir: t.TempDir(), Out: io.Discard}, false)
	if err != nil {
		t.Fatal(err)
	}
	got = paramsByName(res.Model)
	for name, w := range want {
		frozen := strings.HasPrefix(name, "batch_normalization/")
		if same := slices.Equal(got[name], w); same != frozen {
			t.Errorf("stage 2: %s unchanged %v, want %v", name, same, frozen)
		}
	}
	// The kept head is pre-trained: it moves in stage 1, the base too in stage 2.
	if a, b := res.History.Epochs[0][LogPretrainedChange], res.History.Epochs[1][LogPretrainedChange]; !(a > 0 && b > a && b < 1) {
		t.Errorf("pretrained_change %v then %v, want a rise in stage 2", a, b)
	}
	if lr := res.History.Epochs[1]["lr"]; lr != 1e-4 {
		t.Errorf("stage 2's learning rate %v, want 1e-4", lr)
	}
}

// The checkpoint's fine-tune state carries the stage and the frozen set.
func TestFineTuneStageStateRoundTrip(t *testing.T) {
	m, err := nn.ModelSpec{Input: []int{8, 8, 1}, Layers: []nn.LayerSpec{
		{Type: "Conv2D", Name: "c", Filters: 2, KernelSize: nn.Pair{3, 3}}, {Type: "BatchNormalization", Name: "bn"},
		{Type: "Flatten", Name: "f"}, {Type: "Dense", Name: "d", Units: 3}}}.Model()
	if err != nil || m.Build(1) != nil {
		t.Fatal(err)
	}
	nodes := m.Nodes()
	nn.SetTrainableBuilt(nodes[0].Layer, false)
	nn.SetTrainableBuilt(nodes[1].Layer, false)
	st := &FineTuneStage{Model: m, Stage: 1}
	b, err := st.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	before, _ := m.CountParams()
	names := unfreeze(m, "")
	if !slices.Equal(names, []string{"c"}) {
		t.Errorf("unfroze %v, want [c] (BatchNormalization stays frozen)", names)
	}
	if after, _ := m.CountParams(); after <= before {
		t.Errorf("unfreezing: %d trainable weights, before %d", after, before)
	}
	st.Stage = 2
	if err := st.RestoreState(b); err != nil {
		t.Fatal(err)
	}
	if st.Stage != 1 || nn.Trainable(nodes[0].Layer) || nn.Trainable(nodes[1].Layer) || !nn.Trainable(nodes[3].Layer) {
		t.Errorf("restored: stage %d, conv trainable %v, want stage 1 with c and bn frozen", st.Stage, nn.Trainable(nodes[0].Layer))
	}
	if got, _ := m.CountParams(); got != before {
		t.Errorf("restored: %d trainable weights, want %d", got, before)
	}
	for _, bad := range []string{`{"stage":3}`, `{"stage":1,"frozen":["nope"]}`, `[]`} {
		if err := st.RestoreState(json.RawMessage(bad)); err == nil {
			t.Errorf("state %s accepted", bad)
		}
	}
}

// A folder fine-tune takes the pre-trained model's preprocessing, size
// and colour mode; a given preprocessing is kept and reported.
func TestPretrainedFillData(t *testing.T) {
	m := nn.NewSequential(tensor.Shape{12, 10, 3}, &nn.Flatten{}, &nn.Dense{Units: 2})
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	pp := &data.Preprocess{Rescale: 1.0 / 127.5, FeaturewiseCenter: true, Mean: []float32{1, 1, 1}}
	p := &Pretrained{Model: m, Preprocess: pp, Interpolation: "bilinear"}
	var d spec.Data
	notes := p.FillData(&d)
	if d.Preprocessing == nil || d.Preprocessing.Rescale != pp.Rescale || !slices.Equal(d.TargetSize, []int{12, 10}) ||
		d.ColorMode != "rgb" || d.Interpolation != "bilinear" || len(notes) != 3 {
		t.Errorf("filled %+v, notes %q", d, notes)
	}
	given := spec.Data{Preprocessing: &data.Preprocess{Rescale: 1}, Source: "mnist"}
	notes = p.FillData(&given)
	if given.Preprocessing.Rescale != 1 || len(notes) != 1 || !strings.Contains(notes[0], "kept as given") || given.TargetSize != nil {
		t.Errorf("given preprocessing: %+v, notes %q", given, notes)
	}
}

// model.from refuses what is not a model folder or an ONNX model.
func TestLoadPretrainedRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "x.txt")
	os.WriteFile(txt, []byte("x"), 0o644)
	bad := filepath.Join(dir, "x.onnx")
	os.WriteFile(bad, []byte("not protobuf"), 0o644)
	for _, p := range []string{txt, bad, filepath.Join(dir, "none"), dir} {
		if _, err := LoadPretrained(p, nil); err == nil || !strings.Contains(err.Error(), "model.from") {
			t.Errorf("%s: %v, want a model.from error", p, err)
		}
	}
}

// An ONNX file exported by cnnscope (preprocessing in its metadata)
// starts a fine-tune with the same weights and preprocessing as its run.
func TestFineTuneFromONNX(t *testing.T) {
	needMNIST(t)
	pre := t.TempDir()
	sp := bnSpec(1)
	sp.Data.Preprocessing = &data.Preprocess{Rescale: 1.0 / 127.5, FeaturewiseCenter: true, Mean: []float32{1}}
	if _, err := Run(context.Background(), sp, RunOptions{Dir: pre, Out: io.Discard}, false); err != nil {
		t.Fatal(err)
	}
	pm, mf, err := modelfile.Load(pre)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(pre, "model.onnx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := onnx.Export(f, pm, onnx.ExportOptions{Classes: mf.Classes, Preprocess: &mf.Preprocessing}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sp = smallSpec(1)
	sp.Model = spec.Model{From: path, Freeze: FreezeBase}
	res, err := Run(context.Background(), sp, RunOptions{Dir: t.TempDir(), Out: io.Discard}, false)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Data.Preprocess; p.Rescale != 1.0/127.5 || !slices.Equal(p.Mean, []float32{1}) {
		t.Errorf("preprocessing %+v, want the pre-trained model's (rescale 1/127.5, mean 1)", p)
	}
	if res.Spec.Model.NewHead {
		t.Error("same classes: a new head")
	}
	// The imported graph names its layers its own way: compare the
	// frozen kernels by value.
	kernels := func(m nn.Model) (out [][]float32) {
		for _, p := range m.Params() {
			if p.Name == "kernel" && !strings.HasPrefix(p.Layer.Type(), "Dense") {
				out = append(out, p.Value.Data)
			}
		}
		return out
	}
	a, b := kernels(pm), kernels(res.Model)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d conv kernels pre-trained, %d fine-tuned", len(a), len(b))
	}
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("conv kernel %d differs from the pre-trained one after a frozen-base fine-tune", i)
		}
	}
}

// A new head is fresh: not the initial head the pre-trained model's own
// run drew from the same seed (its features are fitted to that one).
func TestNewHeadIsNotThePretrainedInitialHead(t *testing.T) {
	needMNIST(t)
	pre := t.TempDir()
	if _, err := Run(context.Background(), bnSpec(1), RunOptions{Dir: pre, Out: io.Discard}, false); err != nil {
		t.Fatal(err)
	}
	input := tensor.Shape{28, 28, 1}
	initial, err := BuildModel(bnSpec(1), input, 10)
	if err != nil {
		t.Fatal(err)
	}
	sp := bnSpec(1)
	sp.Model = spec.Model{From: pre, NewHead: true}
	m, err := BuildModel(sp, input, 10)
	if err != nil {
		t.Fatal(err)
	}
	w0, got := paramsByName(initial), paramsByName(m)
	if slices.Equal(got["dense/kernel"], w0["dense/kernel"]) {
		t.Error("the new head's kernel is the pre-trained run's initial kernel (same seed): want fresh weights")
	}
	if len(got["dense/kernel"]) != len(w0["dense/kernel"]) {
		t.Fatalf("head kernel has %d weights, want %d", len(got["dense/kernel"]), len(w0["dense/kernel"]))
	}
}
