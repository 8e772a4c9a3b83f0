package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// What the bot writes about ideas on its own, through the bulk lane and
// never in quiet hours: "your idea is on the board" to its author, a new
// status to whoever proposed or supported the idea and asked to hear back,
// a coordinator's update to everyone who asked to hear back, and the
// batches of new ideas to coordinators. FireDue calls fireIdeas for every
// pilot outside its quiet hours.

// newsBatch is how many messages one claim takes.
const newsBatch = 100

var timeZero time.Time

// fireIdeas sends a pilot's due idea messages and tells the coordinators
// about ideas that arrived since they were last told.
func (s *Service) fireIdeas(ctx context.Context, f *flow.Flow) (int, error) {
	st := s.ideas.store
	if st == nil {
		return 0, nil
	}
	sent := 0
	var errs []error
	for {
		due, err := st.ClaimNews(ctx, f.Pilot.ID, s.clock.Now(), s.lease, newsBatch)
		if err != nil {
			errs = append(errs, fmt.Errorf("claim idea messages of %s: %w", f.Pilot.ID, err))
			break
		}
		for _, d := range due {
			ok, err := s.sendNews(ctx, f, d)
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				sent++
			}
		}
		if len(due) < newsBatch || ctx.Err() != nil {
			break
		}
	}
	if err := s.noticeWaiting(ctx, f); err != nil && !errors.Is(err, ErrDone) {
		errs = append(errs, err)
	}
	return sent, errors.Join(errs...)
}

// recipient is where and in which language a citizen gets a message.
type recipient struct {
	chat int64
	lang string
	hear bool // agreed to hear back
}

// recipientOf finds a citizen's chat: their session in the pilot, else
// the chat they gave with their consent to hear back; false when there is
// none, or when they are held (Phase.Held) there or in the pilot they are
// in now: a /stop anywhere means nothing comes on its own, as for
// follow-ups (fire).
func (s *Service) recipientOf(ctx context.Context, pilot, user string) (recipient, bool, error) {
	chat, lang, hear, err := s.ideas.store.HearBack(ctx, pilot, user)
	if err != nil {
		return recipient{}, false, err
	}
	r := recipient{chat: chat, lang: lang, hear: hear}
	cur, err := s.store.Load(ctx, user)
	if err != nil {
		return recipient{}, false, err
	}
	sess := cur
	if cur == nil || cur.Pilot != pilot {
		if sess, err = s.store.LoadPilot(ctx, user, pilot); err != nil {
			return recipient{}, false, err
		}
	}
	if cur.Phase().Held() || sess.Phase().Held() {
		return recipient{}, false, nil
	}
	if sess != nil {
		r.chat, r.lang = sess.Chat, sess.Flow.Lang
	}
	return r, r.chat != 0, nil
}

// sendNews sends one due message, or drops it when it no longer applies
// (the idea is gone, the citizen withdrew or cannot be reached).
func (s *Service) sendNews(ctx context.Context, f *flow.Flow, d NewsDue) (bool, error) {
	c := &Commit{User: d.User, Pilot: f.Pilot.ID, Day: dayOf(f, s.clock.Now()), Ideas: []IdeaOp{{Op: OpNewsDone, Member: d.Member}}}
	r, ok, err := s.recipientOf(ctx, f.Pilot.ID, d.User)
	if err != nil {
		return false, fmt.Errorf("idea message: %w", err)
	}
	text := ""
	if ok {
		text, err = s.newsText(ctx, f, d, r)
		if err != nil {
			return false, fmt.Errorf("idea message: %w", err)
		}
	}
	if text != "" {
		c.Out = []Out{{Lane: LaneBulk, Chat: r.chat, Text: text}}
		c.Counts = map[string]int64{string(cIdeaNews): 1}
	}
	if err := s.store.Commit(ctx, c); err != nil {
		return false, fmt.Errorf("idea message: %w", err)
	}
	s.kick(c)
	return text != "", nil
}

// newsText writes a message in the recipient's language; "" when there is
// nothing (left) to say to them.
func (s *Service) newsText(ctx context.Context, f *flow.Flow, d NewsDue, r recipient) (string, error) {
	say := s.sayIn(r.lang)
	st := s.ideas.store
	if d.News != "" {
		text, err := st.NewsText(ctx, f.Pilot.ID, d.News)
		if err != nil || text == "" || !r.hear {
			return "", err
		}
		name := f.Pilot.Name.Render(matchLang(r.lang, f.Pilot.Languages), nil)
		return say("news.pilot", map[string]any{"Pilot": name}) + "\n\n" + noteFor(text, r.lang, f.Pilot.Languages) + "\n\n" + say("news.stop", nil), nil
	}
	i, err := st.Idea(ctx, f.Pilot.ID, d.Idea)
	if err != nil || i == nil || !i.Status.OnBoard() {
		return "", err
	}
	quote := flow.QuoteIdea(ideaText(*i, r.lang))
	if i.Status == IdeaReceived {
		if i.Author != d.User {
			return "", nil
		}
		return say("news.board", nil) + "\n\n" + quote, nil
	}
	if !r.hear {
		return "", nil
	}
	var b strings.Builder
	b.WriteString(say("news.idea", nil) + "\n\n" + quote + "\n\n")
	b.WriteString(say("news.status", map[string]any{"Name": statusName(i.Status, say)}))
	if note := noteFor(i.Note, r.lang, f.Pilot.Languages); note != "" {
		b.WriteString("\n" + note)
	}
	b.WriteString("\n\n" + say("news.stop", nil))
	return b.String(), nil
}

