package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// usageError marks an error in the command line (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitCode reports err on stderr in one line and returns the exit code:
// 0 for nil, 2 for usage errors, 1 for a failed run.
func exitCode(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "cnnscope %s: %v\n", cmd, err)
	var u usageError
	var in *train.InputError
	if errors.As(err, &u) || errors.As(err, &in) {
		return 2
	}
	return 1
}

// newFlagSet returns a FlagSet whose usage text shows the examples.
func newFlagSet(name, synopsis, examples string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cnnscope "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: cnnscope %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(stderr, "\nExamples:\n%s", examples)
		}
	}
	return fs
}

// parseFlags parses args; a bad flag is a usage error (the flag package
// has already printed why), --help is flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// parseShape reads "28,28,1" (or "28x28x1") as a shape.
func parseShape(flagName, s string) (tensor.Shape, error) {
	s = strings.ReplaceAll(s, "x", ",")
	var shape tensor.Shape
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 {
			return nil, usagef("--%s %q: want positive integers such as 28,28,1", flagName, s)
		}
		shape = append(shape, n)
	}
	if len(shape) != 3 {
		return nil, usagef("--%s %q: want height,width,channels such as 28,28,1", flagName, s)
	}
	return shape, nil
}

// flagsFirst moves the flags before the positional arguments, so that
// "evaluate RUN_DIR --json" parses as "evaluate --json RUN_DIR"; fs says which flags take no value.
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		isBool := false
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				isBool = true
			}
		}
		if !isBool && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, pos...)
}
