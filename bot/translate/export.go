package translate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/translate/po"
	"github.com/cosie/cosiebot/bot/translate/yamledit"
	"github.com/cosie/cosiebot/locales"
)

// Source is what an export reads and an import writes: a flow file, the
// bot's own words, or both, in one language.
type Source struct {
	Lang string // the language translated into
	// From is the language the flow's texts are shown in, for the
	// translator to work from; "" is the pilot's first language (the
	// next one, English if it has it, when translating into the first).
	From string

	FlowFile string // the flow file as recorded in the PO file; "" for words only
	FlowData []byte

	Words     *locales.Catalog // the bot's words, with the pilot's own files
	WithWords bool             // export the bot's words too
	WordsFile string           // where lang's words are written (the pilot's file)
	WordsData []byte           // its content; nil when it does not exist yet
}

// Header fields cosiebot adds, so that an import finds the files again.
const (
	hdrFlow  = "X-Cosie-Flow"
	hdrWords = "X-Cosie-Words"
	hdrFrom  = "X-Cosie-Source-Language"
)

// loaded is a Source read: its flow and its units.
type loaded struct {
	src   Source
	f     *flow.Flow
	doc   *yamledit.Doc
	from  string
	units []*unit
	names []string // lang's plural forms, in msgstr order
	rule  *po.PluralRule
}

// load checks a Source and lists its units.
func load(src Source) (*loaded, error) {
	if src.Words == nil {
		return nil, fmt.Errorf("the bot's words are needed")
	}
	l := &loaded{src: src}
	var err error
	if l.rule, l.names, err = pluralRule(src.Lang); err != nil {
		return nil, err
	}
	if src.FlowData != nil {
		if err := l.loadFlow(); err != nil {
			return nil, err
		}
	}
	if src.WithWords {
		l.units = append(l.units, wordUnits(src.Words, src.Lang, src.WordsFile)...)
	}
	return l, nil
}

func (l *loaded) loadFlow() error {
	src := l.src
	f, diags := flow.Load(src.FlowFile, src.FlowData, flow.Options{Languages: src.Words.Languages(), Scripts: src.Words})
	if f == nil {
		return fmt.Errorf("%s has errors; fix them first (cosiebot check lists them):\n%s", src.FlowFile, diags.Errors())
	}
	if !slices.Contains(f.Pilot.Languages, src.Lang) {
		return fmt.Errorf("%s does not offer %s; add it to the pilot's languages first: languages: [%s, %s]", src.FlowFile, src.Lang, strings.Join(f.Pilot.Languages, ", "), src.Lang)
	}
	l.from = src.From
	if l.from == "" {
		l.from = f.DefaultLanguage()
		if l.from == src.Lang && len(f.Pilot.Languages) > 1 {
			l.from = f.Pilot.Languages[1]
			if slices.Contains(f.Pilot.Languages, "en") && src.Lang != "en" {
				l.from = "en"
			}
		}
	}
	if !slices.Contains(f.Pilot.Languages, l.from) {
		return fmt.Errorf("%s has no texts in %s to translate from; use one of %s", src.FlowFile, l.from, strings.Join(f.Pilot.Languages, ", "))
	}
	doc, err := yamledit.Parse(src.FlowData)
	if err != nil {
		return fmt.Errorf("read %s: %w", src.FlowFile, err)
	}
	l.f, l.doc = f, doc
	l.units = flowUnits(src.FlowFile, doc.Root, f, src.Lang, l.from)
	return nil
}

// Export writes the texts of src in src.Lang as a PO file: one entry per
// text, with what it is, its limit, its placeholders and its plural forms
// in comments for the translator.
func Export(src Source) (*po.File, error) {
	l, err := load(src)
	if err != nil {
		return nil, err
	}
	pf := &po.File{Comments: l.intro(), Header: l.header()}
	for _, u := range l.units {
		pf.Entries = append(pf.Entries, l.entry(u))
	}
	return pf, nil
}

