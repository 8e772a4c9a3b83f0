package locales

import (
	"slices"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// cldrAliases are CLDR language aliases that golang.org/x/text's older data
// lacks. CLDR keeps Dari (prs) as fa_AF: Persian as written in Afghanistan.
var cldrAliases = map[string]string{"prs": "fa-AF"}

// cldrTag is the tag CLDR keeps lang's data under: the canonical form of the
// code ("kmr" is "ku"), after CLDR's aliases. ok is false for a code that is
// not a language.
func cldrTag(lang string) (tag language.Tag, ok bool) {
	tag, err := language.Parse(lang)
	if err != nil {
		return language.Und, false
	}
	if c, err := language.All.Canonicalize(tag); err == nil {
		tag = c
	}
	base, _ := tag.Base()
	if alias, ok := cldrAliases[base.String()]; ok {
		tag = language.MustParse(alias)
	}
	return tag, true
}

// rootRule stands in for CLDR's root plural rule, where every number takes
// "other". go-i18n leaves root out of its rules and refuses the messages of
// a language it has no rule for ("no plural rule registered for rom"), so a
// language CLDR has no rule for is given the rule of Japanese, which is the
// root rule under another name. Its plural messages then need one text,
// "other", that reads well with any number.
var rootRule = language.Japanese

// pluralTag is the tag whose go-i18n plural rule lang follows.
func pluralTag(lang string) language.Tag {
	if tag, ok := cldrTag(lang); ok && hasRule(tag) {
		return tag
	}
	return rootRule
}

// hasRule reports whether go-i18n has a plural rule for tag (or its parent);
// it has no other way to ask.
func hasRule(tag language.Tag) bool {
	return i18n.NewBundle(tag).AddMessages(tag, &i18n.Message{ID: "probe", Other: "probe"}) == nil
}

// Form is a plural form a language uses for whole numbers.
type Form struct {
	Name     string // zero, one, two, few, many or other
	Examples []int  // the first whole numbers that take this form
	More     bool   // more numbers than the examples take it
}

// probes are the whole numbers tried to find a language's forms: CLDR rules
// look at the last one or two digits, at 0..19, and at whole millions.
var probes = func() []int {
	var ns []int
	for n := 0; n <= 1100; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1_000_000, 2_000_000, 3_000_000)
}()

const maxExamples = 6

// PluralForms lists the plural forms lang uses for whole numbers, by
// go-i18n's CLDR rules, in CLDR order. Forms used only for fractions (such
// as Czech "many") are left out: the bot counts whole things. "other" is
// always there, as go-i18n falls back to it.
func PluralForms(lang string) []Form {
	rule := PluralRule(lang)
	found := map[string]*Form{}
	for _, n := range probes {
		name := rule(n)
		f := found[name]
		if f == nil {
			f = &Form{Name: name}
			found[name] = f
		}
		if len(f.Examples) < maxExamples {
			f.Examples = append(f.Examples, n)
		}
		// A form that takes a number above 100 comes back in every hundred
		// (or every million).
		f.More = f.More || len(f.Examples) == maxExamples && f.Examples[maxExamples-1] != n || n > 100
	}
	var forms []Form
	for _, name := range formNames {
		if f, ok := found[name]; ok {
			forms = append(forms, *f)
		} else if name == "other" {
			forms = append(forms, Form{Name: name})
		}
	}
	return forms
}

// PluralRule returns the function that gives the plural form a whole
// number takes in lang, by the same CLDR rules as PluralForms.
func PluralRule(lang string) func(n int) string {
	tag := pluralTag(lang)
	b := i18n.NewBundle(tag)
	probe := &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(tag, probe); err != nil {
		return func(int) string { return "other" }
	}
	loc := i18n.NewLocalizer(b, tag.String())
	return func(n int) string {
		name, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			return "other"
		}
		return name
	}
}

// formSet is the names of forms.
func formSet(forms []Form) []string {
	out := make([]string, len(forms))
	for i, f := range forms {
		out[i] = f.Name
	}
	return out
}

// writtenForms lists the plural forms m has a text for, in CLDR order.
func writtenForms(m *i18n.Message) []string {
	var out []string
	for _, name := range formNames {
		if strings.TrimSpace(*formField(m, name)) != "" {
			out = append(out, name)
		}
	}
	return out
}

func isPlural(m *i18n.Message) bool {
	return slices.ContainsFunc(writtenForms(m), func(f string) bool { return f != "other" })
}
