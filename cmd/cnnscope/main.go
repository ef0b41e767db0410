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
	"sort"
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
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cnnscope: unknown command %q (run 'cnnscope help' for the list)\n", args[0])
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "cnnscope: train CNNs for image classification and find out whether they learn.")
	fmt.Fprintln(w, "\nUsage: cnnscope COMMAND [flags]   (cnnscope COMMAND --help for details)\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
