package locales_test

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/cosie/cosiebot/locales"
)

var addMissing = flag.Bool("add-missing", false, "append the English text of every message a file lacks to that file, for a later translation pass")

// wantLanguages is every language the bot speaks: English first, then sorted.
// The 24 official EU languages, and languages many migrants in the EU speak.
var wantLanguages = []string{
	"en", "ar", "bg", "cs", "da", "de", "el", "es", "et", "fa", "fi", "fr", "ga", "hr", "hu", "it",
	"lt", "lv", "mt", "nl", "pl", "prs", "pt", "ro", "ru", "sk", "sl", "so", "sv", "ti", "tr", "uk",
}

// pluralIDs are the messages that take a Count and have plural forms.
var pluralIDs = []string{
	"back.waiting.days",
	"back.waiting.hours",
	"digest.alerts",
	"digest.count",
	"digest.participants",
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
	"Number":   14,
	"Given":    61,
	"Used":     43,
	"Refused":  17,
	"Wave":     8,
	"Whole":    "1500",
	"Fraction": "1.5",
	"Date":     "2026-03-02",
	"ID":       "987654321",
	"Current":  "CURRENTNAME",
	"Other":    "OTHERNAME",
	"N":        53,
	"Time":     "TIME-X3",
	"Status":   "STATUS-Q8",
}

func catalog(t testing.TB) *locales.Catalog {
	t.Helper()
	c, err := locales.Default()
	if err != nil {
		t.Fatalf("Default(): %v", err)
	}
	return c
}

func TestComplete(t *testing.T) {
	c := catalog(t)
	if *addMissing {
		fillMissing(t, c)
		// The embedded files are those of the build: read the new ones.
		var err error
		if c, err = locales.Load(os.DirFS(".")); err != nil {
			t.Fatal(err)
		}
	}
	// Check lists, for each file, exactly the ids it lacks.
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
		if name == "" || name == "language.name" || lang != locales.Source && name == c.Name(locales.Source) {
			t.Errorf("Name(%q) = %q", lang, name)
		}
		if other, dup := names[name]; dup {
			t.Errorf("Name(%q) = Name(%q) = %q", lang, other, name)
		}
		names[name] = lang
	}
	// Translators read what each message is in the English file.
	for _, id := range c.IDs() {
		if about := c.About(id); len(about) < 10 {
			t.Errorf("active.en.yaml: message %q needs a comment right above it saying what it is and where people see it (has %q)", id, about)
		}
	}
}

// fillMissing appends every message a shipped file lacks to it, with the
// English text in every plural form the language uses (-add-missing).
func fillMissing(t *testing.T, c *locales.Catalog) {
	en := sourceFile(t, locales.Source)
	for _, lang := range c.Languages()[1:] {
		missing := c.Missing(lang)
		if len(missing) == 0 {
			continue
		}
		var b strings.Builder
		b.WriteString("\n# Not translated yet: the English text, for a later translation pass.\n")
		for _, id := range missing {
			switch v := en[id].(type) {
			case string:
				fmt.Fprintf(&b, "%s: %s\n", id, strconv.Quote(v))
			case map[string]any:
				fmt.Fprintf(&b, "%s:\n", id)
				for _, f := range locales.PluralForms(lang) {
					text, ok := v[f.Name].(string)
					if !ok {
						text, _ = v["other"].(string)
					}
					fmt.Fprintf(&b, "  %s: %s\n", f.Name, strconv.Quote(text))
				}
			}
		}
		name := "active." + lang + ".yaml"
		f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteString(b.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: added %s", name, strings.Join(missing, ", "))
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

// reviewedLine is the marker as translators write it.
var reviewedLine = regexp.MustCompile(`(?m)^# reviewed: (yes|no)$`)

func TestEveryFileIsMarked(t *testing.T) {
	c := catalog(t)
	for _, lang := range c.Languages() {
		data, err := os.ReadFile("active." + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		head := string(data[:min(len(data), 600)])
		m := reviewedLine.FindStringSubmatch(head)
		if m == nil {
			t.Errorf("active.%s.yaml: no \"# reviewed: yes\" or \"# reviewed: no\" line at the top", lang)
			continue
		}
		if got := c.Reviewed(lang); got != (m[1] == "yes") {
			t.Errorf("Reviewed(%q) = %v, but the file says reviewed: %s", lang, got, m[1])
		}
		if !strings.Contains(head, "# Register: ") {
			t.Errorf("active.%s.yaml: the header does not say which register it uses (# Register: ...)", lang)
		}
	}
}

func TestPluralMessages(t *testing.T) {
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

	// Arabic says one and two with the noun ("يوم واحد", "يومين"), not
	// with the digit.
	inWords := map[string][]int{"ar": {1, 2}}
	counts := []int{101, 102, 105, 111, 112, 122, 1000000}
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
					case !strings.Contains(got, strconv.Itoa(n)) && !slices.Contains(inWords[lang], n):
						t.Errorf("Say(%q, %q, Count=%d) = %q: the number is missing", lang, id, n, got)
					}
				}
			}
		})
	}
}

