package diagnose

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// DiagnoseRun analyzes a finished or running run from its files.
func DiagnoseRun(dir string) (*Diagnosis, error) {
	s, notes, err := LoadRun(dir)
	if err != nil {
		return nil, err
	}
	d := Analyze(s)
	d.Unavailable = notes
	if old, err := readDiagnosis(dir); err == nil {
		d.OverheadFraction = old.OverheadFraction
		held := map[string]bool{}
		for i := range d.Findings {
			held[d.Findings[i].ID] = true
			for _, f := range append(old.Findings, old.Earlier...) {
				if f.ID == d.Findings[i].ID && f.Detected > 0 {
					d.Findings[i].Detected = f.Detected
				}
			}
		}
		for _, f := range append(old.Findings, old.Earlier...) {
			if f.Detected > 0 && !held[f.ID] && f.Severity != Info {
				d.Earlier = append(d.Earlier, f)
			}
		}
	}
	return d, nil
}

// LoadRun reads a run directory into Signals: spec.yaml, model.json (or
// checkpoints/best/model.json while the run is going), metrics.jsonl (or
// history.csv for the epochs) and the facts the live monitor saved in
// diagnosis.json. The notes say what is missing and what that costs.
func LoadRun(dir string) (*Signals, []string, error) {
	s := &Signals{Dir: dir}
	var notes []string
	sp, err := spec.Load(filepath.Join(dir, train.SpecFile))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a run directory: %w", dir, err)
	}
	sp.Defaults()
	s.Spec = sp
	for _, p := range []string{filepath.Join(dir, modelfile.ConfigFile), filepath.Join(dir, train.CheckpointsDir, "best", modelfile.ConfigFile)} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var mf modelfile.File
		if err := json.Unmarshal(b, &mf); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		s.Model, s.Classes = &mf.Model, mf.Classes
		break
	}
	if s.Model == nil {
		notes = append(notes, "model architecture (no model.json yet): activation/loss pairing and dropout checks")
	}
	if err := readMetrics(filepath.Join(dir, train.MetricsFile), s); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		notes = append(notes, "per-layer signals (no metrics.jsonl): gradients, dead units, saturation")
	}
	if len(s.Epochs) == 0 {
		if err := readHistory(filepath.Join(dir, train.HistoryFile), s); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
	}
	old, err := readDiagnosis(dir)
	switch {
	case err == nil && old.Facts != nil && old.Facts.Loss.valid():
		s.Facts = *old.Facts
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, nil, err
	default:
		notes = append(notes, "live-only signals (the run was not monitored): pre-training checks (inputs, duplicates, initial loss), "+
			"validation predictions per class, per-sample losses (label noise); the loss per step is estimated from metrics.jsonl's step records")
		s.Facts.MetricsEvery = sp.Fit.MetricsEvery
		s.Facts.PlannedEpochs = sp.Fit.Epochs
		traceFromRecords(s)
	}
	s.Final = s.Facts.StopReason != "" || len(s.Epochs) > 0 && len(s.Epochs) >= sp.Fit.Epochs
	return s, notes, nil
}

// readMetrics reads metrics.jsonl's step records and epoch logs.
func readMetrics(path string, s *Signals) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		rec, logs, ok := parseMetricsLine(sc.Bytes())
		switch {
		case !ok:
		case rec != nil:
			s.Records = append(s.Records, *rec)
		default:
			s.Epochs = append(s.Epochs, logs)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readHistory reads history.csv (a header, then one row per epoch).
func readHistory(path string, s *Signals) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, row := range rows[min(1, len(rows)):] {
		logs := train.Logs{}
		for i, v := range row {
			if i < len(rows[0]) {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					logs[rows[0][i]] = x
				}
			}
		}
		s.Epochs = append(s.Epochs, logs)
	}
	return nil
}

// readDiagnosis reads a run's diagnosis.json.
func readDiagnosis(dir string) (*Diagnosis, error) {
	b, err := os.ReadFile(filepath.Join(dir, DiagnosisFile))
	if err != nil {
		return nil, err
	}
	var d Diagnosis
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, DiagnosisFile), err)
	}
	return &d, nil
}

// traceFromRecords estimates the loss trace of an unmonitored run from
// the step records (one point per record, the logging interval apart).
func traceFromRecords(s *Signals) {
	t := &s.Facts.Loss
	t.Stride = max(s.Facts.MetricsEvery, 1)
	for _, r := range s.Records {
		if r.Step == 1 {
			// The first step's loss is measured before its update: the
			// untrained model's loss on one batch.
			s.Facts.Init = &InitFacts{Loss: r.Loss, Expected: s.ChanceLoss(), Samples: s.Spec.Fit.BatchSize}
			t.First = r.Loss
			t.push(1, r.Epoch, float64(r.Loss), float64(r.Loss), float64(r.BatchAccuracy))
			continue
		}
		t.push(r.Step, r.Epoch, float64(r.Loss), float64(r.Loss), float64(r.BatchAccuracy))
	}
	if len(s.Epochs) > 0 && len(s.Records) > 0 {
		if st := s.Epochs[0]["step"]; st > 0 {
			s.Facts.StepsPerEpoch = int(st)
		}
	}
}
