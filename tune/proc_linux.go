package tune

import (
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// childAttr makes a child die with the tuner (SIGKILL on the tuner's
// death), so a killed study leaves no trial running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// waitUnlocked waits (up to a minute) until no process holds dir's
// run.lock: the child of a killed tuner is dying, not gone, when a
// resumed tuner starts at once.
func waitUnlocked(dir string) {
	f, err := os.Open(filepath.Join(dir, "run.lock"))
	if err != nil {
		return
	}
	defer f.Close()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			return
		}
	}
}
