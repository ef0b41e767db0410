package data

import (
	"errors"
	"fmt"
)

// Dataset is a set of labelled images held as uint8 pixels, NHWC: image i
// occupies Pixels[i*H*W*C : (i+1)*H*W*C], rows top to bottom, each pixel's
// channels together (gray; R,G,B; or R,G,B,A).
//
// Pixels lives in memory, or in a memory-mapped cache file when the
// decoded set is larger than the loader's memory budget; either way it is
// read-only for users of the Dataset. Close releases a mapped file.
type Dataset struct {
	Height, Width, Channels int

	// Pixels holds Len() images of ImageSize() bytes each.
	Pixels []uint8
	// Labels[i] is the class index of image i, in [0, len(Classes)).
	Labels []int32
	// Classes names the classes by index: sorted folder names for an
	// image folder, "0".."9" or Fashion-MNIST's names for IDX files.
	Classes []string
	// Sources[i] says where image i came from: a file path, or
	// "train-images-idx3-ubyte.gz#123" for the 124th image of an IDX file.
	Sources []string
	// Originals[i] describes image i as it was on disk, before resizing
	// and color conversion (empty for IDX files, where it never changes).
	Originals []Original
	// Skipped lists every file the loader did not load, with the reason.
	Skipped []Skipped
	// Warnings are problems that cost no file (an empty class folder, a
	// single class).
	Warnings []string
	// Notes are choices the loader made that the user should know of (the
	// color mode picked by majority); they cost nothing and are no error.
	Notes []string

	closer func() error
}

// Original is what a file looked like before it was decoded into the
// dataset's common size and color mode.
type Original struct {
	Format string `json:"format"` // "png", "jpeg", "gif", "bmp", "tiff", "webp"
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Mode   string `json:"mode"` // "grayscale", "rgb" or "rgba": what the file holds
	// Orientation is the Exif orientation (2 to 8) applied to turn the
	// image upright; Width and Height are its size once turned. 0: none.
	Orientation int `json:"orientation,omitempty"`
}

// Skipped is a file the loader left out, and why.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	// Benign marks files that are skipped by design (hidden files); they
	// are counted but are no error under strict loading.
	Benign bool `json:"benign,omitempty"`
}

// Len is the number of images.
func (d *Dataset) Len() int { return len(d.Labels) }

// ImageSize is the number of bytes of one image: Height*Width*Channels.
func (d *Dataset) ImageSize() int { return d.Height * d.Width * d.Channels }

// Image returns image i's pixels, HWC. The slice aliases the dataset's
// storage and must not be modified.
func (d *Dataset) Image(i int) []uint8 {
	n := d.ImageSize()
	return d.Pixels[i*n : (i+1)*n : (i+1)*n]
}

// NumClasses is len(Classes).
func (d *Dataset) NumClasses() int { return len(d.Classes) }

// Close releases the cache file behind Pixels, if any; the dataset must
// not be used afterwards. It is safe to call on an in-memory dataset and
// more than once.
func (d *Dataset) Close() error {
	if d.closer == nil {
		return nil
	}
	err := d.closer()
	d.closer = nil
	d.Pixels = nil
	return err
}

// Subset returns a new in-memory dataset holding copies of the images at
// indices, in that order, with the same classes. Skipped and Warnings are
// not carried over.
func (d *Dataset) Subset(indices []int) *Dataset {
	n := d.ImageSize()
	s := &Dataset{
		Height: d.Height, Width: d.Width, Channels: d.Channels,
		Pixels:  make([]uint8, 0, len(indices)*n),
		Labels:  make([]int32, len(indices)),
		Classes: append([]string(nil), d.Classes...),
		Sources: make([]string, len(indices)),
	}
	if d.Originals != nil {
		s.Originals = make([]Original, len(indices))
	}
	for j, i := range indices {
		s.Pixels = append(s.Pixels, d.Image(i)...)
		s.Labels[j] = d.Labels[i]
		s.Sources[j] = d.Sources[i]
		if d.Originals != nil {
			s.Originals[j] = d.Originals[i]
		}
	}
	return s
}

// Validate checks the dataset's internal consistency: sizes agree and
// every label names a class. Loaders call it before returning.
func (d *Dataset) Validate() error {
	if d.Height <= 0 || d.Width <= 0 {
		return fmt.Errorf("dataset: image size %dx%d, want positive", d.Width, d.Height)
	}
	if d.Channels != 1 && d.Channels != 3 && d.Channels != 4 {
		return fmt.Errorf("dataset: %d channels, want 1, 3 or 4", d.Channels)
	}
	if len(d.Pixels) != len(d.Labels)*d.ImageSize() {
		return fmt.Errorf("dataset: %d pixel bytes for %d images of %d bytes", len(d.Pixels), len(d.Labels), d.ImageSize())
	}
	if len(d.Sources) != len(d.Labels) {
		return fmt.Errorf("dataset: %d sources for %d images", len(d.Sources), len(d.Labels))
	}
	if d.Originals != nil && len(d.Originals) != len(d.Labels) {
		return fmt.Errorf("dataset: %d originals for %d images", len(d.Originals), len(d.Labels))
	}
	for i, l := range d.Labels {
		if l < 0 || int(l) >= len(d.Classes) {
			return fmt.Errorf("dataset: %s: label %d, want 0..%d", d.Sources[i], l, len(d.Classes)-1)
		}
	}
	return nil
}

// ErrNoImages is returned (wrapped) when a source holds no usable image.
var ErrNoImages = errors.New("no images")
