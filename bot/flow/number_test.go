package flow

import (
	"math"
	"strconv"
	"testing"
)

// TestNumberStyles pins how each shipped language writes numbers: CLDR's
// marks, read through x/text, and the informal dot of Polish and French.
func TestNumberStyles(t *testing.T) {
	tests := map[string]string{ // decimal mark, then the mark grouping thousands ("_": spaces only)
		"en": ".,", "ga": ".,", "mt": ".,", "so": ".,", "ti": ".,", "ar": ".,", "prs": ".,", "fa": ".,",
		"de": ",.", "nl": ",.", "es": ",.", "it": ",.", "pt": ",.", "da": ",.", "el": ",.", "tr": ",.",
		"ro": ",.", "sl": ",.", "hr": ",.", "pl": ",.", "fr": ",.",
		"fi": ",_", "sv": ",_", "et": ",_", "lv": ",_", "lt": ",_", "cs": ",_", "sk": ",_", "hu": ",_",
		"bg": ",_", "ru": ",_", "uk": ",_",
	}
	for lang, want := range tests {
		st := styleOf(lang)
		got := string(st.decimal)
		if st.group == 0 {
			got += "_"
		} else {
			got += string(st.group)
		}
		if got != want {
			t.Errorf("%s: decimal and group marks are %q, want %q", lang, got, want)
		}
	}
}

// TestParseNumber is the table of how typed numbers are read, language by
// language.
func TestParseNumber(t *testing.T) {
	const bad, amb = "bad", "?"
	tests := []struct {
		lang, in string
		want     string // the value, bad, or "?a|b": asked again, with both readings
	}{
		{"en", "3", "3"},
		{"en", " 12 ", "12"},
		{"en", "-4", "-4"},
		{"en", "−4", "-4"},
		{"en", "+4", "4"},
		{"en", "2.5", "2.5"},
		{"en", "2,5", "2.5"}, // a lone comma before one digit can only be a decimal mark
		{"en", "1,000", "1000"},
		{"en", "1,000,000", "1000000"},
		{"en", "1,500.25", "1500.25"},
		{"en", "1.500", "?1500|1.5"},
		{"en", "0.500", "0.5"},
		{"en", "1500.000", "1500"},
		{"en", "1 500", "1500"},
		{"en", "1\u00a0500", "1500"},
		{"en", "1\u202f500", "1500"},
		{"en", ".5", "0.5"},
		{"nl", "1.500", "1500"},
		{"nl", "1,5", "1.5"},
		{"nl", "1.500,5", "1500.5"},
		{"nl", "1,500", "?1500|1.5"},
		{"de", "1.000.000", "1000000"},
		{"de", "1.5", "1.5"},
		{"es", "1.500", "1500"},
		{"it", "1.500", "1500"},
		{"pl", "1.500", "1500"},
		{"pt", "1.500", "1500"},
		{"fr", "1 500,5", "1500.5"},
		{"fr", "1.500", "1500"},
		{"fi", "1,5", "1.5"},
		{"fi", "1,000", "?1000|1"},
		{"fi", "1.500", "?1500|1.5"},
		{"fi", "1 500", "1500"},
		{"sv", "2,75", "2.75"},
		{"sv", "12 345,5", "12345.5"},
		{"ru", "1\u00a0000", "1000"},
		{"ar", "٣", "3"},
		{"ar", "١٢٫٥", "12.5"},
		{"ar", "١٬٥٠٠", "1500"},
		{"ar", "\u200f15", "15"},
		{"fa", "۱/۵", "1.5"},
		{"fa", "۱۲", "12"},
		{"prs", "۲٫۵", "2.5"},
		{"en", "1/5", bad},
		{"en", "", bad},
		{"en", "three", bad},
		{"en", "3 kids", bad},
		{"en", "1.2.3", bad},
		{"en", "1,00,000", bad},
		{"en", "12 5", bad},
		{"en", "1.", bad},
		{"en", "-", bad},
		{"en", "1e9", bad},
		{"en", "NaN", bad},
		{"en", "Inf", bad},
		{"de", "1.500.5", bad},
		{"en", "1,500.000,5", bad},
	}
	for _, tc := range tests {
		rd, ok := styleOf(tc.lang).parse(tc.in)
		got := bad
		switch {
		case !ok:
		case rd.ambiguous:
			got = amb + strconv.FormatFloat(rd.x, 'f', -1, 64) + "|" + strconv.FormatFloat(rd.alt, 'f', -1, 64)
		default:
			got = strconv.FormatFloat(rd.x, 'f', -1, 64)
		}
		if got != tc.want {
			t.Errorf("%s %q: read as %s, want %s", tc.lang, tc.in, got, tc.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		lang string
		x    float64
		want string
	}{
		{"en", 1.5, "1.5"},
		{"de", 1.5, "1,5"},
		{"de", 1500, "1500"},
		{"de", -1e9, "-1.000.000.000"},
		{"en", 12345.25, "12,345.25"},
		{"fi", 1e9, "1\u00a0000\u00a0000\u00a0000"},
	}
	for _, tc := range tests {
		if got := styleOf(tc.lang).format(tc.x); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.lang, tc.x, got, tc.want)
		}
	}
}

// FuzzParseNumber: no input makes the parser panic or return a number that
// is not finite, and every number it formats reads back as itself.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"3", "1.500", "1,000", "1 500,5", "١٢٫٥", "۱/۵", "-0,5", "1.2.3", "+.5", "1,500.000,5"} {
		f.Add(s, "en")
		f.Add(s, "de")
		f.Add(s, "fi")
	}
	f.Fuzz(func(t *testing.T, s, lang string) {
		st := styleOf(lang)
		rd, ok := st.parse(s)
		if !ok {
			return
		}
		for _, x := range []float64{rd.x, rd.alt} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("%q read as %v", s, x)
			}
		}
		if math.Abs(rd.x) > 1e15 || rd.x != math.Trunc(rd.x*1e6)/1e6 {
			return // beyond what format writes exactly
		}
		back, ok := st.parse(st.format(rd.x))
		if !ok || back.ambiguous && back.alt != rd.x && back.x != rd.x || !back.ambiguous && back.x != rd.x {
			t.Fatalf("%q read as %v, written %q, read back as %+v", s, rd.x, st.format(rd.x), back)
		}
	})
}

func BenchmarkParseNumber(b *testing.B) {
	st := styleOf("nl")
	for b.Loop() {
		if _, ok := st.parse("1.500,25"); !ok {
			b.Fatal("not read")
		}
	}
}
