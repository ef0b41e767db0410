// Package safetensors reads and writes the safetensors format, the
// tensor file of Hugging Face's safetensors library, so that a model
// saved here loads in any safetensors reader (Python's
// safetensors.numpy.load_file, PyTorch, Candle, …) and back.
//
// # Format
//
// A file is an 8-byte little-endian unsigned length N, then N bytes of
// UTF-8 JSON header, then the data buffer:
//
//	{"__metadata__": {"key": "value", …},
//	 "conv2d/kernel": {"dtype": "F32", "shape": [3,3,1,32], "data_offsets": [0, 1152]},
//	 …}
//
// data_offsets are [begin, end) byte offsets into the buffer. Tensors are
// row-major and little-endian, contiguous, non-overlapping, and cover the
// buffer exactly. __metadata__ is optional and maps strings to strings.
//
// # Writing
//
// Write and WriteFile store float32 tensors as F32; WriteRaw and
// WriteRawFile store tensors of any element type given as bytes. The
// output matches the reference (Rust) writer byte for byte: tensors laid
// out by descending element alignment (the order of the reference's
// dtype list: U64, I64, F64, C64, F32, U32, I32, BF16, F16, U16, I16,
// F8_E8M0, F8_E4M3, F8_E5M2, I8, U8, F6_E3M2, F6_E2M3, F4, BOOL), then
// by name in byte order; compact JSON with __metadata__ first and the
// tensors in buffer order, strings escaped as serde_json escapes them;
// the header padded with spaces to a multiple of 8 bytes so that the
// buffer starts aligned. The reference writes metadata keys in hash
// order; Write sorts them, so its output is deterministic, and equals the
// reference's whenever there is at most one metadata key. Empty metadata
// (nil or no keys) writes no __metadata__ entry.
//
// WriteFile and WriteRawFile replace the file atomically (see
// internal/atomicfile): a crash at any moment leaves the old file or the
// new one, never a partial one.
//
// Tensor names are free-form UTF-8 strings; "__metadata__" is reserved.
// The names a model uses for its weights are chosen by the code that
// saves it, not here.
//
// # Reading
//
// ReadFile, Read and Parse validate the whole file before returning:
// header length within the file and at most MaxHeaderSize (100 MB, the
// reference's limit), valid UTF-8 JSON with one object at top level and
// no repeated key, a known dtype and integer shape and data_offsets for
// every tensor, offsets that match each shape and tile the buffer
// exactly, metadata values that are strings. Unknown keys inside a
// tensor entry are ignored, as the reference ignores them. A corrupt or
// hostile file gives an error, never a panic, and never makes the
// reader allocate more than a small multiple of the file's size (the
// bytes read plus their float32 copies), whatever its header claims.
// Errors name the file (or "safetensors" for Read and Parse), the
// tensor, what was found and what was expected, e.g.
//
//	model.safetensors: header length 9999999 exceeds file size 123
//	model.safetensors: tensor "conv2d/kernel": data_offsets [0, 10] do not match F32 shape [3,3,1,32] (1152 bytes)
//
// File.Tensors holds the F32, F64, F16 and BF16 tensors converted to
// float32 (F64 rounds to nearest; F16 and BF16 widen exactly). Integer,
// boolean, complex and 8-, 6- and 4-bit float tensors are not converted:
// they are in File.Raw, with every tensor's dtype, shape and bytes, and
// File.Tensor names the dtype when asked for one of them.
package safetensors
