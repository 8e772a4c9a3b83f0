package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/deeplink"
	"github.com/cosie/cosiebot/bot/flow"
)

// A turn is the handling of one inbound event: it decides, then commits.
// What it sends is part of the commit (the outbox), so nothing is said that
// the store does not have, and nothing committed is lost (invariant 1).
type turn struct {
	s    *Service
	ctx  context.Context // of the handling, for reads while deciding
	user string
	in   Inbound
	now  time.Time
	orig *Session // as loaded
	sess *Session // working copy; nil when the citizen has no session
	f    *flow.Flow
	lang string
	lane Lane // how this turn's messages are paced

	c     *Commit // what to store; nil until something changes
	out   []Out
	prefs map[string]string // small settings stored after the commit
	err   error             // a store read failed while deciding

	ackText string // what the button press is answered with
	acked   bool

	link  *deeplink.Start // the /start link of this turn, if any (reach.go)
	token string          // names the update for the store's alert desk (RaiseAlert)
}

func (s *Service) newTurn(user string, sess *Session, in Inbound) *turn {
	t := &turn{s: s, user: user, in: in, now: s.clock.Now(), orig: sess}
	if sess != nil {
		cp := *sess
		t.sess = &cp
		t.f = s.Flows().Get(sess.Pilot)
		if t.f == nil {
			// The pilot was removed from the flow files: behave as if new.
			t.sess = nil
		}
	}
	t.lang = t.language()
	return t
}

// language is the citizen's language: their choice in the session, else
// their Telegram client's language matched to what the bot speaks.
func (t *turn) language() string {
	if t.sess != nil && t.f != nil {
		return matchLang(t.sess.Flow.Lang, t.f.Pilot.Languages)
	}
	return matchLang(t.in.Lang, t.s.words.Languages())
}

func (t *turn) say(id string, data map[string]any) string {
	return t.s.words.Say(t.lang, id, data)
}

// since is when the update arrived, for the reply-time metric.
func (t *turn) since() int64 {
	if t.lane != LaneReply || t.in.Received.IsZero() {
		return 0
	}
	return t.in.Received.UnixMilli()
}

func (t *turn) send(m flow.Message) { t.sendTo(t.in.ChatID, m) }

func (t *turn) sendTo(chat int64, m flow.Message) {
	t.out = append(t.out, Out{Lane: t.lane, Chat: chat, Text: m.Text, Buttons: m.Buttons, Since: t.since()})
}

func (t *turn) text(s string) { t.send(flow.Message{Text: s}) }

// ack sets what the button press is answered with; the first call wins.
func (t *turn) ack(text string) {
	if t.in.CallbackID == "" || t.acked {
		return
	}
	t.acked = true
	t.ackText = text
}

// chosen replaces the pressed keyboard with the chosen option: cosmetic,
// so it goes only when the chat's budget has room for it and everything
// after it.
func (t *turn) chosen(label string) {
	if t.in.MessageID != 0 && label != "" {
		// First: it answers the message above the turn's replies.
		t.out = slices.Insert(t.out, 0, Out{Lane: LaneCosmetic, Chat: t.in.ChatID, Edit: t.in.MessageID, Text: label})
	}
}

// commit returns the commit of this turn, creating it for the session.
func (t *turn) commit() *Commit {
	if t.c == nil {
		t.c = &Commit{User: t.user, Pilot: t.sess.Pilot, Session: t.sess, Day: dayOf(t.f, t.now), Counts: map[string]int64{}}
	}
	return t.c
}

func (t *turn) count(k counter, n int64) {
	t.commit().Counts[string(k)] += n
}

// handle decides what to do with the inbound event.
func (t *turn) handle(ctx context.Context) {
	in := t.in
	switch {
	case in.Data != "":
		t.press(ctx)
	case in.Media == nil && in.Other == "" && isCommand(in.Text):
		t.command(ctx)
	default:
		t.flowInput(ctx)
	}
	t.ack("")
}

