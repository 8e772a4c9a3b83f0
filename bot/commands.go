package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// The citizens' commands. Each says what is true in the citizen's phase
// (state.go): /stop does not speak of answers kept when there are none,
// /help lists only what applies, and after /help, /mydata, /language or
// /whoami the current question comes again.

// forgetValid is how long the buttons of /forget work: an old "yes" found
// days later must not delete anything.
const forgetValid = 10 * time.Minute

// command handles /commands.
func (t *turn) command(ctx context.Context) {
	name, payload, _ := strings.Cut(strings.TrimSpace(strings.TrimSpace(t.in.Text)[1:]), " ")
	name, _, _ = strings.Cut(strings.ToLower(name), "@") // "/start@cosie_bot"
	payload = strings.TrimSpace(payload)
	switch name {
	case "start":
		t.startCommand(ctx, payload)
	case "restart":
		if t.sess == nil {
			t.menuOrOnly(ctx, "")
			return
		}
		t.restart(ctx)
	case "language":
		if t.sess == nil {
			t.menuOrOnly(ctx, "")
			return
		}
		t.languageMenu()
	case "help":
		t.help()
		t.again()
	case "stop":
		t.stop(ctx)
	case "forget":
		t.forget(ctx)
	case "mydata":
		t.myData(ctx)
		t.again()
	case "whoami":
		t.text(t.say("whoami.id", map[string]any{"ID": strconv.FormatInt(t.in.UserID, 10)}))
		t.again()
	default:
		if t.coordinatorCommand(ctx, name, payload) || t.screen(ctx) {
			return // a cry for help after a stray "/" still gets help
		}
		t.text(t.say("command.unknown", nil))
		t.again()
	}
}

// startCommand handles /start: with a pilot (its link), that pilot;
// without, the dialogue the citizen is in (it goes on, also after /stop),
// else the service menu.
func (t *turn) startCommand(ctx context.Context, payload string) {
	switch {
	case payload != "":
		t.startLink(ctx, payload)
	case t.sess != nil && t.goesOn():
		t.open(ctx, t.f, false)
	default:
		t.menuOrOnly(ctx, "")
	}
}

// goesOn reports whether the citizen has a dialogue to go on with: one
// not finished, declined or never begun.
func (t *turn) goesOn() bool {
	switch t.sess.Position() {
	case PhaseFinished, PhaseDeclined, PhaseNew:
		return t.sess.hold() != HoldNone || len(t.s.Flows().List()) == 1
	}
	return true
}

// menuOrOnly opens the only pilot, or offers the pilots as buttons.
func (t *turn) menuOrOnly(ctx context.Context, intro string) {
	flows := t.s.Flows().List()
	switch len(flows) {
	case 0:
		t.text(t.say("help.general", nil))
	case 1:
		if intro != "" {
			t.text(intro)
		}
		t.open(ctx, flows[0], false)
	default:
		text := t.say("start.choose", nil)
		if intro != "" {
			text = intro
		}
		kb := make([][]flow.Button, 0, len(flows))
		for _, f := range flows {
			kb = append(kb, []flow.Button{{Text: f.Pilot.Name.Render(matchLang(t.lang, f.Pilot.Languages), nil), Data: flow.Callback{Kind: flow.CallbackPilot, Arg: f.Pilot.ID}.Encode()}})
		}
		t.send(flow.Message{Text: text, Buttons: kb})
	}
}

// staleMenu answers a stale menu button: someone with a dialogue is told
// where it stands (menuOrOnly would open the only pilot); someone without
// gets the menu.
func (t *turn) staleMenu(ctx context.Context) {
	if t.sess != nil {
		t.repeat()
		return
	}
	t.menuOrOnly(ctx, "")
}

// languageMenu offers the pilot's languages, each named in itself.
func (t *turn) languageMenu() {
	langs := t.f.Pilot.Languages
	if len(langs) == 1 {
		t.text(t.say("language.only", nil))
		t.again()
		return
	}
	t.commit()
	kb := make([][]flow.Button, 0, len(langs))
	for _, l := range langs {
		kb = append(kb, []flow.Button{{Text: t.s.words.Name(l), Data: flow.Callback{Kind: flow.CallbackLanguage, Arg: l}.Encode()}})
	}
	t.send(flow.Message{Text: t.say("language.choose", nil), Buttons: kb})
}

// setLanguage applies a press of the language menu.
func (t *turn) setLanguage(ctx context.Context, lang string) {
	switch {
	case t.sess == nil || !slices.Contains(t.f.Pilot.Languages, lang):
		t.ack(t.say("stale.short", nil))
		t.staleMenu(ctx)
		return
	case t.secondTap() && lang == t.sess.Flow.Lang:
		t.ack("")
		return
	}
	t.ack("")
	t.chosen(t.s.words.Name(lang))
	if t.phase() == PhaseLanguage {
		t.chooseLanguage(ctx, lang)
		return
	}
	t.sess.Flow.Lang = lang
	t.lang = lang
	t.commit()
	t.text(t.say("language.set", nil))
	t.again()
}

