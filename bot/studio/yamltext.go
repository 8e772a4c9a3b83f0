package studio

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/cosie/cosiebot/bot/flow"
)

// yamlDoc is a flow file's text with its YAML nodes, for edits that change
// one translation and keep everything else exactly as written: the nodes
// say where a value is and how it is quoted, and the edit replaces only
// those bytes.
type yamlDoc struct {
	src       []byte
	lineStart []int // byte offset of each line, 0-based lines
	entries   map[flow.Pos]*entry
}

// entry is one key and its value somewhere in the file.
type entry struct {
	key, val  *yaml.Node
	keyIndent int  // the key's column, 0-based
	inFlow    bool // inside { } or [ ]
	label     string
}

func parseDoc(src []byte) (*yamlDoc, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("the file is not readable YAML: %w", err)
	}
	d := &yamlDoc{src: src, lineStart: []int{0}, entries: map[flow.Pos]*entry{}}
	for i, b := range src {
		if b == '\n' {
			d.lineStart = append(d.lineStart, i+1)
		}
	}
	if len(root.Content) > 0 {
		d.walk(root.Content[0], nil, false)
	}
	return d, nil
}

// walk indexes every mapping value by its position, with a label naming
// where it is ("ask_reason › staff › text").
func (d *yamlDoc) walk(n *yaml.Node, path []string, inFlow bool) {
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := append(slices.Clone(path), k.Value)
			d.entries[flow.Pos{Line: v.Line, Col: v.Column}] = &entry{key: k, val: v, keyIndent: k.Column - 1, inFlow: inFlow, label: strings.Join(p, " › ")}
			d.walk(v, p, inFlow)
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			p := path
			if id := mapValue(item, "id"); id != nil && id.Kind == yaml.ScalarNode {
				p = append(slices.Clone(path[:max(len(path)-1, 0)]), id.Value)
			}
			d.walk(item, p, inFlow)
		}
	}
}

// mapValue is the value of key in a mapping node, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// offset is the byte offset of a 1-based line and column (columns count
// characters, as the YAML parser does).
func (d *yamlDoc) offset(line, col int) int {
	if line < 1 || line > len(d.lineStart) {
		return len(d.src)
	}
	off := d.lineStart[line-1]
	for c := 1; c < col && off < len(d.src) && d.src[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(d.src[off:])
		off += size
	}
	return off
}

// lineOf is the 1-based line of a byte offset.
func (d *yamlDoc) lineOf(off int) int {
	i, found := slices.BinarySearch(d.lineStart, off)
	if found {
		return i + 1
	}
	return i
}

// line returns the text of a 1-based line, without its line break.
func (d *yamlDoc) line(n int) string {
	start := d.lineStart[n-1]
	end := len(d.src)
	if n < len(d.lineStart) {
		end = d.lineStart[n] - 1
	}
	return strings.TrimSuffix(string(d.src[start:end]), "\r")
}

// blockEnd is where a block value that starts on line ends: before the
// first later line that is not blank and not indented deeper than the key.
func (d *yamlDoc) blockEnd(line, keyIndent int) int {
	last := line
	for l := line + 1; l <= len(d.lineStart); l++ {
		text := d.line(l)
		if strings.TrimSpace(text) == "" {
			continue
		}
		if len(text)-len(strings.TrimLeft(text, " ")) <= keyIndent {
			break
		}
		last = l
	}
	return d.lineStart[last-1] + len(d.line(last))
}

// tail reports whether something (a comment) follows on the line after
// off, so a block scalar cannot start there.
func (d *yamlDoc) tail(off int) bool {
	end := bytes.IndexByte(d.src[off:], '\n')
	if end < 0 {
		end = len(d.src) - off
	}
	return strings.TrimSpace(string(d.src[off:off+end])) != ""
}

// valueEnd is the byte offset just after a value.
func (d *yamlDoc) valueEnd(e *entry, v *yaml.Node) int {
	start := d.offset(v.Line, v.Column)
	switch {
	case v.Kind != yaml.ScalarNode && v.Style&yaml.FlowStyle != 0:
		return d.quotedEnd(start, 0)
	case v.Kind != yaml.ScalarNode || v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return d.blockEnd(v.Line, e.keyIndent)
	case v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		return d.quotedEnd(start, d.src[start])
	}
	// A plain scalar: to the end of the line, a comment, or in { } the
	// next comma or bracket.
	end := start
	for end < len(d.src) && d.src[end] != '\n' {
		c := d.src[end]
		if e.inFlow && (c == ',' || c == '}' || c == ']') {
			break
		}
		if c == '#' && end > start && (d.src[end-1] == ' ' || d.src[end-1] == '\t') {
			break
		}
		end++
	}
	return start + len(strings.TrimRight(string(d.src[start:end]), " \t\r"))
}

