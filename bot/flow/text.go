package flow

import (
	"errors"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Text is something the bot says, written once per language. A translation
// may have plural forms (one, few, many, other, ...) and templates such as
// {{.FirstName}}; both are rendered by go-i18n.
type Text struct {
	id  string            // message id in the flow's bundle
	tr  map[string]*forms // language -> forms
	cat *catalog
	Pos Pos
}

type forms struct {
	msg     i18n.Message
	dynamic bool // has plural forms or a template: render with go-i18n
	pos     Pos
}

// TemplateData is what templates in flow texts can use.
type TemplateData struct {
	FirstName string
	Count     int
	Answers   map[string]string
}

// IsZero reports whether the text was not written at all.
func (t Text) IsZero() bool { return len(t.tr) == 0 }

// Has reports whether the text has a translation in lang.
func (t Text) Has(lang string) bool { return t.tr[lang] != nil }

// Languages lists the languages the text is written in.
func (t Text) Languages() []string {
	out := make([]string, 0, len(t.tr))
	for l := range t.tr {
		out = append(out, l)
	}
	return out
}

// dynamic reports whether the text in lang (or its fallback) needs
// template data.
func (t Text) dynamic(lang string) bool {
	if len(t.tr) == 0 {
		return false
	}
	f := t.tr[lang]
	if f == nil {
		if f = t.tr[t.cat.def]; f == nil {
			return false
		}
	}
	return f.dynamic
}

// Plural reports whether some translation has plural forms.
func (t Text) Plural() bool {
	for _, f := range t.tr {
		if f.msg.One != "" || f.msg.Few != "" || f.msg.Many != "" || f.msg.Two != "" || f.msg.Zero != "" {
			return true
		}
	}
	return false
}

// Render returns the text in lang, falling back to the pilot's default
// language when there is no translation. data may be nil for texts without
// templates.
func (t Text) Render(lang string, data *TemplateData) string {
	if len(t.tr) == 0 {
		return ""
	}
	f := t.tr[lang]
	if f == nil {
		lang = t.cat.def
		f = t.tr[lang]
		if f == nil {
			return ""
		}
	}
	if !f.dynamic {
		return f.msg.Other
	}
	if data == nil {
		data = &TemplateData{}
	}
	lc := &i18n.LocalizeConfig{MessageID: t.id, TemplateData: t.cat.values(lang, data)}
	if f.msg.One != "" || f.msg.Few != "" || f.msg.Many != "" || f.msg.Two != "" || f.msg.Zero != "" {
		lc.PluralCount = data.Count
	}
	s, err := t.cat.localizer(lang).Localize(lc)
	if err != nil {
		var nf *i18n.MessageNotFoundErr
		if s == "" && !errors.As(err, &nf) {
			// The checker rejects templates that fail; keep the author's words
			// rather than saying nothing.
			return f.msg.Other
		}
	}
	return s
}

// catalog is the go-i18n bundle that holds all texts of one flow.
type catalog struct {
	def     string
	bundle  *i18n.Bundle
	locs    map[string]*i18n.Localizer
	scripts Scripts
}

// Scripts tells which languages are written right to left. The host
// passes its locales in (Options.Scripts), so that the bot's own words and
// the flow's texts follow one rule.
type Scripts interface {
	RTL(lang string) bool
}

// Unicode's first strong isolate and pop directional isolate: a value
// between them keeps its place and order in a right-to-left sentence.
const (
	firstStrongIsolate = "\u2068"
	popIsolate         = "\u2069"
)

func newCatalog(languages []string, scripts Scripts) *catalog {
	def := "en"
	if len(languages) > 0 {
		def = languages[0]
	}
	return &catalog{def: def, bundle: i18n.NewBundle(language.Make(def)), locs: map[string]*i18n.Localizer{}, scripts: scripts}
}

// values is what a template in lang gets: data as it is, or, in a
// language written right to left, with the name, the count and the
// answers in isolates, so that "Alex" or "12" inside an Arabic sentence
// stays where it was written.
func (c *catalog) values(lang string, data *TemplateData) any {
	if c.scripts == nil || !c.scripts.RTL(lang) {
		return data
	}
	iso := func(s string) string {
		if s == "" {
			return s // {{if .FirstName}} still works
		}
		return firstStrongIsolate + s + popIsolate
	}
	answers := make(map[string]string, len(data.Answers))
	for k, v := range data.Answers {
		answers[k] = iso(v)
	}
	return map[string]any{"FirstName": iso(data.FirstName), "Count": iso(strconv.Itoa(data.Count)), "Answers": answers}
}

func (c *catalog) localizer(lang string) *i18n.Localizer {
	if l := c.locs[lang]; l != nil {
		return l
	}
	return c.locs[c.def]
}

// add registers a translation; called only while loading.
func (c *catalog) add(id, lang string, f *forms) {
	m := f.msg
	m.ID = id
	_ = c.bundle.AddMessages(language.Make(lang), &m)
	if c.locs[lang] == nil {
		c.locs[lang] = i18n.NewLocalizer(c.bundle, lang)
	}
}

func isDynamic(m *i18n.Message) bool {
	if m.One != "" || m.Few != "" || m.Many != "" || m.Two != "" || m.Zero != "" {
		return true
	}
	return strings.Contains(m.Other, "{{")
}
