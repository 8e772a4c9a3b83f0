package telegram

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cosie/cosiebot/bot/flow"
)

func units(s string) int { return len(utf16.Encode([]rune(s))) }

// checkParts checks what must hold for every split: parts fit, are valid
// UTF-8 when the text was, are not blank, and lose no visible character.
func checkParts(t *testing.T, text string, limit int, parts []string) {
	t.Helper()
	if units(text) <= limit {
		if len(parts) != 1 || parts[0] != text {
			t.Errorf("a text within the limit was changed: %q", parts)
		}
		return
	}
	if len(parts) == 0 && strings.TrimSpace(text) != "" {
		t.Fatalf("no parts for %d units of text", units(text))
	}
	for i, p := range parts {
		if n := units(p); n > limit {
			t.Errorf("part %d has %d UTF-16 units, limit %d", i, n, limit)
		}
		if strings.TrimSpace(p) == "" {
			t.Errorf("part %d is blank: %q", i, p)
		}
		if utf8.ValidString(text) && !utf8.ValidString(p) {
			t.Errorf("part %d is not valid UTF-8 (split inside a rune): %q", i, p)
		}
	}
	if got, want := visible(strings.Join(parts, "")), visible(text); got != want {
		t.Errorf("rejoined parts lost or changed characters:\n got %q\nwant %q", clip(got), clip(want))
	}
}

// visible drops white space, which a split may eat at the cut.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:100] + "…" + s[len(s)-100:]
	}
	return s
}

func TestSplitUnderLimit(t *testing.T) {
	for _, text := range []string{
		"hello",
		"  leading and trailing  \n",
		strings.Repeat("a", flow.MaxMessageLen),
		strings.Repeat("😀", flow.MaxMessageLen/2), // exactly 4096 units
		"line one\n\nline two",
	} {
		parts := Split(text, flow.MaxMessageLen)
		if len(parts) != 1 || parts[0] != text {
			t.Errorf("Split(%d units) = %d parts, want the text unchanged", units(text), len(parts))
		}
	}
}

func TestSplitPrefersBreaks(t *testing.T) {
	word := func(n int) string { return strings.Repeat("w", n) }
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{
			name:  "paragraph",
			text:  word(30) + "\n" + word(30) + "\n\n" + word(20) + " " + word(20),
			limit: 80,
			want:  []string{word(30) + "\n" + word(30), word(20) + " " + word(20)},
		},
		{
			name:  "line when no paragraph break fits",
			text:  word(30) + " " + word(20) + "\n" + word(30) + " " + word(30),
			limit: 70,
			want:  []string{word(30) + " " + word(20), word(30) + " " + word(30)},
		},
		{
			name:  "space when no line break fits",
			text:  word(30) + " " + word(30) + " " + word(30),
			limit: 70,
			want:  []string{word(30) + " " + word(30), word(30)},
		},
		{
			name:  "hard cut without any break",
			text:  word(150),
			limit: 70,
			want:  []string{word(70), word(70), word(10)},
		},
		{
			name:  "an early break is not used for a tiny part",
			text:  "ab " + word(100),
			limit: 70,
			want:  []string{"ab " + word(67), word(33)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Split =\n  %q\nwant\n  %q", got, tt.want)
			}
			checkParts(t, tt.text, tt.limit, got)
		})
	}
}

func TestSplitUnicode(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		parts int // expected number of parts, 0: unchecked
	}{
		// Telegram counts UTF-16 units: an emoji outside the BMP is 2.
		{"4096 emoji", strings.Repeat("😀", 4096), 4096, 2},
		{"emoji after an odd ASCII prefix", "x" + strings.Repeat("😀", 4096), 4096, 3},
		{"emoji with skin tone and ZWJ", strings.Repeat("👩🏽‍💻", 1500), 4096, 0},
		{"CJK (3-byte runes)", strings.Repeat("漢字", 3000), 4096, 2},
		{"Finnish letters", strings.Repeat("äöå", 2000), 4096, 2},
		{"RTL with marks", strings.Repeat("\u202bשלום עולם\u202c \u200fمرحبا\u200e ", 400), 4096, 0},
		{"control characters", strings.Repeat("a\tb\x00c\x1b[0m\r\n", 1200), 4096, 0},
		{"combining accents", strings.Repeat("e\u0301", 3000), 4096, 2},
		{"small limit emoji", strings.Repeat("😀a", 50), 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := Split(tt.text, tt.limit)
			checkParts(t, tt.text, tt.limit, parts)
			if tt.parts != 0 && len(parts) != tt.parts {
				t.Errorf("%d parts, want %d", len(parts), tt.parts)
			}
			// RTL marks and control characters other than the eaten
			// spaces and newlines survive in order.
			keep := func(s string) string {
				return strings.Map(func(r rune) rune {
					if r == ' ' || r == '\n' {
						return -1
					}
					return r
				}, s)
			}
			if keep(strings.Join(parts, "")) != keep(tt.text) {
				t.Errorf("characters other than spaces and newlines were lost")
			}
		})
	}
}

// TestSplitEdgeCases covers blank stretches and broken UTF-8, which must not
// produce blank parts (Telegram refuses them) or panic.
func TestSplitEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
	}{
		{"leading blank longer than the limit", strings.Repeat(" ", 100) + "end", 40},
		{"blank stretch in the middle", "start" + strings.Repeat("\n", 100) + "end", 40},
		{"tabs at the end", strings.Repeat("word ", 20) + strings.Repeat("\t", 50), 40},
		{"invalid byte at the limit", strings.Repeat("a", 39) + "\xff" + "bc", 40},
		{"invalid byte before the last", strings.Repeat("a", 39) + "\xff" + "b", 40},
		{"invalid bytes everywhere", strings.Repeat("ab\xffé\xc3", 30), 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []string
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("Split panicked: %v", p)
					}
				}()
				parts = Split(tt.text, tt.limit)
			}()
			checkParts(t, tt.text, tt.limit, parts)
		})
	}
}

// TestSplitRandom checks the invariants on generated texts.
func TestSplitRandom(t *testing.T) {
	alphabet := []string{"a", "b", "Z", " ", " ", "\n", "\n\n", "ä", "漢", "😀", "👍🏿", "\u200f", "ש", "\t", "e\u0301", "  ", "word "}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		var b strings.Builder
		n := rng.IntN(400)
		for j := 0; j < n; j++ {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		text := b.String()
		limit := 2 + rng.IntN(60)
		checkParts(t, text, limit, Split(text, limit))
		if t.Failed() {
			t.Fatalf("failed for limit %d and text %q", limit, text)
		}
	}
}
