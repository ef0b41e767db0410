//go:build !linux

package tune

import "syscall"

// childAttr: without Pdeathsig, children of a killed tuner run on; their
// run.lock makes the resumed trial's `cnnscope resume` refuse.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

func waitUnlocked(dir string) {}
