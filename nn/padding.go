package nn

import (
	"fmt"
	"strings"
)

// window resolves Keras' padding rule for one spatial dimension of size
// in, window k and stride s: "valid" uses no padding and
// out = floor((in-k)/s)+1; "same" gives out = ceil(in/s) and pads
// max((out-1)*s+k-in, 0) zeros, the smaller half before (TensorFlow's
// rule). It returns the output size and the padding before.
func window(padding string, in, k, s int) (out, before int) {
	if padding == "same" {
		out = (in + s - 1) / s
		total := max((out-1)*s+k-in, 0)
		return out, total / 2
	}
	if in < k {
		return 0, 0
	}
	return (in-k)/s + 1, 0
}

// checkPadding normalizes a padding name ("" means "valid").
func checkPadding(p string) (string, error) {
	switch strings.ToLower(p) {
	case "", "valid":
		return "valid", nil
	case "same":
		return "same", nil
	}
	return "", fmt.Errorf("padding %q: want \"valid\" or \"same\"", p)
}

// pair returns v, or def when v is the zero value, and checks positivity.
func pair(v, def [2]int, what string) ([2]int, error) {
	if v == ([2]int{}) {
		v = def
	}
	if v[0] <= 0 || v[1] <= 0 {
		return v, fmt.Errorf("%s %dx%d: both must be positive", what, v[0], v[1])
	}
	return v, nil
}
