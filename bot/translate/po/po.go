// Package po reads and writes gettext PO files, the format translators'
// tools (Poedit, Weblate, OmegaT, Lokalise, Crowdin) open: entries with a
// context, a source text, its translation or plural translations, and
// comments that tell the translator what the text is. It keeps what
// cosiebot needs and drops obsolete (#~) entries.
package po

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// File is a PO file: a header and its entries, in order.
type File struct {
	Comments []string // translator comments above the header ("# ...")
	Header   []Field  // the header entry's fields, in order
	Entries  []*Entry
}

// Field is one "Name: value" line of the header.
type Field struct{ Name, Value string }

// Entry is one text to translate.
type Entry struct {
	Comments   []string // "# " translator comments
	Extracted  []string // "#." comments for the translator, written by the tool
	References []string // "#:" where the text is
	Flags      []string // "#," flags, like fuzzy
	Context    string   // msgctxt; identifies the entry
	ID         string   // msgid: the source text
	Plural     string   // msgid_plural: the source's plural, when the text counts
	Str        []string // msgstr, or msgstr[0..n-1] when Plural is set
	Line       int      // where the entry starts, when parsed
}

// Fuzzy reports whether the translator marked the entry as needing review.
func (e *Entry) Fuzzy() bool { return slices.Contains(e.Flags, "fuzzy") }

// Get returns the value of a header field, or "".
func (f *File) Get(name string) string {
	for _, h := range f.Header {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// WriteTo writes the file in the usual layout: comments, then msgctxt,
// msgid, msgid_plural and msgstr, long texts split after each line break.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	for _, c := range f.Comments {
		writeComment(&b, "#", c)
	}
	b.WriteString("msgid \"\"\n")
	var h strings.Builder
	for _, fl := range f.Header {
		h.WriteString(fl.Name + ": " + fl.Value + "\n")
	}
	writeString(&b, "msgstr", h.String())
	for _, e := range f.Entries {
		b.WriteByte('\n')
		e.write(&b)
	}
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

func (e *Entry) write(b *bytes.Buffer) {
	for _, c := range e.Comments {
		writeComment(b, "#", c)
	}
	for _, c := range e.Extracted {
		writeComment(b, "#.", c)
	}
	for _, r := range e.References {
		writeComment(b, "#:", r)
	}
	if len(e.Flags) > 0 {
		b.WriteString("#, " + strings.Join(e.Flags, ", ") + "\n")
	}
	if e.Context != "" {
		writeString(b, "msgctxt", e.Context)
	}
	writeString(b, "msgid", e.ID)
	if e.Plural == "" {
		writeString(b, "msgstr", at(e.Str, 0))
		return
	}
	writeString(b, "msgid_plural", e.Plural)
	for i := range max(len(e.Str), 1) {
		writeString(b, fmt.Sprintf("msgstr[%d]", i), at(e.Str, i))
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func writeComment(b *bytes.Buffer, mark, text string) {
	for _, l := range strings.Split(text, "\n") {
		if l == "" {
			b.WriteString(mark + "\n")
			continue
		}
		b.WriteString(mark + " " + l + "\n")
	}
}

// writeString writes keyword "text", splitting a text with line breaks
// into one quoted line each, after an empty first line, as gettext does.
func writeString(b *bytes.Buffer, keyword, s string) {
	b.WriteString(keyword + " ")
	if !strings.Contains(strings.TrimSuffix(s, "\n"), "\n") {
		b.WriteString(quote(s) + "\n")
		return
	}
	b.WriteString("\"\"\n")
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString(quote(l) + "\n")
		}
	}
}

// quote writes s as a C string, the way PO files escape.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\%03o`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// unquote reads a C string as PO files write it.
func unquote(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", fmt.Errorf("a text should be in double quotes, like \"text\"")
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			return "", fmt.Errorf("a \" inside a text should be written \\\"")
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("the text ends with a lone \\")
		}
		switch c = s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '\\', '"', '\'', '?':
			b.WriteByte(c)
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
				j++
			}
			v, err := strconv.ParseUint(s[i+1:j], 16, 8)
			if err != nil {
				return "", fmt.Errorf("\\x should be followed by hex digits")
			}
			b.WriteByte(byte(v))
			i = j - 1
		default:
			if c < '0' || c > '7' {
				return "", fmt.Errorf("unknown escape \\%c", c)
			}
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, err := strconv.ParseUint(s[i:j], 8, 8)
			if err != nil {
				return "", fmt.Errorf("octal escape \\%s is too large", s[i:j])
			}
			b.WriteByte(byte(v))
			i = j - 1
		}
	}
	return b.String(), nil
}
