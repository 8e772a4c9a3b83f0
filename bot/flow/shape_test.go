package flow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestShapeQuietOnGoodFiles: the syntax scanner finds nothing in files YAML
// reads without error, so that it can never blame a line that is right.
func TestShapeQuietOnGoodFiles(t *testing.T) {
	files, err := filepath.Glob("../../flows/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped flows: %v", err)
	}
	files = append(files, "testdata/valid.yaml")
	var srcs []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(data))
	}
	srcs = append(srcs, pluralFlow,
		"key:\n- a\n- b\nother: x\n",               // a list at the column of its key
		"a:\n  b: |\n    text\n\n  more\n  c: d\n", // a block scalar with a blank line
		"text: one\n  two: three\n",                // a plain text going on
		"- - a\n  - b\n- c\n",                      // a list in a list
	)
	for i, src := range srcs {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(src), &n); err != nil {
			continue // not good YAML: nothing to check
		}
		lines := strings.Split(src, "\n")
		if f := scanShape(lines, len(lines)); f != nil {
			t.Errorf("source %d: the scanner blames a good file: %d:%d: %s", i, f.pos.Line, f.pos.Col, f.msg)
		}
	}
}

// TestShapeConfirmed: a finding is kept only when mending it makes the file
// parse. A text in quotes over two lines is good YAML, so a later mistake is
// not blamed on its quote.
func TestShapeConfirmed(t *testing.T) {
	src := "k: \"a\n  b\"\nx:\n   y: 1\n  z: 2\n"
	var n yaml.Node
	err := yaml.Unmarshal([]byte(src), &n)
	if err == nil {
		t.Fatal("the example should not parse")
	}
	if p, msg := syntaxError([]byte(src), err); strings.Contains(msg, "quote") || p.Line != 5 {
		t.Errorf("got %d:%d: %s; want line 5, not about the quote", p.Line, p.Col, msg)
	}
}
