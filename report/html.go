package report

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

//go:embed *.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"pct": func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
	"f4":  func(v float64) string { return fmtMetric(v) },
	"verdictClass": func(v string) string {
		return map[string]string{"learning effectively": "good", "learning with problems": "warn", "not learning": "bad", "inconclusive": "warn"}[v]
	},
	"n":   nn.FormatCount,
	"bar": func(n, most int) string { return fmt.Sprintf("%.1f", 100*float64(n)/float64(max(most, 1))) },
}).ParseFS(templateFS, "*.tmpl"))

// fmtMetric formats a loss or accuracy with 4 decimals ("—" when absent).
func fmtMetric(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	if math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%.4f", v)
}

// Inputs are what a caller already holds (train after a run); a nil
// field is loaded from the run directory or recomputed.
type Inputs struct {
	Data       *train.Prepared
	Model      nn.Model
	Duration   time.Duration
	StopReason string
	// Now stamps the report (zero: time.Now()).
	Now time.Time
}

// layerRow is one row of the model table.
type layerRow struct {
	Name, Type, Shape, Activation string
	Params                        int
	// ConnectedTo names the layers a graph's layer is called on (each a
	// link to its row; none for the input).
	ConnectedTo []string
}

// classCount is a per-class row of the data table.
type classCount struct {
	Class                 string
	Train, Val, Test, Max int
	Weight                float64
}

// page is what page.html.tmpl shows.
type page struct {
	Title, Generated string
	Run              *Run
	Notes            []string
	Facts            [][2]string
	Settings         [][2]string
	Layers           []layerRow
	Graph            bool      // the model merges tensors: the table shows connections
	Params           [3]string // total, trainable, non-trainable
	DataLine         string
	Skipped          []skippedNotice
	Counts           []classCount
	HasWeights       bool
	Curves, Training []template.HTML
	Eval             *Evaluation
	Heatmap          template.HTML
	PerClass         []train.ClassMetrics
	MacroF1          float64
	Augmented        [][]Sample
}

// WriteRun makes RUN_DIR/report.html (atomically) and returns its path.
func WriteRun(ctx context.Context, dir string, in Inputs) (string, error) {
	path := filepath.Join(dir, ReportFile)
	if err := CheckReplace(path); err != nil {
		return path, err
	}
	err := atomicfile.WriteFile(path, func(w io.Writer) error { return Render(ctx, w, dir, in) }, 0o644)
	return path, err
}

