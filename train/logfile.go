package train

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
)

// openLineLog opens path for a log written one line (record) at a time,
// as CSVLogger and MetricsLogger write theirs.
//
// Without appendMode the file is created or truncated. With it an
// existing file is continued: its complete lines for which keep returns
// true are kept and returned, and when some are not (records past the
// point a run resumes from, written after its last checkpoint) or the
// last line was cut short by a crash, the file is first rewritten
// atomically with the kept lines only. Errors name the path.
func openLineLog(path string, appendMode bool, keep func(i int, line string) bool) (*os.File, []string, error) {
	if !appendMode {
		f, err := os.Create(path)
		return f, nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		f, err := os.Create(path)
		return f, nil, err
	}
	if err != nil {
		return nil, nil, err
	}
	text := string(b)
	end := strings.LastIndexByte(text, '\n') + 1 // drop a partial last line
	var lines, kept []string
	if end > 0 {
		lines = strings.Split(text[:end-1], "\n")
	}
	for i, l := range lines {
		if keep(i, l) {
			kept = append(kept, l)
		}
	}
	if end < len(text) || len(kept) < len(lines) {
		var sb strings.Builder
		for _, l := range kept {
			sb.WriteString(l)
			sb.WriteByte('\n')
		}
		if err := writeFileAtomic(path, []byte(sb.String())); err != nil {
			return nil, nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	return f, kept, err
}

// writeFileAtomic replaces path with data (see atomicfile.WriteFile): a
// crash leaves either the old or the new content.
func writeFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, 0o644)
}
