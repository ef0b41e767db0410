package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"time"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/internal/atomicfile"
)

// WriteFile writes a file atomically with write.
func WriteFile(path string, write func(io.Writer) error) error {
	if err := CheckReplace(path); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, write, 0o644)
}

// compareRow is one run in the comparison's tables.
type compareRow struct {
	Name, Dir, Color           string
	Epochs                     string
	Loss, Acc, ValLoss, ValAcc float64
	BestValLoss                float64
	BestEpoch                  int
	Duration                   string
	Diagnosis                  *diagnose.Diagnosis
}

// settingRow is a setting with each run's value.
type settingRow struct {
	Key    string
	Values []string
}

type comparePage struct {
	Title, Generated string
	Runs             []compareRow
	Charts           []template.HTML
	Differ           []settingRow
	Same             int
}

// Compare writes an HTML page comparing runs: overlaid curves, final
// metrics, the settings that differ and the verdicts side by side.
func Compare(w io.Writer, dirs []string) error {
	var runs []*Run
	names := map[string]int{}
	for _, d := range dirs {
		r, err := LoadRun(d)
		if err != nil {
			return err
		}
		if r.History == nil {
			return fmt.Errorf("%s: no %s to compare", d, "history.csv")
		}
		names[r.Name]++
		runs = append(runs, r)
	}
	for _, r := range runs {
		if names[r.Name] > 1 { // same base names: tell them apart by path
			r.Name = filepath.Clean(r.Dir)
		}
	}
	p := &comparePage{Title: fmt.Sprintf("cnnscope: %d runs compared", len(runs)), Generated: time.Now().Format("2006-01-02 15:04")}
	for _, c := range compareCharts(runs) {
		p.Charts = append(p.Charts, template.HTML(c.SVG()))
	}
	for i, r := range runs {
		row := compareRow{Name: r.Name, Dir: r.Dir, Color: palette[i%len(palette)], Diagnosis: r.Diagnosis}
		h := r.History
		last := func(k string) float64 {
			if s := h.Series(k); len(s) > 0 {
				return s[len(s)-1]
			}
			return nan()
		}
		row.Loss, row.Acc, row.ValLoss, row.ValAcc = last("loss"), last("accuracy"), last("val_loss"), last("val_accuracy")
		row.BestValLoss, row.BestEpoch = bestOf(h, "val_loss")
		row.Epochs = fmt.Sprint(len(h.Epochs))
		if r.Spec != nil {
			row.Epochs += fmt.Sprintf(" of %d", r.Spec.Fit.Epochs)
		}
		if r.Duration > 0 {
			row.Duration = r.Duration.Round(time.Second).String()
		}
		p.Runs = append(p.Runs, row)
	}
	p.Differ, p.Same = diffSettings(runs)
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "compare.html.tmpl", p); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// compareCharts overlays the runs' curves: one colour per run,
// validation solid, training dashed.
func compareCharts(runs []*Run) []*Chart {
	mk := func(id, title, metric, ylabel string) *Chart {
		c := &Chart{ID: id, Title: title, XLabel: "epoch", YLabel: ylabel, XFromZero: true, XInteger: true, Legend: true}
		for i, r := range runs {
			col := palette[i%len(palette)]
			x := r.History.X()
			if y := r.History.Series("val_" + metric); y != nil {
				c.Series = append(c.Series, Series{Name: r.Name + " validation", X: x, Y: y, Color: col, Markers: len(x) <= 30})
			}
			if y := r.History.Series(metric); y != nil {
				c.Series = append(c.Series, Series{Name: r.Name + " train", X: x, Y: y, Color: col, Dash: []float64{5, 3}, Width: 1.5})
			}
		}
		return c
	}
	loss := mk("chart-compare-loss", "Loss", "loss", "loss")
	lo, hi := 1e300, 0.0
	for _, s := range loss.Series {
		for _, v := range s.Y {
			if finite(v) && v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	loss.LogY = hi > 0 && hi/lo > 30
	lr := &Chart{ID: "chart-compare-lr", Title: "Learning rate", XLabel: "epoch", YLabel: "learning rate", XFromZero: true, XInteger: true, Legend: true}
	for i, r := range runs {
		if y := r.History.Series("lr"); y != nil {
			lr.Series = append(lr.Series, Series{Name: r.Name, X: r.History.X(), Y: y, Color: palette[i%len(palette)], Markers: true})
		}
	}
	lo, hi = 1e300, 0
	for _, s := range lr.Series {
		for _, v := range s.Y {
			if finite(v) && v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	lr.LogY = hi > 0 && hi/lo >= 10
	return []*Chart{loss, mk("chart-compare-accuracy", "Accuracy", "accuracy", "accuracy"), lr}
}

// diffSettings lists the settings whose values are not the same in all
// runs (in the order they first appear) and counts the rest.
func diffSettings(runs []*Run) ([]settingRow, int) {
	var keys []string
	vals := make([]map[string]string, len(runs))
	for i, r := range runs {
		vals[i] = map[string]string{}
		for _, kv := range flattenSpec(r.SpecYAML) {
			if _, seen := vals[i][kv[0]]; !seen {
				vals[i][kv[0]] = kv[1]
			}
			found := false
			for _, k := range keys {
				if k == kv[0] {
					found = true
					break
				}
			}
			if !found {
				keys = append(keys, kv[0])
			}
		}
	}
	var rows []settingRow
	same := 0
	for _, k := range keys {
		row := settingRow{Key: k}
		differ := false
		for i := range runs {
			v, ok := vals[i][k]
			if !ok {
				v = "—"
			}
			row.Values = append(row.Values, v)
			differ = differ || v != row.Values[0]
		}
		if differ {
			rows = append(rows, row)
		} else {
			same++
		}
	}
	return rows, same
}
