package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/cnnscope/cnnscope/tensor"
)

// File is the content of a safetensors file.
type File struct {
	// Metadata is the header's __metadata__ map; nil when it has none.
	Metadata map[string]string
	// Tensors holds every F32, F64, F16 and BF16 tensor converted to
	// float32 (F64 rounded to nearest), by name. Tensors of other
	// element types are only in Raw.
	Tensors map[string]*tensor.Tensor
	// Raw lists every tensor as stored, in buffer order. Its Data
	// slices share memory with the bytes read.
	Raw []Raw
	// Checked reports that the file carried a checksum (WriteFileChecked)
	// and that it matched.
	Checked bool
}

// Tensor returns the named tensor as float32, or an error saying that
// there is no such tensor or that its element type does not convert.
func (f *File) Tensor(name string) (*tensor.Tensor, error) {
	if t, ok := f.Tensors[name]; ok {
		return t, nil
	}
	if r, ok := f.Lookup(name); ok {
		return nil, fmt.Errorf("tensor %q is %s, which does not convert to float32 (read it from File.Raw)", name, r.DType)
	}
	return nil, fmt.Errorf("no tensor %q", name)
}

// Lookup returns the named tensor as stored.
func (f *File) Lookup(name string) (Raw, bool) {
	for _, r := range f.Raw {
		if r.Name == name {
			return r, true
		}
	}
	return Raw{}, false
}

// ReadFile reads and validates the safetensors file at path. Errors
// start with path and say what was wrong and what was expected.
func ReadFile(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := readFrom(fd, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Read reads and validates a safetensors file from r, to its end. It
// allocates no more than the bytes r actually delivers (and the float32
// copies of the tensors), whatever the header claims.
func Read(r io.Reader) (*File, error) {
	f, err := readFrom(r, -1)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

// Parse decodes and validates a whole safetensors file held in b. The
// Raw tensors' Data share memory with b.
func Parse(b []byte) (*File, error) {
	f, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

func parse(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("file of %d bytes is shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if err := checkHeaderLen(n, int64(len(b))); err != nil {
		return nil, err
	}
	l, err := parseHeader(b[8 : 8+n])
	if err != nil {
		return nil, err
	}
	data := b[8+n:]
	if len(data) != l.size {
		return nil, sizeMismatch(l.size, int64(len(data)))
	}
	return verified(l, b[8:8+n], data)
}

// readFrom reads a whole file from r; size is the file's size, or -1
// when unknown.
func readFrom(r io.Reader, size int64) (*File, error) {
	var nb [8]byte
	if k, err := io.ReadFull(r, nb[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("file of %d bytes is shorter than the 8-byte header length", k)
		}
		return nil, err
	}
	n := binary.LittleEndian.Uint64(nb[:])
	if err := checkHeaderLen(n, size); err != nil {
		return nil, err
	}
	hdr, err := readN(r, int(n), size >= 0)
	if err != nil {
		return nil, fmt.Errorf("reading the %d-byte header: %w", n, err)
	}
	l, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	if size >= 0 && size-8-int64(n) != int64(l.size) {
		return nil, sizeMismatch(l.size, size-8-int64(n))
	}
	data, err := readN(r, l.size, size >= 0)
	if err != nil {
		return nil, fmt.Errorf("reading the %d bytes of tensor data: %w", l.size, err)
	}
	var one [1]byte
	if k, _ := io.ReadFull(r, one[:]); k > 0 {
		return nil, fmt.Errorf("more bytes follow the %d bytes of tensor data that data_offsets cover", l.size)
	}
	return verified(l, hdr, data)
}

// verified assembles the File after checking its checksum, if it has one.
func verified(l *layout, hdr, data []byte) (*File, error) {
	checked, err := verify(l.metadata, hdr, data)
	if err != nil {
		return nil, err
	}
	f := assemble(l, data)
	f.Checked = checked
	return f, nil
}

func checkHeaderLen(n uint64, size int64) error {
	if n > MaxHeaderSize {
		return fmt.Errorf("header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if size >= 0 && int64(n) > size-8 {
		return fmt.Errorf("header length %d exceeds file size %d", n, size)
	}
	return nil
}

func sizeMismatch(want int, got int64) error {
	return fmt.Errorf("data_offsets cover %d bytes of tensor data but %d bytes follow the header", want, got)
}

// readN reads exactly n bytes. With exact set, n is known to be
// available and is allocated at once; otherwise the buffer grows with
// what r delivers, so a lying header cannot make it allocate.
func readN(r io.Reader, n int, exact bool) ([]byte, error) {
	if exact {
		b := make([]byte, n)
		if k, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("file ends after %d of %d bytes: %w", k, n, err)
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, err
	}
	if len(b) != n {
		return nil, fmt.Errorf("file ends after %d of %d bytes", len(b), n)
	}
	return b, nil
}

// info is one tensor's header entry.
type info struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int
}

// layout is a validated header.
type layout struct {
	metadata map[string]string
	tensors  []info // by offset
	size     int    // bytes of tensor data
}

// parseHeader decodes the JSON header and checks that the tensors'
// data_offsets match their shapes and tile the data exactly.
func parseHeader(hdr []byte) (*layout, error) {
	if !utf8.Valid(hdr) {
		return nil, errors.New("header is not valid UTF-8")
	}
	members, err := objectMembers(hdr)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	l := &layout{}
	for _, m := range members {
		if m.key == metadataKey {
			if l.metadata, err = parseMetadata(m.value); err != nil {
				return nil, err
			}
			continue
		}
		t, err := parseInfo(m.key, m.value)
		if err != nil {
			return nil, err
		}
		l.tensors = append(l.tensors, t)
	}
	slices.SortFunc(l.tensors, func(a, b info) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	for _, t := range l.tensors {
		switch {
		case t.end < t.begin:
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they begin", t.name, t.begin, t.end)
		case t.begin > l.size:
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] leave bytes %d to %d unused (tensors must be contiguous)",
				t.name, t.begin, t.end, l.size, t.begin)
		case t.begin < l.size:
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap the tensor before, which ends at %d",
				t.name, t.begin, t.end, l.size)
		}
		n, err := elements(t.name, t.shape)
		if err != nil {
			return nil, err
		}
		size, ok := t.dtype.byteSize(n)
		if !ok {
			return nil, fmt.Errorf("tensor %q: %s shape %s is not a whole number of bytes or too large",
				t.name, t.dtype, fmtShape(t.shape))
		}
		if t.end-t.begin != size {
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] do not match %s shape %s (%d bytes)",
				t.name, t.begin, t.end, t.dtype, fmtShape(t.shape), size)
		}
		l.size = t.end
	}
	return l, nil
}

