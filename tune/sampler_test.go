package tune

import (
	"math"
	"math/rand/v2"
	"testing"
)

// 16 Latin hypercube trials put one learning rate in each 16th of the
// log range and each batch size 4 times, for any seed; the same seed
// gives the same trials; a conditional parameter is left out as the
// random sampler leaves it out.
func TestLatinHypercubeCoversEachParameter(t *testing.T) {
	in := `
compile.learning_rate: {loguniform: [1e-5, 10]}
fit.batch_size: {choice: [16, 32, 64, 128]}
compile.optimizer: {choice: [adam, sgd]}
compile.momentum: {uniform: [0.0, 0.9]}
`
	base := baseSpec(t)
	sp, err := ParseSpace("space.yaml", []byte(in), base)
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(20) {
		ps, err := sp.SampleTrials(rand.New(rand.NewPCG(seed, 1)), base, 16, LHSSampler)
		if err != nil {
			t.Fatal(err)
		}
		strata := make([]int, 16)
		batches, optimizers := map[int]int{}, map[string]int{}
		for _, p := range ps {
			lr := p["compile.learning_rate"].(float64)
			strata[min(int((math.Log10(lr)+5)/6*16), 15)]++
			batches[p["fit.batch_size"].(int)]++
			optimizers[p["compile.optimizer"].(string)]++
			if _, m := p["compile.momentum"]; m != (p["compile.optimizer"] == "sgd") {
				t.Fatalf("seed %d: momentum only with sgd: %v", seed, p)
			}
		}
		for i, n := range strata {
			if n != 1 {
				t.Fatalf("seed %d: %d learning rates in stratum %d, want 1: %v", seed, n, i, strata)
			}
		}
		if len(batches) != 4 || batches[16] != 4 || batches[128] != 4 || optimizers["adam"] != 8 {
			t.Fatalf("seed %d: batch sizes %v, optimizers %v; want each batch 4 times, each optimizer 8", seed, batches, optimizers)
		}
	}
	a, _ := sp.SampleTrials(rand.New(rand.NewPCG(3, 1)), base, 5, LHSSampler)
	b, _ := sp.SampleTrials(rand.New(rand.NewPCG(3, 1)), base, 5, LHSSampler)
	c, _ := sp.SampleTrials(rand.New(rand.NewPCG(4, 1)), base, 5, LHSSampler)
	if paramString(a[4]) != paramString(b[4]) || paramString(a[4]) == paramString(c[4]) {
		t.Errorf("want the same trials for a seed, others for another: %v %v %v", a[4], b[4], c[4])
	}
}

func TestDistAtEnds(t *testing.T) {
	below1 := math.Nextafter(1, 0)
	cases := []struct {
		d        Dist
		u        float64
		want     any
		tolerant bool
	}{
		{Dist{Kind: "loguniform", Low: 1e-5, High: 10}, 0, 1e-5, true},
		{Dist{Kind: "loguniform", Low: 1e-5, High: 10}, 0.5, math.Sqrt(1e-4), true},
		{Dist{Kind: "uniform", Low: 2, High: 4}, 0.25, 2.5, true},
		{Dist{Kind: "int", Low: 8, High: 10}, 0, 8, false},
		{Dist{Kind: "int", Low: 8, High: 10}, below1, 10, false},
		{Dist{Kind: "choice", Choices: []any{"a", "b"}}, 0.49, "a", false},
		{Dist{Kind: "choice", Choices: []any{"a", "b"}}, below1, "b", false},
	}
	for _, c := range cases {
		got := c.d.At(c.u)
		if c.tolerant {
			if math.Abs(got.(float64)-c.want.(float64)) > 1e-12*math.Abs(c.want.(float64)) {
				t.Errorf("%s At(%g) = %v, want %v", c.d.Kind, c.u, got, c.want)
			}
		} else if got != c.want {
			t.Errorf("%s At(%g) = %v, want %v", c.d.Kind, c.u, got, c.want)
		}
	}
}
