package data

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// A pixel cache file holds a decoded dataset so that a later run maps it
// instead of decoding every image again:
//
//	[0, 16)    magic "CNNSCOPE-PIXELS1"
//	[16, 48)   key: SHA-256 of the loader options and the file list
//	[48, 104)  n, height, width, channels, pixel offset, metadata offset,
//	           metadata length: little-endian uint64s
//	[4096, …)  pixels, NHWC uint8
//	then       metadata: JSON of labels, classes, sources, originals, skips,
//	           warnings and notes
const (
	cacheMagic     = "CNNSCOPE-PIXELS1"
	cacheHeaderLen = 104
	cachePixOff    = 4096
)

type cacheMeta struct {
	Classes   []string
	Labels    []int32
	Sources   []string
	Originals []Original
	Skipped   []Skipped
	Warnings  []string
	Notes     []string // absent from caches written before notes were kept: none
}

// pixelStore receives decoded images by slot, in any order, from several
// goroutines; finish compacts the kept slots into a dataset's Pixels.
type pixelStore struct {
	imgSize  int
	mem      []byte   // in-memory store, or
	f        *os.File // a cache file being written
	final    string   // where the finished cache file goes ("" = removed after mapping)
	unlinked bool     // the temporary file has no name any more
}

func newPixelStore(slots, imgSize int, inMemory bool, cachePath string) (*pixelStore, error) {
	s := &pixelStore{imgSize: imgSize}
	if inMemory {
		s.mem = make([]byte, slots*imgSize)
		return s, nil
	}
	var err error
	if cachePath != "" {
		s.final = cachePath
		s.f, err = os.Create(cachePath + ".tmp")
	} else {
		s.f, err = os.CreateTemp("", "cnnscope-pixels-*")
	}
	if err != nil {
		return nil, fmt.Errorf("pixel cache: %w", err)
	}
	if s.final == "" {
		// Remove the name at once: the open file (and later its mapping)
		// keeps the data, and the system frees it however the process
		// ends, a kill included. Where an open file cannot be removed
		// (Windows), the name goes once the file is mapped.
		s.unlinked = os.Remove(s.f.Name()) == nil
	}
	return s, nil
}

// put stores image bytes in slot i. Safe for concurrent use on distinct
// slots.
func (s *pixelStore) put(i int, img []byte) error {
	if s.mem != nil {
		copy(s.mem[i*s.imgSize:], img)
		return nil
	}
	if _, err := s.f.WriteAt(img, cachePixOff+int64(i)*int64(s.imgSize)); err != nil {
		return fmt.Errorf("pixel cache: %w", err)
	}
	return nil
}

// abort drops a partly written cache file.
func (s *pixelStore) abort() {
	if s.f != nil {
		s.f.Close()
		if !s.unlinked {
			os.Remove(s.f.Name())
		}
	}
}

// finish moves the slots listed in keep to positions 0..len(keep)-1 and
// fills in ds.Pixels (and ds.closer for a mapped file). key identifies the
// inputs for a later openCache.
func (s *pixelStore) finish(ds *Dataset, keep []int, key [32]byte) error {
	n := s.imgSize
	if s.mem != nil {
		for j, i := range keep {
			if i != j {
				copy(s.mem[j*n:(j+1)*n], s.mem[i*n:(i+1)*n])
			}
		}
		ds.Pixels = s.mem[: len(keep)*n : len(keep)*n]
		return nil
	}
	err := s.writeFile(ds, keep, key)
	if err != nil {
		s.abort()
		return fmt.Errorf("pixel cache %s: %w", s.f.Name(), err)
	}
	return nil
}

