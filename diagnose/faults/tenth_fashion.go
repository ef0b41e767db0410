package faults

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/cnnscope/cnnscope/data"
)

// FashionClasses are the tenth part's names for Fashion-MNIST's ten
// classes, by label (data.FashionMNISTClasses holds a "/", which cannot
// name a class folder).
var FashionClasses = []string{"tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"}

var fashion struct {
	once sync.Once
	ds   *data.Dataset
	err  error
}

// FashionAvailable reports whether Fashion-MNIST's files are installed
// (Debian's dataset-fashion-mnist).
func FashionAvailable() error {
	_, _, err := data.FindBuiltin("fashion-mnist", "train")
	return err
}

// fashionSubset picks counts[i] random Fashion-MNIST training images of
// class classes[i] (one of FashionClasses; the same for a seed).
func fashionSubset(classes []string, counts []int, seed uint64) (*data.Dataset, error) {
	var labels []int32
	for _, c := range classes {
		k := slices.Index(FashionClasses, c)
		if k < 0 {
			return nil, fmt.Errorf("fashion class %q: want one of %v", c, FashionClasses)
		}
		labels = append(labels, int32(k))
	}
	fashion.once.Do(func() { fashion.ds, fashion.err = data.LoadBuiltin("fashion-mnist", "train") })
	if fashion.err != nil {
		return nil, fashion.err
	}
	return pickSubset("fashion class", fashion.ds, classes, labels, counts, rand.New(rand.NewPCG(seed, 0xfa5)))
}
