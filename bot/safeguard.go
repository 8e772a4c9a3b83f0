package bot

import (
	"context"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/safeguard"
)

// Safeguarding in the conversation. Everything a citizen writes (typed
// text, captions, edited messages; not commands or button presses) is
// screened with the safeguarding lexicon (bot/safeguard) in their pilot's
// languages and English, with the pilot's own phrases and exclusions.
//
// A crisis, or a request for help in words, gets the help at once,
// whatever the dialogue was doing, and pauses the dialogue
// (Session.Paused): the message is not taken as an answer, nothing is
// asked, re-asked or thanked for, reminders wait, and the only thing
// offered is a button to carry on when the citizen is ready. A crisis and
// the 🆘 button also alert the coordinators (alerts.go); a request for help
// in words does not ("help" is often about the form).
//
// Before any pilot is chosen (the lobby) the help names no service (the
// bot's own words: the emergency number). Its alert goes to the pilot the
// citizen came from, which is the pilot of their session: a pilot's link
// starts its session at once, before consent, so even a crisis at the
// consent question goes there. A citizen in no session came from no pilot
// the bot still knows of (declining and /forget keep nothing), unless the
// bot runs a single pilot; else the alert goes to the operator's
// safeguarding contact, and never to several organisations.

// guards are the safeguarding lexicons of a set of flows.
type guards struct {
	pilot map[string]*safeguard.Lexicon // the lexicon with each pilot's phrases
	lobby []string                      // languages screened before a pilot is chosen: every pilot's
}

// guardsFor compiles the lexicon of every pilot.
func (s *Service) guardsFor(list []*flow.Flow) *guards {
	g := &guards{pilot: map[string]*safeguard.Lexicon{}}
	seen := map[string]bool{}
	for _, f := range list {
		g.pilot[f.Pilot.ID] = s.pilotLexicon(f)
		for _, l := range f.Pilot.Languages {
			if !seen[l] {
				seen[l] = true
				g.lobby = append(g.lobby, l)
			}
		}
	}
	return g
}

// pilotLexicon adds a pilot's phrases and exclusions to the lexicon. The
// flow checker refuses a phrase the lexicon cannot read; one that gets
// here anyway (a flow loaded without the checker) is left out, and logged.
func (s *Service) pilotLexicon(f *flow.Flow) *safeguard.Lexicon {
	lex := s.lexicon
	sg := f.Pilot.Safeguarding
	for _, lang := range f.Pilot.Languages {
		add, exclude := s.readable(f, sg.Phrases[lang]), s.readable(f, sg.Exclude[lang])
		if len(add)+len(exclude) == 0 {
			continue
		}
		next, err := lex.With(lang, add, exclude)
		if err != nil {
			s.log.Error("safeguarding phrases left out", "pilot", f.Pilot.ID, "lang", lang, "err", err)
			continue
		}
		lex = next
	}
	return lex
}

func (s *Service) readable(f *flow.Flow, patterns []string) []string {
	var out []string
	for _, p := range patterns {
		if err := safeguard.CheckPattern(p); err != nil {
			s.log.Error("a safeguarding phrase is left out", "pilot", f.Pilot.ID, "err", err)
			continue
		}
		out = append(out, p)
	}
	return out
}

// detect looks for a crisis or a request for help: in the pilot's
// languages with its phrases, or before a pilot is chosen in the
// citizen's language and every pilot's.
func (t *turn) detect(text string) (safeguard.Match, bool) {
	g := t.s.Flows().guard
	if t.sess != nil {
		lex := t.s.lexicon
		if g != nil && g.pilot[t.f.Pilot.ID] != nil {
			lex = g.pilot[t.f.Pilot.ID]
		}
		return lex.Detect(text, t.f.Pilot.Languages)
	}
	langs := []string{t.lang}
	if g != nil {
		langs = append(langs, g.lobby...)
	}
	return t.s.lexicon.Detect(text, langs)
}

// screen looks for a crisis or a request for help in what the citizen
// wrote. It reports whether it found one: the help is then given and the
// dialogue paused, and the message must not be used otherwise.
func (t *turn) screen(ctx context.Context) bool {
	if strings.TrimSpace(t.in.Text) == "" {
		return false
	}
	m, ok := t.detect(t.in.Text)
	if !ok {
		return false
	}
	t.helpNow(ctx, m.Category.Crisis(), t.in.Text)
	return true
}

// helpNow gives the citizen the help at once and pauses their dialogue;
// with alert, the coordinators are alerted too. text is what the citizen
// wrote ("" for the 🆘 button).
func (t *turn) helpNow(ctx context.Context, alert bool, text string) {
	t.ack("")
	if t.sess == nil {
		t.sendUrgent(t.in.ChatID, flow.Message{Text: t.say("safeguard.general", nil)})
		t.offerResume(Lobby)
		if alert {
			t.alertFromLobby(ctx, text)
		}
		return
	}
	help := t.f.Pilot.Safeguarding.HelpNow.Render(t.lang, nil)
	if help == "" {
		help = t.say("safeguard.fallback", nil)
	}
	t.sendUrgent(t.in.ChatID, flow.Message{Text: help})
	t.sess.Paused = t.now.Unix()
	t.commit()
	t.offerResume(t.sess.Pilot)
	if alert {
		t.alert(ctx, t.f.Pilot.ID, t.f, text)
	}
}

// offerResume tells the citizen there is no hurry, with the button that
// carries on when they are ready.
func (t *turn) offerResume(pilot string) {
	t.send(flow.Message{Text: t.say("safeguard.pause", nil), Buttons: [][]flow.Button{{{
		Text: t.say("button.continue", nil),
		Data: flow.Callback{Kind: flow.CallbackResume, Arg: pilot}.Encode(),
	}}}})
}

// resume carries on with a paused dialogue: the open question again. In
// the lobby, the pilots to choose from. The button of a dialogue the
// citizen left for another pilot takes them back to it (sessions are kept
// per pilot), where it stood.
func (t *turn) resume(ctx context.Context, pilot string) {
	switch {
	case t.sess == nil:
		t.ack("")
		t.menuOrOnly(ctx, "")
	case pilot != t.sess.Pilot:
		t.resumeLeft(ctx, pilot)
	default:
		t.chosen(t.say("button.continue", nil))
		t.unpause()
		t.repeat()
	}
}

// resumeLeft answers the Continue button of another pilot's dialogue:
// back to it when it is still there; else (or the lobby's button) the
// current question again.
func (t *turn) resumeLeft(ctx context.Context, pilot string) {
	f := t.s.Flows().Get(pilot)
	if f == nil {
		t.ack(t.say("stale.short", nil))
		t.repeat()
		return
	}
	there, err := t.s.store.LoadPilot(ctx, t.user, pilot)
	if err != nil {
		t.err = err
		return
	}
	if there == nil {
		t.ack(t.say("stale.short", nil))
		t.repeat()
		return
	}
	t.ack("")
	t.chosen(t.say("button.continue", nil))
	t.enter(there, f)
	t.comeBack(ctx, true)
}

// unpause ends a pause, if there is one.
func (t *turn) unpause() {
	if t.sess != nil && t.sess.Paused != 0 {
		t.sess.Paused = 0
		t.commit()
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
