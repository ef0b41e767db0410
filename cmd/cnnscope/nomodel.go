package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/train"
)

// noModel turns the missing-file error of loading a run directory's
// model into one saying why the run has none (run.json's state), what it
// holds instead (the best epoch's model, the last checkpoint) and what to
// run (cmd: the command, to name it with the best model's folder).
// Other errors, and folders that are not runs, pass unchanged.
func noModel(cmd, dir string, err error) error {
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	info, ierr := rundir.ReadInfo(dir)
	if ierr != nil {
		return err
	}
	if _, serr := os.Stat(filepath.Join(dir, modelfile.WeightsFile)); !errors.Is(serr, fs.ErrNotExist) {
		return err
	}
	holder := rundir.InUse(dir) // probed once: a run may end between two probes
	msg := fmt.Sprintf("%s has no saved model (%s): %s", dir, modelfile.WeightsFile, whyNoModel(info, holder))
	best := filepath.Join(dir, train.CheckpointsDir, "best")
	if _, serr := os.Stat(filepath.Join(best, modelfile.WeightsFile)); serr == nil {
		msg += fmt.Sprintf("; %s holds its best epoch's model so far (cnnscope %s %s ...)", best, cmd, best)
	}
	if next := nextForRun(dir, info, holder); next != "" {
		msg += "; " + next
	}
	return errors.New(msg)
}

// whyNoModel says why a run has no model.safetensors, from its state and
// the holder of its run.lock (nil: none).
func whyNoModel(info *rundir.Info, holder *rundir.LockedError) string {
	said := ""
	if info.Message != "" {
		said = " (" + info.Message + ")"
	}
	switch {
	case info.State == rundir.Training && holder != nil:
		return fmt.Sprintf("the run is still training (%s); its model is saved when it ends", holder.Error())
	case info.State == rundir.Training:
		return "the run ended before saving it (killed or crashed: run.json still says training)"
	case info.State == rundir.Stopped && info.StoppedBy == rundir.StoppedByCallback:
		return "the diagnosis stopped the run" + said
	case info.State == rundir.Stopped:
		return "the run was stopped before its last epoch" + said
	case info.State == rundir.Failed:
		return "the run failed before its first good epoch" + said
	}
	return fmt.Sprintf("run.json says %s, but the file is gone (moved or deleted)", info.State)
}

// nextForRun is what to run for a run without a model (holder: its
// run.lock's, nil for none); "" for nothing.
func nextForRun(dir string, info *rundir.Info, holder *rundir.LockedError) string {
	ckpt := train.LastCheckpointPath(dir)
	resumable := train.HasCheckpoint(dir)
	switch {
	case info.State == rundir.Training && holder != nil:
		return ""
	case info.State == rundir.Stopped && info.StoppedBy == rundir.StoppedByCallback:
		return "cnnscope diagnose " + dir + " says what to change (cnnscope resume --stop-on none " + dir + " continues it anyway)"
	case info.State == rundir.Failed:
		return "train again with other settings (cnnscope diagnose " + dir + " says what to change)"
	case resumable:
		return "cnnscope resume " + dir + " continues the run from " + ckpt + " and saves the model at its end"
	case info.State == rundir.Training || info.State == rundir.Stopped:
		return "cnnscope resume " + dir + " trains it again from epoch 1 (it has no checkpoint yet) and saves the model at its end"
	}
	return ""
}
