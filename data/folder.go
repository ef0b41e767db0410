package data

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/image/draw"
)

// ImageExtensions are the file extensions (lower case) the folder loader
// decodes; any other file in a class folder is skipped and counted.
var ImageExtensions = []string{".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}

// FolderOptions configures LoadFolder, after Keras' flow_from_directory.
// The zero value loads every class folder, at the most common image size,
// in grayscale when every image is gray and RGB otherwise.
type FolderOptions struct {
	// Height and Width are the target size; 0 means the most common size
	// among the images, or their median size within 256x256 (Keras'
	// default target size) when no size is shared by half of them.
	Height, Width int
	// ColorMode is grayscale, rgb or rgba; Auto (the zero value) picks
	// grayscale when every image is gray, else rgb.
	ColorMode ColorMode
	// Interpolation is used when resizing; nearest by default, as Keras.
	Interpolation Interpolation
	// Classes, when set, lists the class folders to load, in class index
	// order (as Keras' classes argument), e.g. to load a test folder with
	// the training folder's classes. Other folders are skipped and listed.
	Classes []string
	// Strict turns every skipped file (other than hidden ones) and every
	// warning into an error naming the file.
	Strict bool
	// MemoryBudget is the most bytes of decoded pixels kept in memory;
	// a larger set goes to a memory-mapped cache file. 0 means 2 GiB.
	MemoryBudget int64
	// CacheFile, when set, is where decoded pixels are kept. A later load
	// of the same files with the same options maps it instead of decoding.
	CacheFile string
	// Workers is the number of decoding goroutines; 0 means GOMAXPROCS.
	Workers int
}

// DefaultMemoryBudget is the memory budget when FolderOptions leaves it 0.
const DefaultMemoryBudget = 2 << 30

// candidate is a file that looks like an image.
type candidate struct {
	path  string // slash-separated, relative to the root
	label int32
	size  int64
	mtime int64
	orig  Original
	err   error // why it was dropped, if it was
}

// LoadFolder loads root/<class>/**/<image> into memory (see FolderOptions).
// Classes are the sub-folder names in sorted order; files are found
// recursively. Sources are paths joined to dir.
func LoadFolder(dir string, opts FolderOptions) (*Dataset, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("image folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("image folder %s: not a folder", dir)
	}
	return LoadFolderFS(osFS(dir), dir, opts)
}

// LoadFolderFS is LoadFolder on any file system; name is the root's name,
// joined to each file's path to make its Source.
func LoadFolderFS(fsys fs.FS, name string, opts FolderOptions) (*Dataset, error) {
	sc, err := checkFolderOptions(opts)
	if err != nil {
		return nil, err
	}
	w := walker{fsys: fsys, name: name}
	if err := w.walk(opts.Classes); err != nil {
		return nil, err
	}
	key := cacheKey(name, opts, w.classes, w.cands)
	if ds, err := loadCached(name, opts, key); ds != nil || err != nil {
		return ds, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cands := w.cands
	probeAll(fsys, cands, workers)
	ds := &Dataset{Classes: w.classes, Warnings: w.warnings}
	probes := probedOriginals(cands)
	probed := countShapes(cands, probes)
	if err := resolveShape(ds, opts, probed); err != nil {
		return nil, fmt.Errorf("image folder %s: %w (%d files skipped)", name, err, countSkips(w.skipped, cands))
	}
	imgSize := ds.ImageSize()
	inMemory := opts.CacheFile == "" && int64(len(cands))*int64(imgSize) <= cmpOr(opts.MemoryBudget, DefaultMemoryBudget)
	store, err := newPixelStore(len(cands), imgSize, inMemory, opts.CacheFile)
	if err != nil {
		return nil, err
	}
	if err := decodeAll(fsys, cands, ds, store, workers, sc); err != nil {
		store.abort()
		return nil, err
	}
	ds.Skipped = collectSkips(name, w.skipped, cands)
	// Strict loads fail here, after every file was tried, so that the
	// error lists every bad one.
	if err := strictCheck(name, opts.Strict, ds.Skipped, ds.Warnings); err != nil {
		store.abort()
		return nil, err
	}
	keep := keepDecoded(ds, name, cands)
	if len(keep) == 0 {
		store.abort()
		return nil, fmt.Errorf("image folder %s: %w (%d files skipped)", name, ErrNoImages, len(ds.Skipped))
	}
	noteShape(ds, opts, probed, countShapes(cands, probes))
	warnUnreadClasses(ds, cands)
	if err := store.finish(ds, keep, key); err != nil {
		return nil, err
	}
	return ds, ds.Validate()
}

// checkFolderOptions checks the options that do not depend on the files
// and returns the resizing's scaler.
func checkFolderOptions(opts FolderOptions) (draw.Scaler, error) {
	sc, err := opts.Interpolation.scaler()
	if err != nil {
		return nil, err
	}
	if opts.ColorMode != Auto && opts.ColorMode.Channels() == 0 {
		return nil, fmt.Errorf("color mode %q: want grayscale, rgb or rgba", string(opts.ColorMode))
	}
	if opts.Height < 0 || opts.Width < 0 || (opts.Height == 0) != (opts.Width == 0) {
		return nil, fmt.Errorf("target size %dx%d: want both positive, or both 0 for the most common size", opts.Width, opts.Height)
	}
	if err := cacheDirOK(opts.CacheFile); err != nil {
		return nil, err
	}
	return sc, nil
}

// loadCached returns the data set of opts.CacheFile when it was made
// from the same files and options (key); nil, nil when there is none.
func loadCached(name string, opts FolderOptions, key [32]byte) (*Dataset, error) {
	if opts.CacheFile == "" {
		return nil, nil
	}
	ds, err := openCache(opts.CacheFile, key)
	if err != nil || ds == nil {
		return nil, err
	}
	if err := strictCheck(name, opts.Strict, ds.Skipped, ds.Warnings); err != nil {
		ds.Close()
		return nil, err
	}
	return ds, nil
}

// probeAll reads every candidate's header (size, mode, orientation) on
// workers goroutines; a file that fails gets its error.
func probeAll(fsys fs.FS, cands []candidate, workers int) {
	parallelFor(len(cands), workers, func(i, _ int) {
		c := &cands[i]
		f, err := fsys.Open(c.path)
		if err != nil {
			c.err = err
			return
		}
		defer f.Close()
		c.orig, c.err = probeImage(f)
	})
}

// keepDecoded adds the labels, sources and originals of the candidates
// that decoded to ds and returns their indices.
func keepDecoded(ds *Dataset, name string, cands []candidate) []int {
	var keep []int
	for i, c := range cands {
		if c.err == nil {
			keep = append(keep, i)
			ds.Labels = append(ds.Labels, c.label)
			ds.Sources = append(ds.Sources, joinSource(name, c.path))
			ds.Originals = append(ds.Originals, c.orig)
		}
	}
	return keep
}

// decodeAll decodes every candidate that passed the probe into the store
// at its index, on workers goroutines whose decoded images together stay
// within decodeBudget; a file that fails gets its error.
func decodeAll(fsys fs.FS, cands []candidate, ds *Dataset, store *pixelStore, workers int, sc draw.Scaler) error {
	imgSize := ds.ImageSize()
	scratch := make([][]byte, workers)
	gate := newMemGate(decodeBudget)
	var storeErr atomic.Value
	parallelFor(len(cands), workers, func(i, wk int) {
		c := &cands[i]
		if c.err != nil {
			return
		}
		if scratch[wk] == nil {
			scratch[wk] = make([]byte, imgSize)
		}
		f, err := fsys.Open(c.path)
		if err != nil {
			c.err = err
			return
		}
		defer f.Close()
		held := gate.acquire(int64(c.orig.Width) * int64(c.orig.Height) * decodeBytesPerPixel)
		defer gate.release(held)
		if c.orig, c.err = decodeInto(f, scratch[wk], ds.Height, ds.Width, ColorModeOf(ds.Channels), sc); c.err == nil {
			if err := store.put(i, scratch[wk]); err != nil {
				storeErr.CompareAndSwap(nil, err)
			}
		}
	})
	err, _ := storeErr.Load().(error)
	return err
}

// walker lists class folders and the candidate files in them.
type walker struct {
	fsys     fs.FS
	name     string
	classes  []string
	cands    []candidate
	skipped  []Skipped
	warnings []string
}

func (w *walker) skip(p, reason string, benign bool) {
	w.skipped = append(w.skipped, Skipped{Path: DisplayPath(joinSource(w.name, p)), Reason: reason, Benign: benign})
}

func (w *walker) walk(only []string) error {
	dirs, topImages, err := w.topLevel()
	if err != nil {
		return err
	}
	// A class is named by its folder, shown escaped where the folder's
	// name is not UTF-8 (class names go into model.json).
	w.classes = make([]string, len(dirs))
	for i, d := range dirs {
		w.classes[i] = DisplayPath(d)
	}
	if only != nil {
		if dirs, err = w.onlyClasses(dirs, only, topImages); err != nil {
			return err
		}
	}
	counts := make([]int, len(dirs))
	for label, d := range dirs {
		if !validName(d) || d == "." || strings.Contains(d, "/") {
			return fmt.Errorf("class %q: not a folder name", DisplayPath(d))
		}
		before := len(w.cands)
		err := fs.WalkDir(w.fsys, d, func(p string, e fs.DirEntry, err error) error {
			return w.visit(p, e, err, int32(label), p == d)
		})
		if err != nil {
			return fmt.Errorf("image folder %s: %w", w.name, err)
		}
		counts[label] = len(w.cands) - before
	}
	folders := make([]string, len(dirs))
	for i, d := range dirs {
		folders[i] = DisplayPath(joinSource(w.name, d))
	}
	w.warnings = append(w.warnings, emptyClassWarnings(w.classes, folders, counts, only != nil)...)
	if len(dirs) == 1 {
		w.warnings = append(w.warnings, fmt.Sprintf("only one class (%q): a classifier needs at least two", w.classes[0]))
	}
	if len(dirs) == 0 {
		return fmt.Errorf("image folder %s: %w in class sub-folders (%s): the images must be in one sub-folder per class, %s/<class>/<image files>",
			w.name, ErrNoImages, noSubFolders(topImages), w.name)
	}
	return nil
}

// topLevel reads the folder's top level: its sub-folders (the classes),
// skipping hidden entries and files, and counts the image files among
// those (outside any class folder).
func (w *walker) topLevel() (dirs []string, topImages int, err error) {
	entries, err := fs.ReadDir(w.fsys, ".")
	if err != nil {
		return nil, 0, fmt.Errorf("image folder %s: %w", w.name, err)
	}
	for _, e := range entries {
		n := e.Name()
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if st, err := fs.Stat(w.fsys, n); err == nil {
				isDir = st.IsDir()
			}
		}
		switch {
		case strings.HasPrefix(n, "."):
			w.skip(n, "hidden", true)
		case !isDir:
			w.skip(n, "file outside any class folder", false)
			if slices.Contains(ImageExtensions, strings.ToLower(path.Ext(n))) {
				topImages++
			}
		default:
			dirs = append(dirs, n)
		}
	}
	return dirs, topImages, nil
}

// onlyClasses keeps the classes of the list only, in its order, and
// returns their folders (a class without one here keeps its name, and
// is walked as an empty class); none of them here is an error.
func (w *walker) onlyClasses(dirs, only []string, topImages int) ([]string, error) {
	named := map[string]string{}
	for i, d := range dirs {
		named[w.classes[i]] = d
		if !slices.Contains(only, w.classes[i]) {
			w.skip(d, "folder not in the class list", true)
		}
	}
	if !slices.ContainsFunc(only, func(c string) bool { return named[c] != "" }) {
		found := "its sub-folders: " + strings.Join(w.classes, ", ")
		if len(dirs) == 0 {
			found = noSubFolders(topImages)
		}
		return nil, fmt.Errorf("image folder %s: none of the classes %s is a sub-folder here (%s; want %s/<class>/<image files>): %w",
			w.name, strings.Join(only, ", "), found, w.name, ErrNoImages)
	}
	w.classes, dirs = slices.Clone(only), make([]string, len(only))
	for i, c := range only {
		dirs[i] = cmp.Or(named[c], c)
	}
	return dirs, nil
}

// noSubFolders says that a folder has no sub-folders and how many image
// files lie at its top level instead.
func noSubFolders(topImages int) string {
	if topImages == 0 {
		return "it has no sub-folders"
	}
	return fmt.Sprintf("it has no sub-folders, and %d image file(s) at its top level", topImages)
}

func (w *walker) visit(p string, e fs.DirEntry, err error, label int32, top bool) error {
	if err != nil {
		if top && e == nil {
			w.skip(p, "class folder missing: "+err.Error(), false)
			return nil
		}
		w.skip(p, "unreadable: "+err.Error(), false)
		if e != nil && e.IsDir() {
			return fs.SkipDir
		}
		return nil
	}
	base := path.Base(p)
	if !top && strings.HasPrefix(base, ".") {
		w.skip(p, "hidden", true)
		if e.IsDir() {
			return fs.SkipDir
		}
		return nil
	}
	if e.IsDir() {
		return nil
	}
	info, err := e.Info()
	if err != nil {
		w.skip(p, "unreadable: "+err.Error(), false)
		return nil
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		st, err := fs.Stat(w.fsys, p)
		switch {
		case err != nil:
			w.skip(p, "broken symbolic link: "+err.Error(), false)
			return nil
		case st.IsDir():
			w.skip(p, "symbolic link to a folder, not followed", true)
			return nil
		}
		info = st
	}
	if !info.Mode().IsRegular() {
		w.skip(p, "not a regular file", false)
		return nil
	}
	ext := strings.ToLower(path.Ext(base))
	if !slices.Contains(ImageExtensions, ext) {
		w.skip(p, fmt.Sprintf("not an image file (extension %q)", ext), false)
		return nil
	}
	if info.Size() == 0 {
		w.skip(p, "empty file (0 bytes)", false)
		return nil
	}
	w.cands = append(w.cands, candidate{path: p, label: label, size: info.Size(), mtime: info.ModTime().UnixNano()})
	return nil
}

func joinSource(root, p string) string {
	if root == "" {
		return p
	}
	return filepath.Join(root, filepath.FromSlash(p))
}

// cacheKey identifies the inputs of a load: options, classes and every
// candidate file's path, label, size and modification time.
func cacheKey(name string, opts FolderOptions, classes []string, cands []candidate) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "v2\x00%s\x00%d\x00%d\x00%s\x00%s\x00%q\x00", name, opts.Height, opts.Width, opts.ColorMode, opts.Interpolation, classes)
	var b [24]byte
	for _, c := range cands {
		h.Write([]byte(c.path))
		binary.LittleEndian.PutUint64(b[0:], uint64(c.label))
		binary.LittleEndian.PutUint64(b[8:], uint64(c.size))
		binary.LittleEndian.PutUint64(b[16:], uint64(c.mtime))
		h.Write(b[:])
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// parallelFor calls fn(i, worker) for i in [0, n) on up to workers
// goroutines; worker is in [0, workers) and identifies the goroutine.
func parallelFor(n, workers int, fn func(i, worker int)) {
	workers = max(1, min(workers, n))
	var next atomic.Int64
	var wg sync.WaitGroup
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i, wk)
			}
		}()
	}
	wg.Wait()
}

func cmpOr(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}