// TestPluralWording checks, in languages with many plural forms, that
// numbers in one form share a wording, and that forms the grammar words
// differently are written out, not copied.
func TestPluralWording(t *testing.T) {
	c := catalog(t)
	tests := []struct {
		lang   string
		same   [][]int // each group takes one wording
		differ [][2]int
	}{
		{"pl", [][]int{{2, 3, 4, 22}, {5, 12, 21, 0}}, [][2]int{{1, 2}, {2, 5}, {1, 5}}},
		{"cs", [][]int{{2, 3, 4}, {5, 0, 22}}, [][2]int{{1, 2}, {2, 5}}},
		{"sk", [][]int{{2, 3, 4}, {5, 0, 22}}, [][2]int{{1, 2}, {2, 5}}},
		{"hr", [][]int{{1, 21}, {2, 3, 4, 22}, {5, 0, 11, 12}}, [][2]int{{1, 5}}},
		{"lt", [][]int{{1, 21}, {2, 9, 22}, {10, 0, 11, 19}}, [][2]int{{1, 2}, {2, 10}, {1, 10}}},
		{"lv", [][]int{{0, 10, 11, 20}, {1, 21}, {2, 9, 22}}, [][2]int{{1, 2}}},
		{"sl", [][]int{{1, 101}, {2, 102}, {3, 4}, {5, 0}}, [][2]int{{1, 2}, {2, 3}}},
		{"ro", [][]int{{2, 19, 0}, {20, 21}}, [][2]int{{1, 2}, {2, 20}}},
		{"ru", [][]int{{1, 21}, {2, 3, 4, 22}, {5, 0, 11, 12}}, [][2]int{{1, 2}, {2, 5}, {1, 5}}},
		{"uk", [][]int{{1, 21}, {2, 3, 4, 22}, {5, 0, 11, 12}}, [][2]int{{1, 2}, {2, 5}, {1, 5}}},
		{"ar", [][]int{{3, 10}, {11, 99}, {100, 102}}, [][2]int{{1, 2}, {2, 3}, {3, 11}}},
		{"ga", [][]int{{3, 6}, {7, 10}, {11, 0}}, nil},
		{"mt", [][]int{{0, 3, 10}, {11, 19}, {20, 21}}, [][2]int{{1, 3}, {3, 11}}},
		{"pt", [][]int{{0, 1}, {2, 5}, {1000000, 2000000}}, [][2]int{{1, 2}, {2, 1000000}}},
		{"fr", [][]int{{0, 1}, {2, 5}, {1000000, 2000000}}, [][2]int{{1, 2}, {2, 1000000}}},
	}
	for _, tt := range tests {
		for _, id := range []string{"waiting.days", "digest.participants"} {
			wording := func(n int) string {
				return strings.ReplaceAll(c.Say(tt.lang, id, map[string]any{"Count": n}), strconv.Itoa(n), "N")
			}
			for _, group := range tt.same {
				first := wording(group[0])
				for _, n := range group[1:] {
					if got := wording(n); got != first {
						t.Errorf("%s %s: %d = %q, want the wording of %d = %q", tt.lang, id, n, got, group[0], first)
					}
				}
			}
			for _, d := range tt.differ {
				if a, b := wording(d[0]), wording(d[1]); a == b {
					t.Errorf("%s %s: %d and %d share the wording %q; the grammar words them differently", tt.lang, id, d[0], d[1], a)
				}
			}
		}
	}
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

// commandRE finds /commands, also inside the isolates of RTL texts.
var commandRE = regexp.MustCompile(`(?:^|[\s\x{2068}])(/[a-z]+)\b`)

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

// Telegram shows a command's description in the menu; it allows 256
// characters, and the menu reads best with a few words.
func TestCommandDescriptions(t *testing.T) {
	c := catalog(t)
	for _, id := range c.IDs() {
		if !strings.HasPrefix(id, "cmd.") {
			continue
		}
		for _, lang := range c.Languages() {
			if got := c.Say(lang, id, nil); utf8.RuneCountInString(got) > 40 {
				t.Errorf("%s %s: %q is longer than 40 characters", lang, id, got)
			}
		}
	}
}

func BenchmarkDefault(b *testing.B) {
	for b.Loop() {
		if _, err := locales.Default(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	c := catalog(b)
	for b.Loop() {
		_ = c.Check()
	}
}

func BenchmarkSay(b *testing.B) {
	c := catalog(b)
	for _, lang := range []string{"en", "ar"} {
		b.Run(lang+"/plain", func(b *testing.B) {
			for b.Loop() {
				c.Say(lang, "reask.buttons", nil)
			}
		})
		b.Run(lang+"/plural", func(b *testing.B) {
			data := map[string]any{"Count": 3}
			for b.Loop() {
				c.Say(lang, "waiting.days", data)
			}
		})
	}
}
