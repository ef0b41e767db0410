package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/train"
)

// A history as CSVLogger writes it: NA for a missing value, nan for NaN.
const historyCSV = `epoch,loss,accuracy,val_loss,val_accuracy,lr
1,2.25,0.31,1.5,0.52,0.01
2,1.125,0.62,0.75,0.71,0.01
3,0.5,0.8,NA,NA,0.001
4,0.25,0.9,0.875,0.74,0.001
5,0.125,0.95,1.25,0.73,0.001
`

func TestReadHistory(t *testing.T) {
	dir := writeRun(t, map[string]string{"history.csv": historyCSV})
	h, err := ReadHistory(dir + "/history.csv")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(h.Epochs) != "[1 2 3 4 5]" || strings.Join(h.Names, ",") != "loss,accuracy,val_loss,val_accuracy,lr" {
		t.Fatalf("epochs %v, names %v", h.Epochs, h.Names)
	}
	if got := h.Series("loss"); fmt.Sprint(got) != "[2.25 1.125 0.5 0.25 0.125]" {
		t.Errorf("loss %v", got)
	}
	if v := h.Series("val_loss"); !math.IsNaN(v[2]) || v[3] != 0.875 {
		t.Errorf("val_loss %v: want NaN for NA at epoch 3", v)
	}
	for _, bad := range []string{"loss,epoch\n1,2\n", "epoch,loss\none,2\n"} {
		d := writeRun(t, map[string]string{"history.csv": bad})
		if _, err := ReadHistory(d + "/history.csv"); err == nil || !strings.Contains(err.Error(), "history.csv") {
			t.Errorf("%q: error %v, want one naming the file", bad, err)
		}
	}
}

// The loss chart's SVG paths, mapped back through the chart's scales,
// give the history's values; the NaN breaks the validation line.
func TestLossChartPathsMapBackToHistory(t *testing.T) {
	dir := writeRun(t, map[string]string{"history.csv": historyCSV})
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := r.LossChart()
	if c.LogY { // 2.25 / 0.125 = 18 < 30: linear
		t.Fatal("loss chart is on a log axis for values within 18x")
	}
	f, ok := c.layout(0, 0)
	if !ok {
		t.Fatal("no layout")
	}
	paths := seriesPaths(c.SVG())
	want := map[string][]float64{TrainSeries: r.History.Series("loss"), ValSeries: r.History.Series("val_loss")}
	for name, ys := range want {
		d, ok := paths[name]
		if !ok {
			t.Fatalf("no path for series %q in %v", name, paths)
		}
		runs := parsePath(t, d)
		var got [][2]float64
		for _, run := range runs {
			for _, p := range run {
				got = append(got, [2]float64{f.dataX(p.X), f.dataY(p.Y)})
			}
		}
		var exp [][2]float64
		for i, y := range ys {
			if !math.IsNaN(y) {
				exp = append(exp, [2]float64{float64(r.History.Epochs[i]), y})
			}
		}
		if len(got) != len(exp) {
			t.Fatalf("%s: %d points, want %d", name, len(got), len(exp))
		}
		for i := range got {
			if math.Abs(got[i][0]-exp[i][0]) > 0.01 || math.Abs(got[i][1]-exp[i][1]) > 0.01 {
				t.Errorf("%s point %d: (%.3f, %.3f), want (%v, %v)", name, i, got[i][0], got[i][1], exp[i][0], exp[i][1])
			}
		}
		if wantRuns := map[string]int{TrainSeries: 1, ValSeries: 2}[name]; len(runs) != wantRuns {
			t.Errorf("%s: %d line pieces, want %d (NaN breaks the line)", name, len(runs), wantRuns)
		}
	}
}

