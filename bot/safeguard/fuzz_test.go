package safeguard

import (
	"testing"
	"unicode/utf8"
)

func FuzzCheckPattern(f *testing.F) {
	for _, s := range []string{"kill*", "(a|b c) ... [d] e*", "^ help $", "*väki*", "((a|b)|[c])", "…", "a ... b", "(", "]|[", "*a*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		body, err := parsePattern(p, nil)
		if err != nil {
			return
		}
		// A valid pattern is bounded, and indexable or in the always list.
		if body.minSpan() == 0 || body.maxSpan() > maxSpan {
			t.Fatalf("%q: span %d..%d", p, body.minSpan(), body.maxSpan())
		}
		if _, ok := body.required(); !ok {
			t.Fatalf("%q: valid pattern with no required word", p)
		}
	})
}

func FuzzDetect(f *testing.F) {
	l, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	slow := unindexed(l)
	for _, s := range []string{"I want to kill myself", "heeeelp", "🆘", "أريد أن أموت", "jag vill dö", "", "\xff\xfe", "a b c d e f g h i j k l m n o p q r s t u v w x y z"} {
		f.Add(s, "sv")
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		m, ok := l.Detect(text, []string{lang, "fi", "ar"})
		if ok && (m.Pattern == "" || m.Lang == "") {
			t.Fatalf("match without pattern or language: %+v", m)
		}
		if !ok && m != (Match{}) {
			t.Fatalf("no match but %+v", m)
		}
		if utf8.ValidString(text) && ok != okAgain(l, text, lang) {
			t.Fatal("Detect is not deterministic")
		}
		if sm, sok := slow.Detect(text, []string{lang, "fi", "ar"}); sok != ok || sm.Category != m.Category {
			t.Fatalf("indexed %+v %v, unindexed %+v %v", m, ok, sm, sok)
		}
	})
}

func okAgain(l *Lexicon, text, lang string) bool {
	_, ok := l.Detect(text, []string{lang, "fi", "ar"})
	return ok
}
