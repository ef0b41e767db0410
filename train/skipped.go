package train

import (
	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/rundir"
)

// SkippedFiles records the files the data's loads left out, per folder
// (the training folder, the test folder), as run.json keeps them and the
// report shows them: how many, their kinds and the first
// data.SkippedShown. source and test are the spec's data.source and
// data.test ("" when the test images come with the source). Nil when
// nothing was skipped.
func (p *Prepared) SkippedFiles(source, test string) []rundir.SkippedFiles {
	var out []rundir.SkippedFiles
	for _, d := range []*data.Dataset{p.Train, p.Test} {
		if d == nil || len(d.Skipped) == 0 {
			continue
		}
		src := source
		if d == p.Test && test != "" {
			src = test
		}
		rec := rundir.SkippedFiles{Source: src, Count: len(d.Skipped), Kinds: data.SkipKinds(d.Skipped)}
		for _, s := range d.Skipped[:min(len(d.Skipped), data.SkippedShown)] {
			rec.First = append(rec.First, rundir.SkippedFile{Path: s.Path, Reason: s.Reason})
		}
		out = append(out, rec)
	}
	return out
}
