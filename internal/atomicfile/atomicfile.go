// Package atomicfile replaces files so that readers and crashes see
// either the old content or the new, never a mix or a truncated file.
//
// WriteFile writes to a temporary file in the destination's directory,
// flushes it to stable storage, renames it over the destination (an
// atomic step on POSIX file systems) and then flushes the directory so
// that the rename itself survives a power loss.
//
// A process killed mid-write leaves the destination untouched but may
// leave its temporary file behind: a name that starts with "." and the
// destination's base name and contains ".tmp-". Nothing removes such
// leftovers automatically, since another writer may still own them.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces the file at path with what write
// writes. The new file gets exactly the permission bits perm (the
// umask does not apply). On any failure, including a panic in write,
// the temporary file is removed and path is left as it was; an error
// returned by write is passed on unchanged, other errors name path.
//
// If path is a symbolic link, the link itself is replaced.
func WriteFile(path string, write func(io.Writer) error, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return fmt.Errorf("write %s: folder %s: %w", path, filepath.Clean(dir), pe.Err) // not the temporary file's name
	} else if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}
