package safetensors

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"strings"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
)

// safetensors has no checksum of its own: a flipped bit in a weight
// loads as a different weight. WriteFileChecked adds one in the
// metadata, under two keys so that no single damaged byte can make a
// checked file look like an unchecked one:
//
//   - IntegrityKey ("integrity"): "sha256", the algorithm;
//   - ChecksumKey ("sha256"): the SHA-256 of the whole file, in
//     lowercase hex, computed with these 64 characters written as '0's.
//
// Every byte of the file but the checksum itself is covered: the length
// prefix, the header (tensor names, shapes, offsets, all metadata) and
// the data. The readers verify a file that has either key and refuse it
// when the other is missing or the sum differs; a file with neither (any
// other writer's, or cnnscope's before the checksum) reads as before.
const (
	IntegrityKey = "integrity"
	ChecksumKey  = "sha256"
	integrityAlg = "sha256"
)

var zeroSum = strings.Repeat("0", 2*sha256.Size)

// WriteFileChecked writes tensors to path atomically as WriteFile does,
// with the file's SHA-256 in its metadata (IntegrityKey, ChecksumKey;
// both are reserved: metadata must not hold them).
func WriteFileChecked(path string, tensors []Named, metadata map[string]string) error {
	if _, ok := metadata[ChecksumKey]; ok {
		return fmt.Errorf("%s: metadata key %q is reserved for the checksum", path, ChecksumKey)
	}
	if _, ok := metadata[IntegrityKey]; ok {
		return fmt.Errorf("%s: metadata key %q is reserved for the checksum", path, IntegrityKey)
	}
	entries, err := namedEntries(tensors)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	md := maps.Clone(metadata)
	if md == nil {
		md = map[string]string{}
	}
	md[IntegrityKey], md[ChecksumKey] = integrityAlg, zeroSum
	hdr, err := header(entries, md)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	at, err := sumPosition(hdr)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err) // cannot happen: header wrote the placeholder
	}
	h := sha256.New()
	if err := writeBody(h, hdr, entries); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	hex.Encode(hdr[at:at+len(zeroSum)], h.Sum(nil))
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		if err := writeBody(w, hdr, entries); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}, 0o644)
}

// sumPosition is the offset in hdr of the checksum's 64 hex digits: the
// value of the one "sha256" string member. (Inside a JSON string a quote
// is escaped, so the unescaped `"sha256":"` occurs only as a member.)
func sumPosition(hdr []byte) (int, error) {
	key := []byte(`"` + ChecksumKey + `":"`)
	i := bytes.Index(hdr, key)
	if i < 0 || bytes.Count(hdr, key) != 1 {
		return 0, fmt.Errorf("metadata %q: want one checksum member", ChecksumKey)
	}
	at := i + len(key)
	if at+len(zeroSum) >= len(hdr) || hdr[at+len(zeroSum)] != '"' {
		return 0, fmt.Errorf("metadata %q: want %d hex digits", ChecksumKey, len(zeroSum))
	}
	return at, nil
}

// ErrChecksum is a checked file whose content is not what was written.
var ErrChecksum = errors.New("checksum mismatch")

// verify checks a file's checksum when its metadata has one (see
// WriteFileChecked); hdr is the header without its length prefix. It
// reports whether the file carried a checksum.
func verify(metadata map[string]string, hdr, data []byte) (bool, error) {
	alg, hasAlg := metadata[IntegrityKey]
	want, hasSum := metadata[ChecksumKey]
	switch {
	case !hasAlg && !hasSum:
		return false, nil
	case !hasAlg:
		return true, fmt.Errorf("%w: metadata has %q but no %q: the header is damaged", ErrChecksum, ChecksumKey, IntegrityKey)
	case alg != integrityAlg:
		return true, fmt.Errorf("%w: metadata %q is %q, want %q: the header is damaged or from a newer cnnscope", ErrChecksum, IntegrityKey, alg, integrityAlg)
	case !hasSum:
		return true, fmt.Errorf("%w: metadata %q says %s but there is no %q: the header is damaged", ErrChecksum, IntegrityKey, alg, ChecksumKey)
	}
	at, err := sumPosition(hdr)
	if err != nil {
		return true, fmt.Errorf("%w: %v", ErrChecksum, err)
	}
	got := fileSum(hdr, at, data)
	if got != want {
		return true, fmt.Errorf("%w: the file's SHA-256 is %s…, its header records %s…: the file changed after it was written (disk or copy damage)",
			ErrChecksum, got[:12], short(want))
	}
	return true, nil
}

// fileSum is the SHA-256 of the file with the checksum digits at hdr[at:]
// written as zeros.
func fileSum(hdr []byte, at int, data []byte) string {
	var h hash.Hash = sha256.New()
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	h.Write(n[:])
	h.Write(hdr[:at])
	h.Write([]byte(zeroSum))
	h.Write(hdr[at+len(zeroSum):])
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
