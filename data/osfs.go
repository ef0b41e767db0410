package data

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// osFS is os.DirFS without its UTF-8 rule: file and folder names are
// bytes on Linux, and a photo named in Latin-1 is still a photo. Names
// must still be relative, slash-separated, without "." or ".." elements.
type osFS string

func (d osFS) path(op, name string) (string, error) {
	if !validName(name) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return filepath.Join(string(d), filepath.FromSlash(name)), nil
}

func (d osFS) Open(name string) (fs.File, error) {
	p, err := d.path("open", name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (d osFS) ReadDir(name string) ([]fs.DirEntry, error) {
	p, err := d.path("readdir", name)
	if err != nil {
		return nil, err
	}
	return os.ReadDir(p)
}

func (d osFS) Stat(name string) (fs.FileInfo, error) {
	p, err := d.path("stat", name)
	if err != nil {
		return nil, err
	}
	return os.Stat(p)
}

// validName is fs.ValidPath less its UTF-8 check.
func validName(name string) bool {
	if name == "." {
		return true
	}
	if name == "" || strings.ContainsRune(name, 0) {
		return false
	}
	for _, e := range strings.Split(name, "/") {
		if e == "" || e == "." || e == ".." {
			return false
		}
	}
	return true
}

// DisplayPath is a file or folder name as cnnscope prints it: unchanged
// when it is valid UTF-8 without control characters, else with each bad
// byte written \xNN (as Go quotes strings, without the quotes).
func DisplayPath(p string) string {
	if utf8.ValidString(p) && !strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return p
	}
	q := strconv.Quote(p)
	return q[1 : len(q)-1]
}

// ShellArg is a path as a word of a command line cnnscope suggests (a
// fix, "cnnscope data inspect DIR"): its DisplayPath, in single quotes
// when it holds spaces or characters a shell treats specially.
func ShellArg(p string) string {
	p = DisplayPath(p)
	if p == "" || strings.ContainsAny(p, " \t\n'\"$`\\*?[]{}()<>|&;#~!") {
		return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
	}
	return p
}
