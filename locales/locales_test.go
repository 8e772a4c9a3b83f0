package locales_test

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/cosie/cosiebot/locales"
)

// wantLanguages is every language the bot speaks: English first, then sorted.
var wantLanguages = []string{"en", "es", "et", "fi", "hu", "it", "nl", "pl", "sv"}

// pluralIDs are the messages that take a Count and have plural forms.
var pluralIDs = []string{
	"digest.alerts",
	"digest.count",
	"digest.participants",
	"mydata.answers",
	"waiting.days",
	"waiting.hours",
}

// sample holds a value for every template placeholder. The values are
// distinctive so that a test can tell whether a placeholder was rendered.
var sample = map[string]any{
	"Count":    37,
	"Min":      13,
	"Max":      97,
	"Name":     "LANGNAME",
	"Pilot":    "PILOTNAME",
	"Ref":      "REF-X7",
	"From":     "FROM-DATE",
	"To":       "TO-DATE",
	"Done":     41,
	"Started":  58,
	"Rate":     71,
	"Avg":      "4.27",
	"Answered": 23,
	"Sent":     29,
}

func catalog(t *testing.T) *locales.Catalog {
	t.Helper()
	c, err := locales.Default()
	if err != nil {
		t.Fatalf("Default(): %v", err)
	}
	return c
}

func TestComplete(t *testing.T) {
	c := catalog(t)
	if err := c.Check(); err != nil {
		t.Errorf("Check():\n%v", err)
	}
	if got := c.Languages(); !slices.Equal(got, wantLanguages) {
		t.Errorf("Languages() = %v, want %v", got, wantLanguages)
	}
	if len(c.IDs()) == 0 {
		t.Fatal("IDs() is empty")
	}
	// Every language names itself differently in the language menu.
	names := map[string]string{}
	for _, lang := range c.Languages() {
		name := c.Name(lang)
		if name == "" || name == "language.name" {
			t.Errorf("Name(%q) = %q", lang, name)
		}
		if other, dup := names[name]; dup {
			t.Errorf("Name(%q) = Name(%q) = %q", lang, other, name)
		}
		names[name] = lang
	}
}

// sourceFile parses active.<lang>.yaml from this folder into id -> value,
// where a plural message's value is a map of form -> text.
func sourceFile(t *testing.T, lang string) map[string]any {
	t.Helper()
	name := "active." + lang + ".yaml"
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return m
}

func TestPluralForms(t *testing.T) {
	c := catalog(t)

	// The list above must be exactly the plural messages of the source.
	var srcPlural []string
	for id, v := range sourceFile(t, locales.Source) {
		if _, ok := v.(map[string]any); ok {
			srcPlural = append(srcPlural, id)
		}
	}
	slices.Sort(srcPlural)
	if !slices.Equal(srcPlural, pluralIDs) {
		t.Fatalf("plural messages in active.en.yaml = %v, test lists %v", srcPlural, pluralIDs)
	}

	counts := []int{101, 102, 105, 111, 112, 122}
	for n := 0; n <= 30; n++ {
		counts = append(counts, n)
	}

	for _, lang := range c.Languages() {
		t.Run(lang, func(t *testing.T) {
			for _, id := range pluralIDs {
				for _, n := range counts {
					got := c.Say(lang, id, map[string]any{"Count": n})
					switch {
					case got == id:
						t.Errorf("Say(%q, %q, Count=%d) returned the raw id", lang, id, n)
					case strings.Contains(got, "<no value>"), strings.Contains(got, "{{"):
						t.Errorf("Say(%q, %q, Count=%d) = %q: template not filled", lang, id, n, got)
					case !strings.Contains(got, strconv.Itoa(n)):
						t.Errorf("Say(%q, %q, Count=%d) = %q: the number is missing", lang, id, n, got)
					}
				}
			}
		})
	}

	// Every whole-number plural form of a language must be written out:
	// go-i18n silently falls back to "other" when one is missing.
	for _, lang := range c.Languages() {
		tag := language.MustParse(lang)
		need := map[string]bool{}
		for n := 0; n <= 1000; n++ {
			need[formName(plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0))] = true
		}
		need["other"] = true
		file := sourceFile(t, lang)
		for _, id := range pluralIDs {
			forms, ok := file[id].(map[string]any)
			if !ok {
				t.Errorf("active.%s.yaml: %q has no plural forms", lang, id)
				continue
			}
			for form := range need {
				if s, _ := forms[form].(string); strings.TrimSpace(s) == "" {
					t.Errorf("active.%s.yaml: %q lacks the %q form (has %v)", lang, id, form, slices.Sorted(maps.Keys(forms)))
				}
			}
		}
	}

	// Polish: 2-4 (few) and 5-21 (many) are worded differently, and the
	// endings repeat by the last digits (22 like 2, 12 like 5).
	t.Run("pl few and many", func(t *testing.T) {
		form := func(n int) string {
			s := c.Say("pl", "waiting.days", map[string]any{"Count": n})
			return strings.ReplaceAll(s, strconv.Itoa(n), "N")
		}
		if form(2) == form(5) {
			t.Errorf("pl waiting.days: 2 and 5 use the same wording %q", form(2))
		}
		if form(22) != form(2) {
			t.Errorf("pl waiting.days: 22 = %q, want the form of 2 = %q", form(22), form(2))
		}
		if form(12) != form(5) {
			t.Errorf("pl waiting.days: 12 = %q, want the form of 5 = %q", form(12), form(5))
		}
		if form(1) == form(2) || form(1) == form(5) {
			t.Errorf("pl waiting.days: 1 = %q should differ from 2 and 5", form(1))
		}
	})
}

