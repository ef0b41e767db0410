package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockedError says that another process holds a run directory.
type LockedError struct {
	Dir string
	PID int // 0 when the holder did not say
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is in use by another cnnscope process (pid %d); wait for it to end or stop it", e.Dir, e.PID)
	}
	return fmt.Sprintf("%s is in use by another cnnscope process (%s is locked)", e.Dir, filepath.Join(e.Dir, LockFile))
}

// Lock is a held run.lock.
type Lock struct {
	f *os.File
}

// lock takes dir's run.lock, creating the file if needed, without
// waiting: a held lock is a *LockedError naming the holder's pid.
func lock(dir string) (*Lock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		pid := readPID(f)
		f.Close()
		return nil, &LockedError{Dir: dir, PID: pid}
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// InUse reports the process that holds dir's run.lock (a run still
// training in it), nil when none does or dir has no lock file.
func InUse(dir string) *LockedError {
	var locked *LockedError
	if errors.As(probe(dir), &locked) {
		return locked
	}
	return nil
}

// probe reports the holder of dir's run.lock without creating the file:
// nil when the directory has no lock file or nobody holds it.
func probe(dir string) error {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	held, err := tryLock(f)
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		return &LockedError{Dir: dir, PID: readPID(f)}
	}
	unlock(f)
	return nil
}

// Release empties the lock file and lets go of the lock. Safe on nil.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	unlock(l.f)
	l.f.Close()
	l.f = nil
}

func readPID(f *os.File) int {
	b := make([]byte, 64)
	n, _ := f.ReadAt(b, 0)
	s := strings.TrimSpace(strings.TrimPrefix(string(b[:n]), "pid "))
	pid, _ := strconv.Atoi(s)
	return pid
}
