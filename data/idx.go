package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// IDX is one IDX file (the format of MNIST and Fashion-MNIST) holding
// unsigned bytes: Dims lists the extents, outermost first, and Data holds
// their product of bytes, row-major.
type IDX struct {
	Dims []int
	Data []uint8
}

// maxIDXBytes bounds what one IDX file may claim to hold (4 GiB), so that
// a corrupt header cannot ask for an absurd allocation.
const maxIDXBytes = 1 << 32

// ReadIDX parses an IDX stream, raw or gzip-compressed (recognized by its
// magic bytes, not by name). Only the unsigned-byte type (0x08) is
// supported. name is used in error messages.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip header: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	var head [4]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return nil, fmt.Errorf("%s: reading IDX magic number: %w", name, noEOF(err))
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("%s: magic number % x, want an IDX file starting 00 00", name, head)
	}
	if head[2] != 0x08 {
		return nil, fmt.Errorf("%s: IDX data type 0x%02x, want 0x08 (unsigned byte)", name, head[2])
	}
	nd := int(head[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("%s: IDX file with %d dimensions, want 1 to 4", name, nd)
	}
	dims := make([]int, nd)
	total := uint64(1)
	for i := range dims {
		var d uint32
		if err := binary.Read(br, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("%s: reading dimension %d: %w", name, i, noEOF(err))
		}
		dims[i] = int(d)
		total *= uint64(d)
		if total > maxIDXBytes {
			return nil, fmt.Errorf("%s: IDX dimensions %v hold over %d bytes, more than this reader accepts", name, dims[:i+1], uint64(maxIDXBytes))
		}
	}
	// Read without trusting the header for the allocation: a truncated
	// file fails before a buffer of the claimed size is made.
	var buf bytes.Buffer
	buf.Grow(int(min(total, 1<<24)))
	got, err := io.Copy(&buf, io.LimitReader(br, int64(total)))
	if err != nil {
		return nil, fmt.Errorf("%s: reading IDX data: %w", name, err)
	}
	if uint64(got) != total {
		return nil, fmt.Errorf("%s: truncated: dimensions %v need %d bytes of data, found %d", name, dims, total, got)
	}
	return &IDX{Dims: dims, Data: buf.Bytes()}, nil
}

// ReadIDXFile reads an IDX file, raw or gzip-compressed.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadIDX(f, path)
}

// LoadIDX reads an images file (n, h, w) or (n, h, w, c) and a labels file
// (n) in IDX format, raw or gzipped, into a dataset. Classes are named
// "0".."k-1" where k-1 is the largest label (at least 10 classes, as for
// MNIST). Sources are "BASENAME#i".
func LoadIDX(imagesPath, labelsPath string) (*Dataset, error) {
	im, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	lb, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	return idxDataset(im, lb, imagesPath, labelsPath)
}

// idxDataset joins parsed image and label files; the paths name them in
// errors and sources.
func idxDataset(im, lb *IDX, imagesPath, labelsPath string) (*Dataset, error) {
	if len(im.Dims) != 3 && len(im.Dims) != 4 {
		return nil, fmt.Errorf("%s: images file has dimensions %v, want (n, height, width) or (n, height, width, channels)", imagesPath, im.Dims)
	}
	if len(lb.Dims) != 1 {
		return nil, fmt.Errorf("%s: labels file has dimensions %v, want (n)", labelsPath, lb.Dims)
	}
	n, h, w, c := im.Dims[0], im.Dims[1], im.Dims[2], 1
	if len(im.Dims) == 4 {
		c = im.Dims[3]
	}
	if n != lb.Dims[0] {
		return nil, fmt.Errorf("%s holds %d images but %s holds %d labels", imagesPath, n, labelsPath, lb.Dims[0])
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: %w", imagesPath, ErrNoImages)
	}
	if h == 0 || w == 0 || (c != 1 && c != 3 && c != 4) {
		return nil, fmt.Errorf("%s: image shape (%d, %d, %d), want positive height and width and 1, 3 or 4 channels", imagesPath, h, w, c)
	}
	ds := &Dataset{Height: h, Width: w, Channels: c, Pixels: im.Data, Labels: make([]int32, n), Sources: make([]string, n)}
	k := 10
	base := filepath.Base(imagesPath)
	for i, l := range lb.Data {
		ds.Labels[i] = int32(l)
		k = max(k, int(l)+1)
		ds.Sources[i] = base + "#" + strconv.Itoa(i)
	}
	ds.Classes = make([]string, k)
	for i := range ds.Classes {
		ds.Classes[i] = strconv.Itoa(i)
	}
	return ds, ds.Validate()
}

// noEOF turns a bare EOF into ErrUnexpectedEOF: inside a header, the end
// of the file is always a truncation.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
