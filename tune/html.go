package tune

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/cnnscope/cnnscope/report"
)

// HTMLFile is the study's self-contained page.
const HTMLFile = "study.html"

type htmlRow struct {
	ID                       int
	Status, Reason, Params   string
	Epochs                   int
	ValLoss, ValAcc, Seconds string
	Report                   string // trials/007/report.html
}

type htmlPage struct {
	Title, Algorithm string
	Trials, Epochs   int
	Spent, MaxSpent  int
	StepSpent        string // epochs counting partial ones by their steps
	Seconds          string
	Rows, Pruned     []htmlRow
	Charts           []template.HTML
}

var studyPage = template.Must(template.New("study").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1300px}
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4}.completed{color:#006d2c}.pruned{color:#a63603}.failed{color:#b10026}
.charts{display:flex;flex-wrap:wrap;gap:1em}svg{font:11px system-ui,sans-serif}
</style></head><body>
<h1>{{.Title}}</h1>
<p>{{.Trials}} trials, {{.Algorithm}}, at most {{.Epochs}} epochs each. Spent: {{.StepSpent}} epochs counting every step (the sum over trials of steps run / steps per epoch) of the {{.MaxSpent}} of every trial trained to the end; {{.Spent}} whole epochs (history.csv rows); in {{.Seconds}}.</p>
<h2>Trials ranked by validation loss</h2>
<table><tr><th>trial</th><th>status</th><th>epochs</th><th>best val_loss</th><th>val_accuracy</th><th>seconds</th><th>parameters</th><th>reason</th></tr>
{{range .Rows}}<tr><td><a href="{{.Report}}">{{.ID}}</a></td><td class="{{.Status}}">{{.Status}}</td><td>{{.Epochs}}</td><td>{{.ValLoss}}</td><td>{{.ValAcc}}</td><td>{{.Seconds}}</td><td>{{.Params}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>
<h2>Parameters against the objective; learning curves of the best trials</h2>
<div class="charts">{{range .Charts}}<div>{{.}}</div>{{end}}</div>
<h2>Pruned trials</h2>
{{if .Pruned}}<table><tr><th>trial</th><th>epochs</th><th>parameters</th><th>why</th></tr>
{{range .Pruned}}<tr><td><a href="{{.Report}}">{{.ID}}</a></td><td>{{.Epochs}}</td><td>{{.Params}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
<p>Each trial is a run directory: <code>cnnscope report|diagnose|doctor {{.Title}}/trials/NNN</code>.</p>
</body></html>
`))

// WriteHTML writes study.html: the trials ranked, each parameter against
// the best val_loss, the best trials' val_loss curves overlaid, and the
// pruned trials with their reason. It links each trial's report.html.
func (s *Study) WriteHTML(w io.Writer) error {
	p := htmlPage{Title: s.dir, Algorithm: s.Algorithm, Trials: len(s.Trials), Epochs: s.MaxEpochs,
		Spent: s.EpochsSpent, MaxSpent: len(s.Trials) * s.MaxEpochs, Seconds: fmt.Sprintf("%.0fs", s.Seconds)}
	if e, exact := s.StepEpochs(); exact {
		p.StepSpent = fmt.Sprintf("%.2f", e)
	} else {
		p.StepSpent = fmt.Sprintf("about %.2f", e)
	}
	for _, t := range s.ranked() {
		r := htmlRow{ID: t.ID, Status: t.Status, Reason: t.Reason, Params: paramString(t.Params), Epochs: len(t.ValLoss),
			ValLoss: "-", ValAcc: "-", Seconds: fmt.Sprintf("%.0f", t.Seconds),
			Report: filepath.ToSlash(filepath.Join(TrialsDir, fmt.Sprintf("%03d", t.ID), "report.html"))}
		if loss, acc, ok := t.Best(); ok {
			r.ValLoss, r.ValAcc = fmt.Sprintf("%.4f", loss), fmt.Sprintf("%.4f", acc)
		}
		p.Rows = append(p.Rows, r)
		if t.Status == Pruned {
			p.Pruned = append(p.Pruned, r)
		}
	}
	for i, path := range s.paths() {
		p.Charts = append(p.Charts, template.HTML(s.scatter(i, path).SVG()))
	}
	p.Charts = append(p.Charts, template.HTML(s.curves().SVG()))
	return studyPage.Execute(w, p)
}

// ranked orders trials as the terminal table does.
func (s *Study) ranked() []*Trial {
	ts := append([]*Trial(nil), s.Trials...)
	rank := map[string]int{Completed: 0, Pruned: 1, Running: 2, Pending: 2, Failed: 3}
	sort.SliceStable(ts, func(i, j int) bool {
		if rank[ts[i].Status] != rank[ts[j].Status] {
			return rank[ts[i].Status] < rank[ts[j].Status]
		}
		li, _, _ := ts[i].Best()
		lj, _, _ := ts[j].Best()
		return li < lj
	})
	return ts
}

// scatter is one parameter (x; log10 when its values span over a
// decade, the index of a word choice) against each trial's best
// val_loss: one dot per trial, a series per status.
func (s *Study) scatter(i int, path string) *report.Chart {
	x, label := s.axis(path)
	c := &report.Chart{ID: "param" + strconv.Itoa(i), Title: path + " against best val_loss", XLabel: label, YLabel: "best val_loss", Legend: true}
	for _, status := range []string{Completed, Pruned} {
		sr := report.Series{Name: status, Markers: true}
		for _, t := range s.Trials {
			loss, _, ok := t.Best()
			if t.Status != status || !ok || math.IsNaN(x[t.ID]) {
				continue
			}
			sr.X, sr.Y = append(sr.X, x[t.ID], math.NaN()), append(sr.Y, loss, math.NaN())
		}
		c.Series = append(c.Series, sr)
	}
	return c
}

// axis maps each trial's value of path to a number.
func (s *Study) axis(path string) (map[int]float64, string) {
	x := map[int]float64{}
	words := map[string]float64{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, t := range s.Trials {
		v, ok := t.Params[path]
		switch n := v.(type) {
		case float64:
			x[t.ID] = n
		case int:
			x[t.ID] = float64(n)
		default:
			if !ok {
				x[t.ID] = math.NaN()
				continue
			}
			w := fmt.Sprint(n)
			if _, seen := words[w]; !seen {
				words[w] = float64(len(words))
			}
			x[t.ID] = words[w]
		}
		lo, hi = min(lo, x[t.ID]), max(hi, x[t.ID])
	}
	if len(words) > 0 {
		return x, path + " (choice index)"
	}
	if lo > 0 && hi/lo > 10 {
		for id, v := range x {
			x[id] = math.Log10(v)
		}
		return x, "log10 " + path
	}
	return x, path
}

// curves overlays the val_loss of the five best trials.
func (s *Study) curves() *report.Chart {
	c := &report.Chart{ID: "curves", Title: "val_loss of the best trials", XLabel: "epoch", YLabel: "val_loss", XInteger: true, Legend: true}
	n := 0
	for _, t := range s.ranked() {
		if _, _, ok := t.Best(); !ok || n == 5 {
			continue
		}
		sr := report.Series{Name: fmt.Sprintf("trial %d", t.ID), Markers: true}
		for e, v := range t.ValLoss {
			y := v
			if v >= worst {
				y = math.NaN()
			}
			sr.X, sr.Y = append(sr.X, float64(e+1)), append(sr.Y, y)
		}
		c.Series = append(c.Series, sr)
		n++
	}
	if n == 0 {
		c.Note = "no trial has a validation loss yet"
	}
	return c
}
