package report

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/rundir"
	"github.com/cnnscope/cnnscope/train"
)

// skippedNotice is the data section's line on the files a data folder's
// load left out: the run trained without them.
type skippedNotice struct {
	rundir.SkippedFiles
	More int // files skipped beyond those listed
	// Inspect is the command that lists them all.
	Inspect string
}

// skipped fills the data section's notices of skipped files: from the
// data as loaded now when it could be (also for runs from before
// run.json recorded them), else from run.json's record of the run's load.
func (p *page) skipped(r *Run, prep *train.Prepared) {
	var recs []rundir.SkippedFiles
	switch {
	case prep != nil && r.Spec != nil:
		recs = prep.SkippedFiles(r.Spec.Data.Source, r.Spec.Data.Test)
	case r.Info != nil:
		recs = r.Info.Skipped
	}
	for _, rec := range recs {
		p.Skipped = append(p.Skipped, skippedNotice{SkippedFiles: rec, More: rec.Count - len(rec.First),
			Inspect: "cnnscope data inspect " + data.ShellArg(rec.Source)})
	}
}
