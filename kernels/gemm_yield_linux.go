package kernels

import "syscall"

// osYield lets another thread run on this CPU, if one is waiting. A
// helper woken onto the caller's CPU would otherwise wait behind the
// caller's polling for as long as the kernel takes to move it.
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
