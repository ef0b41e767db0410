package safetensors

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/tensor"
)

// MaxHeaderSize is the largest JSON header, in bytes, that Read accepts
// and Write produces: the reference implementation's limit.
const MaxHeaderSize = 100_000_000

// metadataKey is the header key that holds the free-form metadata; no
// tensor may take this name.
const metadataKey = "__metadata__"

// Named pairs a float32 tensor with the name it is stored under.
type Named struct {
	Name   string
	Tensor *tensor.Tensor
}

// Raw is one tensor as the file stores it: any element type, its bytes
// little-endian and row-major.
type Raw struct {
	Name  string
	DType DType
	Shape []int
	// Data holds exactly as many bytes as Shape's element count takes
	// in DType.
	Data []byte
}

// entry is one tensor ready to be laid out and written.
type entry struct {
	name   string
	dtype  DType
	shape  []int
	size   int       // bytes in the buffer
	floats []float32 // F32 data to encode, or nil
	raw    []byte    // data to copy as is
}

// Write writes float32 tensors (dtype F32) and metadata in the
// safetensors format, byte for byte as the reference implementation
// does: tensors laid out in name order, the header padded with spaces to
// a multiple of 8 bytes. Metadata may be nil; its keys are written in
// sorted order.
func Write(w io.Writer, tensors []Named, metadata map[string]string) error {
	entries, err := namedEntries(tensors)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return encode(w, entries, metadata, "safetensors")
}

// WriteRaw writes tensors of any element type as Write does, laid out
// as the reference writer does: by descending element alignment (the
// order of the reference's dtype list, U64 first, BOOL last), then by
// name.
func WriteRaw(w io.Writer, tensors []Raw, metadata map[string]string) error {
	entries, err := rawEntries(tensors)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return encode(w, entries, metadata, "safetensors")
}

// WriteFile writes tensors as Write does to path, atomically: a crash
// or kill at any moment leaves either the old file or the complete new
// one. The file is created with mode 0o644.
func WriteFile(path string, tensors []Named, metadata map[string]string) error {
	entries, err := namedEntries(tensors)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return encodeFile(path, entries, metadata)
}

// WriteRawFile writes tensors as WriteRaw does to path, atomically as
// WriteFile does.
func WriteRawFile(path string, tensors []Raw, metadata map[string]string) error {
	entries, err := rawEntries(tensors)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return encodeFile(path, entries, metadata)
}

func encodeFile(path string, entries []entry, metadata map[string]string) error {
	// Build the header first so that bad input fails before any file
	// is touched.
	hdr, err := header(entries, metadata)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		if err := writeBody(w, hdr, entries); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}, 0o644)
}

// encode writes a whole file to w; errors start with name.
func encode(w io.Writer, entries []entry, metadata map[string]string, name string) error {
	hdr, err := header(entries, metadata)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := writeBody(w, hdr, entries); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func namedEntries(tensors []Named) ([]entry, error) {
	entries := make([]entry, len(tensors))
	for i, t := range tensors {
		if t.Tensor == nil {
			return nil, fmt.Errorf("tensor %q: nil tensor", t.Name)
		}
		n, err := elements(t.Name, t.Tensor.Shape)
		if err != nil {
			return nil, err
		}
		if n != len(t.Tensor.Data) {
			return nil, fmt.Errorf("tensor %q: %d values do not fill shape %s (%d elements)",
				t.Name, len(t.Tensor.Data), fmtShape(t.Tensor.Shape), n)
		}
		size, ok := F32.byteSize(n)
		if !ok {
			return nil, fmt.Errorf("tensor %q: shape %s is too large", t.Name, fmtShape(t.Tensor.Shape))
		}
		entries[i] = entry{name: t.Name, dtype: F32, shape: t.Tensor.Shape, size: size, floats: t.Tensor.Data}
	}
	return entries, nil
}

func rawEntries(tensors []Raw) ([]entry, error) {
	entries := make([]entry, len(tensors))
	for i, t := range tensors {
		if !t.DType.Known() {
			return nil, fmt.Errorf("tensor %q: unknown dtype %q (want one of %s)", t.Name, t.DType, dtypeNames)
		}
		n, err := elements(t.Name, t.Shape)
		if err != nil {
			return nil, err
		}
		size, ok := t.DType.byteSize(n)
		if !ok {
			return nil, fmt.Errorf("tensor %q: %s shape %s is not a whole number of bytes or too large",
				t.Name, t.DType, fmtShape(t.Shape))
		}
		if size != len(t.Data) {
			return nil, fmt.Errorf("tensor %q: %d bytes of data do not match %s shape %s (%d bytes)",
				t.Name, len(t.Data), t.DType, fmtShape(t.Shape), size)
		}
		entries[i] = entry{name: t.Name, dtype: t.DType, shape: t.Shape, size: size, raw: t.Data}
	}
	return entries, nil
}

// elements is the element count of shape, or an error naming the tensor
// when a dimension is negative or the count overflows.
func elements(name string, shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("tensor %q: negative dimension in shape %s", name, fmtShape(shape))
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("tensor %q: shape %s overflows", name, fmtShape(shape))
		}
		n *= d
	}
	return n, nil
}

