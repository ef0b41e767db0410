package rundir

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// NewID returns a new run id: the UTC start time and 32 random bits,
// e.g. "20261129T023512Z-5f1c9a0e".
func NewID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

const idPrefix = "# cnnscope run "

// IDComment is the first line of a run's spec.yaml: a YAML comment, so the
// file stays a plain spec that `train --spec` accepts.
func IDComment(id string) string {
	return idPrefix + id + " (resume checks that the run's files carry this id)\n"
}

// IDFromSpec returns the run id named by the first line of a spec.yaml
// ("" when it has none: a spec written by hand or by an older cnnscope).
func IDFromSpec(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	rest, ok := strings.CutPrefix(string(line), idPrefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, " ")
	return id
}
