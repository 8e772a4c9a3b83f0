package flow

import (
	"bytes"
	"io"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// ReadYAML parses a file of one YAML document the way flow files are read,
// for every file pilot teams write (flows and their scenario tests):
//
//   - a byte order mark, as Windows editors write, is skipped;
//   - a syntax error becomes one error in plain words, at the line and
//     column of the mistake rather than where the YAML library noticed it;
//   - more after a "---" line is an error, as it would be ignored;
//   - a list item that lost its "- ", and so reads as more keys of the item
//     above it, is reported once and read as the item it was meant to be.
//
// It returns the document, or nil when there is none to read; an empty file
// gives no diagnostic, as the caller knows best what the file should hold.
func ReadYAML(file string, data []byte) (*yaml.Node, Diagnostics) {
	r := &reporter{file: file}
	src := bytes.TrimPrefix(data, []byte("\ufeff"))
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && err != io.EOF {
		p, msg := syntaxError(src, err)
		r.errorf(p, "%s", msg)
		return nil, r.diags
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		p := Pos{max(more.Line, 1), 1}
		if err != nil {
			p, _ = syntaxError(src, err)
		}
		r.errorf(p, "the file goes on after a --- line, which YAML reads as the start of another file; remove the --- line, or move what follows it to a file of its own")
		return nil, r.diags
	}
	r.splitUndashed(root.Content[0], "", 0)
	return root.Content[0], r.diags
}

// splitUndashed finds list items that swallowed the next item because its
// "- " is missing:
//
//   - id: welcome
//     type: consent
//     id: ask_rating   <- no "- ": a second id of welcome
//     type: rating
//
// A repeated first key, in the same column, with more keys after it, starts
// a new item. Reading it as one saves a "key appears twice" error for every
// key of the item.
func (r *reporter) splitUndashed(n *yaml.Node, owner string, depth int) {
	if n == nil || depth > 1000 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			r.keyInValue(n.Content[i], n.Content[i+1])
			r.splitUndashed(n.Content[i+1], n.Content[i].Value, depth+1)
		}
	case yaml.SequenceNode:
		for i := 0; i < len(n.Content); i++ {
			item := n.Content[i]
			if j := repeatedFirstKey(item); j > 0 && n.Style&yaml.FlowStyle == 0 {
				k := item.Content[j]
				noun := itemNoun(owner)
				r.errorf(pos(k), "this line starts a new %s, but has no \"- \", so it is read as more keys of the %s above it (line %d); put \"- \" before %s, with the - in column %d like the other %ss",
					noun, noun, item.Line, k.Value, n.Column, noun)
				rest := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: k.Line, Column: k.Column, Content: item.Content[j:]}
				item.Content = item.Content[:j:j]
				n.Content = append(n.Content[:i+1], append([]*yaml.Node{rest}, n.Content[i+1:]...)...)
			}
			r.splitUndashed(item, owner, depth+1)
		}
	}
}

// keyInValue finds a key written without the space after its colon on the
// line below its parent key, which YAML reads as the parent's text:
//
//	name:
//	  en:My Direction    <- the name "en:My Direction"
func (r *reporter) keyInValue(k, v *yaml.Node) {
	if v.Kind != yaml.ScalarNode || v.Style != 0 || v.Line <= k.Line {
		return
	}
	if m := keyNoSpace.FindStringSubmatch(v.Value); m != nil {
		r.errorf(Pos{v.Line, v.Column + len(m[1])}, "there is no space after %s:; write %s: with a space, then the value", m[1], m[1])
	}
}

var keyNoSpace = regexp.MustCompile(`^([a-z_][a-z0-9_]{0,30}):[^\s/]`)

// repeatedFirstKey returns the index of the second occurrence of a block
// mapping's first key, when more keys follow it; otherwise 0.
func repeatedFirstKey(item *yaml.Node) int {
	if item.Kind != yaml.MappingNode || item.Style&yaml.FlowStyle != 0 || len(item.Content) < 6 {
		return 0
	}
	first := item.Content[0]
	for j := 2; j+3 < len(item.Content); j += 2 {
		k := item.Content[j]
		if k.Kind == yaml.ScalarNode && k.Value == first.Value && k.Column == first.Column && k.Line > first.Line {
			return j
		}
	}
	return 0
}
