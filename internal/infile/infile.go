// Package infile reads a file the user named (a spec, an ONNX model)
// only when it is a regular file of a bounded size: opening a named pipe
// waits for a writer, and a device such as /dev/zero never ends, so
// both are refused by their kind before the file is opened.
package infile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ReadFile reads the regular file at path, of at most limit bytes.
// Errors name the file (as os.ReadFile's do) and what was expected.
func ReadFile(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, Kind(st.Mode()))
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: file of %d bytes, more than the %d this reader accepts", path, st.Size(), limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file may have grown since Stat: read no more than the limit.
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes this reader accepts", path, limit)
	}
	return b, nil
}

// Kind names a file mode that is not a regular file: "a folder", "a
// named pipe", "a socket", "a device", or the mode.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
