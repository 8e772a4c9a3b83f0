package bot

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/cosie/cosiebot/bot/deeplink"
	"github.com/cosie/cosiebot/bot/flow"
	"golang.org/x/text/language"
)

// Coming back: a citizen who opens a pilot again (its link, the service
// menu, /start) finds their dialogue where it stood, never a new one
// unless they choose it; one who opens another pilot in the middle of a
// dialogue is asked first, and can come back to it.

// greetAgain is how soon a /start of the same pilot, with the dialogue
// where the last one left it, is the same /start sent twice: it gets no
// second reply.
const greetAgain = 30 * time.Second

// open takes the citizen to a pilot: to their dialogue there, where it
// stands, or to a new one. Leaving a dialogue in the middle for another
// pilot is asked first, unless confirmed (they chose to go there).
func (t *turn) open(ctx context.Context, f *flow.Flow, confirmed bool) {
	if t.sess != nil && t.sess.Pilot == f.Pilot.ID {
		t.comeBack(ctx, confirmed)
		return
	}
	if !confirmed && t.inMiddle() {
		t.askSwitch(f)
		return
	}
	there, err := t.s.store.LoadPilot(ctx, t.user, f.Pilot.ID)
	if err != nil {
		t.err = err
		return
	}
	if there == nil {
		t.begin(ctx, f)
		return
	}
	t.enter(there, f)
	t.comeBack(ctx, true)
}

// inMiddle reports whether the citizen is in the middle of a dialogue:
// past its first question, not held.
func (t *turn) inMiddle() bool {
	return t.phase() == PhaseActive && t.sess.Flow.Node != t.f.Start().ID
}

// enter makes a stored session of another pilot the turn's, and that
// pilot the citizen's current one. The session left stays as it is.
func (t *turn) enter(sess *Session, f *flow.Flow) {
	cp := *sess
	t.sess, t.f, t.c = &cp, f, nil
	t.lang = t.language()
	t.commit().Point = true
}

// begin starts a first dialogue with a pilot. When the pilot does not
// speak the citizen's Telegram language and speaks several, they choose
// one first: the consent must be understood.
func (t *turn) begin(ctx context.Context, f *flow.Flow) {
	lang, ok := offered(t.in.Lang, f.Pilot.Languages)
	if t.sess != nil && slices.Contains(f.Pilot.Languages, t.sess.Flow.Lang) {
		lang, ok = t.sess.Flow.Lang, true // chosen in another pilot
	}
	t.sess = &Session{Pilot: f.Pilot.ID, Chat: t.in.ChatID, Created: t.now.Unix()}
	t.f, t.c = f, nil
	// Point at the pilot before the first commit there, so /forget
	// always finds what the commit stores.
	t.commit().Point = true
	if t.link != nil {
		// Before the language menu: the dialogue begins a turn later.
		t.sess.Source = t.link.Source
	}
	defer t.greeted()
	if !ok && len(f.Pilot.Languages) > 1 {
		t.lang = t.language()
		t.languageMenu()
		return
	}
	t.sess.Flow.Lang, t.lang = lang, lang
	t.step(ctx, flow.Input{Kind: flow.InStart, FirstName: t.in.FirstName})
}

// comeBack answers a citizen who opens the pilot they have a dialogue
// with: the dialogue goes on where it stood, and starting over is a
// button. A stopped citizen starts again by it. The same /start sent
// twice within seconds gets one reply, unless confirmed (a button).
func (t *turn) comeBack(ctx context.Context, confirmed bool) {
	held := t.sess.hold() != HoldNone || t.sess.Paused != 0
	t.unhold()
	t.unpause() // opening the pilot again is carrying on
	repeated := !confirmed && !held && t.repeatedStart()
	defer t.greeted()
	if repeated {
		return
	}
	switch t.sess.Position() {
	case PhaseLanguage:
		t.languageMenu()
	case PhaseNew, PhaseDeclined:
		t.step(ctx, flow.Input{Kind: flow.InStart, FirstName: t.in.FirstName})
	case PhaseActive:
		if t.sess.Flow.Node != t.f.Start().ID {
			t.send(t.withStartOver(t.say("back.active", nil)))
		}
		t.repeat()
	case PhaseWaiting:
		if t.followUpDue(ctx) {
			return
		}
		count, days := flow.TimeLeft(time.Unix(t.sess.Flow.Due, 0).Sub(t.now))
		id := "back.waiting.hours"
		if days {
			id = "back.waiting.days"
		}
		t.send(t.withStartOver(t.say(id, map[string]any{"Count": count})))
	case PhaseFinished:
		t.send(t.withStartOver(t.say("back.finished", nil)))
	}
}

// withStartOver is a message with the button that starts the pilot's
// dialogue over: the explicit choice a citizen coming back has.
func (t *turn) withStartOver(text string) flow.Message {
	return flow.Message{Text: text, Buttons: [][]flow.Button{{
		{Text: t.say("button.restart", nil), Data: flow.Callback{Kind: flow.CallbackDialogue, Arg: t.linkArg(t.sess.Pilot, flow.DialogueOver), Option: flow.DialogueOver}.Encode()},
	}}}
}

// repeatedStart reports whether a /start comes moments after the last one
// was answered, with the dialogue where that left it.
func (t *turn) repeatedStart() bool {
	s := t.sess
	return s.Greeted != 0 && s.GreetedSeq == s.Flow.Seq && t.now.Sub(time.Unix(s.Greeted, 0)) < greetAgain
}

