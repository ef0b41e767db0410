package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
)

// reportMarker is in the head of every page this package writes;
// svgMarker and pngMarker are in the head of every plot (an XML comment,
// a PNG tEXt chunk), so that a plot can be written again over itself.
const (
	reportMarker = `<meta name="generator" content="cnnscope">`
	svgMarker    = `<!-- generator: cnnscope -->`
	pngMarker    = "tEXtSoftware\x00cnnscope"
)

// NotReportError refuses to replace a file that is not a cnnscope report.
type NotReportError struct{ Path string }

func (e *NotReportError) Error() string {
	return fmt.Sprintf("%s exists and is not a cnnscope report; refusing to replace it (choose another output file)", e.Path)
}

// CheckReplace returns nil when path does not exist or holds a report or
// plot this package wrote (its head carries a generator marker), and a
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
	for _, m := range []string{reportMarker, svgMarker, pngMarker} {
		if bytes.Contains(head[:n], []byte(m)) {
			return nil
		}
	}
	return &NotReportError{Path: path}
}

// markPNG inserts the tEXt chunk "Software: cnnscope" after a PNG's
// IHDR chunk (the first 33 bytes), where CheckReplace finds it.
func markPNG(b []byte) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	if len(b) < ihdrEnd {
		return b
	}
	body := []byte(pngMarker) // type and data
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)-4))
	chunk = append(chunk, body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(body))
	return append(append(append([]byte(nil), b[:ihdrEnd]...), chunk...), b[ihdrEnd:]...)
}