// Per-step statistics on a log axis map back too, the 1e-3 guide is
// drawn, and x is in epochs (the end of epoch e is e).
func TestUpdateRatioChartLogScale(t *testing.T) {
	var lines []string
	ratios := []float64{3e-2, 4e-3, 1e-3, 2e-4}
	for i, v := range ratios {
		lines = append(lines, fmt.Sprintf(`{"type":"step","epoch":%d,"step":%d,"batch":1,"loss":1,"running_loss":1,"accuracy":0.5,"batch_accuracy":0.5,"lr":0.001,`+
			`"layers":[{"layer":"conv2d","type":"Conv2D","weights":{"grad_norm":%g,"weight_norm":1,"update_ratio":%g,"grad_zero_frac":0},"activation":{"activation":"relu","mean":0.1,"std":1,"zero_frac":0.5,"saturated_frac":0,"dead_frac":%g,"non_finite":0}},`+
			`{"layer":"flatten","type":"Flatten","activation":{"mean":0,"std":1,"zero_frac":0.5,"saturated_frac":0,"dead_frac":0.5,"non_finite":0}}]}`,
			i/2+1, 5*(i+1), 10*v, v, float64(i)/10))
		if i%2 == 1 {
			lines = append(lines, fmt.Sprintf(`{"type":"epoch","epoch":%d,"step":%d,"loss":1,"lr":0.001}`, i/2+1, 10*(i/2+1)))
		}
	}
	dir := writeRun(t, map[string]string{"metrics.jsonl": strings.Join(lines, "\n") + "\n{\"type\":\"st"}) // cut last line
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Metrics.StepsPerEpoch(); got != 10 {
		t.Fatalf("steps per epoch %d, want 10", got)
	}
	c := r.UpdateRatioChart()
	f, _ := c.layout(0, 0)
	if !f.LogY || f.Y0 != -4 || f.Y1 != -1 {
		t.Errorf("axis log %v from 1e%v to 1e%v, want 1e-4 to 1e-1", f.LogY, f.Y0, f.Y1)
	}
	svg := c.SVG()
	if !strings.Contains(svg, `class="guide" data-series="1e-3 guide"`) {
		t.Error("no 1e-3 guide line")
	}
	runs := parsePath(t, seriesPaths(svg)["conv2d"])
	if len(runs) != 1 || len(runs[0]) != len(ratios) {
		t.Fatalf("conv2d path %v", runs)
	}
	for i, p := range runs[0] {
		x, y := f.dataX(p.X), f.dataY(p.Y)
		if wx := float64(5*(i+1)) / 10; math.Abs(x-wx) > 0.01 || math.Abs(math.Log10(y/ratios[i])) > 0.01 {
			t.Errorf("point %d: (%.3f, %.3g), want (%v, %v)", i, x, y, wx, ratios[i])
		}
	}
	// Dead units: the ReLU layer only, not the flatten that passes them on.
	if d := seriesPaths(r.DeadChart().SVG()); d["conv2d"] == "" || d["flatten"] != "" {
		t.Errorf("dead-unit series %v: want conv2d and not flatten", d)
	}
}

func TestEvents(t *testing.T) {
	spec := "seed: 1\ndata:\n  source: mnist\nfit:\n  epochs: 10\n  early_stopping:\n    patience: 2\n"
	dir := writeRun(t, map[string]string{"history.csv": historyCSV, "spec.yaml": spec, "model.json": `{"format":"x"}`,
		"diagnosis.json": `{"verdict":"learning with problems","findings":[{"id":"overfitting","severity":"warning","title":"t","since":3}]}`})
	r, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range r.Events() {
		got = append(got, fmt.Sprintf("%s@%g", e.Kind, e.X))
	}
	// Overfitting since 3; lr fell after epoch 2; 5 of 10 epochs ran with early stopping on.
	if want := "[overfitting@3 lr@2 early_stop@5]"; fmt.Sprint(got) != want {
		t.Errorf("events %v, want %s", got, want)
	}
	svg := r.LossChart().SVG()
	for _, label := range []string{"overfitting from epoch 3", "lr ×0.1", "early stop (epoch 5 of 10)"} {
		if !strings.Contains(svg, `class="event" data-series="`+label+`"`) {
			t.Errorf("loss chart has no event line %q", label)
		}
	}
	nanDir := writeRun(t, map[string]string{"history.csv": strings.Replace(historyCSV, "4,0.25,0.9,0.875", "4,nan,0.9,0.875", 1)})
	if r, err = LoadRun(nanDir); err != nil {
		t.Fatal(err)
	}
	if ev := r.Events(); len(ev) != 2 || ev[1].Kind != "nan" || ev[1].X != 4 {
		t.Errorf("NaN loss at epoch 4: events %+v", ev)
	}
	r.StopReason = "terminated on NaN: loss is NaN"
	if ev := r.Events(); ev[len(ev)-1].Kind != "nan" {
		t.Errorf("NaN stop: last event %+v", ev[len(ev)-1])
	}
}

