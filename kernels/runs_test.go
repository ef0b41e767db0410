package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// runsCase is one call of copyRuns/addRuns: runs of n values, strides
// in elements (a dst stride below n makes the runs of dst overlap, as
// col2im's do at stride 1).
type runsCase struct{ runs, n, ds, ss int }

func runsCases() []runsCase {
	var cs []runsCase
	for _, n := range []int{1, 3, 9, 15, 16, 17, 32, 48, 67, 96, 192} {
		for _, runs := range []int{1, 2, 5} {
			cs = append(cs, runsCase{runs, n, n, n}, runsCase{runs, n, n + 7, 3 * n}, runsCase{runs, n, 2*n + 1, max(1, n/3)})
			if n > 3 {
				cs = append(cs, runsCase{runs, n, n / 3, n + 2}) // overlapping dst runs
			}
		}
	}
	return cs
}

// refRuns is the loop the run kernels replace: run by run, element by
// element.
func refRuns(dst, src []float32, c runsCase, add bool) {
	for i := 0; i < c.runs; i++ {
		for j := 0; j < c.n; j++ {
			if add {
				dst[i*c.ds+j] += src[i*c.ss+j]
			} else {
				dst[i*c.ds+j] = src[i*c.ss+j]
			}
		}
	}
}

// TestCopyRunsAddRuns checks every implementation against the loop, with
// guard bands around both slices.
func TestCopyRunsAddRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, impl := range supportedElementwise() {
		for _, c := range runsCases() {
			nd, ns := (c.runs-1)*c.ds+c.n, (c.runs-1)*c.ss+c.n
			dst, src := values(rng, nd), values(rng, ns)
			for _, add := range []bool{false, true} {
				want := clone(dst)
				refRuns(want, src, c, add)
				d, s := newBanded(dst), newBanded(src)
				what := fmt.Sprintf("%s %+v add=%v", impl.name, c, add)
				if add {
					impl.addRuns(d.s(), s.s(), c.runs, c.n, c.ds, c.ss)
				} else {
					impl.copyRuns(d.s(), s.s(), c.runs, c.n, c.ds, c.ss)
				}
				d.check(t, what)
				s.check(t, what+" src")
				sameBits(t, what+" src", s.s(), src)
				if add {
					sameValues(t, what, d.s(), want)
				} else {
					sameBits(t, what, d.s(), want)
				}
			}
		}
	}
}

func TestRunsPanics(t *testing.T) {
	for _, f := range []func(){
		func() { copyRuns(make([]float32, 10), make([]float32, 20), 2, 6, 5, 6) },
		func() { addRuns(make([]float32, 20), make([]float32, 10), 2, 6, 6, 5) },
		func() { copyRuns(make([]float32, 20), make([]float32, 20), 2, 6, -1, 6) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for runs past the end of a slice")
				}
			}()
			f()
		}()
	}
}
