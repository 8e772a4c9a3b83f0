package translate

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/translate/po"
	"github.com/cosie/cosiebot/bot/translate/yamledit"
	"go.yaml.in/yaml/v3"
)

// Result is what an import changes.
type Result struct {
	Flow  []byte // the flow file's new content; nil when unchanged
	Words []byte // the words file's new content; nil when unchanged
	// FlowTexts and WordTexts count the texts changed.
	FlowTexts, WordTexts int
	// Notes say which entries were left out, and why.
	Notes []string
}

// Problems are the entries of a PO file an import refuses; it then
// changes nothing.
type Problems struct {
	File string
	List []Problem
}

// Problem is one refused entry.
type Problem struct {
	Line int
	Msg  string
}

func (p *Problems) Error() string {
	var b strings.Builder
	for i, x := range p.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d: %s", p.File, x.Line, x.Msg)
	}
	return b.String()
}

func (p *Problems) add(line int, format string, args ...any) {
	p.List = append(p.List, Problem{line, fmt.Sprintf(format, args...)})
}

// Import reads a translation back: each entry is checked (placeholders
// kept, limits, every plural form) and, when all are right, written into
// the flow file and the words file in place. Untranslated and fuzzy
// entries are left out. name is the PO file as shown in messages.
func Import(pf *po.File, name string, src Source) (*Result, error) {
	src.Lang = pf.Get("Language")
	src.From = pf.Get(hdrFrom)
	src.WithWords = src.WordsFile != ""
	l, err := load(src)
	if err != nil {
		return nil, err
	}
	order, err := l.order(pf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	im := &importer{l: l, order: order, probs: &Problems{File: name}, res: &Result{}, byKey: map[string]*unit{}}
	for _, u := range l.units {
		im.byKey[u.key] = u
	}
	for _, e := range pf.Entries {
		im.entry(e)
	}
	if len(im.probs.List) == 0 {
		im.write()
	}
	if len(im.probs.List) > 0 {
		return nil, im.probs
	}
	return im.res, nil
}

// order maps msgstr[i] to lang's plural forms, by the file's Plural-Forms.
func (l *loaded) order(pf *po.File) ([]string, error) {
	h := pf.Get("Plural-Forms")
	if h == "" {
		return l.names, nil
	}
	theirs, err := po.ParsePluralRule(h)
	if err != nil {
		return nil, fmt.Errorf("Plural-Forms: %w", err)
	}
	return formIndexes(theirs, l.src.Lang)
}

type importer struct {
	l       *loaded
	order   []string
	probs   *Problems
	res     *Result
	byKey   map[string]*unit
	changed []change
	skipped map[string]int
}

// change is a checked translation to write.
type change struct {
	u  *unit
	nf forms
}

func (im *importer) note(why string) {
	if im.skipped == nil {
		im.skipped = map[string]int{}
	}
	im.skipped[why]++
}

func (im *importer) entry(e *po.Entry) {
	u := im.byKey[e.Context]
	switch {
	case u == nil:
		im.probs.add(e.Line, "%q is not a text of these files (it was removed or renamed?); export again and copy the translation over", e.Context)
		return
	case e.Fuzzy():
		im.note("marked fuzzy (needs review): remove the mark once checked")
		return
	}
	if id, plural := msgid(u); e.ID != id || e.Plural != plural {
		im.note("the source text changed since the export: export again")
		return
	}
	nf := im.forms(u, e)
	if nf.empty() {
		im.note("not translated yet")
		return
	}
	for _, p := range check(u, nf, im.l.src.Lang) {
		im.probs.add(e.Line, "%s: %s", e.Context, p)
	}
	if !same(u, nf) {
		im.changed = append(im.changed, change{u, nf})
	}
}

// forms reads an entry's translation.
func (im *importer) forms(u *unit, e *po.Entry) forms {
	if !u.plural {
		return forms{"other": at(e.Str, 0)}
	}
	nf := forms{}
	for i, name := range im.order {
		if s := at(e.Str, i); s != "" {
			nf[name] = s
		}
	}
	return nf
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// same reports whether nf is the translation u has already.
func same(u *unit, nf forms) bool {
	if u.list {
		return slices.Equal(lines(u.target["other"]), lines(nf["other"]))
	}
	for name, s := range nf {
		if u.target[name] != s {
			return false
		}
	}
	return u.target != nil && (u.plural || len(u.target) == 1)
}

// write applies the changes to the files and checks the results as the
// bot will read them.
func (im *importer) write() {
	var wordsDoc *yamledit.Doc
	var fresh []change // words of a file that does not exist yet
	for _, c := range im.changed {
		var err error
		switch {
		case !c.u.words:
			err = im.setFlowText(c)
			im.res.FlowTexts++
		case im.l.src.WordsData == nil:
			fresh = append(fresh, c)
			im.res.WordTexts++
		default:
			if wordsDoc == nil {
				if wordsDoc, err = yamledit.Parse(im.l.src.WordsData); err != nil {
					im.probs.add(0, "read %s: %v", im.l.src.WordsFile, err)
					return
				}
			}
			err = setWord(wordsDoc, c)
			im.res.WordTexts++
		}
		if err != nil {
			im.probs.add(0, "%s: cannot write this text in place (%v)", c.u.key, err)
		}
	}
	for why, n := range im.skipped {
		im.res.Notes = append(im.res.Notes, fmt.Sprintf("%d left out: %s", n, why))
	}
	slices.Sort(im.res.Notes)
	if len(im.probs.List) == 0 {
		im.finishFlow()
		im.finishWords(wordsDoc, fresh)
	}
}

func (im *importer) setFlowText(c change) error {
	d, u, lang, def := im.l.doc, c.u, im.l.src.Lang, im.l.f.DefaultLanguage()
	val := c.nf.value(u.list)
	h := u.holder
	if h.Kind == yaml.ScalarNode {
		if lang == def && !isPlural(c.nf) {
			return d.SetScalar(h, c.nf["other"])
		}
		kvs := []yamledit.KeyValue{{Key: def, Value: formsOf(h).value(false)}, {Key: lang, Value: val}}
		if lang == def {
			kvs = kvs[1:]
		}
		return d.Replace(h, yamledit.Map(kvs...), u.keyCol, false)
	}
	k, v := get(h, lang)
	if v == nil {
		return d.AddKey(h, lang, val)
	}
	return setValue(d, k, v, c, h.Style&yaml.FlowStyle != 0)
}

// setValue writes a translation over the one there, form by form where
// both have plural forms.
func setValue(d *yamledit.Doc, k, v *yaml.Node, c change, flowStyle bool) error {
	switch {
	case c.u.list:
	case v.Kind == yaml.ScalarNode && !isPlural(c.nf):
		return d.SetScalar(v, c.nf["other"])
	case v.Kind == yaml.MappingNode && isPlural(c.nf):
		for _, name := range slices.Sorted(maps.Keys(c.nf)) {
			_, fv := get(v, name)
			switch {
			case fv == nil:
				if err := d.AddKey(v, name, yamledit.Text(c.nf[name])); err != nil {
					return err
				}
			case fv.Value != c.nf[name]:
				if err := d.SetScalar(fv, c.nf[name]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return d.Replace(v, c.nf.value(c.u.list), k.Column-1, flowStyle)
}

func setWord(d *yamledit.Doc, c change) error {
	id := strings.TrimPrefix(c.u.key, "words.")
	k, v := get(d.Root, id)
	if v == nil {
		return d.AddKey(d.Root, id, c.nf.value(false))
	}
	return setValue(d, k, v, c, false)
}

// finishFlow checks the edited flow file as the bot will load it.
func (im *importer) finishFlow() {
	if im.res.FlowTexts == 0 {
		return
	}
	src := im.l.src
	data, err := im.l.doc.Bytes()
	if err != nil {
		im.probs.add(0, "%s: %v", src.FlowFile, err)
		return
	}
	if _, diags := flow.Load(src.FlowFile, data, flow.Options{Languages: src.Words.Languages(), Scripts: src.Words}); diags.HasErrors() {
		for _, d := range diags.Errors() {
			im.probs.add(0, "after the import, %s", d.String())
		}
		return
	}
	im.res.Flow = data
}

// finishWords writes the words file, a new one if needed, and checks it
// as the bot will load it.
func (im *importer) finishWords(d *yamledit.Doc, fresh []change) {
	src := im.l.src
	var data []byte
	switch {
	case d != nil:
		var err error
		if data, err = d.Bytes(); err != nil {
			im.probs.add(0, "%s: %v", src.WordsFile, err)
			return
		}
	case len(fresh) > 0:
		var b strings.Builder
		fmt.Fprintf(&b, "# The bot's own words in %s for this pilot, from cosiebot translate import.\n", src.Lang)
		b.WriteString("# They replace the built-in words one by one; the rest stay as built in.\n# reviewed: no\n\n")
		for _, c := range fresh {
			b.WriteString(yamledit.Line(strings.TrimPrefix(c.u.key, "words."), c.nf.value(false)) + "\n")
		}
		data = []byte(b.String())
	default:
		return
	}
	dir, base := path.Split(src.WordsFile)
	words, err := src.Words.With(fstest.MapFS{base: {Data: data}}, path.Clean(dir))
	if err != nil {
		im.probs.add(0, "after the import, %v", err)
		return
	}
	for _, p := range words.Problems() {
		if !p.Warning && p.Lang == src.Lang && strings.HasSuffix(p.File, base) {
			im.probs.add(0, "after the import, %s:%d: %s", p.File, p.Line, p.Message)
		}
	}
	if len(im.probs.List) == 0 {
		im.res.Words = data
	}
}
