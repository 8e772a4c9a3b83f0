package safeguard

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Category is what a match is about.
type Category string

// The categories a lexicon file lists patterns under.
const (
	Suicide Category = "suicide" // suicide, wanting to die, self-harm
	Abuse   Category = "abuse"   // violence or abuse at home, sexual abuse, fear of going home
	Danger  Category = "danger"  // immediate danger: threats, being followed, no safe place, a child at risk
	Help    Category = "help"    // asking for help in words; not a crisis by itself
	// Pilot is a risk phrase a pilot added with With; it counts as a crisis.
	Pilot Category = "pilot"

	exclusion Category = "exclude" // figurative speech that must not alarm
)

// Crisis reports whether a match of this category should alert the
// coordinators, not only show the help text.
func (c Category) Crisis() bool {
	return c == Suicide || c == Abuse || c == Danger || c == Pilot
}

// rank orders matches: the most urgent category wins.
func (c Category) rank() int {
	switch c {
	case Suicide:
		return 0
	case Danger:
		return 1
	case Abuse:
		return 2
	case Pilot:
		return 3
	case Help:
		return 4
	}
	return 5
}

// fileCategories are the pattern lists of a lexicon file, in file order.
var fileCategories = []Category{Suicide, Abuse, Danger, Help, exclusion}

// Match says what Detect found.
type Match struct {
	Category Category
	Lang     string // the lexicon whose pattern matched
	Pattern  string // the pattern as written in the lexicon
}

// Lexicon holds compiled patterns per language. It is immutable and safe
// for concurrent use.
type Lexicon struct {
	langs   map[string]*langLex
	scratch *sync.Pool // of *scratch: Detect's working memory, reused
}

// langLex is one language's compiled lexicon.
type langLex struct {
	code, name string
	reviewed   bool
	fold       *folder
	pats       []pattern
	trie       trie    // anchors as written
	sqTrie     trie    // anchors squeezed, for stretched words
	always     []int32 // patterns whose anchor cannot be indexed (*word)
}

type pattern struct {
	src  string
	cat  Category
	body seq
	span int // the most words a match can cover
}

//go:embed lexicon/*.yaml
var embedded embed.FS

var loadDefault = sync.OnceValues(func() (*Lexicon, error) {
	sub, err := fs.Sub(embedded, "lexicon")
	if err != nil {
		return nil, err
	}
	return Load(sub)
})

// Default returns the lexicon built into the program (lexicon/*.yaml). It
// is loaded once; the result is shared, which is safe as it is immutable.
func Default() (*Lexicon, error) { return loadDefault() }

// Load reads every <lang>.yaml at the top of fsys. Errors name the file and
// line, and say how to fix the problem.
func Load(fsys fs.FS) (*Lexicon, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list lexicon files: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("no lexicon files (<lang>.yaml) found")
	}
	langs := map[string]*langLex{}
	var errs []error
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("read lexicon: %w", err))
			continue
		}
		ll, err := parseFile(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		langs[ll.code] = ll
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return newLexicon(langs), nil
}

func newLexicon(langs map[string]*langLex) *Lexicon {
	return &Lexicon{langs: langs, scratch: &sync.Pool{New: func() any { return new(scratch) }}}
}

// Languages lists the languages the lexicon has, sorted.
func (l *Lexicon) Languages() []string {
	return slices.Sorted(maps.Keys(l.langs))
}

