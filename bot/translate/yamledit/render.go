package yamledit

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Value is what an edit writes: a text, a list of texts, or keys with
// values, in order.
type Value struct {
	Text string
	List []string
	Keys []KeyValue
	kind int
}

// KeyValue is one key of a Map.
type KeyValue struct {
	Key   string
	Value Value
}

const (
	textValue = iota
	listValue
	mapValue
)

// Text is a text value.
func Text(s string) Value { return Value{Text: s} }

// List is a list of texts, written in brackets.
func List(items []string) Value { return Value{List: items, kind: listValue} }

// Map is keys with values, in order.
func Map(kvs ...KeyValue) Value { return Value{Keys: kvs, kind: mapValue} }

// render writes v as the value of a key at indentation keyIndent, in
// block style, or inside brackets.
func render(v Value, keyIndent int, flow bool) string {
	switch v.kind {
	case listValue:
		q := make([]string, len(v.List))
		for i, s := range v.List {
			q[i] = doubleQuoted(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case mapValue:
		if flow {
			parts := make([]string, len(v.Keys))
			for i, kv := range v.Keys {
				parts[i] = kv.Key + ": " + render(kv.Value, 0, true)
			}
			return "{" + strings.Join(parts, ", ") + "}"
		}
		var b strings.Builder
		ind := strings.Repeat(" ", keyIndent+2)
		for _, kv := range v.Keys {
			b.WriteString("\n" + ind + kv.Key + ": " + render(kv.Value, keyIndent+2, false))
		}
		return b.String()
	}
	if flow {
		return doubleQuoted(v.Text)
	}
	return renderScalar(v.Text, yaml.DoubleQuotedStyle, keyIndent+2)
}

// renderScalar writes s in style where s allows it: a plain text stays
// plain while it can be read back as itself; text with line breaks goes
// in a | block with its lines at contentIndent; the rest in double quotes.
func renderScalar(s string, style yaml.Style, contentIndent int) string {
	switch {
	case strings.Contains(s, "\n") || style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		if b, ok := literal(s, contentIndent); ok {
			return b
		}
	case style&yaml.SingleQuotedStyle != 0 && !strings.ContainsFunc(s, nonPrintable):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	case style == 0 && plainSafe(s):
		return s
	}
	return doubleQuoted(s)
}

// literal writes s as a | block, when s can be one.
func literal(s string, contentIndent int) (string, bool) {
	head := "|-"
	body := s
	switch {
	case strings.HasSuffix(s, "\n\n"), strings.HasPrefix(s, " "), strings.HasPrefix(s, "\n"), s == "":
		return "", false
	case strings.HasSuffix(s, "\n"):
		head, body = "|", strings.TrimSuffix(s, "\n")
	}
	if strings.ContainsAny(body, "\t\r") || strings.ContainsFunc(body, nonPrintable) {
		return "", false
	}
	ind := strings.Repeat(" ", contentIndent)
	var b strings.Builder
	b.WriteString(head)
	for _, l := range strings.Split(body, "\n") {
		b.WriteString("\n")
		if l != "" {
			b.WriteString(ind + strings.TrimRight(l, " "))
		}
		if strings.TrimRight(l, " ") != l {
			return "", false // trailing spaces would be lost on the way
		}
	}
	return b.String(), true
}

func nonPrintable(r rune) bool { return !strconv.IsPrint(r) && r != '\n' }

// doubleQuoted writes s in double quotes; Go's escapes are YAML's.
func doubleQuoted(s string) string { return strconv.Quote(s) }

// plainLooksLikeOther matches texts YAML would read as something else
// than a text when written plain: true, no, null, numbers, dates.
var plainLooksLikeOther = regexp.MustCompile(`^(?i:true|false|yes|no|on|off|y|n|null|~|[-+]?[0-9][0-9_.:eE+-]*|[-+]?\.inf|\.nan)$`)

// plainSafe reports whether s can stay plain: words and spaces with a
// little punctuation, which YAML reads the same inside {...} and out.
// Anything else is quoted: a quoted text is never misread.
func plainSafe(s string) bool {
	if s == "" || strings.TrimSpace(s) != s || plainLooksLikeOther.MatchString(s) || strings.ContainsRune("-'", rune(s[0])) {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) && !strings.ContainsRune(" .-'’()", r) {
			return false
		}
	}
	return true
}

// Line writes key: v as a line at the top of a file.
func Line(key string, v Value) string {
	text := render(v, 0, false)
	if !strings.HasPrefix(text, "\n") {
		text = " " + text
	}
	return key + ":" + text
}
