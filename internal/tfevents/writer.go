package tfevents

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FilePrefix starts the name of every event file (TensorBoard reads the
// files whose name contains "tfevents").
const FilePrefix = "events.out.tfevents."

// Writer appends events to one new event file.
type Writer struct {
	f    *os.File
	path string
	buf  []byte
}

// Create makes dir (and its parents) and a new event file in it named
// events.out.tfevents.<unix seconds of now>.<hostname> (".2", ".3", ...
// appended when a file of that name exists), and writes the file_version
// event.
func Create(dir string, now time.Time) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	base := filepath.Join(dir, fmt.Sprintf("%s%d.%s", FilePrefix, now.Unix(), hostname()))
	path := base
	for i := 2; ; i++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			path = fmt.Sprintf("%s.%d", base, i)
			continue
		}
		if err != nil {
			return nil, err
		}
		w := &Writer{f: f, path: path}
		if err := w.write(fileVersionEvent(now)); err != nil {
			f.Close()
			return nil, err
		}
		return w, nil
	}
}

// hostname is the machine's name as a file name can hold it.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return strings.NewReplacer("/", "_", string(os.PathSeparator), "_").Replace(h)
}

// Path is the event file's path.
func (w *Writer) Path() string { return w.path }

// Write appends one event holding values at step, stamped t.
func (w *Writer) Write(t time.Time, step int64, values ...Value) error {
	if len(values) == 0 {
		return nil
	}
	return w.write(summaryEvent(t, step, values))
}

// WriteSessionStart appends a SessionLog START event at step, stamped t:
// TensorBoard (with its default purge_orphaned_data) then drops every
// value of steps >= step it read before, so the steps a resumed run
// writes again replace the first run's instead of doubling them.
func (w *Writer) WriteSessionStart(t time.Time, step int64) error {
	return w.write(sessionStartEvent(t, step))
}

// write frames an event as a record and hands it to the file in one call.
func (w *Writer) write(event []byte) error {
	w.buf = appendRecord(w.buf[:0], event)
	_, err := w.f.Write(w.buf) // an *fs.PathError: it names the file
	return err
}

// Close closes the file. Safe on nil and twice.
func (w *Writer) Close() error {
	if w == nil || w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
