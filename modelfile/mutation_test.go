package modelfile

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/safetensors"
	"github.com/cnnscope/cnnscope/tensor"
)

// tinyGraph is a built residual model: conv, batch norm, add, pooling, dense.
func tinyGraph(t *testing.T) nn.Model {
	t.Helper()
	g := nn.NewGraph(tensor.Shape{6, 6, 2})
	x := g.Call(&nn.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, Padding: "same"}, g.In())
	x = g.Call(&nn.BatchNormalization{}, x)
	x = g.Call(&nn.Add{}, x, g.In())
	x = g.Call(&nn.GlobalAveragePooling2D{}, x)
	g.Call(&nn.Dense{Units: 3, Activation: "softmax"}, x)
	if err := g.Build(3); err != nil {
		t.Fatal(err)
	}
	return g
}

// A mutation damages a file's bytes; rng draws where.
type mutation struct {
	Name  string
	Apply func(b []byte, rng *rand.Rand) []byte
}

// mutations is the table of damages the mutation tests apply: one bit,
// one byte, a run of zeros, a truncation, trailing garbage.
var mutations = []mutation{
	{"flip a bit", func(b []byte, r *rand.Rand) []byte { b[r.IntN(len(b))] ^= 1 << r.IntN(8); return b }},
	{"random byte", func(b []byte, r *rand.Rand) []byte { b[r.IntN(len(b))] = byte(r.IntN(256)); return b }},
	{"zero 16 bytes", func(b []byte, r *rand.Rand) []byte {
		i := r.IntN(len(b))
		clear(b[i:min(len(b), i+16)])
		return b
	}},
	{"truncate", func(b []byte, r *rand.Rand) []byte { return b[:r.IntN(len(b))] }},
	{"append garbage", func(b []byte, r *rand.Rand) []byte { return append(b, byte(r.IntN(256)), '}', 0) }},
}

// sameWeights reports whether two models' weights are bit-identical.
func sameWeights(a, b nn.Model) bool {
	pa, pb := a.Params(), b.Params()
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if pa[i].FullName() != pb[i].FullName() || !pa[i].Value.Shape.Equal(pb[i].Value.Shape) {
			return false
		}
		for j, v := range pa[i].Value.Data {
			if math.Float32bits(v) != math.Float32bits(pb[i].Value.Data[j]) {
				return false
			}
		}
	}
	return true
}

// TestMutatedModelFiles damages model.safetensors or model.json of a
// saved sequential and a saved graph model, 40 seeds per mutation and
// file: every load is an *InputError or the original weights bit for
// bit, never a panic or other weights. A damaged weights file is caught
// by its checksum.
func TestMutatedModelFiles(t *testing.T) {
	models := map[string]nn.Model{"sequential": tinyModel(t), "graph": tinyGraph(t)}
	for kind, m := range models {
		src := t.TempDir()
		if err := Save(src, m, []string{"a", "b", "c"}, nil, "sparse_categorical_crossentropy", ""); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{WeightsFile, ConfigFile} {
			orig, err := os.ReadFile(filepath.Join(src, file))
			if err != nil {
				t.Fatal(err)
			}
			for _, mu := range mutations {
				refused, same := 0, 0
				for seed := range uint64(40) {
					dir := copyModelDir(t, src)
					b := mu.Apply(append([]byte(nil), orig...), rand.New(rand.NewPCG(seed, 7)))
					if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
						t.Fatal(err)
					}
					got, _, err := Load(dir)
					var ie *InputError
					switch {
					case err != nil && !errors.As(err, &ie):
						t.Errorf("%s %s, %s, seed %d: %T is not an *InputError: %v", kind, file, mu.Name, seed, err, err)
					case err != nil:
						refused++
					case !sameWeights(m, got):
						t.Errorf("%s %s, %s, seed %d: loaded other weights without an error", kind, file, mu.Name, seed)
					default:
						same++
					}
				}
				t.Logf("%-10s %-17s %-14s refused %2d, loaded identical %2d", kind, file, mu.Name, refused, same)
				if file == WeightsFile && same > 0 {
					t.Errorf("%s %s, %s: %d damaged weights files loaded", kind, file, mu.Name, same)
				}
			}
		}
	}
}

func copyModelDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{WeightsFile, ConfigFile} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A model saved before the checksum (no integrity metadata) still loads;
// one with the checksum names the file and what to do when it is damaged.
func TestChecksumOptionalForOldFilesAndNamedWhenWrong(t *testing.T) {
	m := tinyModel(t)
	dir := t.TempDir()
	if err := Save(dir, m, []string{"a", "b", "c"}, nil, "sparse_categorical_crossentropy", ""); err != nil {
		t.Fatal(err)
	}
	wPath := filepath.Join(dir, WeightsFile)
	f, err := safetensors.ReadFile(wPath)
	if err != nil || !f.Checked {
		t.Fatalf("a saved model has no checksum: %v", err)
	}
	md := f.Metadata
	delete(md, safetensors.ChecksumKey)
	delete(md, safetensors.IntegrityKey)
	if err := safetensors.WriteFile(wPath, Tensors(m, ""), md); err != nil {
		t.Fatal(err)
	}
	if got, _, err := Load(dir); err != nil || !sameWeights(m, got) {
		t.Fatalf("a model file from before the checksum: %v", err)
	}

	if err := Save(dir, m, []string{"a", "b", "c"}, nil, "sparse_categorical_crossentropy", ""); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(wPath)
	b[len(b)-4] ^= 0x01 // the lowest mantissa bit of the last weight
	os.WriteFile(wPath, b, 0o644)
	_, _, err = Load(dir)
	var ie *InputError
	if !errors.As(err, &ie) || !errors.Is(err, safetensors.ErrChecksum) {
		t.Fatalf("err = %v, want an *InputError wrapping ErrChecksum", err)
	}
	for _, want := range []string{wPath, "checksum mismatch", "backup or train again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
}
