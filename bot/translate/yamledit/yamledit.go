// Package yamledit changes values in a YAML file in place. It finds each
// value's bytes from the positions yaml.v3 reports and replaces only
// those, so that comments, blank lines, quoting and indentation elsewhere
// stay exactly as the author wrote them (re-encoding a yaml.v3 tree would
// drop blank lines and re-indent the file).
package yamledit

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Doc is a YAML file being edited.
type Doc struct {
	src   []byte
	lines []int // byte offset of each line's start
	// Root is the file's top node (a mapping, for flow and words files).
	Root  *yaml.Node
	edits []edit
}

type edit struct {
	start, end int
	text       string
}

// Parse reads a YAML file for editing.
func Parse(src []byte) (*Doc, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	d := &Doc{src: src, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	if len(doc.Content) > 0 {
		d.Root = doc.Content[0]
	}
	return d, nil
}

// Changed reports whether any edit was made.
func (d *Doc) Changed() bool { return len(d.edits) > 0 }

// Bytes returns the file with the edits applied.
func (d *Doc) Bytes() ([]byte, error) {
	es := slices.Clone(d.edits)
	slices.SortStableFunc(es, func(a, b edit) int { return a.start - b.start })
	var out bytes.Buffer
	pos := 0
	for _, e := range es {
		if e.start < pos {
			return nil, fmt.Errorf("two changes overlap at byte %d", e.start)
		}
		out.Write(d.src[pos:e.start])
		out.WriteString(e.text)
		pos = e.end
	}
	out.Write(d.src[pos:])
	return out.Bytes(), nil
}

// offset is the byte offset of a node's position (yaml.v3 counts columns
// in characters).
func (d *Doc) offset(n *yaml.Node) int {
	if n.Line < 1 || n.Line > len(d.lines) {
		return len(d.src)
	}
	i := d.lines[n.Line-1]
	for col := 1; col < n.Column && i < len(d.src) && d.src[i] != '\n'; col++ {
		_, size := utf8.DecodeRune(d.src[i:])
		i += size
	}
	return i
}

// indent is the column of n, in spaces.
func indent(n *yaml.Node) int { return max(n.Column-1, 0) }

// SetScalar replaces the text of scalar v by s, in the style it had where
// s allows it.
func (d *Doc) SetScalar(v *yaml.Node, s string) error {
	if v.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: not a single text", v.Line)
	}
	start, end, err := d.Span(v)
	if err != nil {
		return err
	}
	text := renderScalar(s, v.Style, d.contentIndent(v))
	if strings.HasPrefix(text, "|") && !d.restOfLineEmpty(end) {
		// A comment after the value would become part of the block.
		text = doubleQuoted(s)
	}
	d.edits = append(d.edits, edit{start, end, text})
	return nil
}

// Replace replaces node n by value v, written for a key at indentation
// keyIndent (block style) or inside brackets (flow).
func (d *Doc) Replace(n *yaml.Node, v Value, keyIndent int, flow bool) error {
	start, end, err := d.Span(n)
	if err != nil {
		return err
	}
	text := render(v, keyIndent, flow)
	if strings.HasPrefix(text, "\n") {
		// A block under the key: no space left after "key:".
		for start > 0 && d.src[start-1] == ' ' {
			start--
		}
	}
	d.edits = append(d.edits, edit{start, end, text})
	return nil
}

// AddKey adds key: v at the end of mapping m.
func (d *Doc) AddKey(m *yaml.Node, key string, v Value) error {
	if m.Kind != yaml.MappingNode || len(m.Content) < 2 {
		return fmt.Errorf("line %d: not a mapping to add %s to", m.Line, key)
	}
	last := m.Content[len(m.Content)-1]
	_, end, err := d.Span(last)
	if err != nil {
		return err
	}
	if m.Style&yaml.FlowStyle != 0 {
		d.edits = append(d.edits, edit{end, end, ", " + key + ": " + render(v, 0, true)})
		return nil
	}
	// After the rest of the last value's line: a comment there stays
	// with it.
	if nl := bytes.IndexByte(d.src[end:], '\n'); nl >= 0 {
		end += nl
	} else {
		end = len(d.src)
	}
	ind := indent(m.Content[0])
	text := render(v, ind, false)
	if !strings.HasPrefix(text, "\n") {
		text = " " + text
	}
	d.edits = append(d.edits, edit{end, end, "\n" + strings.Repeat(" ", ind) + key + ":" + text})
	return nil
}

// restOfLineEmpty reports whether nothing but spaces follows i on its line.
func (d *Doc) restOfLineEmpty(i int) bool {
	for ; i < len(d.src) && d.src[i] != '\n'; i++ {
		if d.src[i] != ' ' && d.src[i] != '\t' && d.src[i] != '\r' {
			return false
		}
	}
	return true
}

// contentIndent is where the lines of a block scalar v start.
func (d *Doc) contentIndent(v *yaml.Node) int {
	if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		start, _, _ := d.Span(v)
		if nl := bytes.IndexByte(d.src[start:], '\n'); nl >= 0 {
			rest := d.src[start+nl+1:]
			for _, l := range bytes.Split(rest, []byte("\n")) {
				if t := bytes.TrimLeft(l, " "); len(t) > 0 {
					return len(l) - len(t)
				}
			}
		}
	}
	return indent(v) + 2
}