// With returns a copy of the lexicon with a pilot's own phrases added to
// one language: add are risk phrases (matched as category Pilot), exclude
// are phrases that must not alarm. Both use the pattern syntax; a language
// the lexicon lacks is added. l itself does not change.
func (l *Lexicon) With(lang string, add, exclude []string) (*Lexicon, error) {
	lang = baseLang(lang)
	if lang == "" {
		return nil, errors.New("pilot phrases need a language code")
	}
	ll := &langLex{code: lang, name: lang}
	if old := l.langs[lang]; old != nil {
		*ll = *old
		ll.pats = slices.Clone(old.pats)
	}
	var errs []error
	for _, group := range []struct {
		cat  Category
		srcs []string
	}{{Pilot, add}, {exclusion, exclude}} {
		for _, src := range group.srcs {
			body, err := parsePattern(src, ll.fold)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s phrase: %w", lang, err))
				continue
			}
			ll.pats = append(ll.pats, pattern{src: src, cat: group.cat, body: body, span: body.maxSpan()})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ll.index()
	langs := maps.Clone(l.langs)
	langs[lang] = ll
	return newLexicon(langs), nil
}

// index builds the tries from every pattern's anchor.
func (ll *langLex) index() {
	ll.trie, ll.sqTrie, ll.always = trie{}, trie{}, nil
	for i, p := range ll.pats {
		anchor, ok := p.body.required()
		indexable := ok
		for _, a := range anchor {
			indexable = indexable && a.indexable()
		}
		if !indexable {
			ll.always = append(ll.always, int32(i))
			continue
		}
		for _, a := range anchor {
			ll.trie.add(a.s, a.kind == litPrefix, int32(i))
			ll.sqTrie.add(a.sq, a.kind == litPrefix, int32(i))
		}
	}
}

// baseLang reduces "pt-BR" or "PT_br" to "pt".
func baseLang(s string) string {
	s, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
	s, _, _ = strings.Cut(s, "_")
	return s
}

// parseFile reads one lexicon file. See lexicon/en.yaml for the layout.
func parseFile(name string, data []byte) (*langLex, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: expected keys such as language:, suicide: and help: at the top of the file", name)
	}
	code := strings.TrimSuffix(path.Base(name), ".yaml")
	ll := &langLex{code: code, name: code}
	fields := map[string]*yaml.Node{}
	root := doc.Content[0]
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !slices.Contains(fileKeys, k.Value) {
			errs = append(errs, fmt.Errorf("%s:%d: unknown key %q; use one of %s", name, k.Line, k.Value, strings.Join(fileKeys, ", ")))
			continue
		}
		fields[k.Value] = v
	}
	if err := ll.header(name, fields); err != nil {
		errs = append(errs, err)
	}
	for _, cat := range fileCategories {
		if err := ll.patterns(name, cat, fields[string(cat)]); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ll.index()
	return ll, nil
}

var fileKeys = []string{"language", "name", "reviewed", "fold", "notes", "suicide", "abuse", "danger", "help", "exclude"}

func (ll *langLex) header(name string, fields map[string]*yaml.Node) error {
	if v := fields["language"]; v == nil || v.Value != ll.code {
		return fmt.Errorf("%s: write language: %s at the top; the file name says which language it is", name, ll.code)
	}
	if v := fields["name"]; v != nil {
		ll.name = v.Value
	}
	if v := fields["reviewed"]; v != nil {
		if err := v.Decode(&ll.reviewed); err != nil {
			return fmt.Errorf("%s:%d: reviewed: write true or false", name, v.Line)
		}
	}
	v := fields["fold"]
	if v == nil {
		return nil
	}
	var m map[string]string
	if err := v.Decode(&m); err != nil {
		return fmt.Errorf("%s:%d: fold: write letter: replacement pairs, such as {ä: a, ö: o}", name, v.Line)
	}
	f, err := newFolder(m)
	if err != nil {
		return fmt.Errorf("%s:%d: %w", name, v.Line, err)
	}
	ll.fold = f
	return nil
}

func (ll *langLex) patterns(name string, cat Category, list *yaml.Node) error {
	if list == nil {
		return nil
	}
	if list.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s:%d: %s: write a list, one pattern per line starting with \"- \"", name, list.Line, cat)
	}
	var errs []error
	for _, n := range list.Content {
		if n.Kind != yaml.ScalarNode {
			errs = append(errs, fmt.Errorf("%s:%d: %s: write each pattern as text on one line", name, n.Line, cat))
			continue
		}
		body, err := parsePattern(n.Value, ll.fold)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", name, n.Line, cat, err))
			continue
		}
		ll.pats = append(ll.pats, pattern{src: n.Value, cat: cat, body: body, span: body.maxSpan()})
	}
	return errors.Join(errs...)
}
