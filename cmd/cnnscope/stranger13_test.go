package main

import (
	"strings"
	"testing"
)

// A bad number names its flag and value, as train's do ("--batch 0: want
// 1 or more"): bench, predict and doctor answered every bad value with
// the same list of all their rules ("--batch, --infer-batch and --classes
// must be positive, --seconds in (0, 86400], --threads >= 0" for
// --seconds -1), leaving the user to find which one was meant.
func TestBadNumberNamesItsFlag(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--seconds", "-1"}, "--seconds -1: want more than 0 and at most 86400"},
		{[]string{"bench", "--batch", "0"}, "--batch 0: want 1 or more"},
		{[]string{"bench", "--infer-batch", "-2"}, "--infer-batch -2: want 1 or more"},
		{[]string{"bench", "--threads", "-1"}, "--threads -1: want 0 or more"},
		{[]string{"predict", dir, "x.png", "--top-k", "0"}, "--top-k 0: want 1 or more"},
		{[]string{"predict", dir, "x.png", "--batch", "-1"}, "--batch -1: want 1 or more"},
		{[]string{"doctor", dir, "--trial-epochs", "0"}, "--trial-epochs 0: want 1 or more"},
		{[]string{"doctor", dir, "--trial-limit", "-1"}, "--trial-limit -1: want 0 or more"},
	} {
		code, _, stderr := runCLI(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line saying %q", c.args, code, stderr, c.want)
		}
	}
}