// greeted remembers that a /start (or a choice of pilot) was answered.
func (t *turn) greeted() {
	t.sess.Greeted, t.sess.GreetedSeq = t.now.Unix(), t.sess.Flow.Seq
	t.commit()
}

// askSwitch asks a citizen in the middle of a dialogue whether to leave it
// for another pilot; they can come back to it later.
func (t *turn) askSwitch(f *flow.Flow) {
	t.commit()
	data := map[string]any{
		"Current": t.f.Pilot.Name.Render(t.lang, nil),
		"Other":   f.Pilot.Name.Render(matchLang(t.lang, f.Pilot.Languages), nil),
	}
	t.send(flow.Message{Text: t.say("switch.ask", data), Buttons: [][]flow.Button{
		{{Text: t.say("switch.go", nil), Data: flow.Callback{Kind: flow.CallbackDialogue, Arg: t.linkArg(f.Pilot.ID, flow.DialogueGo), Option: flow.DialogueGo}.Encode()}},
		{{Text: t.say("switch.stay", nil), Data: flow.Callback{Kind: flow.CallbackDialogue, Arg: t.sess.Pilot, Option: flow.DialogueStay}.Encode()}},
	}})
}

// dialogueChoice handles the buttons of coming back and switching: go to
// a pilot (or go on after /stop), start over, stay.
func (t *turn) dialogueChoice(ctx context.Context, cb flow.Callback) {
	// A pilot id, or the link that asked (linkArg): its source and
	// invitation go with the choice.
	link := linkOf(cb.Arg)
	var from *deeplink.Start
	if cb.Arg != link.Pilot {
		from = &link
	}
	f := t.s.Flows().Get(link.Pilot)
	current := t.sess != nil && f != nil && t.sess.Pilot == f.Pilot.ID
	switch {
	case t.secondTap():
		t.ack("")
	case f == nil || cb.Option != flow.DialogueGo && !current:
		t.ack(t.say("stale.short", nil))
		t.staleMenu(ctx)
	case cb.Option == flow.DialogueGo:
		t.ack("")
		label := t.say("switch.go", nil)
		if current {
			label = t.say("button.go_on", nil)
		}
		t.chosen(label)
		t.openLink(ctx, f, from, true)
	case cb.Option == flow.DialogueOver:
		t.ack("")
		t.chosen(t.say("button.restart", nil))
		t.link = from
		t.restart(ctx)
	default: // stay
		t.ack("")
		t.chosen(t.say("switch.stay", nil))
		t.repeat()
	}
}

// restart starts the pilot's dialogue over, as the citizen chose (the
// button, /restart): a stopped citizen starts again by it.
func (t *turn) restart(ctx context.Context) {
	t.sess.setHold(HoldNone)
	t.sess.Paused = 0
	defer t.greeted()
	if t.sess.Position() == PhaseLanguage {
		t.languageMenu()
		return
	}
	t.step(ctx, flow.Input{Kind: flow.InStart, FirstName: t.in.FirstName})
}

// chooseLanguage sets the language a citizen chose before consent, and
// asks for consent in it.
func (t *turn) chooseLanguage(ctx context.Context, lang string) {
	t.sess.Flow.Lang, t.lang = lang, lang
	t.step(ctx, flow.Input{Kind: flow.InStart, FirstName: t.in.FirstName})
	t.greeted()
}

// offered picks the pilot's language for a Telegram client language, and
// reports whether the pilot really speaks it (or a close variant); when
// not, the pilot's first language.
func offered(code string, langs []string) (string, bool) {
	if code == "" {
		return langs[0], false
	}
	if slices.Contains(langs, code) {
		return code, true
	}
	want, err := language.Parse(code)
	if err != nil {
		return langs[0], false
	}
	tags := make([]language.Tag, len(langs))
	for i, l := range langs {
		tags[i] = language.Make(l)
	}
	_, i, conf := language.NewMatcher(tags).Match(want)
	if conf == language.No {
		return langs[0], false
	}
	return langs[i], true
}

// languageNamed finds the pilot's language a citizen typed at the
// language menu: its name in itself ("Svenska") or its code.
func (t *turn) languageNamed(typed string) string {
	k := typedKey(typed)
	if k == "" {
		return ""
	}
	for _, l := range t.f.Pilot.Languages {
		if k == l || k == typedKey(t.s.words.Name(l)) {
			return l
		}
	}
	return ""
}

// pilotNamed finds the pilot a citizen typed at the service menu: its
// name in any of its languages, or the start of a word of it ("turku",
// "youth" for "Turku youth services"), or its id; nil unless exactly one
// pilot fits.
func (t *turn) pilotNamed(typed string) *flow.Flow {
	k := typedKey(typed)
	if len([]rune(k)) < 3 {
		return nil
	}
	var found *flow.Flow
	for _, f := range t.s.Flows().List() {
		if !namedBy(f, k) {
			continue
		}
		if found != nil {
			return nil // two services fit: the menu again
		}
		found = f
	}
	return found
}

// namedBy reports whether typed (a typedKey) names pilot f.
func namedBy(f *flow.Flow, typed string) bool {
	if typed == f.Pilot.ID {
		return true
	}
	for _, l := range f.Pilot.Name.Languages() {
		name := typedKey(f.Pilot.Name.Render(l, nil))
		if strings.HasPrefix(name, typed) || strings.Contains(name, " "+typed) {
			return true
		}
	}
	return false
}

// typedKey is how typed names are compared: lower case, words only.
func typedKey(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	return strings.Join(words, " ")
}