func (l *loaded) intro() []string {
	name := l.src.Words.Say(locales.Source, "language.name", nil)
	if n, ok := l.src.Words.Written(l.src.Lang, "language.name"); ok {
		name = n.Other
	}
	what := "The bot's own words"
	if l.f != nil {
		what = fmt.Sprintf("The texts of %s (pilot %s), shown in %s", l.src.FlowFile, l.f.Pilot.ID, l.from)
		if l.src.WithWords {
			what += ", and the bot's own words, shown in English"
		}
	}
	return []string{
		fmt.Sprintf("%s, to translate into %s (%s).", what, name, l.src.Lang),
		"Made by cosiebot translate export. Translate each msgstr; leave msgctxt and msgid",
		"as they are. Read it back with: cosiebot translate import FILE.po",
	}
}

func (l *loaded) header() []po.Field {
	h := []po.Field{
		{Name: "Project-Id-Version", Value: "cosiebot"},
		{Name: "Language", Value: l.src.Lang},
		{Name: "MIME-Version", Value: "1.0"},
		{Name: "Content-Type", Value: "text/plain; charset=UTF-8"},
		{Name: "Content-Transfer-Encoding", Value: "8bit"},
		{Name: "Plural-Forms", Value: l.rule.String()},
	}
	if l.f != nil {
		h[0].Value = "cosiebot " + l.f.Pilot.ID
		h = append(h, po.Field{Name: hdrFlow, Value: l.src.FlowFile}, po.Field{Name: hdrFrom, Value: l.from})
	}
	if l.src.WithWords {
		h = append(h, po.Field{Name: hdrWords, Value: l.src.WordsFile})
	}
	return h
}

// msgid is the source text of u as an entry shows it.
func msgid(u *unit) (id, plural string) {
	if u.plural {
		return cmp.Or(u.source["one"], u.source["other"]), u.source["other"]
	}
	return u.source["other"], ""
}

func (l *loaded) entry(u *unit) *po.Entry {
	e := &po.Entry{Context: u.key, Extracted: l.notes(u)}
	if u.file != "" && u.line > 0 {
		e.References = []string{fmt.Sprintf("%s:%d", u.file, u.line)}
	}
	e.ID, e.Plural = msgid(u)
	if l.copied(u) {
		// A copy of the source, as cosiebot locale new writes a new
		// language's words: the tool shows it as needing work.
		e.Flags = []string{"fuzzy"}
	}
	if !u.plural {
		e.Str = []string{u.target["other"]}
		return e
	}
	for _, name := range l.names {
		e.Str = append(e.Str, u.target[name])
	}
	return e
}

// copied reports whether u's translation is its source text unchanged,
// in a language other than the source's.
func (l *loaded) copied(u *unit) bool {
	from := l.from
	if u.words {
		from = locales.Source
	}
	if l.src.Lang == from || u.target.empty() || len(u.target) != len(u.source) {
		return false
	}
	for name, s := range u.source {
		if u.target[name] != s {
			return false
		}
	}
	return true
}

// notes tell the translator what the text is and what it must keep.
func (l *loaded) notes(u *unit) []string {
	notes := []string{u.what}
	if u.words {
		notes[0] = "The bot's own words: " + u.what
	}
	switch {
	case u.list:
		notes = append(notes, "One phrase per line.")
	case u.button:
		notes = append(notes, fmt.Sprintf("At most %d characters: longer buttons are cut off on phones.", u.limit))
	case u.limit > 0:
		notes = append(notes, fmt.Sprintf("At most %d characters (Telegram's limit).", u.limit))
	}
	if ph := placeholderList(u.source); ph != "" {
		notes = append(notes, "Keep these placeholders exactly as they are: "+ph+".")
	}
	if u.plural {
		var fs []string
		for _, f := range locales.PluralForms(l.src.Lang) {
			fs = append(fs, fmt.Sprintf("msgstr[%d] %s (%s)", slices.Index(l.names, f.Name), f.Name, examples(f)))
		}
		notes = append(notes, "Counts something ({{.Count}}): write every form: "+strings.Join(fs, ", ")+".")
	}
	return notes
}

func examples(f locales.Form) string {
	if len(f.Examples) == 0 {
		return "fractions"
	}
	var s []string
	for _, n := range f.Examples {
		s = append(s, fmt.Sprint(n))
	}
	if f.More {
		s = append(s, "…")
	}
	return strings.Join(s, ", ")
}
