package rundir

import (
	"os"
	"path/filepath"
	"strings"
)

// exchangeByRenames moves b aside (.NAME.old-*) and a to b, and returns
// where b's old content is. If the second rename fails, b is put back.
func exchangeByRenames(a, b string) (string, error) {
	old := strings.Replace(a, "."+filepath.Base(b)+".new-", "."+filepath.Base(b)+".old-", 1)
	if old == a {
		old = a + ".old"
	}
	if err := os.Rename(b, old); err != nil {
		return "", err
	}
	if err := os.Rename(a, b); err != nil {
		_ = os.Rename(old, b)
		return "", err
	}
	return old, nil
}
