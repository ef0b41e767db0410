//go:build !linux

package kernels

import "runtime"

// osYield lets others run; without sched_yield, other goroutines.
func osYield() { runtime.Gosched() }
