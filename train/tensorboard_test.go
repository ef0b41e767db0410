package train

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/internal/tfevents/readback"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
)

// point is one logged value of a tag.
type point struct {
	step  int64
	value float32
}

// readEvents reads the one event file in dir back: scalars by tag, and
// histograms by tag and step.
func readEvents(t *testing.T, dir string) (map[string][]point, map[string]*readback.Histogram) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "events.out.tfevents.*"))
	if err != nil || len(files) != 1 {
		t.Fatalf("event files in %s: %v %v", dir, files, err)
	}
	events, err := readback.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if events[0].FileVersion != "brain.Event:2" {
		t.Errorf("first event %+v", events[0])
	}
	scalars, hists := map[string][]point{}, map[string]*readback.Histogram{}
	for _, e := range events[1:] {
		for _, v := range e.Values {
			if v.Histogram != nil {
				hists[fmt.Sprintf("%s@%d", v.Tag, e.Step)] = v.Histogram
			} else {
				scalars[v.Tag] = append(scalars[v.Tag], point{e.Step, v.Scalar})
			}
		}
	}
	return scalars, hists
}

// stepRecorder keeps each step's running loss.
type stepRecorder struct {
	Nop
	loss, acc []float64
}

func (r *stepRecorder) BatchEnd(_ *State, b *StepInfo) error {
	r.loss, r.acc = append(r.loss, b.EpochLoss), append(r.acc, b.EpochAccuracy)
	return nil
}

// TestTensorBoardFit trains 3 epochs of 6 steps with update_freq 4 and
// histogram_freq 2 and reads every file back.
func TestTensorBoardFit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tb")
	m := tinyModel(t, 5)
	rec := &stepRecorder{}
	h, err := fitTiny(t, m, 3, optim.NewAdam(optim.Config{}), rec, &TensorBoard{LogDir: dir, UpdateFreq: 4, HistogramFreq: 2})
	if err != nil {
		t.Fatal(err)
	}
	train, hists := readEvents(t, filepath.Join(dir, "train"))
	val, valHists := readEvents(t, filepath.Join(dir, "validation"))
	epochs := func(key string) []point {
		var ps []point
		for e, l := range h.Epochs {
			ps = append(ps, point{int64(e), float32(l[key])})
		}
		return ps
	}
	steps := func(vs []float64, every int) []point {
		var ps []point
		for s := every; s <= len(vs); s += every {
			ps = append(ps, point{int64(s), float32(vs[s-1])})
		}
		return ps
	}
	evalAt := func(key string) []point {
		ps := epochs(key)
		for i := range ps {
			ps[i].step = int64(6 * (i + 1))
		}
		return ps
	}
	want := map[string]map[string][]point{
		"train": {"epoch_loss": epochs("loss"), "epoch_accuracy": epochs("accuracy"), "epoch_learning_rate": epochs("lr"),
			"batch_loss": steps(rec.loss, 4), "batch_accuracy": steps(rec.acc, 4)},
		"validation": {"epoch_loss": epochs("val_loss"), "epoch_accuracy": epochs("val_accuracy"),
			"evaluation_loss_vs_iterations": evalAt("val_loss"), "evaluation_accuracy_vs_iterations": evalAt("val_accuracy")},
	}
	for name, got := range map[string]map[string][]point{"train": train, "validation": val} {
		for tag, ps := range want[name] {
			if !slices.Equal(got[tag], ps) {
				t.Errorf("%s %s: %v, want %v", name, tag, got[tag], ps)
			}
		}
		if len(got) != len(want[name]) {
			t.Errorf("%s: tags %v, want %d", name, got, len(want[name]))
		}
	}
	if len(valHists) != 0 {
		t.Errorf("histograms in validation/: %v", valHists)
	}
	checkTensorBoardHistograms(t, m.Params(), hists)
}

// checkTensorBoardHistograms: every weight has a histogram at epochs 0
// and 2 (histogram_freq 2 of 3 epochs), every trainable one a gradient
// histogram too; at epoch 2 the weights' are the final weights'.
func checkTensorBoardHistograms(t *testing.T, params []nn.LayerParam, hists map[string]*readback.Histogram) {
	t.Helper()
	n := 0
	for _, p := range params {
		var sum float64
		for _, v := range p.Value.Data {
			sum += float64(v)
		}
		for _, step := range []int{0, 2} {
			h := hists[fmt.Sprintf("%s/histogram@%d", p.FullName(), step)]
			if h == nil || h.Num != float64(len(p.Value.Data)) {
				t.Fatalf("%s at epoch %d: histogram %+v", p.FullName(), step, h)
			}
			if step == 2 && h.Sum != sum {
				t.Errorf("%s: histogram sum %v, the final weights' %v", p.FullName(), h.Sum, sum)
			}
			n++
			if !p.Trainable {
				continue
			}
			if g := hists[fmt.Sprintf("%s/gradient@%d", p.FullName(), step)]; g == nil || g.Num != float64(len(p.Grad.Data)) {
				t.Errorf("%s at epoch %d: gradient histogram %+v", p.FullName(), step, g)
			}
			n++
		}
	}
	if n != len(hists) || n != 16 {
		t.Errorf("%d histograms, want %d (16: 2 dense layers x kernel, bias x weights, gradients x 2 epochs)", len(hists), n)
	}
}

// TestTensorBoardUnwritable: a log directory under a file fails at the
// start, naming the callback.
func TestTensorBoardUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := fitTiny(t, tinyModel(t), 1, optim.NewAdam(optim.Config{}), &TensorBoard{LogDir: filepath.Join(file, "tb")})
	if err == nil || !strings.HasPrefix(err.Error(), "tensorboard: ") {
		t.Errorf("err %v, want a tensorboard error", err)
	}
}
