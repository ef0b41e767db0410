package train_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMESnippets checks that every Go snippet in the README is the
// body of an Example in example_test.go, and every Example is shown there,
// so that the README's library code compiles and runs as `go test` runs
// the Examples.
func TestREADMESnippets(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	snippets := map[string]bool{}
	for _, m := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllSubmatch(readme, -1) {
		snippets[string(m[1])] = true
	}
	if len(snippets) == 0 {
		t.Fatal("README.md holds no ```go snippet")
	}
	bodies := exampleBodies(t, "example_test.go")
	for name, body := range bodies {
		if !snippets[body] {
			t.Errorf("README.md does not show %s; want this snippet:\n```go\n%s```", name, body)
		}
		delete(snippets, body)
	}
	for s := range snippets {
		t.Errorf("README.md snippet is not an Example in train/example_test.go:\n%s", s)
	}
}

// exampleBodies returns the body of each Example function in file,
// dedented by one tab, as the README shows it.
func exampleBodies(t *testing.T, file string) map[string]string {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fn.Name.Name, "Example") {
			continue
		}
		lo, hi := fset.Position(fn.Body.Lbrace).Offset+1, fset.Position(fn.Body.Rbrace).Offset
		body := strings.TrimPrefix(string(src[lo:hi]), "\n")
		var b strings.Builder
		for _, line := range strings.SplitAfter(body, "\n") {
			b.WriteString(strings.TrimPrefix(line, "\t"))
		}
		out[fn.Name.Name] = b.String()
	}
	if len(out) == 0 {
		t.Fatalf("%s holds no Example", file)
	}
	return out
}
