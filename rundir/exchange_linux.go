package rundir

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange swaps the directories a and b in one step (renameat2 with
// RENAME_EXCHANGE) and returns where b's old content now is (a). File
// systems without it get two renames (exchangeByRenames).
func exchange(a, b string) (string, error) {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if err == nil {
		return a, nil
	}
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EXDEV) {
		return exchangeByRenames(a, b)
	}
	return "", err
}
