package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Dir is a run directory held by this process.
type Dir struct {
	// Path is where the run's files go: beside the final path until
	// Commit when the run replaces another one.
	Path string
	ID   string

	target  string // the path to replace at Commit ("" when none)
	lock    *Lock
	oldLock *Lock // the replaced run's lock, held until Commit
}

// NotEmptyError says that a new run's directory already holds files.
type NotEmptyError struct {
	Dir  string
	What string // "run 2026… (finished)", "a.txt, b.png, c and 3 more"; "" for a file
	// Foreign: the directory is not a cnnscope run (overwrite will not
	// replace it).
	Foreign bool
}

func (e *NotEmptyError) Error() string {
	if e.What == "" {
		return fmt.Sprintf("%s is a file, not a directory; choose another run directory", e.Dir)
	}
	if e.Foreign {
		return fmt.Sprintf("%s is not empty and is not a cnnscope run (it holds %s); choose another run directory", e.Dir, e.What)
	}
	return fmt.Sprintf("%s already holds %s; choose another run directory, or --overwrite to replace it", e.Dir, e.What)
}

// Create claims path for a new run with the given id. A missing or empty
// directory is created and locked. A directory holding anything else is
// a *NotEmptyError, unless overwrite is set and it is a cnnscope run:
// then the new run is built in a new directory beside it (Path) and
// Commit swaps the two. A directory another process holds is a
// *LockedError, overwrite or not.
func Create(path, id string, overwrite bool) (*Dir, error) {
	if err := probe(path); err != nil {
		return nil, err
	}
	cleanAside(path)
	what, run, err := describe(path)
	if err != nil {
		return nil, err
	}
	if what == "" {
		if err := os.MkdirAll(path, 0o755); err != nil {
			return nil, err
		}
		l, err := lock(path)
		if err != nil {
			return nil, err
		}
		// Another process may have filled it between the look and the lock.
		if what, run, err = describe(path); err != nil || what != "" {
			l.Release()
			if err == nil {
				err = &NotEmptyError{Dir: path, What: what, Foreign: !run}
			}
			return nil, err
		}
		return &Dir{Path: path, ID: id, lock: l}, nil
	}
	if !overwrite || !run {
		return nil, &NotEmptyError{Dir: path, What: what, Foreign: !run}
	}
	return createAside(path, id)
}

// createAside holds the old run at path and makes the new one beside it.
func createAside(path, id string) (*Dir, error) {
	old, err := lock(path)
	if err != nil {
		return nil, err
	}
	aside, err := os.MkdirTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-")
	if err != nil {
		old.Release()
		return nil, err
	}
	l, err := lock(aside)
	if err != nil {
		old.Release()
		os.RemoveAll(aside)
		return nil, err
	}
	return &Dir{Path: aside, ID: id, target: path, lock: l, oldLock: old}, nil
}

// Open holds an existing run directory (resume).
func Open(path string) (*Dir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", path)
	}
	l, err := lock(path)
	if err != nil {
		return nil, err
	}
	return &Dir{Path: path, lock: l}, nil
}

// Commit puts a run built beside the one it replaces in its place, in one
// step (where the system allows: see exchange), then removes the old
// run. Without a run to replace it does nothing. An error means that the
// old run is still in place; an old run that cannot be removed (a
// removal cut short) is left beside it, where the next Create for the
// same path removes it.
func (d *Dir) Commit() error {
	if d.target == "" {
		return nil
	}
	oldAt, err := exchange(d.Path, d.target)
	if err != nil {
		return fmt.Errorf("replace %s: %w (the old run is unchanged)", d.target, err)
	}
	d.oldLock.Release()
	d.oldLock = nil
	d.Path, d.target = d.target, ""
	syncDir(filepath.Dir(d.Path))
	_ = os.RemoveAll(oldAt)
	return nil
}

// Close lets go of the directory. A run built aside and never committed
// is removed: the old run stays as it was. Safe on nil.
func (d *Dir) Close() {
	if d == nil {
		return
	}
	if d.target != "" {
		d.lock.Release()
		os.RemoveAll(d.Path)
		d.Path, d.target = d.target, ""
	}
	d.lock.Release()
	d.oldLock.Release()
	d.lock, d.oldLock = nil, nil
}

// describe says what a directory holds besides run.lock ("" for nothing
// or no directory) and whether it is a cnnscope run.
func describe(path string) (what string, run bool, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err == nil && !st.IsDir() {
		return "", false, &NotEmptyError{Dir: path, Foreign: true}
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return "", false, err
	}
	var names []string
	has := map[string]bool{}
	for _, e := range entries {
		if e.Name() != LockFile {
			names = append(names, e.Name())
			has[e.Name()] = true
		}
	}
	if len(names) == 0 {
		return "", false, nil
	}
	if in, err := ReadInfo(path); err == nil {
		return fmt.Sprintf("run %s (%s)", in.RunID, in.State), true, nil
	}
	if has[SpecFile] || has[InfoFile] {
		if b, err := os.ReadFile(filepath.Join(path, SpecFile)); err == nil && IDFromSpec(b) != "" {
			return "run " + IDFromSpec(b), true, nil
		}
		return "a cnnscope run", true, nil
	}
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3), false, nil
	}
	return strings.Join(names, ", "), false, nil
}

// cleanAside removes what killed replacements of path left beside it:
// directories .NAME.new-* and .NAME.old-* that no process holds.
func cleanAside(path string) {
	base := filepath.Base(path)
	for _, pat := range []string{".new-*", ".old-*"} {
		found, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+base+pat))
		for _, d := range found {
			if probe(d) == nil {
				os.RemoveAll(d)
			}
		}
	}
}

// syncDir flushes a directory so that a rename in it survives a power
// loss (best effort).
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		_ = f.Sync()
		f.Close()
	}
}
