package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// member is one key and its raw value in a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// objectMembers splits a JSON object into its members, in order. It
// rejects anything but one object (surrounding whitespace aside) and
// keys that appear twice, which encoding/json would silently merge.
func objectMembers(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want a JSON object, got %s", excerpt(data))
	}
	var out []member
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("invalid JSON: object key is not a string")
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid JSON in the value of %q: %w", key, err)
		}
		out = append(out, member{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	for _, c := range data[dec.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, errors.New("invalid JSON: data after the closing brace")
		}
	}
	return out, nil
}

// unmarshalStrict decodes a JSON value whose type must match v's
// exactly (encoding/json turns null into a zero value without error).
func unmarshalStrict(value []byte, v any) error {
	if string(bytes.TrimSpace(value)) == "null" {
		return errors.New("null")
	}
	return json.Unmarshal(value, v)
}
