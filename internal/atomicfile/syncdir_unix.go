//go:build !windows && !plan9 && !js && !wasip1

package atomicfile

import "os"

// syncDir flushes a directory's entries, so that a rename in it is on
// stable storage.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
