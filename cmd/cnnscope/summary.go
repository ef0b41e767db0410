package main

import (
	"io"

	"github.com/cnnscope/cnnscope/nn"
)

func init() {
	commands["summary"] = command{summary: "print a model's layers, output shapes and parameter counts (as Keras)", run: runSummary}
}

func runSummary(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("summary", "summary [--model NAME] [--input H,W,C] [--classes N]",
		"  cnnscope summary --model basic-cnn --input 28,28,1 --classes 10\n", stderr)
	model := fs.String("model", "basic-cnn", "model preset")
	input := fs.String("input", "28,28,1", "input shape height,width,channels")
	classes := fs.Int("classes", 10, "number of classes")
	err := parseFlags(fs, args)
	if err == nil {
		err = summary(stdout, *model, *input, *classes)
	}
	return exitCode(stderr, "summary", err)
}

func summary(w io.Writer, model, input string, classes int) error {
	shape, err := parseShape("input", input)
	if err != nil {
		return err
	}
	m, err := nn.NewModel(model, shape, classes)
	if err != nil {
		return usageError{err.Error()}
	}
	if err := m.Build(1); err != nil {
		return usageError{err.Error()}
	}
	return m.Summary(w)
}
