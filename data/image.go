package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Original{}, fmt.Errorf("%s: %w", DisplayPath(path), err)
	}
	defer f.Close()
	dst := make([]uint8, h*w*mode.Channels())
	o, err := decodeInto(f, dst, h, w, mode, sc)
	if err != nil {
		return nil, o, fmt.Errorf("%s: %w", DisplayPath(path), err)
	}
	return dst, o, nil
}
