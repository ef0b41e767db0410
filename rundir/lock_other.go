//go:build !unix

package rundir

import "os"

// tryLock has no kernel lock to take outside Unix: the lock file only
// names the last writer. Two processes can then write one directory.
func tryLock(f *os.File) (bool, error) { return true, nil }

func unlock(f *os.File) {}