// repeat says the current question again without changing anything; in
// a paused dialogue, it offers to carry on instead (safeguard.go).
func (t *turn) repeat() {
	t.ack("")
	if t.sess == nil || t.f == nil || t.paused() {
		return
	}
	st := t.sess.Flow
	res := t.s.engine.Step(t.f, st, flow.Input{Kind: flow.InRepeat}, t.now)
	for range maxNeeds {
		for _, m := range res.Messages {
			t.send(m)
		}
		if res.Need == nil {
			return
		}
		res = t.s.engine.Step(t.f, res.State, t.fulfil(res.Need), t.now)
	}
}

func isCommand(s string) bool {
	return len(s) > 1 && s[0] == '/' && (s[1] >= 'a' && s[1] <= 'z' || s[1] >= 'A' && s[1] <= 'Z')
}

// flowInput feeds typed text, media or anything else to the flow, once
// it is screened for a crisis (safeguard.go).
func (t *turn) flowInput(ctx context.Context) {
	if t.coordinatorInput(ctx) || t.screen(ctx) || t.paused() {
		return
	}
	if t.sess == nil {
		t.menuOrOnly("")
		return
	}
	in := flow.Input{Kind: flow.InText, Text: t.in.Text, Media: t.in.Media, FirstName: t.in.FirstName}
	switch {
	case t.in.Media != nil:
		in.Kind = flow.InMedia
	case t.in.Other != "":
		in.Kind = flow.InOther
	}
	t.step(in)
}

// step runs the engine and turns its effects into the commit and replies.
// When the engine needs ideas from the store, the host answers at once and
// the engine goes on, all in this turn.
func (t *turn) step(in flow.Input) flow.Result {
	res := t.s.engine.Step(t.f, t.sess.Flow, in, t.now)
	t.apply(res)
	need := res.Need
	for i := 0; need != nil && !res.Stale && i < maxNeeds; i++ {
		more := t.s.engine.Step(t.f, t.sess.Flow, t.fulfil(need), t.now)
		t.apply(more)
		need = more.Need
	}
	return res
}

// apply turns one engine result into the commit and replies.
func (t *turn) apply(res flow.Result) {
	if res.Stale {
		return
	}
	prev := t.sess.Flow
	t.sess.Flow = res.State
	c := t.commit()
	// Agreeing to a consent node records no answer: count it, so that the
	// digest's drop-off (asked − answered) does not list everyone there.
	if n := t.f.Node(prev.Node); n != nil && n.Kind == flow.KindConsent && res.State.Run == prev.Run &&
		res.State.Node != "" && res.State.Node != prev.Node {
		t.count(cAnswered(n.ID), 1)
	}
	for _, e := range res.Effects {
		switch e.Kind {
		case flow.EffAnswer:
			t.record(e.Answer)
		case flow.EffAsk:
			t.count(cAsked(e.Node), 1)
		case flow.EffSchedule:
			if t.sess.OptOut {
				continue
			}
			c.Prompts = replacePrompt(c.Prompts, Prompt{Kind: e.Prompt.Kind, Node: e.Prompt.Node, Seq: e.Prompt.Seq, Due: e.Prompt.Due})
		case flow.EffCancel:
			c.Cancel = true
			c.Prompts = nil
		case flow.EffStart:
			t.sess.FollowedUp = false
			t.sess.RunDay = dayOf(t.f, t.now)
			t.count(cStarted, 1)
			t.count(cLang(t.sess.Flow.Lang), 1)
			t.linkSource()
		case flow.EffComplete:
			t.count(cCompleted, 1)
			if t.sess.RunDay != "" {
				c.CohortDay = t.sess.RunDay
				if c.Cohort == nil {
					c.Cohort = map[string]int64{}
				}
				c.Cohort[string(cCompletedOfStarted)]++
			}
		case flow.EffDecline:
			// Nothing about a declined dialogue is kept: not even the
			// pointer that says this citizen contacted this pilot.
			t.count(cDeclined, 1)
			c.Session, c.Drop, c.Erase = nil, true, ErasePilot
		case flow.EffPropose, flow.EffSupport, flow.EffVote, flow.EffHearBack:
			t.ideaEffect(e)
		}
	}
	for _, m := range res.Messages {
		if m.Invite > 0 {
			t.sendInvite(m)
			continue
		}
		t.send(m)
	}
}

