package nn

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// A layer type joins the spec format by registering itself from its own
// file (an init function beside its Forward and Backward): the spec
// fields it takes, how to make it from a LayerSpec and how to describe it
// as one. Adding a layer type is one file; nothing else lists the types.
type layerKind struct {
	// fields are the LayerSpec fields (by JSON name) the type accepts
	// besides the ones every layer takes (type, name, inputs, trainable).
	fields []string
	// make returns the unbuilt layer the spec describes (the fields have
	// been checked against the list; values are checked by Build).
	make func(s LayerSpec) (Layer, error)
	// describe fills s's type-specific fields from a layer of this type.
	describe func(l Layer, s *LayerSpec)
}

var (
	registryMu sync.RWMutex
	registry   = map[string]layerKind{}
)

// registerLayer adds a layer type under its Keras class name. Registering
// a name twice is a programming error.
func registerLayer(typ string, k layerKind) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[typ]; dup {
		panic("nn: layer type " + typ + " registered twice")
	}
	if k.make == nil {
		panic("nn: layer type " + typ + " registered without make")
	}
	registry[typ] = k
}

// LayerTypes lists the layer types a spec may name, sorted.
func LayerTypes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	ts := make([]string, 0, len(registry))
	for t := range registry {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// LayerFields lists the spec fields (JSON names) a layer type takes
// besides type, name, inputs and trainable; ok is false for an unknown type.
func LayerFields(typ string) (fields []string, ok bool) {
	k, ok := lookupKind(typ)
	if !ok {
		return nil, false
	}
	return append([]string(nil), k.fields...), true
}

// canonicalType resolves "conv2d", "Conv2D" or "max_pooling2d" to the
// Keras class name.
func canonicalType(t string) (string, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	if _, ok := registry[t]; ok {
		return t, true
	}
	for name := range registry {
		if strings.EqualFold(t, name) || strings.EqualFold(t, kerasName(name)) {
			return name, true
		}
	}
	return "", false
}

func lookupKind(typ string) (layerKind, bool) {
	name, ok := canonicalType(typ)
	if !ok {
		return layerKind{}, false
	}
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registry[name], true
}

// describeLayer returns the spec of one layer (type, name, its config).
func describeLayer(l Layer) LayerSpec {
	s := LayerSpec{Type: l.Type(), Name: l.Name()}
	k, ok := lookupKind(l.Type())
	if !ok {
		panic(fmt.Sprintf("nn: layer type %s is not registered", l.Type()))
	}
	if k.describe != nil {
		k.describe(l, &s)
	}
	if f, ok := l.(freezable); ok && f.frozen() {
		off := false
		s.Trainable = &off
	}
	return s
}

// noBias reads Keras' use_bias (default true).
func noBias(s LayerSpec) bool { return s.UseBias != nil && !*s.UseBias }

// useBias is the spec value for a layer's NoBias: nil (the default) or false.
func useBias(noBias bool) *bool {
	if !noBias {
		return nil
	}
	off := false
	return &off
}
