package bot

import (
	"context"
	"errors"
	"fmt"
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
	sess *Session // working copy; nil when the citizen has no session
	f    *flow.Flow
	lang string
	lane Lane // how this turn's messages are paced

	c   *Commit // what to store; nil until something changes
	out []Out
	// urgent are the help text and the alerts of a crisis: committed on
	// their own, ahead of the turn, so that they go out even when the
	// turn's commit keeps failing (see saveUrgent).
	urgent []Out
	prefs  map[string]string // small settings stored after the commit
	err    error             // a store read failed while deciding

	ackText string // what the button press is answered with
	acked   bool

	link  *deeplink.Start // the /start link of this turn, if any (reach.go)
	token string          // names the update for the store's alert desk (RaiseAlert)
}

func (s *Service) newTurn(user string, sess *Session, in Inbound) *turn {
	t := &turn{s: s, user: user, in: in, now: s.clock.Now()}
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
// their Telegram client's language matched to what the bot speaks (also
// while they choose one of the pilot's, which may not include it).
func (t *turn) language() string {
	if t.sess != nil && t.f != nil && t.sess.Flow.Lang != "" {
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

// sendUrgent queues a message of a crisis: the help text, an alert.
func (t *turn) sendUrgent(chat int64, m flow.Message) {
	t.urgent = append(t.urgent, Out{Lane: t.lane, Chat: chat, Text: m.Text, Buttons: m.Buttons, Since: t.since()})
}

// ack sets what the button press is answered with; the first call wins.
func (t *turn) ack(text string) {
	if t.in.CallbackID == "" || t.acked {
		return
	}
	t.acked = true
	t.ackText = text
}

// chosen replaces the pressed keyboard with the chosen option.
func (t *turn) chosen(label string) { t.mark(t.in.MessageID, label) }

// mark replaces a message's keyboard with "✓ label": cosmetic, so it goes
// only when the chat's budget has room for it and everything after it.
func (t *turn) mark(message int, label string) {
	if message != 0 && label != "" {
		// First: it answers the message above the turn's replies.
		t.out = slices.Insert(t.out, 0, Out{Lane: LaneCosmetic, Chat: t.in.ChatID, Edit: message, Text: label})
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

// isCommand reports whether a message is meant for the bot rather than
// an answer: it starts with "/", a command the bot knows or not ("/" alone,
// "/5"), never saved as an answer.
func isCommand(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), "/")
}

// phase is where the citizen stands with the turn's pilot.
func (t *turn) phase() Phase { return t.sess.Phase() }

// step runs the engine and applies its result.
func (t *turn) step(ctx context.Context, in flow.Input) flow.Result {
	res := t.s.engine.Step(t.f, t.sess.Flow, in, t.now)
	t.applyAll(ctx, res)
	return res
}

// applyAll applies a step's result. When the engine needs ideas from the
// store, the host answers at once and the engine goes on, all in this
// turn.
func (t *turn) applyAll(ctx context.Context, res flow.Result) {
	t.apply(ctx, res)
	need := res.Need
	for i := 0; need != nil && !res.Stale && i < maxNeeds; i++ {
		more := t.s.engine.Step(t.f, t.sess.Flow, t.fulfil(need), t.now)
		t.apply(ctx, more)
		need = more.Need
	}
}

// apply turns one engine result into the commit and the replies.
func (t *turn) apply(ctx context.Context, res flow.Result) {
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
	declined := false
	for _, e := range res.Effects {
		switch e.Kind {
		case flow.EffAnswer:
			t.record(e.Answer)
		case flow.EffAsk:
			t.count(cAsked(e.Node), 1)
		case flow.EffSchedule:
			if t.sess.hold() != HoldNone {
				continue // a stopped citizen gets nothing the bot sends on its own
			}
			c.Prompts = replacePrompt(c.Prompts, Prompt{Kind: e.Prompt.Kind, Node: e.Prompt.Node, Seq: e.Prompt.Seq, Due: e.Prompt.Due})
		case flow.EffCancel:
			c.Cancel = true
			c.Prompts = nil
		case flow.EffStart:
			t.sess.FollowedUp, t.sess.Declined = false, false
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
			declined = true
		case flow.EffPropose, flow.EffSupport, flow.EffVote, flow.EffHearBack:
			t.ideaEffect(e)
		}
	}
	for _, m := range res.Messages {
		t.sendFlow(m, res.State)
	}
	if declined {
		t.decline(ctx)
	}
}

// sendFlow sends a message of the flow: an invite node's gets its links
// before the commit (fillInvites). A message with the buttons of the
// node the dialogue is at asks that question: it is named (Out.Question),
// so that the store keeps the id Telegram gives it.
func (t *turn) sendFlow(m flow.Message, st flow.State) {
	if m.Invite > 0 {
		t.sendInvite(m)
		return
	}
	t.send(m)
	for _, row := range m.Buttons {
		for _, b := range row {
			if c, _ := flow.ParseCallback(b.Data); c.Kind == flow.CallbackFlow && c.Node == st.Node {
				t.out[len(t.out)-1].Question = questionOf(st)
				return
			}
		}
	}
}

// questionOf names the question a dialogue is at: its node and its move
// number, which no other question of the session shares.
func questionOf(st flow.State) string { return st.Node + "|" + strconv.Itoa(st.Seq) }

// decline answers a citizen who said no at consent. Nothing of the
// declined dialogue is kept; answers of earlier dialogues with the pilot
// are, and they are told so (and how to delete them).
func (t *turn) decline(ctx context.Context) {
	t.count(cDeclined, 1)
	kept, err := t.earlierAnswers(ctx)
	if err != nil {
		t.err = err
		return
	}
	if kept {
		t.sess.Declined = true
		t.text(t.say("consent.declined_kept", nil))
		return
	}
	// Not even the pointer that says this citizen contacted this pilot.
	c := t.commit()
	c.Session, c.Drop, c.Erase = nil, true, ErasePilot
	t.text(t.say("consent.declined", nil))
}

// earlierAnswers reports whether the citizen has answers in the turn's
// pilot from a dialogue before the current one.
func (t *turn) earlierAnswers(ctx context.Context) (bool, error) {
	records, err := t.s.store.Answers(ctx, t.user)
	if err != nil {
		return false, err
	}
	for _, r := range records {
		if r.Pilot == t.sess.Pilot && r.Run < t.sess.Flow.Run {
			return true, nil
		}
	}
	return false, nil
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
	talks := len(t.out)+len(t.urgent) > 0
	if t.sess != nil && t.c == nil && (t.in.UpdateID != 0 || talks) {
		// Remember the update as applied; and a citizen's replies go
		// through their pilot's outbox, paced with the rest of their chat.
		t.commit()
	}
	if t.c == nil && talks {
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
		if err := t.saveUrgent(ctx, c.Pilot); err != nil {
			return err
		}
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

// saveUrgent commits a crisis's help text and alerts on their own, once
// per update (a retry finds them sent), before the turn: a turn whose
// commit keeps failing (and ends as a dead letter) must not take the
// citizen's help and the coordinators' alert with it.
func (t *turn) saveUrgent(ctx context.Context, part string) error {
	if len(t.urgent) == 0 {
		return nil
	}
	err := t.s.store.Commit(ctx, &Commit{User: t.user, Pilot: part, Out: t.urgent, Once: "sos:" + t.token, OnceTTL: urgentOnce})
	switch {
	case errors.Is(err, ErrDone):
		return nil // a try before this one committed them
	case err != nil:
		return fmt.Errorf("commit a crisis's help and alerts: %w", err)
	}
	return nil
}

// urgentOnce is how long an update's crisis messages are remembered as
// committed: far longer than an update is retried before it is a dead
// letter.
const urgentOnce = 24 * time.Hour

// blockedNow holds a citizen who blocked the bot and cancels their
// prompts: nothing more can reach them. One who stopped stays stopped.
func (t *turn) blockedNow() {
	if t.sess == nil || t.sess.hold() != HoldNone {
		return // counted once
	}
	t.sess.setHold(HoldBlocked)
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
