// Command cnnscope trains convolutional networks for image classification
// and tells whether they are learning effectively.
//
// Each subcommand lives in its own file with its own flag.FlagSet and
// returns an exit code: 0 success, 1 a failed run, 2 a usage error.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"

	"github.com/cnnscope/cnnscope/internal/suggest"
)

// command is one subcommand: run gets the arguments after its name.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands is the table of subcommands; each file adds its own entry.
var commands = map[string]command{}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "help":
		return help(args[1:], stdout, stderr)
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "cnnscope", version())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		return unknownCommand(stderr, args[0])
	}
	return c.run(args[1:], stdout, cliStderr{Writer: stderr, stdout: stdout})
}

// help is "cnnscope help [COMMAND [SUBCOMMAND]]": the list of commands,
// or the command's --help, on stdout.
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		return unknownCommand(stderr, args[0])
	}
	return c.run(append(args[1:], "--help"), stdout, cliStderr{Writer: stderr, stdout: stdout})
}

func unknownCommand(stderr io.Writer, name string) int {
	fmt.Fprintf(stderr, "cnnscope: unknown command %q\n", name)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	if s := suggest.Closest(name, names); s != "" {
		fmt.Fprintf(stderr, "Did you mean %q? ", s)
	}
	fmt.Fprintln(stderr, "Run 'cnnscope help' for the list of commands.")
	return 2
}

// version is the module's version and VCS revision as the build recorded
// them ("(devel)" for a plain go build in the repository).
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v += " " + s.Value[:min(12, len(s.Value))]
		case "vcs.modified":
			if s.Value == "true" {
				v += "+dirty"
			}
		}
	}
	return v + " " + runtime.Version()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "cnnscope: train CNNs for image classification and find out whether they learn.")
	fmt.Fprintln(w, "\nUsage: cnnscope COMMAND [arguments] [flags]   (flags go before or after the arguments)\n"+
		"       cnnscope help COMMAND   (or cnnscope COMMAND --help)\n       cnnscope --version\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
