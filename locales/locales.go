// Package locales holds the bot's own words (help, re-asks, button labels,
// errors) in every language the bot speaks, as go-i18n message files, and
// renders them with plurals and templates.
//
// The shipped files are active.<lang>.yaml in this folder, embedded in the
// binary. English is the source language: every other file has the same
// ids, and the comment above each English message says what it is. A pilot
// team can add its own files in <flows folder>/locales (With): a new
// language, or a shipped language's messages reworded.
//
// A comment "# reviewed: yes" or "# reviewed: no" at the top of a file says
// whether a native speaker has checked it (Reviewed).
//
// Texts in languages written right to left (RTL) get their inserted values
// and /commands wrapped in Unicode isolates (Isolate), so that numbers and
// Latin names stay in place.
package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

//go:embed active.*.yaml
var embedded embed.FS

// Source is the language every other file is checked against.
const Source = "en"

// Catalog renders the bot's words. It is read-only once loaded and safe for
// concurrent use; With returns a new catalog.
type Catalog struct {
	langs []string          // Source first, then the rest sorted
	ids   []string          // message ids of the source, sorted
	about map[string]string // what each message is, from the source file's comments
	words map[string]*words
}

// words are one language's messages, merged from its files: a later file
// (a pilot's) overrides an earlier one (the shipped one) message by message.
type words struct {
	lang  string
	files []*file
	from  map[string]*file         // the file each message comes from
	msgs  map[string]*i18n.Message // as rendered: RTL texts have their commands isolated
	rtl   bool
	loc   *i18n.Localizer
}

// Default returns the shipped catalog.
func Default() (*Catalog, error) {
	return Load(embedded)
}

// Load reads the active.<lang>.yaml files at the root of fsys, which must
// include the English one.
func Load(fsys fs.FS) (*Catalog, error) {
	files, err := readDir(fsys, "")
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(files, func(f *file) bool { return f.lang == Source })
	if i < 0 {
		return nil, fmt.Errorf("no active.%s.yaml: the English file is the source of all message ids", Source)
	}
	src := files[i]
	c := &Catalog{ids: slices.Sorted(maps.Keys(src.msgs)), about: src.about, words: map[string]*words{}}
	if err := c.add(files); err != nil {
		return nil, err
	}
	return c, nil
}

// With returns a catalog with the active.<lang>.yaml files at the root of
// fsys on top of c's: new languages, and messages that replace c's one by
// one. dir names the folder in messages, like "flows/locales". Without
// such files it returns c.
func (c *Catalog) With(fsys fs.FS, dir string) (*Catalog, error) {
	files, err := readDir(fsys, dir)
	if err != nil || len(files) == 0 {
		return c, err
	}
	for _, f := range files {
		f.pilot = true
	}
	n := &Catalog{ids: c.ids, about: c.about, words: maps.Clone(c.words)}
	if err := n.add(files); err != nil {
		return nil, err
	}
	return n, nil
}

// readDir parses the message files at the root of fsys, reporting the
// problems of every file at once.
func readDir(fsys fs.FS, dir string) ([]*file, error) {
	names, err := fs.Glob(fsys, "active.*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list the message files in %s: %w", shown(dir), err)
	}
	var files []*file
	var errs []error
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", path.Join(dir, name), err))
			continue
		}
		f, err := parseFile(path.Join(dir, name), name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	return files, errors.Join(errs...)
}

func shown(dir string) string {
	if dir == "" {
		return "the locales folder"
	}
	return dir
}

// add merges files into c, in order.
func (c *Catalog) add(files []*file) error {
	changed := map[string]bool{}
	for _, f := range files {
		w := c.words[f.lang]
		if !changed[f.lang] {
			// Copy on write: c may share words with the catalog it came from.
			nw := &words{lang: f.lang, from: map[string]*file{}}
			if w != nil {
				nw.files = slices.Clone(w.files)
				maps.Copy(nw.from, w.from)
			}
			w = nw
			c.words[f.lang] = w
			changed[f.lang] = true
		}
		w.files = append(w.files, f)
		for id := range f.msgs {
			w.from[id] = f
		}
	}
	for lang := range changed {
		if err := c.words[lang].prepare(); err != nil {
			return err
		}
	}
	c.langs = slices.Sorted(maps.Keys(c.words))
	if i := slices.Index(c.langs, Source); i > 0 {
		c.langs = append([]string{Source}, slices.Delete(c.langs, i, i+1)...)
	}
	return nil
}

