package data

import (
	"fmt"
	"os"
)

// ReadImageFile decodes one image file resized to w x h and converted to
// mode (not Auto), as the folder loader does: what predict uses to bring
// a new image to a model's input. Errors name the file.
func ReadImageFile(path string, h, w int, mode ColorMode, ip Interpolation) ([]uint8, error) {
	if mode.Channels() == 0 {
		return nil, fmt.Errorf("%s: color mode %q: want grayscale, rgb or rgba", path, string(mode))
	}
	sc, err := ip.scaler()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dst := make([]uint8, h*w*mode.Channels())
	if _, err := decodeInto(f, dst, h, w, mode, sc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return dst, nil
}
