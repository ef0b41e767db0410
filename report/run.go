package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// Files the report reads (besides train's) and writes.
const (
	DiagnosisFile = "diagnosis.json"
	ReportFile    = "report.html"
)

// History is history.csv as columns: Epochs[i] is the 1-based epoch of
// row i, Columns[name][i] its value (NaN for "NA" or a missing value).
type History struct {
	Epochs  []int
	Names   []string // the header's columns after "epoch", in order
	Columns map[string][]float64
	// FirstNonFinite is, per column, the first epoch whose value was
	// written as nan or ±inf (a missing "NA" does not count).
	FirstNonFinite map[string]int
}

// Series returns a column (nil when the run has no such column).
func (h *History) Series(name string) []float64 { return h.Columns[name] }

// X returns the epochs as float64, for a chart's x values.
func (h *History) X() []float64 {
	x := make([]float64, len(h.Epochs))
	for i, e := range h.Epochs {
		x[i] = float64(e)
	}
	return x
}

// ReadHistory parses a history.csv written by train.CSVLogger.
func ReadHistory(path string) (*History, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	h := &History{Columns: map[string][]float64{}, FirstNonFinite: map[string]int{}}
	if len(recs) == 0 {
		return h, nil
	}
	if len(recs[0]) == 0 || recs[0][0] != "epoch" {
		return nil, fmt.Errorf("%s: line 1 is not a history header (want epoch first)", path)
	}
	h.Names = recs[0][1:]
	for i, rec := range recs[1:] {
		e, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: epoch %q is not an integer", path, i+2, rec[0])
		}
		h.Epochs = append(h.Epochs, e)
		for j, name := range h.Names {
			v := math.NaN()
			if j+1 < len(rec) {
				v = parseNumber(rec[j+1])
				if f := strings.ToLower(rec[j+1]); f != "na" && f != "" && (math.IsNaN(v) || math.IsInf(v, 0)) && h.FirstNonFinite[name] == 0 {
					h.FirstNonFinite[name] = e
				}
			}
			h.Columns[name] = append(h.Columns[name], v)
		}
	}
	return h, nil
}

