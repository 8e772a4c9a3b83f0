// Package locales holds the bot's own words (help, re-asks, button labels,
// errors) in every language the bot speaks, as go-i18n message files, and
// renders them with plurals and templates.
//
// The files are active.<lang>.yaml in this folder, embedded in the binary.
// English is the source language: every other file must have the same ids.
package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

//go:embed active.*.yaml
var embedded embed.FS

// Source is the language every other file is checked against.
const Source = "en"

// Catalog renders the bot's words. It is read-only after Load and safe for
// concurrent use.
type Catalog struct {
	bundle *i18n.Bundle
	langs  []string // Source first, then the rest sorted
	ids    []string // message ids of the source file, sorted
	msgs   map[string]map[string]*i18n.Message
	locs   map[string]*i18n.Localizer
}

// Default returns the embedded catalog.
func Default() (*Catalog, error) {
	return Load(embedded)
}

// Load reads active.<lang>.yaml files from the root of fsys.
func Load(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "active.*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list locale files: %w", err)
	}
	c := &Catalog{
		bundle: i18n.NewBundle(language.English),
		msgs:   map[string]map[string]*i18n.Message{},
		locs:   map[string]*i18n.Localizer{},
	}
	c.bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		mf, err := c.bundle.ParseMessageFileBytes(data, path.Base(name))
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		lang := mf.Tag.String()
		c.langs = append(c.langs, lang)
		c.msgs[lang] = map[string]*i18n.Message{}
		for _, m := range mf.Messages {
			c.msgs[lang][m.ID] = m
		}
		c.locs[lang] = i18n.NewLocalizer(c.bundle, lang)
	}
	if c.msgs[Source] == nil {
		return nil, fmt.Errorf("no active.%s.yaml: the English file is the source of all message ids", Source)
	}
	slices.Sort(c.langs)
	i := slices.Index(c.langs, Source)
	c.langs = append([]string{Source}, slices.Delete(c.langs, i, i+1)...)
	for id := range c.msgs[Source] {
		c.ids = append(c.ids, id)
	}
	slices.Sort(c.ids)
	return c, nil
}

// Languages lists the languages the bot speaks, English first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// IDs lists every message id.
func (c *Catalog) IDs() []string { return slices.Clone(c.ids) }

// Name is the language's name in itself ("Suomi"), for the language menu.
func (c *Catalog) Name(lang string) string { return c.Say(lang, "language.name", nil) }

// Say renders message id in lang. A "Count" entry in data selects the plural
// form. A missing translation falls back to English; a missing id returns
// the id itself so that the gap is visible rather than silent.
func (c *Catalog) Say(lang, id string, data map[string]any) string {
	m := c.msgs[lang][id]
	if m == nil {
		lang = Source
		m = c.msgs[Source][id]
		if m == nil {
			return id
		}
	}
	if data == nil && !isDynamic(m) {
		return m.Other
	}
	lc := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if count, ok := data["Count"]; ok && isPlural(m) {
		lc.PluralCount = count
	}
	s, err := c.locs[lang].Localize(lc)
	if err != nil && s == "" {
		return m.Other
	}
	return s
}

func isPlural(m *i18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != ""
}

func isDynamic(m *i18n.Message) bool {
	return isPlural(m) || strings.Contains(m.Other, "{{")
}

// Check reports every message that is missing or empty in some language, and
// every template that does not parse. Tests and `cosiebot check` run it.
func (c *Catalog) Check() error {
	var errs []error
	for _, lang := range c.langs {
		for _, id := range c.ids {
			m := c.msgs[lang][id]
			if m == nil || strings.TrimSpace(m.Other) == "" {
				errs = append(errs, fmt.Errorf("active.%s.yaml: message %q is missing or empty", lang, id))
				continue
			}
			src := c.msgs[Source][id]
			if isPlural(src) && !isPlural(m) {
				errs = append(errs, fmt.Errorf("active.%s.yaml: message %q needs plural forms (one, other, ...) like the English one", lang, id))
			}
			for _, form := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
				if _, err := template.New(id).Parse(form); err != nil {
					errs = append(errs, fmt.Errorf("active.%s.yaml: message %q: %w", lang, id, err))
				}
			}
		}
		for id := range c.msgs[lang] {
			if c.msgs[Source][id] == nil {
				errs = append(errs, fmt.Errorf("active.%s.yaml: message %q is not in active.%s.yaml; remove it or add it there", lang, id, Source))
			}
		}
	}
	return errors.Join(errs...)
}