// Render writes the HTML report of the run in dir to w.
func Render(ctx context.Context, w io.Writer, dir string, in Inputs) error {
	r, err := LoadRun(dir)
	if err != nil {
		return err
	}
	if in.Duration > 0 {
		r.Duration, r.DurationEstimated = in.Duration, false
	}
	if in.StopReason != "" {
		r.StopReason = in.StopReason
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	p := &page{Title: "cnnscope report: " + r.Name, Generated: now.Format("2006-01-02 15:04"), Run: r, MacroF1: math.NaN()}
	for _, m := range r.Missing {
		if !strings.HasPrefix(m, DiagnosisFile) { // the verdict section says so
			p.Notes = append(p.Notes, "missing "+m)
		}
	}
	prep, m := in.Data, in.Model
	if prep == nil && r.Spec != nil {
		if prep, err = train.PrepareData(r.Spec.Data, r.Spec.Seed); err != nil {
			p.Notes = append(p.Notes, "data not available, so no data summary, confusion matrix or image grids: "+err.Error())
		}
	}
	trained := m != nil // weights to evaluate
	if m == nil && r.Model != nil {
		if loaded, _, err := modelfile.Load(dir); err == nil {
			m, trained = loaded, true
		} else {
			p.Notes = append(p.Notes, "model not loadable, so no confusion matrix: "+err.Error())
			m = architecture(r.Model.Model)
		}
	}
	if m == nil && r.Spec != nil && prep != nil {
		m, _ = train.BuildModel(r.Spec, tensor.Shape{prep.Train.Height, prep.Train.Width, prep.Train.Channels}, len(prep.Classes))
	}
	p.model(m)
	p.data(prep)
	p.skipped(r, prep)
	p.Facts = r.facts(prep, m)
	p.Settings = flattenSpec(r.SpecYAML)
	p.Curves = []template.HTML{template.HTML(r.LossChart().SVG()), template.HTML(r.AccuracyChart().SVG())}
	for _, c := range []*Chart{r.LRChart(), r.GradientChart(), r.UpdateRatioChart(), r.DeadChart(), r.SaturationChart()} {
		p.Training = append(p.Training, template.HTML(c.SVG()))
	}
	if prep != nil && trained {
		pp := prep.Preprocess
		loss, lossErr := nn.NewLoss("", false) // neither a model file nor a spec: unknown
		if r.Model != nil {
			pp = &r.Model.Preprocessing
			loss, lossErr = r.Model.NewLoss()
		} else if r.Spec != nil {
			loss, lossErr = r.Spec.Compile.NewLoss()
		}
		if ev, err := evaluate(ctx, m, loss, lossErr, pp, prep, 24); err != nil {
			p.Notes = append(p.Notes, "evaluation failed: "+err.Error())
		} else {
			p.Eval = ev
			c := ev.Result.Confusion
			hm := &Heatmap{ID: "chart-confusion", Title: fmt.Sprintf("Confusion matrix (%s, %s images)", ev.Split, nn.FormatCount(ev.Result.Samples)),
				Classes: c.Classes, Counts: c.Counts}
			p.Heatmap = template.HTML(hm.SVG())
			p.PerClass, p.MacroF1 = c.PerClass(), c.MacroF1()
		}
	}
	if prep != nil && r.Spec != nil {
		p.Augmented = augmentedGrid(prep, r.Spec.Data.Augmentation, r.Spec.Seed, 4, 7)
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "page.html.tmpl", p); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// architecture builds a model from its spec without weights (for the
// summary table only); nil if it does not build.
func architecture(s nn.ModelSpec) nn.Model {
	m, err := s.Model()
	if err != nil || m.Build(0) != nil {
		return nil
	}
	return m
}

func (p *page) model(m nn.Model) {
	if m == nil {
		return
	}
	ms := m.Spec()
	specs, nodes := ms.Layers, m.Nodes()
	for _, node := range nodes {
		p.Graph = p.Graph || len(node.Inputs) > 1
	}
	if p.Graph { // as Keras' functional summary: the input layer first, so every connection names a row
		name := ms.InputName
		if name == "" {
			name = nn.DefaultInputName
		}
		p.Layers = append(p.Layers, layerRow{Name: name, Type: "InputLayer", Shape: nn.FormatShape(m.InputShape())})
	}
	for i, node := range nodes {
		l := node.Layer
		n := 0
		for _, prm := range l.Params() {
			n += prm.Value.Len()
		}
		row := layerRow{Name: l.Name(), Type: l.Type(), Shape: nn.FormatShape(node.Output), Params: n, ConnectedTo: node.Inputs}
		if i < len(specs) {
			row.Activation = specs[i].Activation
		}
		p.Layers = append(p.Layers, row)
	}
	tr, non := m.CountParams()
	p.Params = [3]string{nn.FormatCount(tr + non), nn.FormatCount(tr), nn.FormatCount(non)}
}

func (p *page) data(prep *train.Prepared) {
	if prep == nil {
		return
	}
	d := prep.Train
	p.DataLine = fmt.Sprintf("%s training, %s validation", nn.FormatCount(len(prep.TrainIdx)), nn.FormatCount(len(prep.ValIdx)))
	if prep.Test != nil {
		p.DataLine += fmt.Sprintf(", %s test", nn.FormatCount(prep.Test.Len()))
	}
	p.DataLine += fmt.Sprintf(" images of %d×%d×%d, %d classes", d.Height, d.Width, d.Channels, len(prep.Classes))
	n := len(prep.Classes)
	rows := make([]classCount, n)
	for i, c := range prep.Classes {
		rows[i].Class = c
		if i < len(prep.Counts) {
			rows[i].Train = prep.Counts[i]
		}
		if i < len(prep.ClassWeights) {
			rows[i].Weight = prep.ClassWeights[i]
		}
	}
	for _, i := range prep.ValIdx {
		rows[d.Labels[i]].Val++
	}
	if prep.Test != nil {
		for _, l := range prep.Test.Labels {
			if int(l) < n {
				rows[l].Test++
			}
		}
	}
	most := 0
	for _, r := range rows {
		most = max(most, r.Train)
	}
	for i := range rows {
		rows[i].Max = most
	}
	p.Counts, p.HasWeights = rows, prep.ClassWeights != nil
}
