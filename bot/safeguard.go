package bot

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cosie/cosiebot/bot/flow"
)

// safeguard looks for the pilot's risk phrases in what the citizen wrote. A
// match shows them the help text at once and alerts the coordinators; the
// dialogue then goes on as usual.
func (t *turn) safeguard(ctx context.Context, text string) {
	if t.f == nil || text == "" {
		return
	}
	if matchRisk(t.f.Pilot.Safeguarding, text) {
		t.helpNow(ctx, text)
	}
}

// safeguardAnyPilot checks a message from someone not in any dialogue (yet,
// or any more) against every pilot's risk phrases: they get the general help
// text, and the coordinators of the pilots whose phrases matched an alert.
func (t *turn) safeguardAnyPilot(ctx context.Context, text string) {
	if text == "" {
		return
	}
	var matched []*flow.Flow
	for _, f := range t.s.Flows().List() {
		if matchRisk(f.Pilot.Safeguarding, text) {
			matched = append(matched, f)
		}
	}
	if len(matched) == 0 {
		return
	}
	if len(matched) == 1 {
		t.f = matched[0]
		t.lang = matchLang(t.in.Lang, t.f.Pilot.Languages)
		t.helpNow(ctx, text)
		t.f = nil
		return
	}
	t.text(t.say("safeguard.fallback", nil))
	for _, f := range matched {
		t.alert(f, text)
	}
}

// matchRisk reports whether text contains any risk phrase of any of the
// pilot's languages: people often mix languages.
func matchRisk(s flow.Safeguarding, text string) bool {
	if len(s.Phrases) == 0 {
		return false
	}
	low := strings.ToLower(strings.Join(strings.Fields(text), " "))
	for _, phrases := range s.Phrases {
		for _, p := range phrases {
			if containsAtWordStart(low, p) {
				return true
			}
		}
	}
	return false
}

// containsAtWordStart reports whether phrase occurs in text starting at the
// beginning of a word, so "slaat me" does not match "slaat met" only by its
// end but "itsemurha" still matches "itsemurhaa".
func containsAtWordStart(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 {
			return true
		}
		prev, _ := utf8.DecodeLastRuneInString(text[:at])
		if !unicode.IsLetter(prev) && !unicode.IsDigit(prev) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[at:])
		i = at + size
	}
}

// helpNow sends the help text and alerts the pilot's coordinators with a
// pseudonymous reference. text is what the citizen wrote ("" for the button).
func (t *turn) helpNow(_ context.Context, text string) {
	t.ack("")
	if t.f == nil {
		t.text(t.say("safeguard.fallback", nil))
		return
	}
	help := t.f.Pilot.Safeguarding.HelpNow.Render(t.lang, nil)
	if help == "" {
		help = t.say("safeguard.fallback", nil)
	}
	t.text(help)
	t.alert(t.f, text)
}

// alert tells a pilot's coordinators at once, with a pseudonymous reference.
func (t *turn) alert(f *flow.Flow, text string) {
	if t.sess != nil && t.f == f { // counted in the pilot of the dialogue
		t.count(cAlerts, 1)
	}
	t.s.obs.Alert(f.Pilot.ID)
	ref := t.user[:8]
	pilotLang := f.DefaultLanguage()
	for _, id := range t.s.Coordinators(f.Pilot.ID) {
		say := func(msg string, data map[string]any) string { return t.s.words.Say(pilotLang, msg, data) }
		data := map[string]any{"Pilot": f.Pilot.Name.Render(pilotLang, nil), "Ref": ref}
		var b strings.Builder
		b.WriteString(say("alert.title", data))
		b.WriteString("\n\n")
		if text == "" {
			b.WriteString(say("alert.button", data))
		} else {
			b.WriteString(say("alert.message", data))
			b.WriteString("\n«")
			b.WriteString(text)
			b.WriteString("»")
		}
		b.WriteString("\n\n")
		b.WriteString(say("alert.note", nil))
		t.sendTo(id, flow.Message{Text: b.String()})
	}
}

// Coordinators lists the Telegram user ids of a pilot's coordinators: those
// in the flow file and those added by configuration.
func (s *Service) Coordinators(pilot string) []int64 {
	var out []int64
	if f := s.Flows().Get(pilot); f != nil {
		out = append(out, f.Pilot.Coordinators...)
	}
	for _, id := range s.extra[pilot] {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
