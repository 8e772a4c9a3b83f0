package locales_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cosie/cosiebot/locales"
)

const enSmall = `# reviewed: yes
# What the button says.
button.yes: "Yes"
# What the button says.
button.no: "No"
# How long until the next message.
waiting.days:
  one: "{{.Count}} day"
  other: "{{.Count}} days"
`

const fiSmall = "button.yes: \"Kyllä\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n"

func files(kv ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 0; i+1 < len(kv); i += 2 {
		fsys[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return fsys
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		want []string // substrings of the Load error
	}{
		{"no files", files(), []string{"no active.en.yaml"}},
		{"no English file", files("active.fi.yaml", fiSmall), []string{"no active.en.yaml"}},
		{"broken YAML", files("active.en.yaml", enSmall, "active.fi.yaml", "button.yes: \"Kyllä\"\nbutton.no: \"Ei\n"),
			[]string{"active.fi.yaml:2:", "YAML is broken"}},
		{"not a mapping", files("active.en.yaml", enSmall, "active.fi.yaml", "- Kyllä\n"),
			[]string{"active.fi.yaml:1:", "list message ids"}},
		{"a list as a text", files("active.en.yaml", enSmall, "active.fi.yaml", "button.yes: \"Kyllä\"\nbutton.no:\n  - Ei\n"),
			[]string{"active.fi.yaml:3:", `"button.no"`, "text in quotes"}},
		{"unknown plural form", files("active.en.yaml", enSmall, "active.fi.yaml", "waiting.days:\n  one: \"{{.Count}} päivä\"\n  plenty: \"{{.Count}} päivää\"\n"),
			[]string{"active.fi.yaml:3:", `"plenty"`, "not a plural form"}},
		{"id twice", files("active.en.yaml", enSmall, "active.fi.yaml", "button.yes: \"Kyllä\"\nbutton.no: \"Ei\"\nbutton.yes: \"Joo\"\n"),
			[]string{"active.fi.yaml:3:", `"button.yes" is already on line 1`}},
		{"reviewed maybe", files("active.en.yaml", enSmall, "active.fi.yaml", "# reviewed: maybe\n"+fiSmall),
			[]string{"active.fi.yaml:1:", "yes or no"}},
		{"reviewed twice", files("active.en.yaml", enSmall, "active.fi.yaml", "# reviewed: no\n# reviewed: yes\n"+fiSmall),
			[]string{"active.fi.yaml:2:", "twice"}},
		{"three-letter code", files("active.en.yaml", enSmall, "active.fin.yaml", fiSmall),
			[]string{"active.fin.yaml", "active.fi.yaml"}},
		{"a region", files("active.en.yaml", enSmall, "active.fi-FI.yaml", fiSmall),
			[]string{"active.fi-FI.yaml", "active.fi.yaml"}},
		{"not a language", files("active.en.yaml", enSmall, "active.xx.yaml", fiSmall),
			[]string{"active.xx.yaml", `"xx" is not a language code`}},
		{"every broken file at once", files("active.en.yaml", enSmall, "active.fi.yaml", "- a\n", "active.sv.yaml", "- b\n"),
			[]string{"active.fi.yaml:1:", "active.sv.yaml:1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := locales.Load(tt.fsys)
			if err == nil {
				t.Fatal("Load() succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load() = %q, want it to mention %s", err, w)
				}
			}
		})
	}
}

