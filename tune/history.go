package tune

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/train"
)

// worst stands for a non-finite validation loss (JSON has no NaN).
const worst = math.MaxFloat64

// epochRow is one history.csv row's validation metrics.
type epochRow struct{ loss, acc float64 }

// readHistory returns the complete rows of dir's history.csv (a row
// being written, without its newline, is left for the next read).
func readHistory(dir string) ([]epochRow, error) {
	b, err := os.ReadFile(filepath.Join(dir, train.HistoryFile))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	} else {
		return nil, nil
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var rows []epochRow
	for _, r := range recs[1:] {
		rows = append(rows, epochRow{loss: field(r, col, "val_loss", "loss"), acc: field(r, col, "val_accuracy", "accuracy")})
	}
	return rows, nil
}

// field is the first named column present, worst (or 0 for accuracy)
// when empty or not finite.
func field(r []string, col map[string]int, names ...string) float64 {
	bad := worst
	if names[0] == "val_accuracy" {
		bad = 0
	}
	for _, n := range names {
		i, ok := col[n]
		if !ok || i >= len(r) {
			continue
		}
		x, err := strconv.ParseFloat(r[i], 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return bad
		}
		return x
	}
	return bad
}

// criticalFinding is the critical finding of dir's diagnosis.json that
// stopped the run (stopped true), else its first critical one, as a
// reason, with the epoch and global step it was raised at; "" when there
// is none.
func criticalFinding(dir string) (reason string, epoch, step int, stopped bool) {
	b, err := os.ReadFile(filepath.Join(dir, diagnose.DiagnosisFile))
	if err != nil {
		return "", 0, 0, false
	}
	var d diagnose.Diagnosis
	if json.Unmarshal(b, &d) != nil {
		return "", 0, 0, false
	}
	all := append(d.Findings, d.Earlier...)
	if d.Facts != nil && d.Facts.StopReason != "" {
		for _, f := range all {
			if f.Severity == diagnose.Critical && strings.HasSuffix(d.Facts.StopReason, ": "+f.Title) {
				return findingReason(f), f.Epoch, f.Step, true
			}
		}
	}
	for _, f := range all {
		if f.Severity == diagnose.Critical {
			return findingReason(f), f.Epoch, f.Step, false
		}
	}
	return "", 0, 0, false
}

func findingReason(f diagnose.Finding) string {
	where := ""
	if f.Epoch > 0 || f.Step > 0 {
		where = fmt.Sprintf(" (epoch %d, step %d)", f.Epoch, f.Step)
	}
	return "diagnosis: " + f.Title + where
}

// failure says why a child that exited with code ended its trial.
func failure(dir string, code int, log string) (status, reason string) {
	if r, _, _, _ := criticalFinding(dir); r != "" {
		return Pruned, r
	}
	if info, err := rundir.ReadInfo(dir); err == nil && info.State == rundir.Failed {
		return Failed, info.Message
	}
	return Failed, fmt.Sprintf("exit status %d: %s", code, lastLine(log))
}

// lastLine is the last non-empty line of a trial's log (its error).
func lastLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "see " + path
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