func TestTicks(t *testing.T) {
	if got := fmt.Sprint(niceTicks(0.13, 0.92, 5)); got != "[0 0.2 0.4 0.6 0.8 1]" {
		t.Errorf("niceTicks %s", got)
	}
	for v, want := range map[float64]string{0: "0", 0.001: "0.001", 5e-4: "5e-4", 2.5e-5: "2.5e-5", 1e6: "1e6", 1500: "1500"} {
		if got := fmtTick(v); got != want {
			t.Errorf("fmtTick(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestHeatmapCellsHoldCounts(t *testing.T) {
	h := &Heatmap{ID: "cm", Title: "t", Classes: []string{"cat", "dog & co"}, Counts: [][]int{{5, 1}, {0, 3}}}
	svg := h.SVG()
	for _, c := range []string{`data-true="0" data-pred="0" data-count="5"`, `data-true="0" data-pred="1" data-count="1"`, `data-true="1" data-pred="1" data-count="3"`} {
		if !strings.Contains(svg, c) {
			t.Errorf("no cell %s", c)
		}
	}
	if !strings.Contains(svg, "dog &amp; co") {
		t.Error("class names are not escaped")
	}
	if shade(0) != "#ffffff" || shade(1) != "#08306b" {
		t.Errorf("shades %s %s", shade(0), shade(1))
	}
}

// A confusion matrix of a few classes is narrow: its title still fits
// (3 classes: "Confusion matrix (validation, 12 images)" was cut on both
// sides).
func TestHeatmapTitleFits(t *testing.T) {
	for _, n := range []int{2, 3, 10, 40} {
		h := &Heatmap{ID: "cm", Title: "Confusion matrix (validation, 12,345 images)"}
		for i := range n {
			h.Classes = append(h.Classes, fmt.Sprint("c", i))
			h.Counts = append(h.Counts, make([]int, n))
		}
		if w, _ := h.Size(); w < measure(h.Title, heatmapTitleSize, true) {
			t.Errorf("%d classes: drawing %.0f wide, its title %.0f", n, w, measure(h.Title, heatmapTitleSize, true))
		}
	}
}

func TestWritePlotPNGAndSVG(t *testing.T) {
	dir := writeRun(t, map[string]string{"history.csv": historyCSV})
	panels, err := Figure(t.Context(), dir, "curves")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WritePlot(&b, panels, ".png"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X != 2*2*chartW || s.Y != 2*chartH {
		t.Errorf("PNG %v, want two panels at 2x", s)
	}
	// The validation line's colour is in the picture.
	found := false
	for y := 0; y < img.Bounds().Dy() && !found; y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if r>>8 == 0xD5 && g>>8 == 0x5E && bb>>8 == 0x00 {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no pixel of the validation colour in the PNG")
	}
	b.Reset()
	if err := WritePlot(&b, panels, ".svg"); err != nil {
		t.Fatal(err)
	}
	if p := seriesPaths(b.String()); p[TrainSeries] == "" || p[ValSeries] == "" {
		t.Errorf("SVG plot lacks the series: %v", p)
	}
	if _, err := Figure(t.Context(), dir, "nope"); err == nil {
		t.Error("unknown plot kind accepted")
	}
}

func TestFlattenAndDiffSettings(t *testing.T) {
	a := []byte("seed: 1\ndata:\n  source: mnist\n  target_size: [28, 28]\nmodel:\n  layers:\n    - type: conv2d\n      filters: 32\ncompile:\n  optimizer: adam\n")
	b := []byte("seed: 1\ndata:\n  source: mnist\n  target_size: [28, 28]\nmodel:\n  layers:\n    - type: conv2d\n      filters: 64\ncompile:\n  optimizer: sgd\n  momentum: 0.9\n")
	got := fmt.Sprint(flattenSpec(a))
	if want := "[[seed 1] [data.source mnist] [data.target_size [28, 28]] [model.layers[0].type conv2d] [model.layers[0].filters 32] [compile.optimizer adam]]"; got != want {
		t.Errorf("flattenSpec:\n got %s\nwant %s", got, want)
	}
	rows, same := diffSettings([]*Run{{SpecYAML: a}, {SpecYAML: b}})
	if fmt.Sprint(rows) != "[{model.layers[0].filters [32 64]} {compile.optimizer [adam sgd]} {compile.momentum [— 0.9]}]" || same != 4 {
		t.Errorf("diff %v, same %d", rows, same)
	}
}

func TestLongRunsAreThinned(t *testing.T) {
	r := &Run{Metrics: &Metrics{EpochEnd: map[int]int{1: 100}}}
	for i := 1; i <= 4001; i++ {
		r.Metrics.Steps = append(r.Metrics.Steps, train.StepRecord{Step: i, LR: 0.01})
	}
	s := r.steps()
	if len(s) > maxPoints || s[0].Step != 1 || s[len(s)-1].Step != 4001 {
		t.Errorf("%d records from %d to %d; want at most %d, first and last kept", len(s), s[0].Step, s[len(s)-1].Step, maxPoints)
	}
}

func TestImageURI(t *testing.T) {
	for _, c := range []int{1, 3, 4} {
		px := make([]uint8, 200*120*c)
		for i := range px {
			px[i] = uint8(i)
		}
		uri := string(imageURI(px, 120, 200, c))
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(uri, "data:image/png;base64,"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if s := img.Bounds().Size(); s.X != maxThumb || s.Y != 57 {
			t.Errorf("%d channels: %v, want scaled to %dx57", c, s, maxThumb)
		}
	}
}
