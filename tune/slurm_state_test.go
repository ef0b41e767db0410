package tune

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// needSlurm skips t where no Slurm answers: sbatch is not installed, or
// its controller does not answer scontrol ping (a client without a
// cluster). scripts/slurm-localhost.sh starts one, as .ci/run does
// (and fails there when it cannot).
func needSlurm(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("sbatch not found: no Slurm here (scripts/slurm-localhost.sh starts one)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "scontrol", "ping").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "is UP") {
		t.Skipf("no Slurm controller answers (scontrol ping: %v %s): scripts/slurm-localhost.sh starts one", err, bytes.TrimSpace(out))
	}
}

// slurmDeadline is how long a test's study may run on the real Slurm:
// a study still running then fails its test with slurmState, so a Slurm
// test cannot hang CI until go test's own timeout (which prints only
// goroutines).
const slurmDeadline = 3 * time.Minute

// runUnderSlurm runs r under ctx and slurmDeadline; at the deadline the
// error says what Slurm shows (the caller prints the runner's log).
func runUnderSlurm(ctx context.Context, r *Runner) error {
	ctx, cancel := context.WithTimeout(ctx, slurmDeadline)
	defer cancel()
	err := r.Run(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the study did not end within %v under Slurm (%w)\n%s", slurmDeadline, err, slurmState(r.Study.SlurmName))
	}
	return err
}

// slurmState is what Slurm shows for a failed test: the queue (all
// tasks, with their reasons), the node, the study's jobs as scontrol
// knows them (for MinJobAge after their end), and the tails of the daemons' logs (the paths
// scripts/slurm-localhost.sh configures).
func slurmState(name string) string {
	var b strings.Builder
	show := func(name string, args ...string) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.WaitDelay = time.Second
		out, err := cmd.CombinedOutput()
		fmt.Fprintf(&b, "$ %s %s\n%s", name, strings.Join(args, " "), out)
		if err != nil {
			fmt.Fprintf(&b, "(%v)\n", err)
		}
	}
	fmt.Fprintf(&b, "%s: Slurm's view of the study's jobs (name %s):\n", time.Now().UTC().Format(time.RFC3339), name)
	show("squeue", "-a", "-r", "-o", "%F|%K|%j|%T|%r|%M")
	show("sinfo", "-N", "-l")
	show("sh", "-c", "scontrol -o show job | grep -F 'JobName="+name+" '")
	for _, f := range []string{"/var/log/slurm/slurmctld.log", "/var/log/slurm/slurmd.log"} {
		fmt.Fprintf(&b, "--- the last lines of %s:\n%s\n", f, tail(f, 40))
	}
	return b.String()
}

// tail is the last n lines of file f, or why there are none.
func tail(f string, n int) string {
	b, err := os.ReadFile(f)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-n):], []byte("\n")))
}