func TestCheckProblems(t *testing.T) {
	tests := []struct {
		name    string
		fi      string
		want    []string // substrings of the Check error; nil means no error
		warning bool     // every problem is a warning
	}{
		{name: "complete", fi: fiSmall},
		{name: "marked reviewed", fi: "# reviewed: yes\n" + fiSmall},
		{
			name:    "lacks an id",
			fi:      "button.yes: \"Kyllä\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n",
			want:    []string{"active.fi.yaml: 1 message is missing", `"button.no"`},
			warning: true,
		},
		{
			name:    "extra id",
			fi:      fiSmall + "button.maybe: \"Ehkä\"\n",
			want:    []string{"active.fi.yaml:6:", `"button.maybe"`, "not in the English file"},
			warning: true,
		},
		{
			name: "empty text",
			fi:   "button.yes: \"\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n",
			want: []string{"active.fi.yaml:1:", `"button.yes" is empty`},
		},
		{
			name: "lacks plural forms",
			fi:   "button.yes: \"Kyllä\"\nbutton.no: \"Ei\"\nwaiting.days: \"{{.Count}} päivää\"\n",
			want: []string{"active.fi.yaml:3:", `"waiting.days"`, "add one (for 1)"},
		},
		{
			name: "few in Finnish",
			fi:   "button.yes: \"Kyllä\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  few: \"{{.Count}} päivää\"\n  other: \"{{.Count}} päivää\"\n",
			want: []string{"active.fi.yaml:3:", `"few" form`, "never uses"},
		},
		{
			name: "plural forms where nothing is counted",
			fi:   "button.yes:\n  one: \"Kyllä\"\n  other: \"Kyllä\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n",
			want: []string{"active.fi.yaml:1:", "does not count anything"},
		},
		{
			name: "broken placeholder",
			fi:   "button.yes: \"Kyllä {{.Name\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n",
			want: []string{"active.fi.yaml:1:", `"button.yes"`, "broken placeholder"},
		},
		{
			name: "lost placeholder",
			fi:   "button.yes: \"Kyllä\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"päivä\"\n  other: \"päiviä\"\n",
			want: []string{"active.fi.yaml:3:", "lost {{.Count}}"},
		},
		{
			name: "placeholder English does not have",
			fi:   "button.yes: \"Kyllä {{.Name}}\"\nbutton.no: \"Ei\"\nwaiting.days:\n  one: \"{{.Count}} päivä\"\n  other: \"{{.Count}} päivää\"\n",
			want: []string{"active.fi.yaml:1:", "{{.Name}}", "<no value>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := locales.Load(files("active.en.yaml", enSmall, "active.fi.yaml", tt.fi))
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
			for _, p := range c.Problems() {
				if p.Warning != tt.warning {
					t.Errorf("problem %q: Warning = %v, want %v", p, p.Warning, tt.warning)
				}
			}
		})
	}
}

func TestReviewedMarker(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"# reviewed: yes\n", true},
		{"# Reviewed: Yes (by Aino, May 2026)\n", true},
		{"#reviewed:yes\n", true},
		{"# The Finnish words.\n#\n# reviewed: yes\n\n", true},
		{"# reviewed: no\n", false},
		{"", false},
		// Only the header counts: a comment further down is not the marker.
		{"button.yes: \"Kyllä\"\n# reviewed: yes\n", false},
	}
	for _, tt := range tests {
		fi := tt.head + fiSmall
		if strings.HasPrefix(tt.head, "button.yes") {
			fi = tt.head + strings.TrimPrefix(fiSmall, "button.yes: \"Kyllä\"\n")
		}
		c, err := locales.Load(files("active.en.yaml", enSmall, "active.fi.yaml", fi))
		if err != nil {
			t.Fatalf("%q: Load(): %v", tt.head, err)
		}
		if got := c.Reviewed("fi"); got != tt.want {
			t.Errorf("%q: Reviewed(fi) = %v, want %v", tt.head, got, tt.want)
		}
	}
	c, err := locales.Load(files("active.en.yaml", enSmall, "active.fi.yaml", "# reviewed: yes\nbutton.yes: \"Kyllä\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Reviewed("fi") {
		t.Error("Reviewed(fi) = true for a reviewed file that lacks messages")
	}
	if c.Reviewed("xx") {
		t.Error("Reviewed(xx) = true for a language the bot does not speak")
	}
}

