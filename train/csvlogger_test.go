package train

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/optim"
)

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCSVLoggerFit writes a real fit's history and reads it back.
func TestCSVLoggerFit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.csv")
	h, err := fitTiny(t, tinyModel(t), 3, optim.NewAdam(optim.Config{}), NewCSVLogger(path, false))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(readText(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(recs[0], ",")
	if head != "epoch,loss,accuracy,val_loss,val_accuracy,lr" || len(recs) != 4 {
		t.Fatalf("header %q and %d rows", head, len(recs)-1)
	}
	for e, row := range recs[1:] {
		if row[0] != strconv.Itoa(e+1) {
			t.Errorf("row %d: epoch %s", e+1, row[0])
		}
		for j, k := range recs[0][1:] {
			v, err := strconv.ParseFloat(row[j+1], 64)
			if err != nil || v != h.Epochs[e][k] {
				t.Errorf("epoch %d %s: %q, history has %v", e+1, k, row[j+1], h.Epochs[e][k])
			}
		}
	}
}

// epochsTo feeds synthetic epochs to a CSV logger as Fit would.
func epochsTo(t *testing.T, c *CSVLogger, s *State, logs ...Logs) {
	t.Helper()
	if err := c.TrainBegin(s); err != nil {
		t.Fatal(err)
	}
	for i, l := range logs {
		e := s.Options.InitialEpoch + i
		l["epoch"] = float64(e + 1)
		if err := c.EpochEnd(s, e, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.TrainEnd(s); err != nil {
		t.Fatal(err)
	}
}

// TestCSVLoggerAppendOnResume: a run writes 4 epochs and crashes in the
// middle of a 5th row; it resumes from its checkpoint after epoch 2, so
// rows 3, 4 and the partial one go, and epoch 3's new row follows.
func TestCSVLoggerAppendOnResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.csv")
	s := fakeState(t, 0.1)
	epochsTo(t, NewCSVLogger(path, false), s,
		Logs{"loss": 0.5, "lr": 0.1}, Logs{"loss": 0.25, "lr": 0.1}, Logs{"loss": 0.125, "lr": 0.1}, Logs{"loss": 0.0625, "lr": 0.1})
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("5,0.03")
	f.Close()

	s.Options.InitialEpoch = 2
	epochsTo(t, NewCSVLogger(path, true), s, Logs{"loss": 0.2, "lr": 0.01})
	want := "epoch,loss,lr\n1,0.5,0.1\n2,0.25,0.1\n3,0.2,0.01\n"
	if got := readText(t, path); got != want {
		t.Errorf("after resume:\n%s\nwant\n%s", got, want)
	}
	// Appending to a file that does not exist starts it.
	path2 := filepath.Join(t.TempDir(), "new.csv")
	epochsTo(t, NewCSVLogger(path2, true), s, Logs{"loss": 1})
	if got := readText(t, path2); got != "epoch,loss\n3,1\n" {
		t.Errorf("append to a new file: %q", got)
	}
}

// TestCSVLoggerColumns: keys that appear late widen the header (earlier
// rows get NA), missing ones are NA, special values are Python's.
func TestCSVLoggerColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.csv")
	s := fakeState(t, 0.1)
	c := &CSVLogger{Path: path, Separator: ';'}
	epochsTo(t, c, s, Logs{"loss": 0.5, "lr": 0.1}, Logs{"loss": nan(), "val_loss": 1e-5, "lr": 0.1},
		Logs{"loss": -inf(), "accuracy": 1})
	want := "epoch;loss;lr;val_loss;accuracy\n1;0.5;0.1;NA;NA\n2;nan;0.1;1e-05;NA\n3;-inf;NA;NA;1\n"
	if got := readText(t, path); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCSVLoggerErrors(t *testing.T) {
	s := fakeState(t, 0.1)
	missing := filepath.Join(t.TempDir(), "no", "such", "history.csv")
	err := NewCSVLogger(missing, false).TrainBegin(s)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing folder: %v", err)
	}
	if err := (&CSVLogger{}).TrainBegin(s); err == nil {
		t.Error("no path accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("loss,lr\n0.1,0.2\n"), 0o644)
	err = NewCSVLogger(bad, true).TrainBegin(s)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "not a history header") {
		t.Errorf("bad header: %v", err)
	}
}
