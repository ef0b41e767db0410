package data

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/cnnscope/cnnscope/internal/infile"
)

// ReadImageFile decodes one image file resized to w x h and converted to
// mode (not Auto), as the folder loader does (DecodeImage: pixel limit,
// Exif orientation, stored colors of transparent pixels): what predict
// uses to bring a new image to a model's input. It also returns what the
// file held. Errors name the file.
func ReadImageFile(path string, h, w int, mode ColorMode, ip Interpolation) ([]uint8, Original, error) {
	if mode.Channels() == 0 {
		return nil, Original{}, fmt.Errorf("%s: color mode %q: want grayscale, rgb or rgba", path, string(mode))
	}
	sc, err := ip.scaler()
	if err != nil {
		return nil, Original{}, fmt.Errorf("%s: %w", path, err)
	}
	// Stat before opening: opening a named pipe waits for a writer, and a
	// device (/dev/zero) never ends.
	st, err := os.Stat(path)
	if err != nil {
		return nil, Original{}, fmt.Errorf("%s: %w", DisplayPath(path), unwrapPath(err))
	}
	if !st.Mode().IsRegular() {
		return nil, Original{}, fmt.Errorf("%s: not a regular file (%s), want an image file", DisplayPath(path), infile.Kind(st.Mode()))
	}
	if st.Size() > maxImageFileBytes {
		return nil, Original{}, fmt.Errorf("%s: file of %d bytes, larger than the %d an image may have", DisplayPath(path), st.Size(), maxImageFileBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, Original{}, fmt.Errorf("%s: %w", DisplayPath(path), unwrapPath(err))
	}
	defer f.Close()
	dst := make([]uint8, h*w*mode.Channels())
	o, err := decodeInto(f, dst, h, w, mode, sc)
	if err != nil {
		return nil, o, fmt.Errorf("%s: %w", DisplayPath(path), err)
	}
	return dst, o, nil
}

// ImagePixels converts an image already in memory as ReadImageFile
// converts a file: resized to w x h (with ip) and converted to mode (not
// Auto), HWC bytes. Colors are taken as the image gives them (RGBA()).
func ImagePixels(img image.Image, h, w int, mode ColorMode, ip Interpolation) ([]uint8, error) {
	if mode.Channels() == 0 {
		return nil, fmt.Errorf("color mode %q: want grayscale, rgb or rgba", string(mode))
	}
	sc, err := ip.scaler()
	if err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Empty() || int64(b.Dx())*int64(b.Dy()) > maxImagePixels || h <= 0 || w <= 0 {
		return nil, fmt.Errorf("image of %dx%d pixels to %dx%d: want both non-empty, at most %d pixels", b.Dx(), b.Dy(), w, h, maxImagePixels)
	}
	dst := make([]uint8, h*w*mode.Channels())
	resizeInto(dst, img, h, w, mode, sc)
	return dst, nil
}

// ErrNoImageFiles is what ListImages's error for a folder without image
// files wraps (errors.Is), to tell it from a path that does not exist.
var ErrNoImageFiles = errors.New("no image files")

// ListImages expands folders into their image files (ImageExtensions;
// sorted, recursive, hidden files and folders skipped); files are taken as
// given. A folder without images is an error wrapping ErrNoImageFiles.
func ListImages(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", DisplayPath(p), unwrapPath(err))
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("%s: %w", DisplayPath(path), unwrapPath(err))
			}
			if strings.HasPrefix(d.Name(), ".") && path != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && slices.Contains(ImageExtensions, strings.ToLower(filepath.Ext(path))) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: %w (%s)", DisplayPath(p), ErrNoImageFiles, strings.Join(ImageExtensions, " "))
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// unwrapPath drops the path an *fs.PathError repeats (callers name the
// file themselves, escaped).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