func (s *pixelStore) writeFile(ds *Dataset, keep []int, key [32]byte) error {
	n := int64(s.imgSize)
	buf := make([]byte, n)
	for j, i := range keep {
		if i == j {
			continue
		}
		if _, err := s.f.ReadAt(buf, cachePixOff+int64(i)*n); err != nil {
			return err
		}
		if _, err := s.f.WriteAt(buf, cachePixOff+int64(j)*n); err != nil {
			return err
		}
	}
	meta, err := json.Marshal(cacheMeta{ds.Classes, ds.Labels, ds.Sources, ds.Originals, ds.Skipped, ds.Warnings, ds.Notes})
	if err != nil {
		return err
	}
	metaOff := cachePixOff + int64(len(keep))*n
	if err := s.f.Truncate(metaOff); err != nil {
		return err
	}
	if _, err := s.f.WriteAt(meta, metaOff); err != nil {
		return err
	}
	var head bytes.Buffer
	head.WriteString(cacheMagic)
	head.Write(key[:])
	for _, v := range []uint64{uint64(len(keep)), uint64(ds.Height), uint64(ds.Width), uint64(ds.Channels), cachePixOff, uint64(metaOff), uint64(len(meta))} {
		binary.Write(&head, binary.LittleEndian, v)
	}
	if _, err := s.f.WriteAt(head.Bytes(), 0); err != nil {
		return err
	}
	m, unmap, err := mapFile(s.f, int(metaOff))
	if err != nil {
		return err
	}
	name := s.f.Name()
	if err := s.f.Close(); err != nil {
		unmap()
		return err
	}
	switch {
	case s.final != "":
		err = os.Rename(name, s.final)
	case !s.unlinked:
		err = os.Remove(name) // the mapping outlives the name
	}
	if err != nil {
		unmap()
		return err
	}
	ds.Pixels = m[cachePixOff:metaOff:metaOff]
	ds.closer = unmap
	return nil
}

// openCache maps a cache file written for the same key. It returns
// (nil, nil) when the file does not exist or was made for other inputs,
// and an error only when a matching file is damaged.
func openCache(path string, key [32]byte) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	head := make([]byte, cacheHeaderLen)
	if _, err := io.ReadFull(f, head); err != nil || string(head[:16]) != cacheMagic || !bytes.Equal(head[16:48], key[:]) {
		return nil, nil
	}
	var v [7]uint64
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(head[48+8*i:])
	}
	nimg, h, w, c, pixOff, metaOff, metaLen := v[0], v[1], v[2], v[3], v[4], v[5], v[6]
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pixel cache %s: %w", path, err)
	}
	if pixOff != cachePixOff || h*w*c == 0 || h*w*c > maxImagePixels*4 || nimg > uint64(st.Size()) ||
		metaOff != pixOff+nimg*h*w*c || metaOff+metaLen != uint64(st.Size()) {
		return nil, fmt.Errorf("pixel cache %s: damaged header; delete the file to rebuild it", path)
	}
	metaBytes := make([]byte, metaLen)
	if _, err := f.ReadAt(metaBytes, int64(metaOff)); err != nil {
		return nil, fmt.Errorf("pixel cache %s: %w", path, err)
	}
	var meta cacheMeta
	if err := json.Unmarshal(metaBytes, &meta); err != nil {
		return nil, fmt.Errorf("pixel cache %s: metadata: %w; delete the file to rebuild it", path, err)
	}
	m, unmap, err := mapFile(f, int(metaOff))
	if err != nil {
		return nil, fmt.Errorf("pixel cache %s: %w", path, err)
	}
	ds := &Dataset{
		Height: int(h), Width: int(w), Channels: int(c),
		Pixels: m[pixOff:metaOff:metaOff], Labels: meta.Labels, Classes: meta.Classes,
		Sources: meta.Sources, Originals: meta.Originals, Skipped: meta.Skipped, Warnings: meta.Warnings, Notes: meta.Notes,
		closer: unmap,
	}
	if err := ds.Validate(); err != nil {
		ds.Close()
		return nil, fmt.Errorf("pixel cache %s: %w; delete the file to rebuild it", path, err)
	}
	return ds, nil
}

// cacheDirOK reports a clear error when a cache file's folder is missing.
func cacheDirOK(path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fmt.Errorf("cache file %s: folder %s does not exist", path, filepath.Dir(path))
	}
	return nil
}
