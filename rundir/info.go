package rundir

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
)

// State is where a run stands.
type State string

const (
	// Training: the run has started and not ended (a killed run stays so:
	// resume continues it).
	Training State = "training"
	// Finished: the run ended and saved its model.
	Finished State = "finished"
	// Failed: the run ended without a usable final model (NaN loss or
	// weights); Message says why and which model was kept.
	Failed State = "failed"
	// Stopped: the run ended before its last epoch without saving a
	// model; Message says why and StoppedBy what stopped it. Its
	// checkpoints stay (resume continues from the last).
	Stopped State = "stopped"
)

// What stopped a run (Info.StoppedBy).
const (
	// StoppedByInterrupt: Ctrl-C, SIGTERM or a cancelled context; resume
	// continues the run.
	StoppedByInterrupt = "interrupt"
	// StoppedByCallback: a callback asked the run to stop and ended it
	// (the diagnosis' --stop-on critical); resume does not continue it
	// unless asked to: it would most likely stop again the same way.
	StoppedByCallback = "callback"
	// StoppedByError: an error (writing a file, ...); resume continues
	// the run once its cause is fixed.
	StoppedByError = "error"
)

const infoFormat = "cnnscope.run/v1"

// Info is the content of run.json.
type Info struct {
	Format  string `json:"format"`
	RunID   string `json:"run_id"`
	State   State  `json:"state"`
	Message string `json:"message,omitempty"`
	// StoppedBy says what stopped a run whose State is Stopped.
	StoppedBy string `json:"stopped_by,omitempty"`
	// Options are the command line's settings that spec.yaml does not
	// hold (stop_on: critical), for resume.
	Options map[string]string `json:"options,omitempty"`
	Started time.Time         `json:"started"`
	Ended   *time.Time        `json:"ended,omitempty"`
	// Skipped records, per data folder, the files its load left out
	// (unreadable, not images, ...): the run trained without them.
	Skipped []SkippedFiles `json:"skipped_files,omitempty"`
}

// SkippedFiles are the files one data folder's load left out: how many,
// their kinds in one phrase ("not an image file: 3 (.txt 2, .gz 1);
// unreadable: 1") and the first few, each with why.
type SkippedFiles struct {
	Source string        `json:"source"`
	Count  int           `json:"count"`
	Kinds  string        `json:"kinds"`
	First  []SkippedFile `json:"first"`
}

// SkippedFile is one file left out and why.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// ReadInfo reads dir's run.json; the error wraps fs.ErrNotExist when
// there is none (a run from an older cnnscope).
func ReadInfo(dir string) (*Info, error) {
	path := filepath.Join(dir, InfoFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var in Info
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if in.Format != infoFormat || in.RunID == "" {
		return nil, fmt.Errorf("%s: not a cnnscope run file (format %q, run_id %q; want %q and an id)", path, in.Format, in.RunID, infoFormat)
	}
	return &in, nil
}

// WriteInfo replaces dir's run.json atomically.
func WriteInfo(dir string, in *Info) error {
	in.Format = infoFormat
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, InfoFile), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}, 0o644)
}
