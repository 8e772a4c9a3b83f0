package telegram

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

func pilotFlow(t *testing.T, id, langs, about, short string) *flow.Flow {
	t.Helper()
	src := fmt.Sprintf(`pilot:
  id: %s
  name: {%s}
  languages: [%s]
  timezone: Europe/Helsinki
  retention_days: 30
  help: Help
%s%snodes:
  - id: bye
    type: end
    text: Bye
`, id, names(id, langs), langs, about, short)
	f, diags := flow.Load(id+".yaml", []byte(src), flow.Options{})
	if f == nil {
		t.Fatalf("load: %s", diags)
	}
	return f
}

// names gives a pilot a name in each language: "<id> <lang>".
func names(id, langs string) string {
	var out []string
	for _, l := range strings.Split(langs, ", ") {
		out = append(out, fmt.Sprintf("%s: %s %s", l, id, l))
	}
	return strings.Join(out, ", ")
}

func TestProfiles(t *testing.T) {
	turku := pilotFlow(t, "turku", "fi, sv, en",
		"  about: {fi: Kerro mielipiteesi nuorten palveluista., sv: Säg vad du tycker om ungdomstjänsterna., en: Tell us what you think of the youth services.}\n",
		"  short_about: {fi: Lyhyt kysely., en: A short survey.}\n")
	hull := pilotFlow(t, "hull", "en", "  about: Tell us about the probation service.\n", "  short_about: Probation feedback.\n")
	plain := pilotFlow(t, "plain", "en", "", "")

	one := Profiles([]*flow.Flow{turku})
	want := []Profile{
		{"", "turku fi", "Kerro mielipiteesi nuorten palveluista.", "Lyhyt kysely."},
		{"fi", "turku fi", "Kerro mielipiteesi nuorten palveluista.", "Lyhyt kysely."},
		{"sv", "turku sv", "Säg vad du tycker om ungdomstjänsterna.", "Lyhyt kysely."}, // no sv short_about: the default
		{"en", "turku en", "Tell us what you think of the youth services.", "A short survey."},
	}
	if fmt.Sprint(one) != fmt.Sprint(want) {
		t.Errorf("one pilot:\n got %q\nwant %q", one, want)
	}

	two := Profiles([]*flow.Flow{turku, hull})
	want = []Profile{
		{"", "", "Kerro mielipiteesi nuorten palveluista.", "Lyhyt kysely."},
		{"fi", "", "Kerro mielipiteesi nuorten palveluista.", "Lyhyt kysely."},
		{"sv", "", "Säg vad du tycker om ungdomstjänsterna.", "Lyhyt kysely."},
		{"en", "", "Tell us what you think of the youth services.\n\nTell us about the probation service.", "A short survey."},
	}
	if fmt.Sprint(two) != fmt.Sprint(want) {
		t.Errorf("two pilots:\n got %q\nwant %q", two, want)
	}

	if got := Profiles([]*flow.Flow{plain}); fmt.Sprint(got) != fmt.Sprint([]Profile{{"", "plain en", "", ""}, {"en", "plain en", "", ""}}) {
		t.Errorf("a pilot without about: %q", got)
	}
	if got := Profiles(nil); got != nil {
		t.Errorf("no pilots: %q", got)
	}
}

// Several long abouts together would pass Telegram's limit: the first
// pilot's is used.
func TestProfilesTooLongTogether(t *testing.T) {
	long := strings.Repeat("a", 300)
	a := pilotFlow(t, "aa", "en", "  about: A"+long+"\n", "")
	b := pilotFlow(t, "bb", "en", "  about: B"+long+"\n", "")
	for _, p := range Profiles([]*flow.Flow{a, b}) {
		if p.Description != "A"+long {
			t.Errorf("%q: description %.20q..., want the first pilot's", p.Lang, p.Description)
		}
	}
}

func TestSetProfile(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	profiles := []Profile{{"", "Youth services", "Tell us what you think.", "A short survey."}, {"fi", "Nuorten palvelut", "Kerro mielipiteesi.", ""}}
	for range 2 {
		if err := c.SetProfile(testCtx(t), profiles); err != nil {
			t.Fatalf("SetProfile: %v", err)
		}
	}
	for _, tc := range []struct{ field, lang, want string }{
		{"name", "", "Youth services"}, {"description", "", "Tell us what you think."}, {"short_description", "", "A short survey."},
		{"name", "fi", "Nuorten palvelut"}, {"description", "fi", "Kerro mielipiteesi."}, {"short_description", "fi", ""},
	} {
		if got := srv.Profile(tc.field, tc.lang); got != tc.want {
			t.Errorf("%s %q = %q, want %q", tc.field, tc.lang, got, tc.want)
		}
	}
	// The second start found everything set already and changed nothing.
	if n := len(srv.Calls("setMyName")); n != 2 {
		t.Errorf("setMyName called %d times, want 2 (once per language, not again when unchanged)", n)
	}
	if n := len(srv.Calls("setMyShortDescription")); n != 1 {
		t.Errorf("setMyShortDescription called %d times, want 1", n)
	}
}
