package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// An initializer fills a weight tensor. fanIn and fanOut follow Keras:
// for a conv kernel (kh, kw, in, out) they are kh*kw*in and kh*kw*out.
type initializer func(w []float32, fanIn, fanOut int, rng *rand.Rand)

// InitializerNames lists the accepted initializer names.
func InitializerNames() []string {
	return []string{"glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "zeros", "ones"}
}

// lookupInitializer resolves a Keras initializer name; "" gives def.
func lookupInitializer(name, def string) (initializer, error) {
	if name == "" {
		name = def
	}
	switch strings.ToLower(name) {
	case "glorot_uniform":
		return varianceScaling(1, fanAvg, false), nil
	case "glorot_normal":
		return varianceScaling(1, fanAvg, true), nil
	case "he_normal":
		return varianceScaling(2, fanInMode, true), nil
	case "he_uniform":
		return varianceScaling(2, fanInMode, false), nil
	case "lecun_normal":
		return varianceScaling(1, fanInMode, true), nil
	case "lecun_uniform":
		return varianceScaling(1, fanInMode, false), nil
	case "zeros":
		return func(w []float32, _, _ int, _ *rand.Rand) { clear(w) }, nil
	case "ones":
		return func(w []float32, _, _ int, _ *rand.Rand) {
			for i := range w {
				w[i] = 1
			}
		}, nil
	}
	return nil, fmt.Errorf("unknown initializer %q (want one of %s)", name, strings.Join(InitializerNames(), ", "))
}

type fanMode int

const (
	fanInMode fanMode = iota
	fanAvg
)

// truncatedStd is the standard deviation of a unit normal truncated to
// [-2, 2]; Keras divides by it so the truncated draw has the wanted variance.
const truncatedStd = 0.87962566103423978

// varianceScaling is Keras' VarianceScaling: variance scale/n with n the
// fan-in or the average fan; uniform on [-limit, limit] with
// limit = sqrt(3*scale/n), or a normal truncated at two deviations.
func varianceScaling(scale float64, mode fanMode, normal bool) initializer {
	return func(w []float32, fanIn, fanOut int, rng *rand.Rand) {
		n := float64(fanIn)
		if mode == fanAvg {
			n = float64(fanIn+fanOut) / 2
		}
		n = max(n, 1)
		if !normal {
			limit := math.Sqrt(3 * scale / n)
			for i := range w {
				w[i] = float32((2*rng.Float64() - 1) * limit)
			}
			return
		}
		std := math.Sqrt(scale/n) / truncatedStd
		for i := range w {
			v := rng.NormFloat64()
			for v < -2 || v > 2 {
				v = rng.NormFloat64()
			}
			w[i] = float32(v * std)
		}
	}
}

// checkInitializers checks a layer's kernel and bias initializer names
// ("" is the default).
func checkInitializers(kernel, bias string) error {
	if _, err := lookupInitializer(kernel, "glorot_uniform"); err != nil {
		return fmt.Errorf("kernel_initializer: %w", err)
	}
	if _, err := lookupInitializer(bias, "zeros"); err != nil {
		return fmt.Errorf("bias_initializer: %w", err)
	}
	return nil
}
