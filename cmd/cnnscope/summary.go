package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

func init() {
	commands["summary"] = command{summary: "print a model's layers, output shapes, parameter counts (as Keras) and memory estimate", run: runSummary}
}

const summaryExamples = `  cnnscope summary --model basic-cnn --input 28,28,1 --classes 10
  cnnscope summary --spec my-model.yaml          (input shape and classes from its data)
  cnnscope summary runs/20261127-101500          (a trained run's model)
`

// summaryFlags are summary's options.
type summaryFlags struct {
	model, input, spec string
	classes, batch     int
}

func runSummary(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("summary", "summary [RUN_DIR] [--model NAME --input H,W,C --classes N | --spec FILE] [--batch N]", summaryExamples, stderr)
	var f summaryFlags
	fs.StringVar(&f.model, "model", "basic-cnn", "model preset: "+fmt.Sprint(nn.PresetNames()))
	fs.StringVar(&f.input, "input", "28,28,1", "input shape height,width,channels")
	fs.IntVar(&f.classes, "classes", 10, "number of classes")
	fs.StringVar(&f.spec, "spec", "", "a training spec (cnnscope init): its model, on its data's shape and classes unless --input and --classes are given")
	fs.IntVar(&f.batch, "batch", 0, "batch size of the memory estimate (default: the spec's, else 32)")
	err := parseFlags(fs, args)
	if err == nil {
		err = summary(stdout, fs, f)
	}
	return exitCode(stderr, "summary", err)
}

func summary(w io.Writer, fs *flag.FlagSet, f summaryFlags) error {
	set := setFlags(fs, nil)
	switch {
	case fs.NArg() > 1:
		return usagef("want at most one run directory, got %d arguments", fs.NArg())
	case set["batch"] && f.batch < 1:
		return usagef("--batch %d: want 1 or more", f.batch)
	case set["classes"] && f.classes < 1:
		return usagef("--classes %d: want 1 or more", f.classes)
	case fs.NArg() == 1 && (f.spec != "" || set["model"] || set["input"] || set["classes"]):
		return usagef("give a run directory or --model/--input/--classes/--spec, not both")
	case f.spec != "" && set["model"]:
		return usagef("--model: the spec names the model; give one or the other")
	}
	s := &spec.Spec{}
	var m nn.Model
	var err error
	switch {
	case fs.NArg() == 1:
		m, s, err = runModel(fs.Arg(0))
	case f.spec != "":
		m, s, err = specModel(fs, f)
	default:
		m, err = presetModel(f)
	}
	if err != nil {
		return err
	}
	if err := m.Summary(w); err != nil {
		return err
	}
	s.Defaults()
	batch := s.Fit.BatchSize
	if set["batch"] {
		batch = f.batch
	}
	return writeEstimate(w, m, batch, s.Compile)
}

// writeEstimate prints the memory estimate of training m, or says why
// there is none.
func writeEstimate(w io.Writer, m nn.Model, batch int, c spec.Compile) error {
	me, ok := m.(nn.MemoryEstimator)
	if !ok {
		_, err := fmt.Fprintln(w, "Memory estimate: not available for this kind of model")
		return err
	}
	e, err := me.EstimateMemory(batch, spec.OptimizerSlots(c))
	if err != nil {
		return usageError{err.Error()}
	}
	fmt.Fprintf(w, "Memory to train (%s, batch %d): %s\n", c.Optimizer, batch, e)
	return nil
}

func presetModel(f summaryFlags) (nn.Model, error) {
	shape, err := parseShape("input", f.input)
	if err != nil {
		return nil, err
	}
	m, err := nn.NewPreset(f.model, shape, f.classes)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	if me, ok := m.(nn.MemoryEstimator); ok {
		if e, err := me.EstimateMemory(1, 0); err != nil {
			return nil, usageError{err.Error()}
		} else if err := e.Fits(); err != nil {
			return nil, usagef("the model %v", err)
		}
	}
	if err := m.Build(1); err != nil {
		return nil, usageError{err.Error()}
	}
	return m, nil
}

// runModel loads a run directory's (or model folder's) model and spec.
func runModel(dir string) (nn.Model, *spec.Spec, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, nil, usagef("%s: not a run directory", dir)
	}
	m, _, err := modelfile.Load(dir)
	if err != nil {
		return nil, nil, inputError(noModel("summary", dir, err))
	}
	s, err := spec.Load(filepath.Join(dir, train.SpecFile))
	if err != nil {
		s = &spec.Spec{} // a model folder without a spec: the defaults
	}
	return m, s, nil
}

// specModel builds a spec's model on its data's input shape and classes,
// or on --input and --classes when both are given.
func specModel(fs *flag.FlagSet, f summaryFlags) (nn.Model, *spec.Spec, error) {
	s, err := spec.Load(f.spec)
	if err != nil {
		return nil, nil, usageError{err.Error()}
	}
	if _, _, err := train.ResolvePretrained(s); err != nil { // a fine-tune's data settings
		return nil, nil, inputError(err)
	}
	s.Defaults()
	set := setFlags(fs, nil)
	var input tensor.Shape
	classes := f.classes
	if set["input"] && set["classes"] {
		if input, err = parseShape("input", f.input); err != nil {
			return nil, nil, err
		}
	} else {
		p, err := train.PrepareData(s.Data, s.Seed)
		if err != nil {
			return nil, nil, inputError(err)
		}
		input, classes = tensor.Shape{p.Train.Height, p.Train.Width, p.Train.Channels}, len(p.Classes)
	}
	m, err := train.BuildModel(s, input, classes)
	if err != nil {
		return nil, nil, inputError(err)
	}
	return m, s, nil
}