// help sends the pilot's help (or the bot's) and the commands that apply.
func (t *turn) help() {
	text := t.say("help.general", nil)
	if t.sess != nil {
		text = t.f.Pilot.Help.Render(t.lang, nil)
	}
	var b strings.Builder
	for _, name := range t.commandsThatApply() {
		b.WriteString("\n/")
		b.WriteString(name)
		b.WriteString(" – ")
		b.WriteString(t.say("cmd."+name, nil))
	}
	t.text(text + "\n" + b.String())
}

// commandsThatApply lists the commands that do something for the citizen
// now: /language only where there is a choice, /stop or /start as they
// stand, /restart only with a dialogue to start over.
func (t *turn) commandsThatApply() []string {
	var out []string
	if t.sess != nil && len(t.f.Pilot.Languages) > 1 {
		out = append(out, "language")
	}
	switch t.phase() {
	case PhaseNew, PhaseStopped, PhaseBlocked:
		out = append(out, "start")
	default:
		out = append(out, "stop")
	}
	out = append(out, "mydata", "forget")
	if p := t.sess.Position(); p != PhaseNew && p != PhaseLanguage {
		out = append(out, "restart")
	}
	return out
}

// stop holds the citizen: the bot writes nothing on its own (no reminder,
// no follow-up, in any pilot) until they start again. It says what is
// kept, only when something is.
func (t *turn) stop(ctx context.Context) {
	records, err := t.s.store.Answers(ctx, t.user)
	if err != nil {
		t.err = err
		return
	}
	if t.sess == nil {
		// No current pilot (the last was declined and erased), but a
		// dialogue elsewhere may still have a follow-up to send: hold it,
		// and make it current, so that every prompt finds the hold.
		if err := t.enterLatest(ctx); err != nil {
			t.err = err
			return
		}
	}
	if t.sess != nil {
		t.sess.setHold(HoldStop)
		c := t.commit()
		c.Cancel = true
		c.Prompts = nil
		t.ideasStop()
	}
	if len(records) == 0 {
		t.text(t.say("stop.none", nil))
		return
	}
	t.text(t.say("stop.done", nil))
}

// enterLatest makes the citizen's most recently used session in any pilot
// the turn's and current, when they have one.
func (t *turn) enterLatest(ctx context.Context) error {
	var latest *Session
	var in *flow.Flow
	for _, f := range t.s.Flows().List() {
		sess, err := t.s.store.LoadPilot(ctx, t.user, f.Pilot.ID)
		if err != nil {
			return err
		}
		if sess != nil && (latest == nil || sess.Updated > latest.Updated) {
			latest, in = sess, f
		}
	}
	if latest != nil {
		t.enter(latest, in)
	}
	return nil
}

// forget asks to confirm deleting everything, when there is something.
// The buttons carry until when they work.
func (t *turn) forget(ctx context.Context) {
	records, err := t.s.store.Answers(ctx, t.user)
	if err != nil {
		t.err = err
		return
	}
	if t.sess == nil && len(records) == 0 {
		t.text(t.say("mydata.none", nil))
		return
	}
	until := strconv.FormatInt(t.now.Add(forgetValid).Unix(), 10)
	if t.sess != nil {
		t.sess.Confirm = until
		t.commit()
	}
	t.send(flow.Message{Text: t.say("forget.confirm", nil), Buttons: [][]flow.Button{
		{{Text: t.say("forget.yes", nil), Data: flow.Callback{Kind: flow.CallbackForget, Option: flow.ForgetYes, Arg: until}.Encode()}},
		{{Text: t.say("forget.no", nil), Data: flow.Callback{Kind: flow.CallbackForget, Option: flow.ForgetNo, Arg: until}.Encode()}},
	}})
}

// confirmForget applies a press of the /forget buttons.
func (t *turn) confirmForget(ctx context.Context, cb flow.Callback) {
	until, _ := strconv.ParseInt(cb.Arg, 10, 64)
	switch {
	case t.secondTap():
		t.ack("")
		return
	case until == 0 || t.now.Unix() > until || t.sess != nil && t.sess.Confirm != cb.Arg:
		t.ack(t.say("stale.short", nil))
		t.again()
		return
	case cb.Option == flow.ForgetNo:
		t.ack("")
		t.chosen(t.say("forget.no", nil))
		if t.sess != nil {
			t.sess.Confirm = ""
			t.commit()
		}
		t.text(t.say("forget.kept", nil))
		t.again()
		return
	}
	records, err := t.s.store.Answers(ctx, t.user)
	if err != nil {
		t.err = err
		return
	}
	t.ack("")
	if t.sess == nil && len(records) == 0 {
		return // deleted already: a second tap
	}
	t.chosen(t.say("forget.yes", nil))
	pilot := Lobby
	if t.sess != nil {
		pilot = t.sess.Pilot
	}
	// Nothing of the session is written: the erase deletes it.
	t.c = &Commit{User: t.user, Pilot: pilot, Erase: EraseAll}
	t.text(t.say("forget.done", nil))
}
