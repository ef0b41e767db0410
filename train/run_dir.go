package train

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/rundir"
)

// openResume holds the run directory of a resumed run and reads its id
// (spec.yaml's first line) and run.json, which must name the same run.
func (r *runner) openResume() error {
	dir := r.ro.Dir
	d, err := rundir.Open(dir)
	if err != nil {
		return inputError(fmt.Errorf("resume: %w", err))
	}
	r.dir = d
	b, err := os.ReadFile(filepath.Join(dir, SpecFile))
	if err != nil {
		return inputError(fmt.Errorf("resume: %w (is it a run directory?)", err))
	}
	r.id = rundir.IDFromSpec(b)
	d.ID = r.id
	info, err := rundir.ReadInfo(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist): // a run from before run.json
		info = &rundir.Info{RunID: r.id, State: rundir.Training, Started: time.Now().UTC()}
	case err != nil:
		return inputError(fmt.Errorf("resume: %w", err))
	case info.RunID != r.id:
		return inputError(fmt.Errorf("resume: %w", &ForeignError{Path: filepath.Join(dir, RunInfoFile), Got: info.RunID, Want: r.id}))
	}
	r.info = info
	r.fromCheckpoint = HasCheckpoint(dir)
	return nil
}

// claim makes a new run's directory (refusing one that holds anything,
// unless it replaces a run with RunOptions.Overwrite) and writes its
// spec.yaml and run.json (with the files the data's load skipped); on
// resume it marks the run as training again.
func (r *runner) claim() error {
	skipped := r.p.SkippedFiles(r.spec.Data.Source, r.spec.Data.Test)
	if r.resume {
		r.info.State, r.info.Message, r.info.StoppedBy, r.info.Ended = rundir.Training, "", "", nil
		// This part's load of the data.
		r.info.Skipped = skipped
		for k, v := range r.ro.Settings { // what the caller changed for this part
			if r.info.Options == nil {
				r.info.Options = map[string]string{}
			}
			r.info.Options[k] = v
		}
		return r.writeInfo()
	}
	r.id = rundir.NewID()
	d, err := rundir.Create(r.ro.Dir, r.id, r.ro.Overwrite)
	var locked *rundir.LockedError
	var full *rundir.NotEmptyError
	if errors.As(err, &locked) || errors.As(err, &full) {
		return inputError(err)
	}
	if err != nil {
		return err
	}
	r.dir = d
	r.info = &rundir.Info{RunID: r.id, State: rundir.Training, Options: r.ro.Settings, Started: time.Now().UTC(), Skipped: skipped}
	if err := r.writeStart(d.Path); err != nil {
		// Leave the directory as it was: empty (a run built aside is
		// removed by Close).
		os.Remove(filepath.Join(d.Path, SpecFile))
		os.Remove(filepath.Join(d.Path, RunInfoFile))
		return err
	}
	return d.Commit()
}

// writeStart writes spec.yaml (its first line naming the run) and run.json.
func (r *runner) writeStart(dir string) error {
	b, err := r.spec.Marshal()
	if err != nil {
		return err
	}
	err = atomicfile.WriteFile(filepath.Join(dir, SpecFile), func(w io.Writer) error {
		if _, err := io.WriteString(w, rundir.IDComment(r.id)); err != nil {
			return err
		}
		_, err := w.Write(b)
		return err
	}, 0o644)
	if err != nil {
		return err
	}
	return rundir.WriteInfo(dir, r.info)
}

// writeInfo rewrites run.json (not for a run from before run ids).
func (r *runner) writeInfo() error {
	if r.info.RunID == "" {
		return nil
	}
	return rundir.WriteInfo(r.ro.Dir, r.info)
}
