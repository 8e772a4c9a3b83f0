package bot

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cosie/cosiebot/bot/flow"
)

func TestMatchLang(t *testing.T) {
	turku := []string{"fi", "sv", "en"}
	for _, tc := range []struct {
		code  string
		langs []string
		want  string
	}{
		{"fi", turku, "fi"},
		{"sv-FI", turku, "sv"},
		{"sv-SE", turku, "sv"},
		{"en-US", turku, "en"},
		{"pt-br", turku, "fi"},
		{"", turku, "fi"},
		{"zz-garbage-!", turku, "fi"},
		{"fi", nil, "en"},
		{"es-419", []string{"en", "es"}, "es"},
	} {
		if got := matchLang(tc.code, tc.langs); got != tc.want {
			t.Errorf("matchLang(%q, %q) = %q, want %q", tc.code, tc.langs, got, tc.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a\x00b\x07c\x1bd\x7fe", "abcde"},
		{"keep\nlines\tand tabs\r", "keep\nlines\tand tabs"},
		{"\u200fשלום\u200e עולם", "\u200fשלום\u200e עולם"}, // RTL/LTR marks are format characters, not control
		{"مرحبا \u0085next", "مرحبا next"},                 // C1 control
		{"bad \xff\xfe utf8", "bad  utf8"},
		{"emoji 👩🏽‍💻 zwj", "emoji 👩🏽‍💻 zwj"},
	} {
		if got := cleanText(tc.in); got != tc.want {
			t.Errorf("cleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("word ", 60)
	got := shorten(long, 140)
	if n := utf8.RuneCountInString(got); n > 141 || !strings.HasSuffix(got, "word…") {
		t.Errorf("shorten: %d runes, %q", n, got)
	}
	if got := shorten("  two\n lines  ", 140); got != "two lines" {
		t.Errorf("shorten joins lines: %q", got)
	}
	if got := shorten(strings.Repeat("ä", 200), 10); got != strings.Repeat("ä", 10)+"…" {
		t.Errorf("shorten without spaces: %q", got)
	}
}

func TestBar(t *testing.T) {
	for _, tc := range []struct {
		n, top int64
		want   string
	}{
		{10, 10, "██████████"},
		{5, 10, "█████"},
		{1, 8, "█▎"},
		{1, 1000, "▏"}, // never invisible
		{0, 10, ""},
		{3, 0, ""},
	} {
		if got := bar(tc.n, tc.top); got != tc.want {
			t.Errorf("bar(%d, %d) = %q, want %q", tc.n, tc.top, got, tc.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	if got := percent(2, 3); got != 67 {
		t.Errorf("percent(2, 3) = %d", got)
	}
	if got := percent(1, 0); got != 0 {
		t.Errorf("percent(1, 0) = %d", got)
	}
	if got := decimal(2.75, "en"); got != "2.8" {
		t.Errorf("decimal en: %s", got)
	}
	if got := decimal(2.75, "fi"); got != "2,8" {
		t.Errorf("decimal fi: %s", got)
	}
}

func TestScoreUnits(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want int64
	}{
		{3.14159, 3142},
		{2.5, 2500},
		{-0.0004, 0},
		{1e9, 1e12},
		{1e308, 1e12}, // never more than the largest number
		{math.Inf(1), 1e12},
		{math.Inf(-1), -1e12},
		{math.NaN(), 0},
		{9223372036854770, 1e12}, // the number that broke a commit (issue 8)
	} {
		if got := scoreUnits(tc.x); got != tc.want {
			t.Errorf("scoreUnits(%v) = %d, want %d", tc.x, got, tc.want)
		}
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":            "'=1+1",
		"+358 40 123":     "'+358 40 123",
		"-5":              "-5", // a number stays a number
		"-3.5":            "-3.5",
		"@SUM(A1)":        "'@SUM(A1)",
		"-cmd|' /C calc'": "'-cmd|' /C calc'",
		"plain":           "plain",
		"\t=1+1":          "'\t=1+1", // spreadsheets skip a leading tab or carriage return
		"\r=HYPERLINK(1)": "'\r=HYPERLINK(1)",
		"\t":              "'\t",
		"":                "",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExportValue(t *testing.T) {
	for _, tc := range []struct {
		r    Record
		want string
	}{
		{Record{Value: "4"}, "4"},
		{Record{Value: "other", Text: "by bus"}, "other: by bus"},
		{Record{Text: "an idea"}, "an idea"},
		{Record{Media: &flow.Media{Type: "voice", FileID: "F1"}}, "voice:F1"},
		{Record{Value: "other", Media: &flow.Media{Type: "voice", FileID: "F2"}}, "other: voice:F2"},
		{Record{Media: &flow.Media{Type: "photo", FileID: "P"}, Text: "caption"}, "photo:P: caption"},
	} {
		if got := exportValue(tc.r); got != tc.want {
			t.Errorf("exportValue(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestPeriods(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	f := &flow.Flow{Pilot: flow.Pilot{Timezone: loc}}
	// Sunday 23:30 in Helsinki: the week is Monday 16 to Sunday 22 March.
	now := time.Date(2026, 3, 22, 23, 30, 0, 0, loc)
	from, to := LastDays(f, now, 7)
	if !from.Equal(time.Date(2026, 3, 16, 0, 0, 0, 0, loc)) || !to.Equal(time.Date(2026, 3, 23, 0, 0, 0, 0, loc)) {
		t.Errorf("LastDays: %s – %s", from, to)
	}
	// The same instant in UTC is still the 22nd local.
	from2, to2 := LastDays(f, now.UTC(), 7)
	if !from2.Equal(from) || !to2.Equal(to) {
		t.Errorf("LastDays in UTC: %s – %s", from2, to2)
	}
	// A scheduled digest covers whole local days from the last run to this one,
	// across the change to summer time (29 March 2026).
	prev := time.Date(2026, 3, 23, 9, 0, 0, 0, loc)
	cur := time.Date(2026, 3, 30, 9, 0, 0, 0, loc)
	from, to = DigestPeriod(f, prev, cur)
	if !from.Equal(time.Date(2026, 3, 23, 0, 0, 0, 0, loc)) || !to.Equal(time.Date(2026, 3, 30, 0, 0, 0, 0, loc)) {
		t.Errorf("DigestPeriod: %s – %s", from, to)
	}
	if to.Sub(from) != 7*24*time.Hour-time.Hour {
		t.Errorf("the summer-time week is %s long", to.Sub(from))
	}
	// Twice on one day: one day.
	from, to = DigestPeriod(f, cur, cur.Add(time.Hour))
	if to.Sub(from) != 24*time.Hour {
		t.Errorf("DigestPeriod on one day: %s – %s", from, to)
	}
}