func replacePrompt(list []Prompt, p Prompt) []Prompt {
	for i := range list {
		if list[i].Kind == p.Kind {
			list[i] = p
			return list
		}
	}
	return append(list, p)
}

func (t *turn) record(a *flow.Answer) {
	c := t.commit()
	c.Answers = append(c.Answers, Record{
		User: t.user, Run: t.sess.Flow.Run, Node: a.Node, Result: a.Result, Kind: a.Kind,
		Value: a.Value, Text: a.Text, Media: a.Media, Lang: t.sess.Flow.Lang, Version: t.f.Version,
		At: t.now.UnixMilli(), Pilot: t.sess.Pilot, Source: t.sess.Source,
	})
	t.count(cAnswered(a.Node), 1)
	if t.sess.FollowedUp {
		t.sess.FollowedUp = false
		t.count(cFollowedUp, 1)
	}
	if b := a.Bucket(); b != "" {
		t.count(cValue(a.Result, b), 1)
	}
	if x, ok := a.Score(); ok {
		t.count(cSum(a.Result), scoreUnits(x))
		t.count(cN(a.Result), 1)
	}
}

// start begins pilot f's flow for the citizen, creating or moving the
// session as needed.
func (t *turn) start(f *flow.Flow) {
	prev := t.sess
	if prev == nil || prev.Pilot != f.Pilot.ID {
		lang := matchLang(t.in.Lang, f.Pilot.Languages)
		if prev != nil && slices.Contains(f.Pilot.Languages, prev.Flow.Lang) {
			lang = prev.Flow.Lang
		}
		t.sess = &Session{Pilot: f.Pilot.ID, Chat: t.in.ChatID, Created: t.now.Unix(), Flow: flow.State{Lang: lang}}
		t.f = f
		t.lang = lang
		t.c = nil
		// Point at the pilot before the first commit there, so /forget
		// always finds what the commit stores.
		t.commit().Point = true
	}
	t.sess.OptOut = false
	t.sess.Confirm = ""
	t.sess.Paused = 0
	t.step(flow.Input{Kind: flow.InStart, FirstName: t.in.FirstName})
}

