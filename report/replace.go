package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// reportMarker is in the head of every page this package writes.
const reportMarker = `<meta name="generator" content="cnnscope">`

// NotReportError refuses to replace a file that is not a cnnscope report.
type NotReportError struct{ Path string }

func (e *NotReportError) Error() string {
	return fmt.Sprintf("%s exists and is not a cnnscope report; refusing to replace it (choose another output file)", e.Path)
}

// CheckReplace returns nil when path does not exist or holds a report
// this package wrote (its head carries the generator marker), and a
// *NotReportError for any other file.
func CheckReplace(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return &NotReportError{Path: path}
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	if !bytes.Contains(head[:n], []byte(reportMarker)) {
		return &NotReportError{Path: path}
	}
	return nil
}
