package translate

import (
	"testing"

	"github.com/cosie/cosiebot/locales"
)

// TestGettextRules: each language's Plural-Forms gives, for every whole
// number, the index of the CLDR form the bot's own words use.
func TestGettextRules(t *testing.T) {
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range append(words.Languages(), "ja", "sw", "ka") {
		r, names, err := pluralRule(lang)
		if err != nil {
			t.Errorf("%s: %v", lang, err)
			continue
		}
		cldr := locales.PluralRule(lang)
		for n := range 2200 {
			checkIndex(t, lang, r.Index(int64(n)), names, cldr(n), n)
		}
		for _, n := range []int{1_000_000, 2_000_000, 1_000_001, 10_000_000} {
			checkIndex(t, lang, r.Index(int64(n)), names, cldr(n), n)
		}
	}
}

func checkIndex(t *testing.T, lang string, i int, names []string, want string, n int) {
	t.Helper()
	if i >= len(names) || names[i] != want {
		t.Fatalf("%s: %d takes index %d (%v), but CLDR says %q", lang, n, i, names, want)
	}
}

// TestFormIndexes: a header rewritten by a tool with the same forms in
// another order is read by what its rule says.
func TestFormIndexes(t *testing.T) {
	r, _, _ := pluralRule("ru")
	got, err := formIndexes(r, "ru")
	if err != nil || len(got) != 4 || got[0] != "one" || got[1] != "few" || got[2] != "many" || got[3] != "other" {
		t.Errorf("ru = %v, %v", got, err)
	}
	for _, bad := range []string{"nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", "nplurals=4; plural=0;"} {
		theirs := mustRule(t, bad)
		if _, err := formIndexes(theirs, "ru"); err == nil {
			t.Errorf("%s accepted for ru", bad)
		}
	}
	swapped := mustRule(t, "nplurals=2; plural=(n == 1 ? 1 : 0);")
	if got, err := formIndexes(swapped, "en"); err != nil || got[0] != "other" || got[1] != "one" {
		t.Errorf("swapped en = %v, %v", got, err)
	}
}
