package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/cnnscope/cnnscope/kernels"
)

// activation is an elementwise (or, for softmax, row-wise) function with
// its derivative. Backward gets the pre-activation z only when needsZ.
type activation struct {
	name   string
	needsZ bool
	// forward writes f(z) into y (y and z may alias) for rows of width n.
	forward func(y, z []float32, n int)
	// backward turns dy into dz in place, given y = f(z) (and z if needsZ).
	backward func(dy, y, z []float32, n int)
}

// Activation names, as Keras spells them.
var activations = map[string]*activation{
	"linear": {name: "linear",
		forward:  func(y, z []float32, _ int) { copy(y, z) },
		backward: func(dy, y, z []float32, _ int) {}},
	"relu": {name: "relu", forward: reluForward, backward: reluBackward},
	"leaky_relu": {name: "leaky_relu",
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				if v < 0 {
					v *= leakySlope
				}
				y[i] = v
			}
		},
		backward: func(dy, y, _ []float32, _ int) {
			for i, v := range y {
				if v < 0 {
					dy[i] *= leakySlope
				}
			}
		}},
	"elu": {name: "elu",
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				if v < 0 {
					v = float32(math.Expm1(float64(v)))
				}
				y[i] = v
			}
		},
		backward: func(dy, y, _ []float32, _ int) {
			for i, v := range y { // for z < 0, f'(z) = e^z = y + 1
				if v < 0 {
					dy[i] *= v + 1
				}
			}
		}},
	"selu": {name: "selu",
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				if v < 0 {
					v = seluAlpha * float32(math.Expm1(float64(v)))
				}
				y[i] = seluScale * v
			}
		},
		backward: func(dy, y, _ []float32, _ int) {
			for i, v := range y { // for z < 0, f'(z) = scale*alpha*e^z = y + scale*alpha
				if v < 0 {
					dy[i] *= v + seluScale*seluAlpha
				} else {
					dy[i] *= seluScale
				}
			}
		}},
	"gelu": {name: "gelu", needsZ: true,
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				x := float64(v)
				y[i] = float32(0.5 * x * (1 + math.Erf(x/math.Sqrt2)))
			}
		},
		backward: func(dy, _, z []float32, _ int) {
			for i, v := range z {
				x := float64(v)
				cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
				pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
				dy[i] *= float32(cdf + x*pdf)
			}
		}},
	"sigmoid": {name: "sigmoid",
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				y[i] = sigmoid(v)
			}
		},
		backward: func(dy, y, _ []float32, _ int) {
			for i, v := range y {
				dy[i] *= v * (1 - v)
			}
		}},
	"tanh": {name: "tanh",
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				y[i] = float32(math.Tanh(float64(v)))
			}
		},
		backward: func(dy, y, _ []float32, _ int) {
			for i, v := range y {
				dy[i] *= 1 - v*v
			}
		}},
	"softmax": {name: "softmax", forward: softmaxForward, backward: softmaxBackward},
	// relu6 is min(max(z, 0), 6); its slope is 1 strictly inside (0, 6).
	"relu6": {name: "relu6",
		forward:  func(y, z []float32, _ int) { kernels.Relu6(y[:len(z)], z) },
		backward: func(dy, y, _ []float32, _ int) { kernels.Relu6Grad(dy[:len(y)], y) }},
	// hard_sigmoid is Keras 3's relu6(z + 3) / 6 (slope 1/6 on (-3, 3)).
	"hard_sigmoid": {name: "hard_sigmoid",
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				y[i] = hardSigmoid(v)
			}
		},
		backward: func(dy, y, _ []float32, _ int) {
			for i, v := range y {
				if v > 0 && v < 1 {
					dy[i] *= 1.0 / 6
				} else {
					dy[i] = 0
				}
			}
		}},
	// hard_silu (hard_swish) is z * hard_sigmoid(z).
	"hard_silu": {name: "hard_silu", needsZ: true,
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				y[i] = v * hardSigmoid(v)
			}
		},
		backward: func(dy, _, z []float32, _ int) {
			for i, v := range z {
				switch {
				case v <= -3:
					dy[i] = 0
				case v < 3:
					dy[i] *= (2*v + 3) / 6
				}
			}
		}},
	// silu (swish) is z * sigmoid(z).
	"silu": {name: "silu", needsZ: true,
		forward: func(y, z []float32, _ int) {
			for i, v := range z {
				y[i] = v * sigmoid(v)
			}
		},
		backward: func(dy, _, z []float32, _ int) {
			for i, v := range z {
				s := sigmoid(v)
				dy[i] *= s * (1 + v*(1-s))
			}
		}},
}

// activationAliases are Keras' other names for the same functions.
var activationAliases = map[string]string{"swish": "silu", "hard_swish": "hard_silu"}

func hardSigmoid(v float32) float32 { return min(max(v+3, 0), 6) / 6 }

const (
	leakySlope = 0.2 // keras.activations.leaky_relu default (the LeakyReLU layer defaults to 0.3)
	seluAlpha  = 1.6732632423543772848170429916717
	seluScale  = 1.0507009873554804934193349852946
)

// ActivationNames lists the accepted activation names.
func ActivationNames() []string {
	return []string{"linear", "relu", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "softmax",
		"relu6", "hard_sigmoid", "hard_silu", "hard_swish", "silu", "swish"}
}

// lookupActivation resolves a name; "" means linear (Keras' default).
func lookupActivation(name string) (*activation, error) {
	if name == "" {
		name = "linear"
	}
	name = strings.ToLower(name)
	if canon, ok := activationAliases[name]; ok {
		name = canon
	}
	a, ok := activations[name]
	if !ok {
		return nil, fmt.Errorf("unknown activation %q (want one of %s)", name, strings.Join(ActivationNames(), ", "))
	}
	return a, nil
}

func sigmoid(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}

// reluForward is max(z, 0) with Go's max (a NaN stays NaN, with its sign
// bit cleared on amd64), vectorized by kernels.Relu.
func reluForward(y, z []float32, _ int) {
	kernels.Relu(y[:len(z)], z)
}

// reluBackward zeroes dy where y = relu(z) is zero, without a branch: y is
// +0 or positive (or NaN), so its bits are 0 exactly when it is zero, and
// -int32(bits)>>31 is all ones otherwise (kernels.ReluGrad).
func reluBackward(dy, y, _ []float32, _ int) {
	kernels.ReluGrad(dy[:len(y)], y)
}

// softmaxForward normalizes each row of n values (the last axis).
func softmaxForward(y, z []float32, n int) {
	for r := 0; r+n <= len(z); r += n {
		zr, yr := z[r:r+n], y[r:r+n]
		m := zr[0]
		for _, v := range zr[1:] {
			m = max(m, v)
		}
		var s float64
		for i, v := range zr {
			e := math.Exp(float64(v - m))
			yr[i] = float32(e)
			s += e
		}
		inv := float32(1 / s)
		for i := range yr {
			yr[i] *= inv
		}
	}
}

// softmaxBackward: dz_i = y_i * (dy_i - sum_j dy_j y_j), row by row.
func softmaxBackward(dy, y, _ []float32, n int) {
	for r := 0; r+n <= len(y); r += n {
		dr, yr := dy[r:r+n], y[r:r+n]
		var dot float64
		for i := range dr {
			dot += float64(dr[i]) * float64(yr[i])
		}
		for i := range dr {
			dr[i] = yr[i] * (dr[i] - float32(dot))
		}
	}
}
