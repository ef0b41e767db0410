package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/internal/suggest"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// usageError marks an error in what the user gave (exit code 2): the
// command line, or the files and folders it names.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flagError is a bad flag: a usage error with a hint printed on the lines
// after it (did you mean, where the help is), as the go command does.
type flagError struct {
	msg, hint string
}

func (e flagError) Error() string { return e.msg }

// inputError marks err as a problem of the input (a missing or corrupt
// run directory or model file): exit code 2.
func inputError(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err.Error()}
}

// errorLine joins a multi-line message's lines, trimmed, with "; " (a line
// ending in ":" introduces a list: a space follows it).
func errorLine(msg string) string {
	var b strings.Builder
	for i, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// exitCode reports err on stderr and returns the exit code: 0 for nil
// (and --help), 2 for anything wrong with the input (flags, specs, data,
// model files, missing run directories), 1 for a run that failed. The
// error is one line; a bad flag adds a did-you-mean and where the help is.
func exitCode(stderr io.Writer, cmd string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	// The packages name what failed as "resume: ..." for their callers;
	// the line already starts with the command.
	fmt.Fprintf(stderr, "cnnscope %s: %s\n", cmd, strings.TrimPrefix(errorLine(err.Error()), cmd+": "))
	var u usageError
	var f flagError
	var in *train.InputError
	var bad *modelfile.InputError
	switch {
	case errors.As(err, &f):
		fmt.Fprintln(stderr, f.hint)
		return 2
	case errors.As(err, &u), errors.As(err, &in), errors.As(err, &bad), errors.Is(err, fs.ErrNotExist):
		return 2
	}
	return 1
}

// cliStderr is the stderr run hands every command: it also carries
// stdout, where --help prints.
type cliStderr struct {
	io.Writer
	stdout io.Writer
}

func stdoutOf(stderr io.Writer) io.Writer {
	if s, ok := stderr.(cliStderr); ok {
		return s.stdout
	}
	return stderr
}

// newFlagSet returns a FlagSet whose --help text (on stdout) shows the
// synopsis, the flags and the examples.
func newFlagSet(name, synopsis, examples string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cnnscope "+name, flag.ContinueOnError)
	fs.SetOutput(stdoutOf(stderr))
	fs.Usage = usageOmitting(fs, synopsis, examples)
	return fs
}

// usageOmitting is fs's --help text (synopsis, flags, examples) without
// the flags named in omit: flags a command registers but refuses (tune
// takes train's flags but not --stop-on), whose defaults would mislead.
func usageOmitting(fs *flag.FlagSet, synopsis, examples string, omit ...string) func() {
	return func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: cnnscope %s\n\nFlags:\n", synopsis)
		shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
		shown.SetOutput(w)
		fs.VisitAll(func(f *flag.Flag) {
			if !slices.Contains(omit, f.Name) {
				shown.Var(f.Value, f.Name, f.Usage)
				shown.Lookup(f.Name).DefValue = f.DefValue
			}
		})
		shown.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(w, "\nExamples:\n%s", examples)
		}
	}
}

// parseFlags parses args, flags before or after the arguments. --help
// prints the usage on stdout and returns flag.ErrHelp; a bad flag is a
// usage error naming it, with a did-you-mean and where the help is.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(flagsFirst(fs, args))
	fs.SetOutput(out)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return err
	}
	if err != nil {
		return badFlag(fs, err)
	}
	return nil
}

// badFlag rewrites the flag package's error in the CLI's spelling
// (--name) and adds the closest flag and where the help is.
func badFlag(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	help := fmt.Sprintf("Run '%s --help' for usage.", fs.Name())
	const undefined = "flag provided but not defined: -"
	if name, ok := strings.CutPrefix(msg, undefined); ok {
		msg = "flag provided but not defined: --" + name
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := suggest.Closest(name, names); s != "" {
			help = fmt.Sprintf("Did you mean --%s? %s", s, help)
		}
	}
	msg = strings.Replace(msg, " for flag -", " for flag --", 1)
	msg = strings.Replace(msg, "flag needs an argument: -", "flag needs an argument: --", 1)
	return flagError{msg: wantInstead(fs, msg), hint: help}
}

// wantInstead replaces the flag package's "parse error" after a flag's
// bad value with what the flag takes, from its type: `invalid value "-5" for flag --seed: want a whole number, 0 or
// more`.
func wantInstead(fs *flag.FlagSet, msg string) string {
	_, rest, ok := strings.Cut(msg, " for flag --")
	if !ok {
		return msg
	}
	name, why, ok := strings.Cut(rest, ": ")
	f := fs.Lookup(name)
	if !ok || f == nil || why != "parse error" {
		return msg
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return msg
	}
	var want string
	switch g.Get().(type) {
	case uint, uint64:
		want = "a whole number, 0 or more"
	case int, int64:
		want = "a whole number"
	case float64:
		want = "a number"
	case bool:
		want = "true or false"
	default:
		return msg
	}
	return strings.TrimSuffix(msg, why) + "want " + want
}

// alias registers name as another name of the flag target (which must be
// defined already).
func alias(fs *flag.FlagSet, name, target string) {
	fs.Var(fs.Lookup(target).Value, name, "same as --"+target)
}

// setFlags returns the names of the flags given on the command line, an
// alias counted under its target's name too.
func setFlags(fs *flag.FlagSet, aliases map[string]string) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		set[f.Name] = true
		if t, ok := aliases[f.Name]; ok {
			set[t] = true
		}
	})
	return set
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
	if len(pos) == 0 {
		return flags
	}
	// "--" keeps an argument that starts with a dash an argument.
	return append(append(flags, "--"), pos...)
}

// formatFlag is --format text|json, the same switch as --json, on every
// command whose output has a machine form.
type formatFlag struct{ json *bool }

func (f formatFlag) String() string {
	if f.json != nil && *f.json {
		return "json"
	}
	return "text"
}

func (f formatFlag) Set(s string) error {
	switch s {
	case "text", "table":
		*f.json = false
	case "json":
		*f.json = true
	default:
		return fmt.Errorf("want text or json")
	}
	return nil
}

// addFormat registers --format next to --json (asJSON).
func addFormat(fs *flag.FlagSet, asJSON *bool) {
	fs.Var(formatFlag{asJSON}, "format", "output: text or json (--json is --format json)")
}

// checkRunDir refuses a path that is not a run directory (a folder with
// the run's spec.yaml): exit code 2 rather than an empty report.
func checkRunDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return usageError{err.Error()}
	}
	if !st.IsDir() {
		return usagef("%s: not a run directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, train.SpecFile)); err != nil {
		return usagef("%s: not a run directory (no %s)", dir, train.SpecFile)
	}
	return nil
}