// TestWith loads a pilot's folder on top of the shipped words: a new
// language, and a shipped language reworded message by message.
func TestWith(t *testing.T) {
	base := catalog(t)
	fiYes := base.Say("fi", "button.yes", nil)
	pilot := files(
		"active.fi.yaml", "# reviewed: yes\nbutton.yes: \"Kyllä!\"\n",
		"active.rom.yaml", "# reviewed: no\nlanguage.name: \"Romani čhib\"\nbutton.yes: \"Va\"\nwaiting.days: \"Palikeras! Pale ramosa tuke pal {{.Count}} divesa.\"\n",
	)
	c, err := base.With(pilot, "flows/locales")
	if err != nil {
		t.Fatalf("With(): %v", err)
	}
	if !slices.Contains(c.Languages(), "rom") || c.Languages()[0] != locales.Source {
		t.Errorf("Languages() = %v, want rom added and English first", c.Languages())
	}
	if slices.Contains(base.Languages(), "rom") || base.Say("fi", "button.yes", nil) != fiYes {
		t.Error("With() changed the catalog it was called on")
	}
	checks := []struct{ lang, id, want string }{
		{"fi", "button.yes", "Kyllä!"},                                       // the pilot's rewording
		{"fi", "button.no", base.Say("fi", "button.no", nil)},                // the rest stays shipped
		{"rom", "button.yes", "Va"},                                          // a new language
		{"rom", "button.no", base.Say("en", "button.no", nil)},               // not translated: English
		{"rom", "language.name", "Romani čhib"},                              //
		{"en", "button.yes", base.Say("en", "button.yes", nil)},              // others unchanged
		{"rom", "waiting.days", "Palikeras! Pale ramosa tuke pal 1 divesa."}, // one text for every number
	}
	for _, ck := range checks {
		if got := c.Say(ck.lang, ck.id, map[string]any{"Count": 1}); got != ck.want {
			t.Errorf("Say(%q, %q) = %q, want %q", ck.lang, ck.id, got, ck.want)
		}
	}
	if c.Reviewed("fi") {
		t.Error("Reviewed(fi) = true, but only one message comes from a reviewed file")
	}
	if got, want := c.Files("fi"), []string{"active.fi.yaml", "flows/locales/active.fi.yaml"}; !slices.Equal(got, want) {
		t.Errorf("Files(fi) = %v, want %v", got, want)
	}
	// The new language is incomplete: a warning that names the file and
	// every missing id; the bot still works.
	var rom []*locales.Problem
	for _, p := range c.Problems() {
		if p.Lang == "rom" {
			rom = append(rom, p)
		}
	}
	if len(rom) != 1 || !rom[0].Warning || rom[0].File != "flows/locales/active.rom.yaml" || !strings.Contains(rom[0].Message, `"button.no"`) {
		t.Errorf("problems of rom = %v, want one warning listing the missing ids", rom)
	}
	if n := len(c.Missing("rom")); n != len(c.IDs())-3 {
		t.Errorf("Missing(rom) has %d ids, want %d", n, len(c.IDs())-3)
	}
}

func TestWithErrors(t *testing.T) {
	base := catalog(t)
	same, err := base.With(fstest.MapFS{}, "flows/locales")
	if err != nil || same != base {
		t.Errorf("With(empty folder) = %p, %v; want the same catalog", same, err)
	}
	_, err = base.With(files("active.pt.yaml", "button.yes: \"Sim\"\nbutton.no: [\n"), "flows/locales")
	if err == nil || !strings.Contains(err.Error(), "flows/locales/active.pt.yaml:2:") {
		t.Errorf("With(broken file) = %v, want an error naming flows/locales/active.pt.yaml:2", err)
	}
	var p *locales.Problem
	if !errors.As(err, &p) || p.Line != 2 {
		t.Errorf("With(broken file): error %v is not a *Problem at line 2", err)
	}
	// A pilot's file is checked like a shipped one.
	c, err := base.With(files("active.pt.yaml", "waiting.days:\n  one: \"{{.Count}} dia\"\n  other: \"{{.Count}} dias\"\n"), "flows/locales")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Check()
	if err == nil || !strings.Contains(err.Error(), "flows/locales/active.pt.yaml:1:") || !strings.Contains(err.Error(), "add many") {
		t.Errorf("Check() = %v, want the missing many form of flows/locales/active.pt.yaml:1", err)
	}
}