// menuOrOnly starts the only pilot, or offers the pilots as buttons.
func (t *turn) menuOrOnly(intro string) {
	flows := t.s.Flows().List()
	switch len(flows) {
	case 0:
		t.text(t.say("help.general", nil))
	case 1:
		if intro != "" {
			t.text(intro)
		}
		t.start(flows[0])
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

// press handles a button press.
func (t *turn) press(ctx context.Context) {
	cb, _ := flow.ParseCallback(t.in.Data)
	switch cb.Kind {
	case flow.CallbackFlow, flow.CallbackSupport, flow.CallbackVote:
		if t.sess == nil {
			t.ack(t.say("stale.short", nil))
			t.menuOrOnly("")
			return
		}
		t.unpause() // an answer pressed carries on
		res := t.step(flow.Input{Kind: flow.InButton, Data: t.in.Data, FirstName: t.in.FirstName})
		t.ack(res.Notice)
		t.chosen(res.Chosen)
	case flow.CallbackPilot:
		f := t.s.Flows().Get(cb.Arg)
		if f == nil {
			t.ack(t.say("stale.short", nil))
			t.staleMenu()
			return
		}
		t.ack("")
		t.chosen(f.Pilot.Name.Render(matchLang(t.lang, f.Pilot.Languages), nil))
		t.start(f)
	case flow.CallbackLanguage:
		t.setLanguage(cb.Arg)
	case flow.CallbackForget:
		t.confirmForget(cb.Option == flow.ForgetYes)
	case flow.CallbackHelp:
		t.helpNow(ctx, true, "")
	case flow.CallbackModerate, flow.CallbackNews:
		t.moderate(ctx, cb)
	case flow.CallbackResume:
		t.resume(cb.Arg)
	case flow.CallbackOnIt:
		t.onIt(ctx, cb.Arg)
	case flow.CallbackChosen:
		t.ack("") // the mark left on an answered question
	default:
		t.ack(t.say("stale.short", nil))
		t.repeat()
	}
}

// command handles /commands.
func (t *turn) command(ctx context.Context) {
	name, payload, _ := strings.Cut(strings.TrimSpace(t.in.Text[1:]), " ")
	name, _, _ = strings.Cut(strings.ToLower(name), "@") // "/start@cosie_bot"
	payload = strings.TrimSpace(payload)
	switch name {
	case "start":
		if payload != "" {
			t.startLink(ctx, payload)
			return
		}
		t.menuOrOnly("")
	case "restart":
		if t.sess == nil {
			t.menuOrOnly("")
			return
		}
		t.start(t.f)
	case "language":
		t.languageMenu()
	case "help":
		t.help()
	case "stop":
		t.stop()
	case "forget":
		t.forget()
	case "mydata":
		t.myData(ctx)
	case "whoami":
		t.text(strconv.FormatInt(t.in.UserID, 10))
	default:
		if t.coordinatorCommand(ctx, name, payload) {
			return
		}
		t.text(t.say("command.unknown", nil))
	}
}

// staleMenu answers a stale menu button: someone in a dialogue gets the
// current question again (menuOrOnly would restart the only pilot's
// dialogue); someone without one gets the menu.
func (t *turn) staleMenu() {
	if t.sess != nil {
		t.repeat()
		return
	}
	t.menuOrOnly("")
}

func (t *turn) languageMenu() {
	if t.sess == nil {
		t.menuOrOnly("")
		return
	}
	langs := t.f.Pilot.Languages
	if len(langs) == 1 {
		t.text(t.say("language.only", nil))
		return
	}
	kb := make([][]flow.Button, 0, len(langs))
	for _, l := range langs {
		kb = append(kb, []flow.Button{{Text: t.s.words.Name(l), Data: flow.Callback{Kind: flow.CallbackLanguage, Arg: l}.Encode()}})
	}
	t.send(flow.Message{Text: t.say("language.choose", nil), Buttons: kb})
}

func (t *turn) setLanguage(lang string) {
	if t.sess == nil || !slices.Contains(t.f.Pilot.Languages, lang) {
		t.ack(t.say("stale.short", nil))
		t.staleMenu()
		return
	}
	t.ack("")
	t.chosen(t.s.words.Name(lang))
	t.sess.Flow.Lang = lang
	t.lang = lang
	t.commit()
	t.text(t.say("language.set", nil))
	t.repeat()
}

func (t *turn) help() {
	if t.sess == nil {
		t.text(t.say("help.general", nil) + "\n\n" + t.say("help.commands", nil))
		return
	}
	t.text(t.f.Pilot.Help.Render(t.lang, nil) + "\n\n" + t.say("help.commands", nil))
}

func (t *turn) stop() {
	if t.sess == nil {
		t.text(t.say("stop.done", nil))
		return
	}
	t.sess.OptOut = true
	c := t.commit()
	c.Cancel = true
	c.Prompts = nil
	t.ideasStop()
	t.text(t.say("stop.done", nil))
}

func (t *turn) forget() {
	if t.sess == nil {
		// There may still be answers from a pilot whose session expired.
		t.lobby().Erase = EraseAll
		t.text(t.say("forget.done", nil))
		return
	}
	// The confirmation is valid for ten minutes: an old "yes" button found
	// days later must not delete anything.
	t.sess.Confirm = "forget:" + strconv.FormatInt(t.now.Add(10*time.Minute).Unix(), 10)
	t.commit()
	t.send(flow.Message{Text: t.say("forget.confirm", nil), Buttons: [][]flow.Button{
		{{Text: t.say("forget.yes", nil), Data: flow.Callback{Kind: flow.CallbackForget, Option: flow.ForgetYes}.Encode()}},
		{{Text: t.say("forget.no", nil), Data: flow.Callback{Kind: flow.CallbackForget, Option: flow.ForgetNo}.Encode()}},
	}})
}

func (t *turn) confirmForget(yes bool) {
	until, _ := strconv.ParseInt(strings.TrimPrefix(t.sessConfirm(), "forget:"), 10, 64)
	if t.sess == nil || !strings.HasPrefix(t.sessConfirm(), "forget:") || t.now.Unix() > until {
		t.ack(t.say("stale.short", nil))
		if t.sess == nil {
			t.text(t.say("mydata.none", nil))
		}
		return
	}
	t.ack("")
	if !yes {
		t.chosen(t.say("forget.no", nil))
		t.sess.Confirm = ""
		t.commit()
		t.text(t.say("forget.kept", nil))
		t.repeat()
		return
	}
	t.chosen(t.say("forget.yes", nil))
	// Nothing of the session is written: the erase deletes it.
	t.c = &Commit{User: t.user, Pilot: t.sess.Pilot, Erase: EraseAll}
	t.text(t.say("forget.done", nil))
}

func (t *turn) sessConfirm() string {
	if t.sess == nil {
		return ""
	}
	return t.sess.Confirm
}

// lobby returns the commit of a turn outside any pilot: only messages
// (and erasure), in the lobby partition.
func (t *turn) lobby() *Commit {
	if t.c == nil {
		t.c = &Commit{User: t.user, Pilot: Lobby}
	}
	return t.c
}

// finish completes the commit: the update is marked applied, the messages
// join it, and a turn that only talks gets a commit of its own.
func (t *turn) finish() *Commit {
	if t.sess != nil && t.c == nil && (t.in.UpdateID != 0 || len(t.out) > 0) {
		// Remember the update as applied; and a citizen's replies go
		// through their pilot's outbox, paced with the rest of their chat.
		t.commit()
	}
	if t.c == nil && len(t.out) > 0 {
		t.lobby()
	}
	c := t.c
	if c == nil {
		return nil
	}
	c.Out = t.out
	if c.Session != nil {
		c.Session.markApplied(t.in.UpdateID)
		c.Session.Updated = t.now.Unix()
		if c.Session.Chat == 0 {
			c.Session.Chat = t.in.ChatID
		}
	}
	if t.f != nil && c.Pilot != Lobby {
		c.Keep = time.Duration(t.f.Pilot.RetentionDays+1) * 24 * time.Hour
	}
	c.TTL = t.s.ttl
	if t.sess != nil && t.sess.Flow.Due > 0 {
		// Keep the session until a week after its follow-up is due.
		c.TTL = max(c.TTL, time.Unix(t.sess.Flow.Due, 0).Sub(t.now)+7*24*time.Hour)
	}
	return c
}

// save commits the turn, then stores its small settings.
func (t *turn) save(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	if err := t.fillInvites(ctx); err != nil {
		return err
	}
	c := t.finish()
	if c != nil {
		if err := t.s.store.Commit(ctx, c); err != nil {
			return err
		}
	}
	for k, v := range t.prefs {
		if err := t.s.store.SetPref(ctx, k, v); err != nil {
			return err
		}
	}
	return nil
}

// blockedNow opts out a citizen who blocked the bot and cancels their
// prompts: nothing more can reach them.
func (t *turn) blockedNow() {
	if t.sess == nil || t.sess.OptOut && t.orig != nil && t.orig.OptOut {
		return // counted once
	}
	t.sess.OptOut = true
	t.commit().Cancel = true
	t.count(cBlocked, 1)
}

// Blocked records that a private chat blocked the bot (Telegram refused a
// message with 403).
func (s *Service) Blocked(ctx context.Context, chat int64) error {
	return s.Handle(ctx, Inbound{ChatID: chat, UserID: chat, Private: true, Other: OtherBlocked})
}

// setPref stores a small setting after the commit.
func (t *turn) setPref(key, value string) {
	if t.prefs == nil {
		t.prefs = map[string]string{}
	}
	t.prefs[key] = value
}
