package tensor

import "testing"

func TestShapeAndTensor(t *testing.T) {
	s := Shape{26, 26, 32}
	if s.Size() != 21632 || (Shape{}).Size() != 1 {
		t.Errorf("sizes %d %d", s.Size(), (Shape{}).Size())
	}
	if s.String() != "(26, 26, 32)" || (Shape{576}).String() != "(576,)" {
		t.Errorf("strings %s %s", s, Shape{576})
	}
	if !s.Equal(Shape{26, 26, 32}) || s.Equal(Shape{26, 26}) || s.Equal(Shape{26, 26, 31}) {
		t.Error("Equal")
	}
	x := New(2, 3)
	x.Data[4] = 7
	if v := x.Reshape(3, 2).Data[4]; v != 7 {
		t.Errorf("reshape is not a view: %v", v)
	}
	c := x.Clone()
	c.Data[4] = 1
	if x.Data[4] != 7 {
		t.Error("clone shares memory")
	}
	// Ensure reuses storage that is large enough and grows otherwise.
	y := Ensure(x, 3, 2)
	if &y.Data[0] != &x.Data[0] || !y.Shape.Equal(Shape{3, 2}) {
		t.Error("Ensure did not reuse the storage")
	}
	if z := Ensure(y, 4, 4); z.Len() != 16 {
		t.Errorf("Ensure grew to %d", z.Len())
	}
	defer func() {
		if recover() == nil {
			t.Error("FromData accepted a size mismatch")
		}
	}()
	FromData(make([]float32, 5), 2, 3)
}

// TestNewExactBuffers: New's buffers hold exactly the values asked for,
// zeroed, whatever their size (no rounding up to huge pages: a 1 MiB
// activation took a whole 2 MiB page and 2 MiB more of heap), and
// Ensure keeps a large enough one.
func TestNewExactBuffers(t *testing.T) {
	for _, n := range []int{1, 1000, 1<<18 - 1, 1 << 18, 1<<18 + 1, 1 << 19, 3<<19 + 7} {
		x := New(n)
		if len(x.Data) != n || cap(x.Data) != n {
			t.Fatalf("New(%d): len %d, capacity %d, want %d", n, len(x.Data), cap(x.Data), n)
		}
		for i, v := range x.Data {
			if v != 0 {
				t.Fatalf("New(%d)[%d] = %v, want 0", n, i, v)
			}
		}
		if y := Ensure(x, n/2+1); y != x || len(y.Data) != n/2+1 {
			t.Fatalf("Ensure(New(%d), %d) did not reuse the buffer", n, n/2+1)
		}
	}
}
