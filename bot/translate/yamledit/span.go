package yamledit

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Span returns the bytes of node n as written: a scalar with its quotes or
// its block lines, a mapping or list from its first to its last value.
// The span of a scalar is checked by reading it back.
func (d *Doc) Span(n *yaml.Node) (start, end int, err error) {
	start = d.offset(n)
	switch {
	case n.Kind == yaml.ScalarNode:
		end = d.scalarEnd(n, start)
		if !d.readsAs(n, start, end) {
			return 0, 0, fmt.Errorf("line %d: cannot find where this text ends; put it in double quotes", n.Line)
		}
	case n.Style&yaml.FlowStyle != 0:
		end = d.closing(start)
	case len(n.Content) == 0:
		return 0, 0, fmt.Errorf("line %d: an empty %s", n.Line, kindName(n))
	default:
		if n.Kind == yaml.SequenceNode {
			// The list starts at its first "- ", before the first item.
			start = d.lines[n.Content[0].Line-1] + bytes.IndexByte(d.src[d.lines[n.Content[0].Line-1]:], '-')
		}
		_, end, err = d.Span(n.Content[len(n.Content)-1])
	}
	return start, end, err
}

func kindName(n *yaml.Node) string {
	if n.Kind == yaml.SequenceNode {
		return "list"
	}
	return "mapping"
}

// scalarEnd finds the end of the scalar that starts at start.
func (d *Doc) scalarEnd(n *yaml.Node, start int) int {
	s := d.src
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := start + 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return len(s)
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := start + 1; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
		return len(s)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return d.blockEnd(n, start)
	}
	return d.plainEnd(n, start)
}

// blockEnd is the end of a | or > block: its last line that is indented
// more than the key it belongs to.
func (d *Doc) blockEnd(n *yaml.Node, start int) int {
	nl := bytes.IndexByte(d.src[start:], '\n')
	if nl < 0 {
		return len(d.src)
	}
	end := start + nl // the header line alone
	key := d.keyIndent(n)
	for i := start + nl + 1; i < len(d.src); {
		j := bytes.IndexByte(d.src[i:], '\n')
		if j < 0 {
			j = len(d.src) - i
		}
		line := d.src[i : i+j]
		t := bytes.TrimLeft(line, " ")
		if len(bytes.TrimSpace(line)) > 0 {
			// The block's key is left of its value: a line that starts
			// at or left of the key's column ends the block.
			if len(line)-len(t) <= key {
				break
			}
			end = i + len(bytes.TrimRight(line, " \t\r"))
		}
		i += j + 1
	}
	return end
}

// keyIndent is the indentation of the line a block scalar's header is on:
// its content must be indented more.
func (d *Doc) keyIndent(n *yaml.Node) int {
	l := d.src[d.lines[n.Line-1]:]
	return len(l) - len(bytes.TrimLeft(l, " "))
}

// plainEnd is the end of a plain text: where it reads back as itself,
// trying each place it could stop on its line (a comma or bracket inside
// {...}, a comment, the line's end), then the lines it may continue on.
func (d *Doc) plainEnd(n *yaml.Node, start int) int {
	lineEnd := func(i int) int {
		j := bytes.IndexByte(d.src[i:], '\n')
		if j < 0 {
			return len(d.src)
		}
		return i + j
	}
	le := lineEnd(start)
	for i := start; i < le; i++ {
		if c := d.src[i]; (c == ',' || c == '}' || c == ']') && d.readsAs(n, start, i) {
			return i
		}
	}
	end := trimComment(d.src, start, le)
	for tries := 0; tries < 100 && !d.readsAs(n, start, end) && end < len(d.src); tries++ {
		next := lineEnd(end) + 1
		if next > len(d.src) {
			break
		}
		end = trimComment(d.src, next, lineEnd(next))
	}
	return end
}

// trimComment cuts a " # comment" and trailing spaces off src[start:end].
func trimComment(src []byte, start, end int) int {
	line := src[start:end]
	if i := bytes.Index(line, []byte(" #")); i >= 0 {
		line = line[:i]
	}
	return start + len(bytes.TrimRight(line, " \t\r"))
}

// readsAs reports whether src[start:end] reads as n's text.
func (d *Doc) readsAs(n *yaml.Node, start, end int) bool {
	if end < start {
		return false
	}
	var probe yaml.Node
	if err := yaml.Unmarshal(append(append([]byte("x: "), d.src[start:end]...), '\n'), &probe); err != nil || len(probe.Content) == 0 {
		return false
	}
	m := probe.Content[0]
	return m.Kind == yaml.MappingNode && len(m.Content) == 2 && m.Content[1].Kind == yaml.ScalarNode && m.Content[1].Value == n.Value
}

// closing is the end of the {...} or [...] that starts at start.
func (d *Doc) closing(start int) int {
	depth := 0
	s := d.src
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(s); i++ {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}
