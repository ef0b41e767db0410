//go:build linux || darwin || freebsd || netbsd || openbsd

package data

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f read-only. The mapping stays valid after f
// is closed (and after the file is removed); unmap releases it.
func mapFile(f *os.File, size int) (m []byte, unmap func() error, err error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	m, err = syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, &os.PathError{Op: "mmap", Path: f.Name(), Err: err}
	}
	return m, func() error { return syscall.Munmap(m) }, nil
}
