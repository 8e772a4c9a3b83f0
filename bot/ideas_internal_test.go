package bot

import (
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

// TestNoteFor: a coordinator's note in the reader's language when there is
// a line for it, else the lines without a language.
func TestNoteFor(t *testing.T) {
	langs := []string{"fi", "sv", "en"}
	note := "We open until 21 from May.\nsv: Vi har öppet till 21 från maj.\n\nfi:Olemme auki klo 21 asti."
	for _, tc := range []struct{ lang, want string }{
		{"sv", "Vi har öppet till 21 från maj."},
		{"fi", "Olemme auki klo 21 asti."},
		{"en", "We open until 21 from May."},
		{"et", "We open until 21 from May."},
	} {
		if got := noteFor(note, tc.lang, langs); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
	// A colon in the note itself is not a language line.
	if got := noteFor("Time: 10:00\nde: Zeit", "de", langs); got != "Time: 10:00\nde: Zeit" {
		t.Errorf("a language the pilot does not have is part of the note: %q", got)
	}
}

func TestParseRef(t *testing.T) {
	for ref, ok := range map[string]bool{
		"turku.k3x9q2": true, "reggio_emilia.ab12": true,
		"turku": false, ".k3x9q2": false, "turku.": false, "turku.K3X9": false, "turku.a.b": false,
	} {
		if _, _, got := parseRef(ref); got != ok {
			t.Errorf("parseRef(%q) ok = %v, want %v", ref, got, ok)
		}
	}
	// The longest a button can get fits Telegram's 64 bytes.
	long := flow.Callback{Kind: flow.CallbackModerate, Arg: ideaRef(strings.Repeat("p", 32), newIdeaID()), Option: flow.ModerateImpossible}
	if n := long.Overflow(); n > 0 {
		t.Errorf("%s is %d bytes too long", long.Encode(), n)
	}
}

func FuzzNoteFor(f *testing.F) {
	f.Add("We open.\nfi: Avaamme.", "fi")
	f.Add(":\n:\nfi:", "fi")
	f.Fuzz(func(t *testing.T, note, lang string) {
		got := noteFor(note, lang, []string{"fi", "sv"})
		if len(got) > len(note) {
			t.Fatalf("the note grew: %q -> %q", note, got)
		}
	})
}
