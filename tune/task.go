package tune

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
)

// exitPath is where a Slurm task writes its trial's exit status
// (trials/007.exit).
func exitPath(runDir string) string { return runDir + ".exit" }

// readExit reads the exit status a task wrote; ok is false without one.
func readExit(runDir string) (code int, ok bool) {
	b, err := os.ReadFile(exitPath(runDir))
	if err != nil {
		return 0, false
	}
	code, err = strconv.Atoi(strings.TrimSpace(string(b)))
	return code, err == nil
}

// RunTask runs trial id of the study in dir as one Slurm array task:
// `cnnscope train` (or `resume` where a previous task left the run)
// through run, its output appended to the trial's log, then its exit
// status written to trials/NNN.exit for the tuner. It returns that
// status.
func RunTask(dir string, id int, run func(args []string, stdout, stderr io.Writer) int) (int, error) {
	s, err := LoadStudy(dir)
	if err != nil {
		return 0, err
	}
	if id < 1 || id > len(s.Trials) {
		return 0, fmt.Errorf("%s: no trial %d (the study has %d)", dir, id, len(s.Trials))
	}
	args, err := s.trialArgs(s.Trials[id-1])
	if err != nil {
		return 0, err
	}
	runDir := s.RunDir(id)
	log, err := os.OpenFile(runDir+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer log.Close()
	code := run(args, log, log)
	err = atomicfile.WriteFile(exitPath(runDir), func(w io.Writer) error {
		_, err := fmt.Fprintln(w, code)
		return err
	}, 0o644)
	return code, err
}
