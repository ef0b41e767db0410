package data

import "testing"

// TestShellArg: a path in a suggested command is quoted only when a shell
// would split or expand it, and a single quote inside survives quoting.
func TestShellArg(t *testing.T) {
	for in, want := range map[string]string{
		"runs/digits":    "runs/digits",
		"/tmp/a-b_c.d/e": "/tmp/a-b_c.d/e",
		"my runs/digits": "'my runs/digits'",
		"runs/$HOME":     "'runs/$HOME'",
		"runs/it's":      `'runs/it'\''s'`,
		"":               "''",
		"runs/*":         "'runs/*'",
		"caf\xe9/run":    `'caf\xe9/run'`,
	} {
		if got := ShellArg(in); got != want {
			t.Errorf("ShellArg(%q) = %s, want %s", in, got, want)
		}
	}
}