// TestNoPluralRule: go-i18n refuses the messages of a language it has no
// plural rule for ("no plural rule registered"). Such a language still
// loads: every number takes "other", so a counting message has one text.
func TestNoPluralRule(t *testing.T) {
	if forms := locales.PluralForms("rom"); len(forms) != 1 || forms[0].Name != "other" {
		t.Fatalf("PluralForms(rom) = %v, want only other", forms)
	}
	c, err := locales.Load(files("active.en.yaml", enSmall, "active.rom.yaml",
		"button.yes: \"Va\"\nbutton.no: \"Na\"\nwaiting.days: \"Pal {{.Count}} divesa.\"\n"))
	if err != nil {
		t.Fatalf("Load(): %v", err)
	}
	if err := c.Check(); err != nil {
		t.Errorf("Check(): %v", err)
	}
	for _, n := range []int{0, 1, 2, 5, 21} {
		if got, want := c.Say("rom", "waiting.days", map[string]any{"Count": n}), fmt.Sprintf("Pal %d divesa.", n); got != want {
			t.Errorf("Say(rom, waiting.days, %d) = %q, want %q", n, got, want)
		}
	}
	c, err = locales.Load(files("active.en.yaml", enSmall, "active.rom.yaml",
		"button.yes: \"Va\"\nbutton.no: \"Na\"\nwaiting.days:\n  one: \"Pal {{.Count}} dives.\"\n  other: \"Pal {{.Count}} divesa.\"\n"))
	if err != nil {
		t.Fatalf("Load(): %v", err)
	}
	if err := c.Check(); err == nil || !strings.Contains(err.Error(), `"one" form, which rom never uses`) {
		t.Errorf("Check() = %v, want the one form refused", err)
	}
}

// TestPluralRules pins the forms go-i18n's CLDR rules give the languages
// that need care: the findings behind each file's plural forms.
func TestPluralRules(t *testing.T) {
	tests := map[string]string{
		"en":  "one other",
		"prs": "one other", // no rule of its own: CLDR's fa_AF (Persian)
		"fa":  "one other",
		"so":  "one other",
		"ti":  "one other", // 0 and 1 take one
		"tr":  "one other",
		"pt":  "one many other", // many: whole millions
		"fr":  "one many other",
		"es":  "one many other",
		"cs":  "one few other", // many is for fractions only
		"sk":  "one few other",
		"lt":  "one few other", // many is for fractions only
		"lv":  "zero one other",
		"sl":  "one two few other",
		"ro":  "one few other",
		"ga":  "one two few many other",
		"mt":  "one two few many other",
		"ar":  "zero one two few many other",
		"ru":  "one few many other", // other is for fractions only
		"uk":  "one few many other",
		"pl":  "one few many other",
		"rom": "other",     // no CLDR rule at all
		"kmr": "one other", // canonical ku
	}
	for lang, want := range tests {
		var got []string
		for _, f := range locales.PluralForms(lang) {
			got = append(got, f.Name)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("PluralForms(%q) = %v, want %s", lang, got, want)
		}
	}
	ti := locales.PluralForms("ti")
	if !slices.Equal(ti[0].Examples, []int{0, 1}) {
		t.Errorf("PluralForms(ti) one = %v, want 0 and 1", ti[0].Examples)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(fiSmall)
	f.Add("# reviewed: yes\nbutton.yes:\n  one: x\n")
	f.Add("a: [b, {c: d}]\n")
	f.Add("waiting.days:\n  one: \"{{.Count\"\n")
	f.Fuzz(func(t *testing.T, fi string) {
		c, err := locales.Load(files("active.en.yaml", enSmall, "active.fi.yaml", fi))
		if err != nil {
			return
		}
		_ = c.Check()
		for _, id := range c.IDs() {
			c.Say("fi", id, map[string]any{"Count": 2})
		}
	})
}