func formName(f plural.Form) string {
	switch f {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

func TestTemplates(t *testing.T) {
	c := catalog(t)
	for _, lang := range c.Languages() {
		t.Run(lang, func(t *testing.T) {
			for _, id := range c.IDs() {
				got := c.Say(lang, id, sample)
				if got == "" || got == id {
					t.Errorf("Say(%q, %q) = %q", lang, id, got)
					continue
				}
				if strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
					t.Errorf("Say(%q, %q) = %q: template not filled", lang, id, got)
				}
				// A placeholder used in English must be used in every
				// translation too.
				en := c.Say(locales.Source, id, sample)
				for name, v := range sample {
					val := toString(v)
					if strings.Contains(en, val) && !strings.Contains(got, val) {
						t.Errorf("Say(%q, %q) = %q: lost {{.%s}} (English: %q)", lang, id, got, name, en)
					}
				}
			}
		})
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case int:
		return strconv.Itoa(v)
	case string:
		return v
	}
	panic("unexpected sample type")
}

var commandRE = regexp.MustCompile(`(?:^|\s)(/[a-z]+)\b`)

// TestKeptAsIs checks that emoji, commands and the emergency number 112
// come through translation unchanged.
func TestKeptAsIs(t *testing.T) {
	c := catalog(t)
	emoji := func(s string) string {
		var rs []rune
		for _, r := range s {
			if unicode.Is(unicode.So, r) || r == '\uFE0F' {
				rs = append(rs, r)
			}
		}
		slices.Sort(rs)
		return string(rs)
	}
	commands := func(s string) []string {
		var cs []string
		for _, m := range commandRE.FindAllStringSubmatch(s, -1) {
			cs = append(cs, m[1])
		}
		slices.Sort(cs)
		return cs
	}
	for _, lang := range c.Languages()[1:] {
		for _, id := range c.IDs() {
			en := c.Say(locales.Source, id, sample)
			got := c.Say(lang, id, sample)
			if emoji(en) != emoji(got) {
				t.Errorf("%s %s: emoji %q, English has %q", lang, id, emoji(got), emoji(en))
			}
			if !slices.Equal(commands(en), commands(got)) {
				t.Errorf("%s %s: commands %v, English has %v", lang, id, commands(got), commands(en))
			}
			if strings.Contains(en, "112") && !strings.Contains(got, "112") {
				t.Errorf("%s %s: %q lost the emergency number 112", lang, id, got)
			}
		}
	}
}

func TestFallback(t *testing.T) {
	c := catalog(t)
	en := c.Say("en", "button.yes", nil)
	if en == "" || en == "button.yes" {
		t.Fatalf(`Say("en", "button.yes") = %q`, en)
	}
	if got := c.Say("xx", "button.yes", nil); got != en {
		t.Errorf(`Say("xx", "button.yes") = %q, want the English %q`, got, en)
	}
	if fi := c.Say("fi", "button.yes", nil); fi == en {
		t.Errorf(`Say("fi", "button.yes") = %q, the English text`, fi)
	}
	if got := c.Say("fi", "no.such.id", nil); got != "no.such.id" {
		t.Errorf(`Say("fi", "no.such.id") = %q, want the id`, got)
	}
}

func TestButtonLengths(t *testing.T) {
	const max = 40
	c := catalog(t)
	isButton := func(id string) bool {
		return strings.HasPrefix(id, "button.") || strings.HasPrefix(id, "rating.") ||
			id == "forget.yes" || id == "forget.no"
	}
	var n int
	for _, id := range c.IDs() {
		if !isButton(id) {
			continue
		}
		n++
		for _, lang := range c.Languages() {
			if got := c.Say(lang, id, nil); utf8.RuneCountInString(got) > max {
				t.Errorf("%s %s: %q is %d runes, more than %d", lang, id, got, utf8.RuneCountInString(got), max)
			}
		}
	}
	if n == 0 {
		t.Fatal("no button ids found")
	}
}

func TestLoadErrors(t *testing.T) {
	const en = `button.yes: "Yes"
button.no: "No"
waiting.days:
  one: "{{.Count}} day"
  other: "{{.Count}} days"
`
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		loadErr bool
		want    []string // substrings of the Check error; nil means no error
	}{
		{
			name:    "no files",
			fsys:    fstest.MapFS{},
			loadErr: true,
		},
		{
			name: "no English file",
			fsys: fstest.MapFS{
				"active.fi.yaml": {Data: []byte(`button.yes: "Kyllä"`)},
			},
			loadErr: true,
		},
		{
			name: "complete",
			fsys: fstest.MapFS{
				"active.en.yaml": {Data: []byte(en)},
				"active.fi.yaml": {Data: []byte("button.yes: \"Kyllä\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n")},
			},
		},
		{
			name: "Finnish lacks an id",
			fsys: fstest.MapFS{
				"active.en.yaml": {Data: []byte(en)},
				"active.fi.yaml": {Data: []byte("button.yes: \"Kyllä\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n")},
			},
			want: []string{"active.fi.yaml", `"button.no"`},
		},
		{
			name: "Finnish has an extra id",
			fsys: fstest.MapFS{
				"active.en.yaml": {Data: []byte(en)},
				"active.fi.yaml": {Data: []byte("button.yes: \"Kyllä\"\nbutton.no: \"Ei\"\nbutton.maybe: \"Ehkä\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n")},
			},
			want: []string{"active.fi.yaml", `"button.maybe"`},
		},
		{
			name: "Finnish lacks plural forms",
			fsys: fstest.MapFS{
				"active.en.yaml": {Data: []byte(en)},
				"active.fi.yaml": {Data: []byte("button.yes: \"Kyllä\"\nbutton.no: \"Ei\"\nwaiting.days: \"{{.Count}} päivää\"\n")},
			},
			want: []string{"active.fi.yaml", `"waiting.days"`, "plural"},
		},
		{
			name: "broken template",
			fsys: fstest.MapFS{
				"active.en.yaml": {Data: []byte(en)},
				"active.fi.yaml": {Data: []byte("button.yes: \"Kyllä {{.Name\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n")},
			},
			want: []string{"active.fi.yaml", `"button.yes"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := locales.Load(tt.fsys)
			if tt.loadErr {
				if err == nil {
					t.Fatal("Load() succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Load(): %v", err)
			}
			err = c.Check()
			if tt.want == nil {
				if err != nil {
					t.Errorf("Check(): %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check() = %q, want it to mention %s", err, w)
				}
			}
		})
	}
}
