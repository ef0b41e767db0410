//go:build unix

package tune

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// pause stops a child (SIGSTOP) while its trial waits at a rung.
func pause(p *os.Process) bool { p.Signal(syscall.SIGSTOP); return true }

// cont lets a paused child go on.
func cont(p *os.Process) { p.Signal(syscall.SIGCONT) }

// terminate asks a child to stop cleanly (train saves and exits on
// SIGTERM), waking it first if it is paused.
func terminate(p *os.Process) {
	p.Signal(syscall.SIGTERM)
	p.Signal(syscall.SIGCONT)
}

// LockFile is the study's lock: one tuner runs a study at a time.
const LockFile = "study.lock"

// Lock takes dir's study.lock (flock, released when the tuner exits,
// however it exits); another tuner holding it is an error.
func Lock(dir string) (release func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: another cnnscope tune is running this study", dir)
	}
	return func() { f.Close() }, nil
}
