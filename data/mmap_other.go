//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package data

import (
	"io"
	"os"
)

// mapFile reads size bytes of f into memory: on systems without mmap
// support here, a cache file saves decoding time but not memory.
func mapFile(f *os.File, size int) (m []byte, unmap func() error, err error) {
	m = make([]byte, size)
	if _, err := f.ReadAt(m, 0); err != nil && err != io.EOF {
		return nil, nil, err
	}
	return m, func() error { return nil }, nil
}