// header sorts entries into the reference layout and returns the padded
// JSON header.
func header(entries []entry, metadata map[string]string) ([]byte, error) {
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		switch {
		case e.name == metadataKey:
			return nil, fmt.Errorf("tensor name %q is reserved for metadata", metadataKey)
		case !utf8.ValidString(e.name):
			return nil, fmt.Errorf("tensor name %q is not valid UTF-8", e.name)
		case seen[e.name]:
			return nil, fmt.Errorf("tensor %q appears twice", e.name)
		}
		seen[e.name] = true
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(dtypes[b.dtype].rank, dtypes[a.dtype].rank); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})

	b := []byte{'{'}
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, fmt.Errorf("metadata %q: key and value must be valid UTF-8", k)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = appendString(b, metadataKey)
		b = append(b, ":{"...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, metadata[k])
		}
		b = append(b, '}')
	}
	offset := 0
	for i, e := range entries {
		if i > 0 || len(metadata) > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.name)
		b = append(b, `:{"dtype":"`...)
		b = append(b, e.dtype...)
		b = append(b, `","shape":[`...)
		for j, d := range e.shape {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendInt(b, int64(offset), 10)
		b = append(b, ',')
		if e.size > math.MaxInt-offset {
			return nil, errors.New("tensors total more bytes than fit in an int")
		}
		offset += e.size
		b = strconv.AppendInt(b, int64(offset), 10)
		b = append(b, "]}"...)
	}
	b = append(b, '}')
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	if len(b) > MaxHeaderSize {
		return nil, fmt.Errorf("header of %d bytes exceeds the %d-byte limit", len(b), MaxHeaderSize)
	}
	return b, nil
}

// appendString appends s as a JSON string escaped as serde_json (the
// reference's JSON library) escapes it: quote, backslash and control
// characters only, everything else as raw UTF-8.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// writeBody writes the length prefix, the header and every tensor's
// bytes in the order header laid them out.
func writeBody(w io.Writer, hdr []byte, entries []entry) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	bw.Write(n[:])
	bw.Write(hdr)
	scratch := make([]byte, 1<<16)
	for _, e := range entries {
		if e.floats == nil {
			bw.Write(e.raw)
			continue
		}
		for rest := e.floats; len(rest) > 0; {
			k := min(len(rest), len(scratch)/4)
			for i, v := range rest[:k] {
				binary.LittleEndian.PutUint32(scratch[4*i:], math.Float32bits(v))
			}
			if _, err := bw.Write(scratch[:4*k]); err != nil {
				return err
			}
			rest = rest[k:]
		}
	}
	// bufio.Writer keeps its first error and reports it here.
	return bw.Flush()
}