// noticeWaiting tells a pilot's coordinators, at most once per
// noticeWindow, about the ideas that arrived since they were last told.
// The marker of the last notice is part of the commit, and the commit is
// done once per notice (Once), so replicas do not tell twice.
func (s *Service) noticeWaiting(ctx context.Context, f *flow.Flow) error {
	st, now := s.ideas.store, s.clock.Now()
	last, err := st.LastNotice(ctx, f.Pilot.ID)
	if err != nil || now.Sub(last) < noticeWindow {
		return err
	}
	list, total, err := st.WaitingSince(ctx, f.Pilot.ID, last, batchMax)
	ids := s.Coordinators(f.Pilot.ID)
	if err != nil || total == 0 || len(ids) == 0 {
		return err
	}
	c := &Commit{Pilot: f.Pilot.ID, Once: fmt.Sprintf("inote:%d", last.UnixMilli()), OnceTTL: 24 * time.Hour,
		Ideas: []IdeaOp{{Op: OpNoticed, At: now.UnixMilli()}}}
	for _, id := range ids {
		lang, err := s.store.Pref(ctx, coordLangKey(s.Pseudonym(id)))
		if err != nil {
			return err
		}
		m := s.moderationBatch(f, list, total, cmpOr(lang, f.DefaultLanguage()))
		c.Out = append(c.Out, Out{Lane: LaneBulk, Chat: id, Text: m.Text, Buttons: m.Buttons})
	}
	if err := s.store.Commit(ctx, c); err != nil {
		return err
	}
	s.kick(c)
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// newsKey keeps a coordinator's update between the preview and Send.
func newsKey(user string) string { return "coord-news:" + user }

// newsPreview shows a coordinator how many people an update reaches, with
// Send and Cancel.
func (t *turn) newsPreview(ctx context.Context, pilots []string, payload string, say flow.Say) {
	first, rest, _ := strings.Cut(strings.TrimSpace(payload), " ")
	switch {
	case slices.Contains(pilots, strings.ToLower(first)):
		pilots, payload = []string{strings.ToLower(first)}, strings.TrimSpace(rest)
	case len(pilots) > 1:
		t.text(say("news.which", nil))
		return
	}
	text := strings.TrimSpace(payload)
	if text == "" {
		t.text(say("news.usage", nil))
		return
	}
	pilot := pilots[0]
	n, err := t.s.ideas.store.Hearers(ctx, pilot)
	if err != nil {
		t.err = err
		return
	}
	t.setPref(newsKey(t.user), pilot+"|"+text)
	data := func(opt string) string {
		return flow.Callback{Kind: flow.CallbackNews, Arg: pilot, Option: opt}.Encode()
	}
	t.send(flow.Message{Text: say("news.preview", map[string]any{"Count": n}) + "\n\n" + text, Buttons: [][]flow.Button{{
		{Text: say("news.send", nil), Data: data(flow.NewsSend)},
		{Text: say("news.cancel", nil), Data: data(flow.NewsCancel)},
	}}})
}

// newsPress sends or drops the update previewed.
func (t *turn) newsPress(ctx context.Context, cb flow.Callback, say flow.Say) {
	draft, err := t.s.store.Pref(ctx, newsKey(t.user))
	if err != nil {
		t.err = err
		return
	}
	pilot, text, _ := strings.Cut(draft, "|")
	f := t.s.Flows().Get(pilot)
	if f == nil || pilot != cb.Arg || text == "" || !t.coordinates(pilot) {
		t.ack(say("stale.short", nil))
		return
	}
	t.ack("")
	t.setPref(newsKey(t.user), "")
	if cb.Option == flow.NewsCancel {
		t.chosen(say("news.cancel", nil))
		t.text(say("news.cancelled", nil))
		return
	}
	t.chosen(say("news.send", nil))
	t.ideaOp(pilot, IdeaOp{Op: OpNews, ID: newIdeaID(), Text: text, Due: f.Pilot.OutsideQuietHours(t.now).UnixMilli()})
	t.text(say("news.sent", nil))
}
