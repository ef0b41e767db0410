// Package tensor holds the float32 tensors every other package works on.
//
// Storage is dense and row-major; image batches are NHWC (batch, height,
// width, channels), Keras' channels-last layout, so an input_shape of
// (28, 28, 1) reads the same here as in Keras.
package tensor

import (
	"fmt"
	"strings"
)

// Shape lists the extent of each dimension, outermost first.
type Shape []int

// Size is the number of elements a tensor of this shape holds
// (1 for the empty shape of a scalar).
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Equal reports whether s and o have the same rank and extents.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy that does not share memory with s.
func (s Shape) Clone() Shape { return append(Shape(nil), s...) }

// String formats s like Keras prints a shape without the batch
// dimension: (26, 26, 32).
func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Tensor is a dense float32 array with a shape. Data has exactly
// Shape.Size() elements.
type Tensor struct {
	Shape Shape
	Data  []float32
}

// New returns a zero-filled tensor of the given shape. Its buffer is a
// plain make of exactly its size: the Go heap's pages, no alignment, no
// huge-page advice. Huge pages (2 MiB aligned, whole pages, madvise;
// commit baf5f1d) measured no faster on this project's Zen 5 host
// (resnet-20, mobilenet-v2-small and vgg-small training steps, copies
// with and without alternated in one process) and cost memory twice: a
// 1 MiB buffer (a 16-sample shard of a 32×32×16 activation) took a whole
// 2 MiB page, and each such buffer held 2 MiB more of Go heap for its
// alignment, which raised the collector's heap goal and let garbage grow
// with it (resnet-20's bench: 365 MiB of heap after one training step
// for 125 MiB of tensors).
func New(shape ...int) *Tensor {
	s := Shape(shape).Clone()
	for _, d := range s {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
	}
	return &Tensor{Shape: s, Data: make([]float32, s.Size())}
}

// FromData wraps data (without copying) in a tensor of the given shape.
// It panics when the sizes disagree: that is a programming error.
func FromData(data []float32, shape ...int) *Tensor {
	s := Shape(shape).Clone()
	if s.Size() != len(data) {
		panic(fmt.Sprintf("tensor: %d elements do not fit shape %v", len(data), shape))
	}
	return &Tensor{Shape: s, Data: data}
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Reshape returns a view of t with another shape of the same size.
func (t *Tensor) Reshape(shape ...int) *Tensor { return FromData(t.Data, shape...) }

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: t.Shape.Clone(), Data: append([]float32(nil), t.Data...)}
}

// Ensure returns a tensor of the given shape, reusing t's storage when it
// is large enough. Contents are unspecified; callers overwrite them. It is
// how layers keep their buffers across steps without allocating.
func Ensure(t *Tensor, shape ...int) *Tensor {
	n := Shape(shape).Size()
	if t == nil || cap(t.Data) < n {
		return New(shape...)
	}
	if !t.Shape.Equal(shape) {
		t.Shape = append(t.Shape[:0], shape...)
	}
	t.Data = t.Data[:n]
	return t
}