// parseNumber reads a CSV value as Python (and CSVLogger) writes it; NA
// and anything unreadable is NaN.
func parseNumber(s string) float64 {
	switch strings.ToLower(s) {
	case "nan", "na", "":
		return math.NaN()
	case "inf", "infinity":
		return math.Inf(1)
	case "-inf", "-infinity":
		return math.Inf(-1)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// Metrics is metrics.jsonl: the step records, and the global step at the
// end of each epoch (from the epoch records).
type Metrics struct {
	Steps    []train.StepRecord
	EpochEnd map[int]int // 1-based epoch -> global step at its end
}

// ReadMetrics parses a metrics.jsonl written by train.MetricsLogger; a
// truncated last line (a run killed mid-write) is ignored.
func ReadMetrics(path string) (*Metrics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := &Metrics{EpochEnd: map[int]int{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	var bad error
	for n := 1; sc.Scan(); n++ {
		if bad != nil {
			return nil, bad // a bad line that was not the last one
		}
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var head struct {
			Type  string `json:"type"`
			Epoch int    `json:"epoch"`
			Step  int    `json:"step"`
		}
		if err := json.Unmarshal(line, &head); err != nil {
			bad = fmt.Errorf("%s: line %d: %v", path, n, err)
			continue
		}
		switch head.Type {
		case "epoch":
			m.EpochEnd[head.Epoch] = head.Step
		case "step":
			var r train.StepRecord
			if err := json.Unmarshal(line, &r); err != nil {
				bad = fmt.Errorf("%s: line %d: %v", path, n, err)
				continue
			}
			m.Steps = append(m.Steps, r)
		}
	}
	return m, sc.Err()
}

// StepsPerEpoch is the number of optimizer steps in an epoch, from the
// epoch records (0 when unknown).
func (m *Metrics) StepsPerEpoch() int {
	if s, ok := m.EpochEnd[1]; ok && s > 0 {
		return s
	}
	for e, s := range m.EpochEnd {
		if e > 0 && s > 0 {
			return s / e
		}
	}
	return 0
}

// EpochX places global step s on the epoch axis: the end of epoch e is
// x = e, so per-step and per-epoch series share an axis.
func (m *Metrics) EpochX(r train.StepRecord, spe int) float64 {
	if spe > 0 {
		return float64(r.Step) / float64(spe)
	}
	return float64(r.Epoch-1) + 0.5
}

// Run is everything a run directory holds that the report shows. Only
// Dir and Name are always set; each file that is missing leaves its field
// nil and adds a line to Missing.
type Run struct {
	Dir, Name string
	// ID is the run id spec.yaml's first line names ("" for none).
	ID        string
	Spec      *spec.Spec
	SpecYAML  []byte
	History   *History
	Metrics   *Metrics
	Model     *modelfile.File
	Diagnosis *diagnose.Diagnosis
	// Duration is the run's wall time: given by train, or estimated from
	// the files' times (DurationEstimated).
	Duration          time.Duration
	DurationEstimated bool
	// StopReason is why a callback ended the fit early, when known.
	StopReason string
	Missing    []string
	// Info is run.json (nil: none, a run from before run.json).
	Info *rundir.Info
}

// LoadRun reads a run directory. Missing files are noted, not errors
// (a run still in progress has no model yet); a file that exists but
// cannot be parsed is an error naming it, a *train.InputError (the
// command line exits 2 on a damaged run directory, as on any bad input).
func LoadRun(dir string) (*Run, error) {
	r, err := loadRun(dir)
	if err != nil {
		return nil, &train.InputError{Err: err}
	}
	return r, nil
}

func loadRun(dir string) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a run directory", dir)
	}
	r := &Run{Dir: dir, Name: filepath.Base(filepath.Clean(dir))}
	missing := func(err error, what string) bool {
		if errors.Is(err, fs.ErrNotExist) {
			r.Missing = append(r.Missing, what)
			return true
		}
		return false
	}
	path := filepath.Join(dir, train.SpecFile)
	if r.SpecYAML, err = os.ReadFile(path); err == nil {
		if r.Spec, err = spec.Parse(path, bytes.NewReader(r.SpecYAML)); err != nil {
			return nil, err
		}
		r.ID = rundir.IDFromSpec(r.SpecYAML)
	} else if !missing(err, train.SpecFile+" (settings)") {
		return nil, err
	}
	if r.History, err = ReadHistory(filepath.Join(dir, train.HistoryFile)); err != nil && !missing(err, train.HistoryFile+" (curves)") {
		return nil, err
	}
	if r.Metrics, err = ReadMetrics(filepath.Join(dir, train.MetricsFile)); err != nil && !missing(err, train.MetricsFile+" (per-layer statistics)") {
		return nil, err
	}
	path = filepath.Join(dir, modelfile.ConfigFile)
	if b, err := os.ReadFile(path); err == nil {
		var mf modelfile.File
		if err := json.Unmarshal(b, &mf); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		r.Model = &mf
	} else if !missing(err, modelfile.ConfigFile+" (model; the run is still training, was stopped, or failed)") {
		return nil, err
	}
	path = filepath.Join(dir, DiagnosisFile)
	if b, err := os.ReadFile(path); err == nil {
		var d diagnose.Diagnosis
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		r.Diagnosis = &d
	} else if !missing(err, DiagnosisFile+" (verdict and findings)") {
		return nil, err
	}
	if r.Info, err = rundir.ReadInfo(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	r.estimateDuration()
	return r, nil
}

// estimateDuration takes the time from spec.yaml (written first) to the
// newest of history.csv, metrics.jsonl and the model (written last).
func (r *Run) estimateDuration() {
	st, err := os.Stat(filepath.Join(r.Dir, train.SpecFile))
	if err != nil {
		return
	}
	var last time.Time
	for _, f := range []string{train.HistoryFile, train.MetricsFile, modelfile.WeightsFile} {
		if fi, err := os.Stat(filepath.Join(r.Dir, f)); err == nil && fi.ModTime().After(last) {
			last = fi.ModTime()
		}
	}
	if d := last.Sub(st.ModTime()); d > 0 {
		r.Duration, r.DurationEstimated = d, true
	}
}

// Event is something that happened during training, marked on the curves.
type Event struct {
	Kind  string  // overfitting, lr, early_stop, nan, or a finding's ID
	X     float64 // epoch axis position (the end of epoch e is e)
	Label string
}

// Events lists the run's events: findings' onsets (Finding.Since), LR
// reductions (drops of the lr column), an early stop and the first NaN.
func (r *Run) Events() []Event {
	var ev []Event
	if r.Diagnosis != nil {
		for _, f := range r.Diagnosis.Findings {
			if f.Since > 0 {
				ev = append(ev, Event{Kind: f.ID, X: float64(f.Since), Label: strings.ReplaceAll(f.ID, "_", " ") + " from epoch " + strconv.Itoa(f.Since)})
			}
		}
	}
	h := r.History
	if h == nil || len(h.Epochs) == 0 {
		return ev
	}
	if lr := h.Series("lr"); lr != nil {
		var drops []Event
		for i := 1; i < len(lr); i++ {
			if lr[i] > 0 && lr[i-1] > 0 && lr[i] <= 0.9*lr[i-1] {
				drops = append(drops, Event{Kind: "lr", X: float64(h.Epochs[i-1]),
					Label: "lr ×" + strconv.FormatFloat(lr[i]/lr[i-1], 'g', 2, 64)})
			}
		}
		if len(drops) <= 6 { // more is a schedule: the LR chart shows it
			ev = append(ev, drops...)
		}
	}
	nan := 0
	for _, name := range []string{"loss", "val_loss"} {
		if e := h.FirstNonFinite[name]; e > 0 && (nan == 0 || e < nan) {
			nan = e
		}
	}
	if r.Metrics != nil {
		spe := r.Metrics.StepsPerEpoch()
		for _, s := range r.Metrics.Steps {
			if v := float64(s.Loss); math.IsNaN(v) || math.IsInf(v, 0) {
				ev = append(ev, Event{Kind: "nan", X: r.Metrics.EpochX(s, spe), Label: fmt.Sprintf("NaN loss (step %d)", s.Step)})
				nan = -1
				break
			}
		}
	}
	if nan > 0 {
		ev = append(ev, Event{Kind: "nan", X: float64(nan), Label: fmt.Sprintf("NaN (epoch %d)", nan)})
	}
	last := h.Epochs[len(h.Epochs)-1]
	switch {
	case strings.HasPrefix(r.StopReason, "terminated on NaN") && nan == 0:
		ev = append(ev, Event{Kind: "nan", X: float64(last), Label: "NaN: stopped"})
	case strings.HasPrefix(r.StopReason, "early stopping") && nan == 0:
		ev = append(ev, Event{Kind: "early_stop", X: float64(last), Label: fmt.Sprintf("early stop (epoch %d)", last)})
	case r.StopReason == "" && r.Spec != nil && r.Spec.Fit.EarlyStopping != nil && last < r.Spec.Fit.Epochs && nan == 0 && r.Model != nil:
		ev = append(ev, Event{Kind: "early_stop", X: float64(last), Label: fmt.Sprintf("early stop (epoch %d of %d)", last, r.Spec.Fit.Epochs)})
	}
	return ev
}