// prepare makes the messages ready to render, each language with a bundle
// of its own: its plural rule may be borrowed (see pluralTag), and falling
// back to English is Say's job.
func (w *words) prepare() error {
	w.rtl = RTL(w.lang)
	w.msgs = map[string]*i18n.Message{}
	list := make([]*i18n.Message, 0, len(w.from))
	for id, f := range w.from {
		m := *f.msgs[id]
		if w.rtl {
			for _, form := range formNames {
				p := formField(&m, form)
				*p = isolateCommands(*p)
			}
		}
		w.msgs[id] = &m
		list = append(list, &m)
	}
	tag := pluralTag(w.lang)
	b := i18n.NewBundle(tag)
	if err := b.AddMessages(tag, list...); err != nil {
		return fmt.Errorf("%s: %w", w.files[len(w.files)-1].name, err)
	}
	w.loc = i18n.NewLocalizer(b, tag.String())
	return nil
}

// Languages lists the languages the bot speaks, English first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// IDs lists every message id.
func (c *Catalog) IDs() []string { return slices.Clone(c.ids) }

// About says what message id is and where people see it, from the comment
// above it in the English file.
func (c *Catalog) About(id string) string { return c.about[id] }

// Name is the language's name in itself ("Suomi"), for the language menu.
func (c *Catalog) Name(lang string) string { return c.Say(lang, "language.name", nil) }

// Reviewed reports whether a native speaker has checked every message of
// lang: each comes from a file marked "# reviewed: yes".
func (c *Catalog) Reviewed(lang string) bool {
	w := c.words[lang]
	if w == nil {
		return false
	}
	for _, id := range c.ids {
		if f := w.from[id]; f == nil || !f.reviewed {
			return false
		}
	}
	return true
}

// Files lists the files lang's words come from, shipped ones first.
func (c *Catalog) Files(lang string) []string {
	var out []string
	if w := c.words[lang]; w != nil {
		for _, f := range w.files {
			out = append(out, f.name)
		}
	}
	return out
}

// Missing lists the messages lang has no text for; citizens see them in
// English.
func (c *Catalog) Missing(lang string) []string {
	w := c.words[lang]
	var out []string
	for _, id := range c.ids {
		if w == nil || w.msgs[id] == nil {
			out = append(out, id)
		}
	}
	return out
}

// Written returns message id in lang as its file writes it (before the
// commands of a right-to-left text are isolated), for translators' tools.
func (c *Catalog) Written(lang, id string) (i18n.Message, bool) {
	w := c.words[lang]
	if w == nil || w.from[id] == nil {
		return i18n.Message{}, false
	}
	return *w.from[id].msgs[id], true
}

// Say renders message id in lang. A "Count" entry in data selects the plural
// form. A missing translation falls back to English; a missing id returns
// the id itself so that the gap is visible rather than silent.
func (c *Catalog) Say(lang, id string, data map[string]any) string {
	w := c.words[lang]
	var m *i18n.Message
	if w != nil {
		m = w.msgs[id]
	}
	if m == nil {
		w = c.words[Source]
		m = w.msgs[id]
		if m == nil {
			return id
		}
	}
	return w.render(m, data)
}

func (w *words) render(m *i18n.Message, data map[string]any) string {
	if data == nil && !isDynamic(m) {
		return m.Other
	}
	lc := &i18n.LocalizeConfig{MessageID: m.ID, TemplateData: data}
	if w.rtl && data != nil {
		iso := make(map[string]any, len(data))
		for k, v := range data {
			iso[k] = isolateValue(v)
		}
		lc.TemplateData = iso
	}
	if count, ok := data["Count"]; ok && isPlural(m) {
		lc.PluralCount = count
	}
	s, err := w.loc.Localize(lc)
	if err != nil && s == "" {
		return m.Other
	}
	return s
}

func isDynamic(m *i18n.Message) bool {
	if isPlural(m) {
		return true
	}
	return strings.Contains(m.Other, "{{")
}