// quotedEnd scans a quoted scalar (quote ' or ") or, with quote 0, a flow
// collection, from its opening character to just after its end.
func (d *yamlDoc) quotedEnd(start int, quote byte) int {
	depth := 0
	var in byte // the quote we are inside, when scanning a collection
	for i := start; i < len(d.src); i++ {
		c := d.src[i]
		if quote != 0 || in != 0 {
			q := max(quote, in)
			switch {
			case i == start:
			case q == '"' && c == '\\':
				i++
			case q == '\'' && c == '\'' && i+1 < len(d.src) && d.src[i+1] == '\'':
				i++
			case c == q:
				if quote != 0 {
					return i + 1
				}
				in = 0
			}
			continue
		}
		switch c {
		case '"', '\'':
			if d.startsScalar(start, i) {
				in = c
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
	return len(d.src)
}

// startsScalar reports whether the quote at i opens a quoted scalar in a
// flow collection: it follows { [ , or : (an apostrophe inside a plain
// word does not).
func (d *yamlDoc) startsScalar(start, i int) bool {
	for j := i - 1; j >= start; j-- {
		switch d.src[j] {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', '[', ',', ':':
			return true
		}
		return false
	}
	return false
}

// errPlural says why a translation with plural forms is not edited here.
var errPlural = errors.New("this translation has plural forms (one, other, ...); edit it in the flow file")

// setText sets the translation of the text whose value is at pos to value,
// or removes it when value is "". langs are the pilot's languages, the
// first the default. It returns the new file text.
func setText(src []byte, pos flow.Pos, lang, value string, langs []string) ([]byte, error) {
	d, err := parseDoc(src)
	if err != nil {
		return nil, err
	}
	e := d.entries[pos]
	if e == nil {
		return nil, fmt.Errorf("there is no text at line %d any more; reload the page", pos.Line)
	}
	if lang == langs[0] && value == "" {
		return nil, fmt.Errorf("the %s text cannot be empty: %s is the pilot's first language, shown when a translation is missing", lang, lang)
	}
	switch {
	case e.val.Kind == yaml.ScalarNode:
		return d.setScalarText(e, lang, value, langs), nil
	case e.val.Kind != yaml.MappingNode:
		return nil, fmt.Errorf("the text at line %d is neither text nor one text per language", pos.Line)
	}
	have := -1
	for i := 0; i+1 < len(e.val.Content); i += 2 {
		if e.val.Content[i].Value == lang {
			have = i
		}
	}
	if have >= 0 && e.val.Content[have+1].Kind != yaml.ScalarNode {
		return nil, errPlural
	}
	switch {
	case have >= 0 && value == "":
		return d.removePair(e, have), nil
	case have >= 0:
		k, v := e.val.Content[have], e.val.Content[have+1]
		ke := &entry{key: k, val: v, keyIndent: k.Column - 1, inFlow: e.inFlow || e.val.Style&yaml.FlowStyle != 0}
		end := d.valueEnd(ke, v)
		return d.replace(d.offset(v.Line, v.Column), end, emit(value, ke.keyIndent, v.Style, ke.inFlow || d.tail(end))), nil
	case value == "":
		return src, nil
	}
	return d.addPair(e, lang, value, langs), nil
}

// replace returns the text with src[from:to] replaced.
func (d *yamlDoc) replace(from, to int, with string) []byte {
	var b bytes.Buffer
	b.Grow(len(d.src) + len(with))
	b.Write(d.src[:from])
	b.WriteString(with)
	b.Write(d.src[to:])
	return b.Bytes()
}

// setScalarText edits a text written once, in the default language.
func (d *yamlDoc) setScalarText(e *entry, lang, value string, langs []string) []byte {
	start, end := d.offset(e.val.Line, e.val.Column), d.valueEnd(e, e.val)
	if lang == langs[0] {
		return d.replace(start, end, emit(value, e.keyIndent, e.val.Style, e.inFlow || d.tail(end)))
	}
	if value == "" {
		return d.src
	}
	old := e.val.Value
	if e.inFlow || d.tail(end) || !strings.Contains(old+value, "\n") {
		return d.replace(start, end, "{"+langs[0]+": "+string(d.src[start:end])+", "+lang+": "+emit(value, 0, e.val.Style, true)+"}")
	}
	// One text per language, on lines of their own under the key.
	ind := e.keyIndent + 2
	pad := strings.Repeat(" ", ind)
	colon := d.offset(e.key.Line, e.key.Column) + len(e.key.Value) + 1
	return d.replace(colon, end, "\n"+pad+langs[0]+": "+emit(old, ind, e.val.Style, false)+"\n"+pad+lang+": "+emit(value, ind, yaml.DoubleQuotedStyle, false))
}

// removePair removes the translation at index i of a text's mapping.
func (d *yamlDoc) removePair(e *entry, i int) []byte {
	m := e.val
	k, v := m.Content[i], m.Content[i+1]
	if m.Style&yaml.FlowStyle != 0 {
		ve := &entry{keyIndent: k.Column - 1, inFlow: true}
		if i > 0 { // from the end of the translation before
			pk, pv := m.Content[i-2], m.Content[i-1]
			return d.replace(d.valueEnd(&entry{keyIndent: pk.Column - 1, inFlow: true}, pv), d.valueEnd(ve, v), "")
		}
		if len(m.Content) > 2 { // up to the next one
			n := m.Content[i+2]
			return d.replace(d.offset(k.Line, k.Column), d.offset(n.Line, n.Column), "")
		}
	}
	end := d.valueEnd(&entry{keyIndent: k.Column - 1}, v)
	to := len(d.src)
	if l := d.lineOf(end); l < len(d.lineStart) {
		to = d.lineStart[l]
	}
	return d.replace(d.lineStart[k.Line-1], to, "")
}

// addPair adds a translation to a text's mapping, in the order of the
// pilot's languages.
func (d *yamlDoc) addPair(e *entry, lang, value string, langs []string) []byte {
	m := e.val
	order := func(l string) int {
		if i := slices.Index(langs, l); i >= 0 {
			return i
		}
		return len(langs)
	}
	before := -1 // the last translation that comes before lang
	for i := 0; i+1 < len(m.Content); i += 2 {
		if order(m.Content[i].Value) < order(lang) {
			before = i
		}
	}
	style := yaml.DoubleQuotedStyle
	if len(m.Content) > 1 && m.Content[1].Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
		style = m.Content[1].Style
	}
	if m.Style&yaml.FlowStyle != 0 {
		pair := lang + ": " + emit(value, 0, style, true)
		if before < 0 {
			f := m.Content[0]
			return d.replace(d.offset(f.Line, f.Column), d.offset(f.Line, f.Column), pair+", ")
		}
		pk, pv := m.Content[before], m.Content[before+1]
		at := d.valueEnd(&entry{keyIndent: pk.Column - 1, inFlow: true}, pv)
		return d.replace(at, at, ", "+pair)
	}
	first := m.Content[0]
	ind := first.Column - 1
	line := strings.Repeat(" ", ind) + lang + ": " + emit(value, ind, style, false) + "\n"
	at := d.lineStart[first.Line-1]
	if before >= 0 {
		pk, pv := m.Content[before], m.Content[before+1]
		end := d.valueEnd(&entry{keyIndent: pk.Column - 1}, pv)
		at = len(d.src)
		if l := d.lineOf(end); l < len(d.lineStart) {
			at = d.lineStart[l]
		} else {
			line = "\n" + strings.TrimSuffix(line, "\n")
		}
	}
	return d.replace(at, at, line)
}

// emit writes value as a YAML scalar that follows a key indented by
// keyIndent: in the style it had where that style can hold it, as a
// literal block when it has several lines (outside { }), else in double
// quotes. Letters of every script and emoji are written as they are.
func emit(value string, keyIndent int, style yaml.Style, inFlow bool) string {
	multi := strings.Contains(value, "\n")
	switch {
	case multi && !inFlow && literalSafe(value):
		return literal(value, keyIndent+2)
	case multi:
		return doubleQuoted(value)
	case style&yaml.SingleQuotedStyle != 0 && printable(value):
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 && plainSafe(value, inFlow):
		return value
	}
	return doubleQuoted(value)
}

// literal writes a literal block scalar, its lines indented by ind.
func literal(value string, ind int) string {
	head := "|-"
	body := value
	if strings.HasSuffix(value, "\n") {
		head, body = "|", strings.TrimSuffix(value, "\n")
	}
	var b strings.Builder
	b.WriteString(head)
	pad := strings.Repeat(" ", ind)
	for _, l := range strings.Split(body, "\n") {
		b.WriteByte('\n')
		if l != "" {
			b.WriteString(pad)
			b.WriteString(l)
		}
	}
	return b.String()
}

// literalSafe reports whether a literal block reads value back exactly.
func literalSafe(value string) bool {
	body := strings.TrimSuffix(value, "\n")
	return printable(value) && !strings.HasSuffix(body, "\n") && !strings.HasPrefix(body, " ") &&
		!strings.HasPrefix(body, "\n") && !strings.Contains(value, "\t") && !strings.Contains(value, "\r") &&
		!strings.Contains(body, " \n") && !strings.HasSuffix(body, " ")
}

// printable reports whether value has no control characters but line breaks.
func printable(value string) bool {
	for _, r := range value {
		if r == utf8.RuneError || r == '\uFEFF' || (unicode.IsControl(r) && r != '\n') {
			return false
		}
	}
	return true
}

// plainSafe reports whether value can be written without quotes and read
// back as the same string: the YAML library writes it plain and reads it back.
func plainSafe(value string, inFlow bool) bool {
	if value == "" || !printable(value) || (inFlow && strings.ContainsAny(value, ",[]{}")) {
		return false
	}
	out, err := yaml.Marshal(&yaml.Node{Kind: yaml.ScalarNode, Value: value})
	if err != nil || string(out) != value+"\n" {
		return false
	}
	var back yaml.Node
	if yaml.Unmarshal(out, &back) != nil || len(back.Content) != 1 {
		return false
	}
	n := back.Content[0]
	return n.Tag == "!!str" && n.Value == value
}

// doubleQuoted writes value in double quotes, escaping only what must be.
func doubleQuoted(value string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range value {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError || r == '\uFEFF' || unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
