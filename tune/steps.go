package tune

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/train"
)

// Epochs counted in steps. Study.EpochsSpent counts whole epochs (rows
// of the trials' history.csv); a trial stopped inside an epoch (by the
// diagnosis, or by the tuner after a rung) trained steps that no row
// counts. StepEpochs counts them: the steps a trial's run reached over
// its steps per epoch, from the run's diagnosis.json (written when the
// run ends, stopped or not), else from metrics.jsonl.

// readSteps is the global step run dir reached and its steps per epoch;
// ok is false when neither file says.
func readSteps(dir string) (steps, perEpoch int, ok bool) {
	if b, err := os.ReadFile(filepath.Join(dir, diagnose.DiagnosisFile)); err == nil {
		var d struct {
			Steps int `json:"steps"`
			Facts struct {
				StepsPerEpoch int `json:"steps_per_epoch"`
			} `json:"facts"`
		}
		if json.Unmarshal(b, &d) == nil && d.Steps > 0 && d.Facts.StepsPerEpoch > 0 {
			return d.Steps, d.Facts.StepsPerEpoch, true
		}
	}
	return metricsSteps(dir)
}

// metricsSteps reads metrics.jsonl: the last step of a step or epoch
// record, and the steps per epoch from the first epoch-1 record (a run
// stopped inside its first epoch has none: not ok).
func metricsSteps(dir string) (steps, perEpoch int, ok bool) {
	eachMetric(dir, func(line []byte) bool {
		var r struct {
			Type  string `json:"type"`
			Epoch int    `json:"epoch"`
			Step  int    `json:"step"`
		}
		if json.Unmarshal(line, &r) != nil {
			return true
		}
		if r.Type == "step" || r.Type == "epoch" {
			steps = max(steps, r.Step)
		}
		if r.Type == "epoch" && r.Epoch == 1 && perEpoch == 0 {
			perEpoch = r.Step
		}
		return true
	})
	return steps, perEpoch, steps > 0 && perEpoch > 0
}

// eachMetric calls f with each line of dir's metrics.jsonl until f
// returns false (nothing when there is no such file).
func eachMetric(dir string, f func(line []byte) bool) {
	file, err := os.Open(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		return
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() && f(sc.Bytes()) {
	}
}

// countSteps records the steps trial t's run reached, once it has ended.
func (s *Study) countSteps(t *Trial) {
	if steps, per, ok := readSteps(s.RunDir(t.ID)); ok {
		t.Steps, t.StepsPerEpoch = steps, per
	}
}

// StepEpochs is the training the trials did in epochs, counting a
// partial epoch as its share of steps; a trial whose steps are unknown
// counts its history rows, and exact is false.
func (s *Study) StepEpochs() (epochs float64, exact bool) {
	exact = true
	for _, t := range s.Trials {
		switch {
		case t.StepsPerEpoch > 0:
			epochs += float64(t.Steps) / float64(t.StepsPerEpoch)
		case t.Status != Pending:
			rows, _ := readHistory(s.RunDir(t.ID))
			epochs += float64(len(rows))
			exact = false
		}
	}
	return epochs, exact
}
