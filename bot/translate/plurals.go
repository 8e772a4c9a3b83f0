package translate

import (
	"fmt"
	"slices"

	"github.com/cosie/cosiebot/bot/translate/po"
	"github.com/cosie/cosiebot/locales"
)

// gettextRules are the Plural-Forms of the languages the bot ships, with
// the forms in CLDR order (zero, one, two, few, many, other), so that
// msgstr[i] is the i-th form locales.PluralForms lists. Forms CLDR uses
// only for fractions have no index the rule gives (Polish, Russian and
// Ukrainian "other"). TestGettextRules checks each against CLDR.
var gettextRules = map[string]string{
	"ar":  "nplurals=6; plural=(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n % 100 >= 3 && n % 100 <= 10 ? 3 : n % 100 >= 11 ? 4 : 5);",
	"cs":  "nplurals=3; plural=(n == 1 ? 0 : n >= 2 && n <= 4 ? 1 : 2);",
	"sk":  "nplurals=3; plural=(n == 1 ? 0 : n >= 2 && n <= 4 ? 1 : 2);",
	"es":  "nplurals=3; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);",
	"it":  "nplurals=3; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);",
	"fr":  "nplurals=3; plural=(n == 0 || n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);",
	"pt":  "nplurals=3; plural=(n == 0 || n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);",
	"ga":  "nplurals=5; plural=(n == 1 ? 0 : n == 2 ? 1 : n >= 3 && n <= 6 ? 2 : n >= 7 && n <= 10 ? 3 : 4);",
	"hr":  "nplurals=3; plural=(n % 10 == 1 && n % 100 != 11 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2);",
	"lt":  "nplurals=3; plural=(n % 10 == 1 && (n % 100 < 11 || n % 100 > 19) ? 0 : n % 10 >= 2 && (n % 100 < 11 || n % 100 > 19) ? 1 : 2);",
	"lv":  "nplurals=3; plural=(n % 10 == 0 || n % 100 >= 11 && n % 100 <= 19 ? 0 : n % 10 == 1 && n % 100 != 11 ? 1 : 2);",
	"mt":  "nplurals=5; plural=(n == 1 ? 0 : n == 2 ? 1 : n == 0 || n % 100 >= 3 && n % 100 <= 10 ? 2 : n % 100 >= 11 && n % 100 <= 19 ? 3 : 4);",
	"pl":  "nplurals=4; plural=(n == 1 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2);",
	"ru":  "nplurals=4; plural=(n % 10 == 1 && n % 100 != 11 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2);",
	"uk":  "nplurals=4; plural=(n % 10 == 1 && n % 100 != 11 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2);",
	"ro":  "nplurals=3; plural=(n == 1 ? 0 : n == 0 || n % 100 >= 1 && n % 100 <= 19 ? 1 : 2);",
	"sl":  "nplurals=4; plural=(n % 100 == 1 ? 0 : n % 100 == 2 ? 1 : n % 100 == 3 || n % 100 == 4 ? 2 : 3);",
	"fa":  "nplurals=2; plural=(n > 1);",
	"prs": "nplurals=2; plural=(n > 1);",
	"ti":  "nplurals=2; plural=(n > 1);",
}

// pluralRule is lang's Plural-Forms and the CLDR form of each index. A
// language outside the table gets a rule when its forms are one of the
// common shapes (only "other"; "one" for 1; "one" for 0 and 1).
func pluralRule(lang string) (*po.PluralRule, []string, error) {
	forms := locales.PluralForms(lang)
	names := make([]string, len(forms))
	for i, f := range forms {
		names[i] = f.Name
	}
	src, ok := gettextRules[lang]
	if !ok {
		switch {
		case slices.Equal(names, []string{"other"}):
			src = "nplurals=1; plural=0;"
		case slices.Equal(names, []string{"one", "other"}) && slices.Equal(forms[0].Examples, []int{1}):
			src = "nplurals=2; plural=(n != 1);"
		case slices.Equal(names, []string{"one", "other"}) && slices.Equal(forms[0].Examples, []int{0, 1}):
			src = "nplurals=2; plural=(n > 1);"
		default:
			return nil, nil, fmt.Errorf("no gettext plural rule for %s (its forms are %v) yet; add one to gettextRules in bot/translate", lang, names)
		}
	}
	r, err := po.ParsePluralRule(src)
	if err != nil {
		return nil, nil, fmt.Errorf("plural rule of %s: %w", lang, err)
	}
	return r, names, nil
}

// formIndexes maps the file's plural indexes to lang's CLDR forms, by
// asking the file's own Plural-Forms where each form's numbers go: a tool
// that rewrote the header with a rule of its own is read right.
func formIndexes(theirs *po.PluralRule, lang string) ([]string, error) {
	forms := locales.PluralForms(lang)
	if theirs.N != len(forms) {
		return nil, fmt.Errorf("the file's Plural-Forms has %d forms, but %s has %d (%s); keep the header this tool wrote", theirs.N, lang, len(forms), formList(forms))
	}
	out := make([]string, theirs.N)
	var none []string
	for _, f := range forms {
		if len(f.Examples) == 0 {
			none = append(none, f.Name)
			continue
		}
		i := theirs.Index(int64(f.Examples[0]))
		for _, n := range f.Examples[1:] {
			if theirs.Index(int64(n)) != i {
				return nil, fmt.Errorf("the file's Plural-Forms splits the %s form of %s (%v) in two; keep the header this tool wrote", f.Name, lang, f.Examples)
			}
		}
		if out[i] != "" {
			return nil, fmt.Errorf("the file's Plural-Forms puts the %s and %s forms of %s together; keep the header this tool wrote", out[i], f.Name, lang)
		}
		out[i] = f.Name
	}
	for i := range out {
		if out[i] == "" && len(none) > 0 {
			out[i], none = none[0], none[1:]
		}
	}
	return out, nil
}

func formList(forms []locales.Form) string {
	s := ""
	for i, f := range forms {
		if i > 0 {
			s += ", "
		}
		s += f.Name
	}
	return s
}
