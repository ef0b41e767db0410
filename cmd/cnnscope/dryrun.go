package main

import (
	"fmt"
	"io"

	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// dryRun is train --dry-run: the resolved spec, the data's shape, the
// model summary and the memory estimate, with every check a run makes
// before its directory exists; it creates nothing.
func dryRun(w io.Writer, spec *spec.Spec) error {
	if err := spec.Validate(); err != nil {
		return usageError{err.Error()}
	}
	pre, notes, err := train.ResolvePretrained(spec)
	if err != nil {
		return inputError(err)
	}
	spec.Defaults()
	if err := spec.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if err := train.CheckTensorBoardDir(spec); err != nil {
		return inputError(err)
	}
	p, err := train.PrepareData(spec.Data, spec.Seed)
	if err != nil {
		return inputError(err)
	}
	p.Resolve(&spec.Data) // as the run's spec.yaml will hold it
	b, err := spec.Marshal()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Resolved spec:\n%s\n", b)
	if err := p.WriteSummary(w, spec.Data.Source, spec.Data.Test); err != nil {
		return err
	}
	if err := spec.ValidateForData(len(p.Classes)); err != nil {
		return inputError(err)
	}
	if note := train.SetNewHead(spec, pre, p.Classes); note != "" {
		notes = append(notes, note)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "Fine-tune: %s\n", n)
	}
	if _, err := train.NewOptimizer(spec.Compile); err != nil {
		return inputError(err)
	}
	input := tensor.Shape{p.Train.Height, p.Train.Width, p.Train.Channels}
	m, err := train.BuildModel(spec, input, len(p.Classes))
	if err != nil {
		return inputError(err)
	}
	fmt.Fprintln(w)
	if err := m.Summary(w); err != nil {
		return err
	}
	if err := writeEstimate(w, m, spec.Fit.BatchSize, spec.Compile); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, "Dry run: nothing was created.")
	return err
}