func parseMetadata(value []byte) (map[string]string, error) {
	if string(value) == "null" {
		return nil, nil
	}
	members, err := objectMembers(value)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", metadataKey, err)
	}
	md := make(map[string]string, len(members))
	for _, m := range members {
		var s string
		if err := unmarshalStrict(m.value, &s); err != nil {
			return nil, fmt.Errorf("%s: value of %q must be a string, got %s", metadataKey, m.key, excerpt(m.value))
		}
		md[m.key] = s
	}
	return md, nil
}

func parseInfo(name string, value []byte) (info, error) {
	t := info{name: name}
	members, err := objectMembers(value)
	if err != nil {
		return t, fmt.Errorf("tensor %q: %w", name, err)
	}
	var haveDType, haveShape, haveOffsets bool
	for _, m := range members {
		switch m.key {
		case "dtype":
			haveDType = true
			var s string
			if err := unmarshalStrict(m.value, &s); err != nil {
				return t, fmt.Errorf("tensor %q: dtype must be a string, got %s", name, excerpt(m.value))
			}
			t.dtype = DType(s)
			if !t.dtype.Known() {
				return t, fmt.Errorf("tensor %q: unknown dtype %q (want one of %s)", name, s, dtypeNames)
			}
		case "shape":
			haveShape = true
			if t.shape, err = intList(m.value); err != nil {
				return t, fmt.Errorf("tensor %q: shape must be a list of non-negative integers up to %d, got %s",
					name, math.MaxInt, excerpt(m.value))
			}
		case "data_offsets":
			haveOffsets = true
			offs, err := intList(m.value)
			if err != nil || len(offs) != 2 {
				return t, fmt.Errorf("tensor %q: data_offsets must be [begin, end] with non-negative integers, got %s",
					name, excerpt(m.value))
			}
			t.begin, t.end = offs[0], offs[1]
		}
		// Other keys are ignored, as the reference reader ignores them.
	}
	switch {
	case !haveDType:
		return t, fmt.Errorf("tensor %q: missing dtype", name)
	case !haveShape:
		return t, fmt.Errorf("tensor %q: missing shape", name)
	case !haveOffsets:
		return t, fmt.Errorf("tensor %q: missing data_offsets", name)
	}
	return t, nil
}

// intList decodes a JSON array of integers that fit in an int.
func intList(value []byte) ([]int, error) {
	var raw []json.RawMessage
	if err := unmarshalStrict(value, &raw); err != nil {
		return nil, err
	}
	out := make([]int, len(raw))
	for i, r := range raw {
		v, err := strconv.ParseUint(string(r), 10, 64)
		if err != nil || v > math.MaxInt {
			return nil, fmt.Errorf("%s is not a non-negative integer", excerpt(r))
		}
		out[i] = int(v)
	}
	return out, nil
}

// assemble builds the File from a validated layout and its data.
func assemble(l *layout, data []byte) *File {
	f := &File{
		Metadata: l.metadata,
		Tensors:  make(map[string]*tensor.Tensor),
		Raw:      make([]Raw, len(l.tensors)),
	}
	for i, t := range l.tensors {
		b := data[t.begin:t.end:t.end]
		f.Raw[i] = Raw{Name: t.name, DType: t.dtype, Shape: t.shape, Data: b}
		if t.dtype.Float() {
			x := tensor.New(t.shape...)
			toFloat32(t.dtype, x.Data, b)
			f.Tensors[t.name] = x
		}
	}
	return f
}

// fmtShape formats a shape as the header spells it: [3,3,1,32].
func fmtShape(shape []int) string {
	b := []byte{'['}
	for i, d := range shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", d)
	}
	return string(append(b, ']'))
}

// excerpt quotes the start of a JSON value for an error message.
func excerpt(v []byte) string {
	v = bytes.TrimSpace(v)
	if len(v) <= 40 {
		return string(v)
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return string(v[:cut]) + "…"
}
