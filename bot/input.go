package bot

import (
	"context"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// doubleTap is how soon a second press on the message just pressed counts
// as the same tap: it is ignored quietly rather than answered as an old
// button.
const doubleTap = 30 * time.Second

// flowInput feeds typed text, media or anything else to the flow, once
// it is screened for a crisis (safeguard.go), as the citizen's phase
// allows.
func (t *turn) flowInput(ctx context.Context) {
	if t.coordinatorInput(ctx) || t.screen(ctx) {
		return
	}
	if t.sess == nil {
		if f := t.pilotNamed(t.in.Text); f != nil {
			t.open(ctx, f, false)
			return
		}
		t.menuOrOnly(ctx, "")
		return
	}
	in := flow.Input{Kind: flow.InText, Text: t.in.Text, Media: t.in.Media, FirstName: t.in.FirstName}
	switch {
	case t.in.Media != nil:
		in.Kind = flow.InMedia
	case t.in.Other != "":
		in.Kind = flow.InOther
	}
	if t.phase() == PhaseBlocked {
		t.unhold() // they write again: they are back
	}
	switch t.phase() {
	case PhaseStopped:
		t.stoppedNote()
		return
	case PhasePaused:
		// Not an answer: the citizen carries on when they are ready.
		t.offerResume(t.sess.Pilot)
		return
	case PhaseLanguage:
		if lang := t.languageNamed(t.in.Text); lang != "" {
			t.chooseLanguage(ctx, lang)
			return
		}
		t.languageMenu()
		return
	}
	if t.followUpDue(ctx) {
		return
	}
	prev := t.sess.Flow
	res := t.step(ctx, in)
	t.echo(prev, res)
}

// echo marks the keyboard of the question a typed answer matched, as a
// press would: the citizen sees what was saved. The courier recorded the
// question's message (Session.Asked); a question not yet delivered when
// the answer came gets no mark.
func (t *turn) echo(prev flow.State, res flow.Result) {
	if res.Chosen == "" || res.Stale || t.sess.Asked.Question != questionOf(prev) {
		return
	}
	t.mark(t.sess.Asked.Message, res.Chosen)
}

// press handles a button press.
func (t *turn) press(ctx context.Context) {
	cb, _ := flow.ParseCallback(t.in.Data)
	switch cb.Kind {
	case flow.CallbackFlow, flow.CallbackSupport, flow.CallbackVote:
		t.flowPress(ctx)
	case flow.CallbackPilot:
		f := t.s.Flows().Get(cb.Arg)
		if f == nil {
			t.ack(t.say("stale.short", nil))
			t.staleMenu(ctx)
			return
		}
		t.ack("")
		t.chosen(f.Pilot.Name.Render(matchLang(t.lang, f.Pilot.Languages), nil))
		t.open(ctx, f, false)
	case flow.CallbackLanguage:
		t.setLanguage(ctx, cb.Arg)
	case flow.CallbackForget:
		t.confirmForget(ctx, cb)
	case flow.CallbackHelp:
		t.helpNow(ctx, true, "")
	case flow.CallbackModerate, flow.CallbackNews:
		t.moderate(ctx, cb)
	case flow.CallbackResume:
		t.resume(ctx, cb.Arg)
	case flow.CallbackOnIt:
		t.onIt(ctx, cb.Arg)
	case flow.CallbackChosen:
		t.ack("") // the mark left on an answered question
	case flow.CallbackDialogue:
		t.dialogueChoice(ctx, cb)
	default:
		t.ack(t.say("stale.short", nil))
		t.repeat()
	}
	t.tapped()
}

// flowPress handles the press of a button of the flow.
func (t *turn) flowPress(ctx context.Context) {
	if t.sess == nil {
		// The dialogue was declined, deleted or has expired: an old button
		// starts nothing (a double tap on "No, thanks" must not bring the
		// consent back). Anything typed starts anew.
		t.ack(t.say("stale.short", nil))
		return
	}
	switch t.phase() {
	case PhaseStopped:
		t.ack("")
		t.stoppedNote()
		return
	case PhaseBlocked:
		t.unhold()
	}
	t.unpause() // an answer pressed carries on
	if t.followUpDue(ctx) {
		t.ack("")
		return
	}
	res := t.s.engine.Step(t.f, t.sess.Flow, flow.Input{Kind: flow.InButton, Data: t.in.Data, FirstName: t.in.FirstName}, t.now)
	if res.StalePress && t.secondTap() {
		t.ack("") // the first tap did it
		return
	}
	t.applyAll(ctx, res)
	t.ack(res.Notice)
	t.chosen(res.Chosen)
}

// secondTap reports whether the press is on the message whose press
// applied moments ago.
func (t *turn) secondTap() bool {
	s := t.sess
	return s != nil && t.in.MessageID != 0 && s.Tapped == t.in.MessageID &&
		t.now.Sub(time.Unix(s.TappedAt, 0)) <= doubleTap
}

// tapped remembers the message of a press that applied, for secondTap.
func (t *turn) tapped() {
	if t.sess == nil || t.in.MessageID == 0 || t.c == nil || t.c.Session != t.sess {
		return
	}
	t.sess.Tapped, t.sess.TappedAt = t.in.MessageID, t.now.Unix()
}

// stoppedNote answers a stopped citizen who writes: the bot keeps its
// word and writes nothing on its own, and says how to go on.
func (t *turn) stoppedNote() {
	t.commit()
	t.send(flow.Message{Text: t.say("stopped.note", nil), Buttons: [][]flow.Button{{
		{Text: t.say("button.go_on", nil), Data: flow.Callback{Kind: flow.CallbackDialogue, Arg: t.sess.Pilot, Option: flow.DialogueGo}.Encode()},
	}}})
}

// unhold lets the bot write on its own again, and keeps the promise of a
// waiting dialogue: the follow-up is scheduled again for when it was due
// (if that time has passed, followUpDue sends it at the next chance).
func (t *turn) unhold() {
	if t.sess.hold() == HoldNone {
		return
	}
	t.sess.setHold(HoldNone)
	c := t.commit()
	st := t.sess.Flow
	if t.sess.Position() == PhaseWaiting && st.Due > t.now.Unix() {
		c.Prompts = replacePrompt(c.Prompts, Prompt{Kind: flow.PromptFollowUp, Node: st.Node, Seq: st.Seq, Due: time.Unix(st.Due, 0)})
	}
}

// followUpDue sends a follow-up whose time has come but that was not sent
// (the citizen had stopped, or left for another pilot): whatever they send
// then gets the follow-up question, never "we will write to you".
func (t *turn) followUpDue(ctx context.Context) bool {
	st := t.sess.Flow
	if t.phase() != PhaseWaiting || st.Due > t.now.Unix() {
		return false
	}
	t.followUp(ctx, flow.PromptFollowUp, st.Node, st.Seq)
	return true
}

// followUp goes on with a dialogue at a follow-up or reminder for a node
// and move, and counts it; the result is stale when the dialogue moved on.
func (t *turn) followUp(ctx context.Context, kind flow.PromptKind, node string, seq int) flow.Result {
	in := flow.Input{Kind: flow.InReminder, Node: node, Seq: seq}
	if kind == flow.PromptFollowUp {
		in.Kind = flow.InTimer
	}
	res := t.step(ctx, in)
	if res.Stale {
		return res
	}
	c := t.commit()
	c.Release = append(c.Release, kind)
	if kind == flow.PromptFollowUp {
		t.sess.FollowedUp = true
		t.sess.Paused = 0 // the follow-up asks again: the pause is over
		t.count(cFollowUps, 1)
	} else {
		t.count(cReminders, 1)
	}
	return res
}

// repeat says where the dialogue is without changing anything: the
// current question, or when the bot will write again; in a paused
// dialogue, the offer to carry on instead (safeguard.go).
func (t *turn) repeat() {
	t.ack("")
	if t.sess == nil || t.f == nil {
		return
	}
	switch t.phase() {
	case PhaseActive, PhaseWaiting:
	case PhaseLanguage:
		t.languageMenu()
		return
	case PhasePaused:
		t.offerResume(t.sess.Pilot)
		return
	default:
		return
	}
	res := t.s.engine.Step(t.f, t.sess.Flow, flow.Input{Kind: flow.InRepeat}, t.now)
	for range maxNeeds {
		for _, m := range res.Messages {
			t.sendFlow(m, res.State)
		}
		if res.Need == nil {
			return
		}
		// A question made of ideas (the next one to weigh) asks the
		// store for them, as a step does.
		res = t.s.engine.Step(t.f, res.State, t.fulfil(res.Need), t.now)
	}
}

// again shows the current question after a command answered something
// else (/help, /mydata, /language), so the citizen can go on; in a paused
// dialogue, the offer to carry on.
func (t *turn) again() {
	switch t.phase() {
	case PhaseActive, PhaseLanguage, PhasePaused:
		t.repeat()
	}
}
