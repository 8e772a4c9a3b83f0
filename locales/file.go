package locales

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// file is one active.<lang>.yaml, parsed with the line of every message so
// that problems can point at it.
type file struct {
	name     string // as shown in messages: "active.pt.yaml", "flows/locales/active.pt.yaml"
	lang     string
	reviewed bool
	pilot    bool     // a pilot team's file (With), not a shipped one
	ids      []string // in file order
	msgs     map[string]*i18n.Message
	lines    map[string]int
	about    map[string]string // the comment above each message: what it is
}

var (
	fileNameRE = regexp.MustCompile(`^active\.([^.]+)\.yaml$`)
	// The marker is a comment in the file's header, so that it can never
	// clash with a message id and translators see it first.
	reviewedRE = regexp.MustCompile(`(?i)^#\s*reviewed\s*:\s*(\S*)`)
	yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// formNames are go-i18n's plural forms, in CLDR order.
var formNames = []string{"zero", "one", "two", "few", "many", "other"}

// langOf reads the language from a file name: active.pt.yaml is "pt".
func langOf(name string) (string, error) {
	m := fileNameRE.FindStringSubmatch(name)
	if m == nil {
		return "", fmt.Errorf("name the file active.<language>.yaml, like active.pt.yaml")
	}
	tag, err := language.Parse(m[1])
	if err != nil {
		return "", fmt.Errorf("%q is not a language code; use a code like pt or ar", m[1])
	}
	base, _ := tag.Base()
	if tag.String() != m[1] || base.String() != m[1] {
		// Flows name languages by their base code only (fi, not fi-FI).
		return "", fmt.Errorf("name the file after the language code alone: active.%s.yaml", base.String())
	}
	return m[1], nil
}

// parseFile reads a message file: each top-level key is a message id, with
// either one text or a text per plural form.
// name is the file as shown in messages, base its name in the folder.
func parseFile(name, base string, data []byte) (*file, error) {
	lang, err := langOf(base)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f := &file{name: name, lang: lang, msgs: map[string]*i18n.Message{}, lines: map[string]int{}, about: map[string]string{}}
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // Windows editors may add a byte order mark
	if err := f.header(data); err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, f.yamlError(err)
	}
	if len(root.Content) == 0 {
		return f, nil // an empty file: no messages yet
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, f.errorf(m.Line, "the file should list message ids with their texts, like button.yes: \"Yes\"")
	}
	var errs []error
	for i := 0; i+1 < len(m.Content); i += 2 {
		if err := f.message(m.Content[i], m.Content[i+1]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// header reads the reviewed marker from the comments at the top.
func (f *file) header(data []byte) error {
	found := 0
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			break
		}
		m := reviewedRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if found > 0 {
			return f.errorf(i+1, "the file says reviewed twice (also on line %d); keep one", found)
		}
		found = i + 1
		switch strings.ToLower(m[1]) {
		case "yes":
			f.reviewed = true
		case "no":
		default:
			return f.errorf(i+1, "reviewed should be yes or no, not %q: yes once a native speaker has checked every message", m[1])
		}
	}
	return nil
}

func (f *file) message(k, v *yaml.Node) error {
	id := k.Value
	if k.Kind != yaml.ScalarNode || strings.TrimSpace(id) == "" {
		return f.errorf(k.Line, "a message id should be a name like button.yes")
	}
	if line, dup := f.lines[id]; dup {
		return f.errorf(k.Line, "message %q is already on line %d; keep one", id, line)
	}
	msg := &i18n.Message{ID: id}
	switch v.Kind {
	case yaml.ScalarNode:
		msg.Other = v.Value
	case yaml.MappingNode:
		for j := 0; j+1 < len(v.Content); j += 2 {
			form, text := v.Content[j], v.Content[j+1]
			p := formField(msg, form.Value)
			switch {
			case p == nil:
				return f.errorf(form.Line, "message %q has %q, which is not a plural form; use %s", id, form.Value, strings.Join(formNames, ", "))
			case text.Kind != yaml.ScalarNode:
				return f.errorf(text.Line, "the %s form of %q should be a text in quotes", form.Value, id)
			}
			*p = text.Value
		}
	default:
		return f.errorf(v.Line, "message %q should be a text in quotes, or one text per plural form (one: ..., other: ...)", id)
	}
	f.ids = append(f.ids, id)
	f.msgs[id] = msg
	f.lines[id] = k.Line
	f.about[id] = lastParagraph(k.HeadComment)
	return nil
}

// formField points at the text of a plural form of m, or is nil for a name
// that is not a plural form.
func formField(m *i18n.Message, form string) *string {
	switch form {
	case "zero":
		return &m.Zero
	case "one":
		return &m.One
	case "two":
		return &m.Two
	case "few":
		return &m.Few
	case "many":
		return &m.Many
	case "other":
		return &m.Other
	}
	return nil
}

// lastParagraph is the comment right above a message, without the group
// headings further up.
func lastParagraph(comment string) string {
	if i := strings.LastIndex(comment, "\n\n"); i >= 0 {
		comment = comment[i+2:]
	}
	var lines []string
	for _, l := range strings.Split(comment, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "#"))
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}

func (f *file) errorf(line int, format string, args ...any) error {
	return &Problem{File: f.name, Line: line, Lang: f.lang, Message: fmt.Sprintf(format, args...)}
}

// yamlError turns a YAML syntax error into a problem with the file and line.
func (f *file) yamlError(err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return f.errorf(line, "the YAML is broken: %s (put each text in double quotes)", m[2])
	}
	return f.errorf(0, "the YAML is broken: %s", strings.TrimPrefix(msg, "yaml: "))
}
