package tfevents

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckDir reports, without creating anything, why event files could
// not be written under dir: dir (or a path component) is a file, or the
// directory that would hold it is not writable. It creates and removes a
// probe file in the deepest existing directory, since permissions alone
// do not tell (a read-only file system, or root ignoring modes).
func CheckDir(dir string) error {
	if dir == "" {
		return errors.New("empty directory name")
	}
	existing := filepath.Clean(dir)
	for {
		st, err := os.Stat(existing)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is a file, not a directory", existing)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return err
		}
		existing = parent
	}
	probe, err := os.CreateTemp(existing, ".cnnscope-probe-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the probe's name says nothing to the user
		}
		return fmt.Errorf("cannot write in %s: %w", existing, err)
	}
	name := probe.Name()
	probe.Close()
	return os.Remove(name)
}
