package safeguard

import "testing"

func TestOneTypo(t *testing.T) {
	for _, c := range []struct {
		text, pattern string
		prefix, want  bool
	}{
		{"suicide", "suicide", false, true},
		{"sucide", "suicide", false, true},     // missing letter
		{"suiicide", "suicide", false, true},   // extra letter
		{"suicdie", "suicide", false, true},    // swapped letters
		{"suicode", "suicide", false, true},    // wrong letter
		{"suicidex", "suicide", false, true},   // extra letter at the end
		{"sucdie", "suicide", false, false},    // two typos
		{"suicid", "suicide", false, true},     // missing last letter
		{"suicidal", "suicid", true, true},     // stem
		{"sucidal", "suicid", true, true},      // stem with a missing letter
		{"siucidal", "suicid", true, true},     // stem with swapped letters
		{"suicdal", "suicid", true, true},      // stem whose last letter is missing
		{"succeed", "suicid", true, false},     // a different word
		{"självmord", "självmord", true, true}, // non-ASCII
		{"självmrod", "självmord", true, true},
		{"", "suicide", false, false},
	} {
		if got := oneTypo(c.text, c.pattern, c.prefix); got != c.want {
			t.Errorf("oneTypo(%q, %q, %v) = %v, want %v", c.text, c.pattern, c.prefix, got, c.want)
		}
	}
}

func TestFuzzyPattern(t *testing.T) {
	l := lexiconOf(t, "xx", "suicide:\n  - \"~suicid*\"\n  - \"kill ~myself\"\n")
	for _, m := range []string{"im suicidal", "I feel sucidal", "siucidal thoughts", "kill mysefl", "kill myslef"} {
		if _, ok := l.Detect(m, []string{"xx"}); !ok {
			t.Errorf("%q should match", m)
		}
	}
	for _, m := range []string{"success", "kill time"} {
		if _, ok := l.Detect(m, []string{"xx"}); ok {
			t.Errorf("%q should not match", m)
		}
	}
	for _, bad := range []string{"~kill", "~*suicid", "~self harm", "~~"} {
		if err := CheckPattern(bad); err == nil {
			t.Errorf("CheckPattern(%q) accepted it", bad)
		}
	}
}
