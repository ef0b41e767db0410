package nn

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// PaddingArg is a layer's padding argument as Keras spells it: a mode
// ("valid", "same") for convolutions and pooling, or amounts for
// ZeroPadding2D: 1, [1, 2] (rows, columns) or [[1, 1], [2, 2]] ((top,
// bottom), (left, right)). Amounts are kept as "1", "1,2" or "1,1,2,2".
type PaddingArg string

// amounts returns ZeroPadding2D's (top, bottom, left, right); ok is false
// when the argument is not a list of amounts.
func (p PaddingArg) amounts() (pads [4]int, ok bool) {
	var v []int
	for _, f := range strings.Split(string(p), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return pads, false
		}
		v = append(v, n)
	}
	switch len(v) {
	case 1:
		return [4]int{v[0], v[0], v[0], v[0]}, true
	case 2:
		return [4]int{v[0], v[0], v[1], v[1]}, true
	case 4:
		return [4]int{v[0], v[1], v[2], v[3]}, true
	}
	return pads, false
}

func paddingOfAmounts(p [4]int) PaddingArg {
	switch {
	case p[0] == p[1] && p[1] == p[2] && p[2] == p[3]:
		return PaddingArg(strconv.Itoa(p[0]))
	case p[0] == p[1] && p[2] == p[3]:
		return PaddingArg(fmt.Sprintf("%d,%d", p[0], p[2]))
	}
	return PaddingArg(fmt.Sprintf("%d,%d,%d,%d", p[0], p[1], p[2], p[3]))
}

// UnmarshalJSON accepts a string, a number or Keras' nested lists.
func (p *PaddingArg) UnmarshalJSON(b []byte) error {
	return p.decode(func(v any) error { return json.Unmarshal(b, v) })
}

// UnmarshalYAML accepts a string, a number or Keras' nested lists.
func (p *PaddingArg) UnmarshalYAML(unmarshal func(any) error) error { return p.decode(unmarshal) }

func (p *PaddingArg) decode(unmarshal func(any) error) error {
	var n int
	if err := unmarshal(&n); err == nil {
		*p = PaddingArg(strconv.Itoa(n))
		return nil
	}
	var s string
	if err := unmarshal(&s); err == nil {
		*p = PaddingArg(s)
		return nil
	}
	var l []int
	if err := unmarshal(&l); err == nil && len(l) == 2 {
		*p = PaddingArg(fmt.Sprintf("%d,%d", l[0], l[1]))
		return nil
	}
	var ll [][]int
	if err := unmarshal(&ll); err == nil && len(ll) == 2 && len(ll[0]) == 2 && len(ll[1]) == 2 {
		*p = paddingOfAmounts([4]int{ll[0][0], ll[0][1], ll[1][0], ll[1][1]})
		return nil
	}
	return fmt.Errorf(`want "valid" or "same", or amounts: a number, [rows, columns] or [[top, bottom], [left, right]]`)
}

// MarshalJSON writes amounts as Keras does (a number or nested lists).
func (p PaddingArg) MarshalJSON() ([]byte, error) { return json.Marshal(p.value()) }

// MarshalYAML writes amounts as Keras does (a number or nested lists).
func (p PaddingArg) MarshalYAML() (any, error) { return p.value(), nil }

func (p PaddingArg) value() any {
	a, ok := p.amounts()
	if !ok {
		return string(p)
	}
	switch strings.Count(string(p), ",") {
	case 0:
		return a[0]
	case 1:
		return []int{a[0], a[2]}
	}
	return [][]int{{a[0], a[1]}, {a[2], a[3]}}
}

// BoolOrNumber is a spec value under a key Keras uses as a boolean for one
// layer type (BatchNormalization's scale) and a number for another
// (Rescaling's scale). The zero value is unset.
type BoolOrNumber struct {
	Bool   *bool
	Number *float64
}

// IsZero reports an unset value (for omitempty).
func (v BoolOrNumber) IsZero() bool { return v.Bool == nil && v.Number == nil }

// UnmarshalJSON accepts true, false or a number.
func (v *BoolOrNumber) UnmarshalJSON(b []byte) error {
	return v.decode(func(x any) error { return json.Unmarshal(b, x) })
}

// UnmarshalYAML accepts true, false or a number.
func (v *BoolOrNumber) UnmarshalYAML(unmarshal func(any) error) error { return v.decode(unmarshal) }

func (v *BoolOrNumber) decode(unmarshal func(any) error) error {
	var b bool
	if err := unmarshal(&b); err == nil {
		*v = BoolOrNumber{Bool: &b}
		return nil
	}
	var f float64
	if err := unmarshal(&f); err == nil {
		*v = BoolOrNumber{Number: &f}
		return nil
	}
	return fmt.Errorf("want true, false or a number")
}

// MarshalJSON writes the boolean or the number.
func (v BoolOrNumber) MarshalJSON() ([]byte, error) { return json.Marshal(v.value()) }

// MarshalYAML writes the boolean or the number.
func (v BoolOrNumber) MarshalYAML() (any, error) { return v.value(), nil }

func (v BoolOrNumber) value() any {
	if v.Bool != nil {
		return *v.Bool
	}
	if v.Number != nil {
		return *v.Number
	}
	return nil
}

func boolArg(b bool) BoolOrNumber      { return BoolOrNumber{Bool: &b} }
func numberArg(f float64) BoolOrNumber { return BoolOrNumber{Number: &f} }
