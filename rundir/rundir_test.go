package rundir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// oldRun makes a finished run with id "old" in dir.
func oldRun(t *testing.T, dir string) {
	t.Helper()
	write(t, filepath.Join(dir, SpecFile), IDComment("old")+"seed: 1\n")
	write(t, filepath.Join(dir, "history.csv"), "epoch,loss\n1,0.5\n")
	if err := WriteInfo(dir, &Info{RunID: "old", State: Finished, Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func TestIDFromSpec(t *testing.T) {
	id := NewID()
	if got := IDFromSpec([]byte(IDComment(id) + "seed: 1\n")); got != id {
		t.Errorf("IDFromSpec = %q, want %q", got, id)
	}
	if got := IDFromSpec([]byte("seed: 1\n")); got != "" {
		t.Errorf("a spec without the line has id %q", got)
	}
	if a, b := NewID(), NewID(); a == b {
		t.Errorf("two ids are equal: %s", a)
	}
}

func TestCreateTakesNewOrEmptyDirectories(t *testing.T) {
	base := t.TempDir()
	for _, dir := range []string{filepath.Join(t.TempDir(), "new", "run"), base} {
		d, err := Create(dir, "x", false)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if d.Path != dir {
			t.Errorf("Path %s, want %s", d.Path, dir)
		}
		d.Close()
	}
	// A lock file left behind (unheld) does not make a directory non-empty.
	if d, err := Create(base, "y", false); err != nil {
		t.Errorf("a directory holding only an unheld %s: %v", LockFile, err)
	} else {
		d.Close()
	}
}

func TestCreateRefusesNonEmptyDirectories(t *testing.T) {
	foreign := t.TempDir()
	write(t, filepath.Join(foreign, "notes.txt"), "mine")
	run := t.TempDir()
	oldRun(t, run)
	file := filepath.Join(t.TempDir(), "file")
	write(t, file, "x")
	for _, c := range []struct {
		dir       string
		overwrite bool
		want      string
	}{
		{foreign, false, "not a cnnscope run (it holds notes.txt)"},
		{foreign, true, "not a cnnscope run"}, // overwrite replaces runs only
		{run, false, "already holds run old (finished)"},
		{file, true, "is a file, not a directory"},
	} {
		_, err := Create(c.dir, "new", c.overwrite)
		var ne *NotEmptyError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Create(%s, overwrite %v) = %v, want a one-line *NotEmptyError with %q", c.dir, c.overwrite, err, c.want)
		}
	}
	if read(t, filepath.Join(foreign, "notes.txt")) != "mine" {
		t.Error("the user's file changed")
	}
	if _, err := os.Stat(filepath.Join(foreign, LockFile)); err == nil {
		t.Errorf("a refused directory got a %s", LockFile)
	}
}

func TestSecondHolderIsRefusedWithThePID(t *testing.T) {
	dir := t.TempDir()
	d, err := Create(dir, "a", false)
	if err != nil {
		t.Fatal(err)
	}
	for name, try := range map[string]func() error{
		"create":    func() error { _, err := Create(dir, "b", false); return err },
		"overwrite": func() error { _, err := Create(dir, "b", true); return err },
		"open":      func() error { _, err := Open(dir); return err },
	} {
		err := try()
		var le *LockedError
		if runtime.GOOS != "windows" && (!errors.As(err, &le) || le.PID != os.Getpid()) {
			t.Errorf("%s while held: %v, want a *LockedError naming pid %d", name, err, os.Getpid())
		}
	}
	d.Close()
	// Released: the lock file stays, empty, and is no lock.
	if s := read(t, filepath.Join(dir, LockFile)); s != "" {
		t.Errorf("released lock file holds %q", s)
	}
	d2, err := Open(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	d2.Close()
}

func TestStaleLockFileIsNoLock(t *testing.T) {
	dir := t.TempDir()
	oldRun(t, dir)
	write(t, filepath.Join(dir, LockFile), "pid 999999999\n") // a killed process's
	d, err := Open(dir)
	if err != nil {
		t.Fatalf("stale lock file: %v", err)
	}
	defer d.Close()
	if s := read(t, filepath.Join(dir, LockFile)); s != "pid "+strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file holds %q, want this process's pid", s)
	}
}

// The new run is built beside the old one, which stays whole until Commit
// swaps them; after Commit nothing of the old run is left.
func TestOverwriteSwapsAtCommit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	oldRun(t, dir)
	d, err := Create(dir, "new", true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Path == dir || filepath.Dir(d.Path) != filepath.Dir(dir) {
		t.Fatalf("new run at %s, want beside %s", d.Path, dir)
	}
	write(t, filepath.Join(d.Path, SpecFile), IDComment("new")+"seed: 2\n")
	if IDFromSpec([]byte(read(t, filepath.Join(dir, SpecFile)))) != "old" {
		t.Fatal("the old run changed before Commit")
	}
	if _, err := Open(dir); err == nil {
		t.Error("the old run is not held while it is being replaced")
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Path != dir {
		t.Errorf("after Commit Path = %s, want %s", d.Path, dir)
	}
	if id := IDFromSpec([]byte(read(t, filepath.Join(dir, SpecFile)))); id != "new" {
		t.Errorf("spec.yaml names run %q after Commit, want new", id)
	}
	if _, err := os.Stat(filepath.Join(dir, "history.csv")); err == nil {
		t.Error("the old run's history.csv survived the swap")
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("beside the run: %v, want only the run", entries)
	}
}

// A replacement that never commits (an error, a kill) leaves the old run
// as it was; what a killed one left beside it goes at the next Create.
func TestOverwriteWithoutCommitKeepsTheOldRun(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	oldRun(t, dir)
	d, err := Create(dir, "new", true)
	if err != nil {
		t.Fatal(err)
	}
	aside := d.Path
	write(t, filepath.Join(aside, SpecFile), IDComment("new")+"seed: 2\n")
	d.Close()
	if _, err := os.Stat(aside); err == nil {
		t.Errorf("the uncommitted run %s is still there", aside)
	}
	if IDFromSpec([]byte(read(t, filepath.Join(dir, SpecFile)))) != "old" || read(t, filepath.Join(dir, "history.csv")) == "" {
		t.Error("the old run changed")
	}
	// A killed replacement's leftovers (no process holds them).
	leftover := filepath.Join(parent, ".run.new-123")
	write(t, filepath.Join(leftover, SpecFile), "seed: 3\n")
	d, err = Create(dir, "newer", true)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := os.Stat(leftover); err == nil {
		t.Errorf("leftover %s was not cleaned", leftover)
	}
}
