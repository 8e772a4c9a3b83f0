package po

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a problem in a PO file, at a line.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

var msgstrIndex = regexp.MustCompile(`^msgstr\[(\d+)\]$`)

// maxPlurals bounds msgstr[n]: no language has more than six forms.
const maxPlurals = 16

// Parse reads a PO file. Obsolete entries (#~) are dropped.
func Parse(data []byte) (*File, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, &Error{1, "the file is not UTF-8; save it as UTF-8 (Poedit and Weblate do)"}
	}
	p := &parser{f: &File{}}
	for i, line := range strings.Split(string(data), "\n") {
		if err := p.line(i+1, strings.TrimRight(line, "\r")); err != nil {
			return nil, err
		}
	}
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.f, nil
}

type parser struct {
	f      *File
	e      *Entry
	target *string         // the string continuation lines add to
	seen   map[string]bool // the keywords the entry has
}

func (p *parser) entry(line int) *Entry {
	if p.e == nil {
		p.e = &Entry{Line: line}
		p.seen = map[string]bool{}
	}
	return p.e
}

func (p *parser) line(n int, l string) error {
	t := strings.TrimSpace(l)
	switch {
	case t == "":
		p.target = nil
		return p.flush()
	case strings.HasPrefix(t, "#~"):
		p.target = nil
		return nil
	case strings.HasPrefix(t, "#"):
		if p.e != nil && p.seen["msgid"] {
			if err := p.flush(); err != nil {
				return err
			}
		}
		p.target = nil
		p.comment(n, t)
		return nil
	case strings.HasPrefix(t, `"`):
		if p.target == nil {
			return &Error{n, "a quoted line must follow msgid, msgstr or another quoted line"}
		}
		s, err := unquote(t)
		if err != nil {
			return &Error{n, err.Error()}
		}
		*p.target += s
		return nil
	}
	kw, rest, _ := strings.Cut(t, " ")
	return p.keywordLine(n, kw, strings.TrimSpace(rest))
}

func (p *parser) comment(n int, t string) {
	e := p.entry(n)
	mark, text, _ := strings.Cut(t, " ")
	switch mark {
	case "#.":
		e.Extracted = append(e.Extracted, text)
	case "#:":
		e.References = append(e.References, text)
	case "#,":
		for _, f := range strings.Split(text, ",") {
			if f = strings.TrimSpace(f); f != "" {
				e.Flags = append(e.Flags, f)
			}
		}
	case "#|":
		// the previous source text: tools keep it for fuzzy matches
	default:
		e.Comments = append(e.Comments, strings.TrimPrefix(strings.TrimPrefix(t, "#"), " "))
	}
}

func (p *parser) keywordLine(n int, kw, rest string) error {
	if (kw == "msgctxt" || kw == "msgid") && p.e != nil && p.seen["msgstr"] {
		if err := p.flush(); err != nil {
			return err
		}
	}
	e := p.entry(n)
	s, err := unquote(rest)
	if err != nil {
		return &Error{n, fmt.Sprintf("%s: %v", kw, err)}
	}
	key := kw
	switch {
	case kw == "msgctxt":
		p.target = &e.Context
	case kw == "msgid":
		p.target = &e.ID
	case kw == "msgid_plural":
		p.target = &e.Plural
	case kw == "msgstr":
		p.seen["plain"] = true
		e.Str = append(e.Str[:0], "")
		p.target = &e.Str[0]
	case msgstrIndex.MatchString(kw):
		i, _ := strconv.Atoi(msgstrIndex.FindStringSubmatch(kw)[1])
		if i != len(e.Str) || i >= maxPlurals {
			return &Error{n, fmt.Sprintf("%s is out of order; the forms go msgstr[0], msgstr[1], ...", kw)}
		}
		e.Str = append(e.Str, "")
		p.target = &e.Str[i]
		key = "msgstr"
		p.seen["indexed"] = true
		if i > 0 {
			p.seen[kw] = true
			*p.target = s
			return nil
		}
	default:
		return &Error{n, fmt.Sprintf("unknown keyword %q; a PO entry has msgctxt, msgid, msgid_plural and msgstr", kw)}
	}
	if p.seen[key] {
		return &Error{n, fmt.Sprintf("a second %s in one entry; leave a blank line between entries", kw)}
	}
	p.seen[key] = true
	*p.target = s
	return nil
}

// flush ends the entry being read.
func (p *parser) flush() error {
	e := p.e
	p.e, p.target = nil, nil
	if e == nil {
		return nil
	}
	switch {
	case !p.seen["msgid"] && !p.seen["msgstr"]:
		// comments alone: above the header, or stray
		if len(p.f.Entries) == 0 && p.f.Header == nil {
			p.f.Comments = append(p.f.Comments, e.Comments...)
		}
		return nil
	case !p.seen["msgid"]:
		return &Error{e.Line, "this entry has no msgid"}
	case !p.seen["msgstr"]:
		return &Error{e.Line, "this entry has no msgstr"}
	case e.Plural == "" && p.seen["indexed"]:
		return &Error{e.Line, "this entry has msgstr[n] forms but no msgid_plural"}
	case e.Plural != "" && p.seen["plain"]:
		return &Error{e.Line, "this entry has msgid_plural, so its translations are msgstr[0], msgstr[1], ..."}
	}
	if e.ID == "" && e.Context == "" {
		if p.f.Header != nil || len(p.f.Entries) > 0 {
			return &Error{e.Line, "an entry with an empty msgid is the header, which comes first"}
		}
		p.f.Comments = append(p.f.Comments, e.Comments...)
		p.f.Header = parseHeader(at(e.Str, 0))
		return nil
	}
	p.f.Entries = append(p.f.Entries, e)
	return nil
}

func parseHeader(s string) []Field {
	out := []Field{}
	for _, l := range strings.Split(s, "\n") {
		name, value, ok := strings.Cut(l, ":")
		if ok {
			out = append(out, Field{strings.TrimSpace(name), strings.TrimSpace(value)})
		}
	}
	return out
}
