//go:build !linux

package rundir

// exchange puts a at b by two renames: a crash between them leaves b
// missing and both runs beside it (.NAME.old-*, .NAME.new-*).
func exchange(a, b string) (string, error) { return exchangeByRenames(a, b) }
