package train

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
)

// readLines decodes every line of a metrics.jsonl into a generic map and
// a StepRecord.
func readLines(t *testing.T, path string) ([]map[string]any, []StepRecord) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var maps []map[string]any
	var steps []StepRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d: %v: %s", len(maps)+1, err, sc.Text())
		}
		maps = append(maps, m)
		if m["type"] == "step" {
			var r StepRecord
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, r)
		}
	}
	return maps, steps
}

// statsWatch records the steps whose forward pass collected activation
// statistics, and whether a validation pass did.
type statsWatch struct {
	Nop
	last      []nn.ActivationStats
	steps     []int
	validated bool
}

func (w *statsWatch) changed(s *State) bool {
	st := s.Model.Stats()
	c := !slices.Equal(st, w.last)
	w.last = slices.Clone(st)
	return c
}

func (w *statsWatch) BatchEnd(s *State, _ *StepInfo) error {
	if w.changed(s) {
		w.steps = append(w.steps, s.Step)
	}
	return nil
}

func (w *statsWatch) EpochEnd(s *State, _ int, _ Logs) error {
	w.validated = w.validated || w.changed(s)
	return nil
}

// TestMetricsLoggerFit logs a real fit of 2 epochs of 6 steps.
func TestMetricsLoggerFit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	watch := &statsWatch{}
	const lr = 0.05
	h, err := fitTiny(t, tinyModel(t), 2, optim.NewSGD(optim.Config{LearningRate: lr}, 0, false),
		watch, &MetricsLogger{Path: path, Every: 4})
	if err != nil {
		t.Fatal(err)
	}
	lines, steps := readLines(t, path)
	var kinds []string
	for _, l := range lines {
		kinds = append(kinds, l["type"].(string)+":"+jsonNum(l["step"]))
	}
	if want := []string{"step:1", "step:4", "epoch:6", "step:8", "step:12", "epoch:12"}; !slices.Equal(kinds, want) {
		t.Fatalf("records %v, want %v", kinds, want)
	}
	if !slices.Equal(watch.steps, []int{1, 4, 8, 12}) || watch.validated {
		t.Errorf("statistics collected at steps %v (want 1, 4, 8, 12), in validation: %v", watch.steps, watch.validated)
	}
	ep := lines[2]
	for _, k := range []string{"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"} {
		if v, ok := ep[k].(float64); !ok || (k != "epoch" && v != h.Epochs[0][k]) {
			t.Errorf("epoch record %s = %v, history %v", k, ep[k], h.Epochs[0][k])
		}
	}
	for _, r := range steps {
		if r.LR != lr || len(r.Layers) != 2 || r.Layers[0].Type != "Flatten" || r.Layers[0].Weights != nil ||
			r.Layers[0].Activation == nil || r.Layers[1].Activation == nil || r.Layers[1].Activation.Activation != "softmax" {
			t.Fatalf("step %d: %+v", r.Step, r)
		}
		d := r.Layers[1]
		if len(d.Params) != 2 || d.Params[0].Name != "kernel" || d.Params[1].Name != "bias" {
			t.Fatalf("step %d dense params %+v", r.Step, d.Params)
		}
		// SGD: |Δw| = lr |g|, and |w| moves little in one step.
		k := d.Params[0]
		want := lr * float64(k.GradNorm) / float64(k.WeightNorm)
		if got := float64(*k.UpdateRatio); math.Abs(got-want) > 0.05*want || got == 0 {
			t.Errorf("step %d: update ratio %v, lr*|g|/|w| %v", r.Step, got, want)
		}
		agg := math.Hypot(float64(d.Params[0].GradNorm), float64(d.Params[1].GradNorm))
		if math.Abs(float64(d.Weights.GradNorm)-agg) > 1e-12*agg {
			t.Errorf("layer grad norm %v, params' %v", d.Weights.GradNorm, agg)
		}
	}
	if r := steps[2]; r.Epoch != 2 || r.Batch != 2 || r.Step != 8 {
		t.Errorf("step 8 is epoch %d batch %d", r.Epoch, r.Batch)
	}

	// Every step logged: statistics are still off in validation.
	watch = &statsWatch{}
	_, err = fitTiny(t, tinyModel(t), 2, optim.NewSGD(optim.Config{LearningRate: lr}, 0, false),
		watch, &MetricsLogger{Path: path, Every: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, steps = readLines(t, path); len(steps) != 12 || len(watch.steps) != 12 || watch.validated {
		t.Errorf("every step: %d records, statistics at %v, in validation %v", len(steps), watch.steps, watch.validated)
	}

	// A logged step that opens an epoch: statistics go on after validation.
	watch = &statsWatch{}
	_, err = fitTiny(t, tinyModel(t), 2, optim.NewSGD(optim.Config{LearningRate: lr}, 0, false),
		watch, &MetricsLogger{Path: path, Every: 7})
	if err != nil {
		t.Fatal(err)
	}
	_, steps = readLines(t, path)
	if len(steps) != 2 || steps[1].Step != 7 || steps[1].Layers[1].Activation == nil ||
		!slices.Equal(watch.steps, []int{1, 7}) || watch.validated {
		t.Errorf("every 7: %d step records, statistics at %v, in validation %v", len(steps), watch.steps, watch.validated)
	}
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestMetricsLoggerStepValues drives one logged step by hand.
func TestMetricsLoggerStepValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	s := fakeState(t, 0.1)
	k, b := paramNamed(s.Model, "dense/kernel"), paramNamed(s.Model, "dense/bias")
	fillAll(k.Value.Data, 1)
	fillAll(b.Value.Data, 0)
	c := &MetricsLogger{Path: path}
	if err := c.TrainBegin(s); err != nil { // step 1 is logged: weights copied
		t.Fatal(err)
	}
	fillAll(k.Value.Data, 1.5)
	fillAll(b.Value.Data, 2)
	for i := range k.Grad.Data {
		k.Grad.Data[i] = float32(i % 2 * 2) // half zeros, 24 twos
	}
	fillAll(b.Grad.Data, 0)
	s.Step = 1
	st := &StepInfo{Loss: math.Inf(1), EpochLoss: 0.5, EpochAccuracy: 0.25, Correct: 1, Batch: batchOf(4, 1)}
	if err := c.BatchEnd(s, st); err != nil {
		t.Fatal(err)
	}
	if err := c.TrainEnd(s); err != nil {
		t.Fatal(err)
	}
	_, steps := readLines(t, path)
	if len(steps) != 1 {
		t.Fatalf("%d records", len(steps))
	}
	r := steps[0]
	if !math.IsInf(float64(r.Loss), 1) || r.RunningLoss != 0.5 || r.Accuracy != 0.25 || r.BatchAccuracy != 0.25 || r.LR != 0.1 {
		t.Errorf("%+v", r)
	}
	half := JSONFloat(0.5)
	want := []WeightStats{
		{Name: "kernel", GradNorm: JSONFloat(math.Sqrt(24 * 4)), WeightNorm: JSONFloat(math.Sqrt(48 * 2.25)), UpdateRatio: &half, GradZeroFrac: 0.5},
		// The bias was all zeros before the step: no ratio.
		{Name: "bias", GradNorm: 0, WeightNorm: JSONFloat(math.Sqrt(3 * 4)), GradZeroFrac: 1},
	}
	got := r.Layers[1].Params
	eq := func(a, b WeightStats) bool {
		return a.Name == b.Name && a.GradNorm == b.GradNorm && a.WeightNorm == b.WeightNorm && a.GradZeroFrac == b.GradZeroFrac &&
			(a.UpdateRatio == nil) == (b.UpdateRatio == nil) && (a.UpdateRatio == nil || *a.UpdateRatio == *b.UpdateRatio)
	}
	if !slices.EqualFunc(got, want, eq) {
		t.Errorf("params %+v\nwant %+v", got, want)
	}
	// Together: |Δw|² = 48*0.25 + 3*4, |w_before|² = 48.
	if w := r.Layers[1].Weights; !closeTo(float64(*w.UpdateRatio), math.Sqrt(24.0/48)) || !closeTo(float64(w.GradZeroFrac), 27.0/51) {
		t.Errorf("layer %+v", w)
	}
}

func fillAll(v []float32, x float32) {
	for i := range v {
		v[i] = x
	}
}

// TestMetricsLoggerAppend drops the records past the resume step and a
// line cut short.
func TestMetricsLoggerAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	old := `{"type":"step","epoch":1,"step":1}` + "\n" + `{"type":"epoch","epoch":1,"step":6,"loss":1}` + "\n" +
		`{"type":"step","epoch":2,"step":8}` + "\n" + `{"type":"epoch","epoch":2,"step":12,"loss":0.5}` + "\n" + `{"type":"st`
	os.WriteFile(path, []byte(old), 0o644)
	s := fakeState(t, 0.1)
	s.Options.InitialStep, s.Step = 6, 6
	c := &MetricsLogger{Path: path, Append: true, Every: 100}
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	if err := c.EpochEnd(s, 1, Logs{"epoch": 2, "loss": 0.25, "val_loss": math.NaN()}); err != nil {
		t.Fatal(err)
	}
	c.TrainEnd(s)
	want := `{"type":"step","epoch":1,"step":1}` + "\n" + `{"type":"epoch","epoch":1,"step":6,"loss":1}` + "\n" +
		`{"type":"epoch","epoch":2,"step":6,"loss":0.25,"val_loss":"NaN"}` + "\n"
	if got := readText(t, path); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestJSONFloat(t *testing.T) {
	in := []JSONFloat{1.5, JSONFloat(math.NaN()), JSONFloat(math.Inf(1)), JSONFloat(math.Inf(-1)), 1e-300}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `[1.5,"NaN","Infinity","-Infinity",1e-300]` {
		t.Fatalf("%s %v", b, err)
	}
	var out []JSONFloat
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 1.5 || !math.IsNaN(float64(out[1])) || !math.IsInf(float64(out[2]), 1) || !math.IsInf(float64(out[3]), -1) || out[4] != 1e-300 {
		t.Errorf("%v", out)
	}
	if err := json.Unmarshal([]byte(`["x"]`), &out); err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Errorf("bad value: %v", err)
	}
}
