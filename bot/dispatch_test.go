package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// quickTo takes a citizen through quick.yaml's consent; with later "yes" or
// "no" also through both questions.
func quickTo(c *citizen, later string) {
	c.e.t.Helper()
	c.say("/start")
	c.press(":welcome:yes")
	if later == "" {
		return
	}
	c.press(":q_mood:3")
	c.press(":q_later:" + later)
}

// fireAt moves the clock by d, runs FireDue and returns how many prompts it
// sent and the texts the citizen got.
func fireAt(t *testing.T, e *env, c *citizen, d time.Duration) (int, []string) {
	t.Helper()
	e.advance(d)
	mark := e.rec.mark()
	n := e.fire()
	return n, e.rec.texts(c.id, mark)
}

func TestFireDue(t *testing.T) {
	t.Parallel()
	t.Run("a follow-up fires once at its time, in the citizen's language", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		c := e.citizen(12001, "fi")
		quickTo(c, "yes")
		if s := c.session(); s.Flow.Node != "wait" || !s.Flow.Waiting() {
			t.Fatalf("not waiting: %+v", s.Flow)
		}
		if n, got := fireAt(t, e, c, 2*time.Hour-time.Second); n != 0 || len(got) != 0 {
			t.Fatalf("a second early: sent %d %q", n, got)
		}
		n, got := fireAt(t, e, c, time.Second)
		if n != 1 || len(got) != 1 || !strings.Contains(got[0], "Hei taas! Miten nyt menee?") {
			t.Fatalf("at the due time: sent %d %q", n, got)
		}
		if n, got := fireAt(t, e, c, 30*time.Minute); n != 0 || len(got) != 0 {
			t.Fatalf("sent again: %d %q", n, got)
		}
		s := c.session()
		if !s.FollowedUp || s.Flow.Node != "q_again" {
			t.Fatalf("session %+v", s)
		}
		c.press(":q_again:5")
		cn := e.counters("quick")
		if cn["fu_sent"] != 1 || cn["fu_answered"] != 1 {
			t.Fatalf("follow-up counters %v", cn)
		}
		if s := c.session(); s.FollowedUp || !s.Flow.Done {
			t.Fatalf("session %+v", s)
		}
	})
	t.Run("a reminder fires once", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		c := e.citizen(12002, "en")
		quickTo(c, "")
		if n, _ := fireAt(t, e, c, 59*time.Minute); n != 0 {
			t.Fatalf("early: %d", n)
		}
		n, got := fireAt(t, e, c, time.Minute)
		if n != 1 || len(got) != 1 || !strings.HasPrefix(got[0], say(t, "en", "reminder")) || !strings.Contains(got[0], "How was your day?") {
			t.Fatalf("sent %d %q", n, got)
		}
		if n, got := fireAt(t, e, c, 24*time.Hour); n != 0 || len(got) != 0 {
			t.Fatalf("sent again: %d %q", n, got)
		}
		if e.counters("quick")["reminders"] != 1 {
			t.Fatal("reminder not counted")
		}
		// The count is per dialogue: the next question gets no reminder.
		c.press(":q_mood:2")
		if n, _ := fireAt(t, e, c, 24*time.Hour); n != 0 {
			t.Fatalf("a second reminder in one dialogue: %d", n)
		}
	})
	t.Run("answering in time cancels the reminder", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		c := e.citizen(12003, "en")
		quickTo(c, "")
		e.advance(30 * time.Minute)
		c.press(":q_mood:4")
		// q_later's reminder replaces q_mood's: due an hour after the answer.
		if n, _ := fireAt(t, e, c, 59*time.Minute); n != 0 {
			t.Fatalf("the old reminder fired: %d", n)
		}
		n, got := fireAt(t, e, c, time.Minute)
		if n != 1 || !strings.Contains(got[0], "May I ask again later?") {
			t.Fatalf("sent %d %q", n, got)
		}
	})
	t.Run("restarting drops the follow-up", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		c := e.citizen(12004, "en")
		quickTo(c, "yes")
		c.say("/restart")
		if n, got := fireAt(t, e, c, 3*time.Hour); n != 0 || len(got) != 0 {
			t.Fatalf("sent %d %q", n, got)
		}
	})
	t.Run("stale prompts send nothing and are released", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			stale func(t *testing.T, e *env, c *citizen)
		}{
			{"dialogue moved on", func(t *testing.T, e *env, c *citizen) {
				// A prompt for a question answered since, left by a crash.
				s := c.session()
				injectPrompt(t, e, c, s, bot.Prompt{Kind: flow.PromptFollowUp, Node: "q_later", Seq: s.Flow.Seq - 2, Due: e.clock.Now()})
			}},
			{"dialogue restarted", func(t *testing.T, e *env, c *citizen) {
				old := c.session()
				c.say("/restart")
				injectPrompt(t, e, c, c.session(), bot.Prompt{Kind: flow.PromptFollowUp, Node: "wait", Seq: old.Flow.Seq, Due: e.clock.Now()})
			}},
			{"flow changed", func(t *testing.T, e *env, c *citizen) {
				e.svc.SetFlows(bot.NewFlows(testFlow(t, "quick-v2.yaml")))
			}},
			{"opted out", func(t *testing.T, e *env, c *citizen) {
				c.say("/stop")
				s := c.session()
				injectPrompt(t, e, c, s, bot.Prompt{Kind: flow.PromptFollowUp, Node: "wait", Seq: s.Flow.Seq, Due: time.Unix(s.Flow.Due, 0)})
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
				c := e.citizen(12005, "en")
				quickTo(c, "yes") // a follow-up due in two hours
				tc.stale(t, e, c)
				before := c.session()
				n, got := fireAt(t, e, c, 2*time.Hour)
				if n != 0 || len(got) != 0 {
					t.Fatalf("sent %d %q", n, got)
				}
				if all := e.rec.since(e.rec.mark()); len(all) != 0 {
					t.Fatalf("sent %+v", all)
				}
				after := c.session()
				if after.Rev != before.Rev {
					t.Errorf("a stale prompt changed the session: %+v -> %+v", before.Flow, after.Flow)
				}
				// Released: it does not come back after the lease.
				due, err := e.store.ClaimDue(e.ctx, "quick", e.clock.Now().Add(time.Hour), time.Minute, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(due) != 0 {
					t.Fatalf("still queued: %+v", due)
				}
			})
		}
	})
	t.Run("a follow-up to a citizen who blocked the bot opts them out", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		c := e.citizen(12006, "en")
		quickTo(c, "yes")
		e.rec.block(c.id)
		e.advance(2 * time.Hour)
		if _, err := e.svc.FireDue(e.ctx); err != nil {
			t.Fatal(err)
		}
		if s := c.session(); s.Phase() != bot.PhaseBlocked {
			t.Fatal("not opted out")
		}
		if n, _ := fireAt(t, e, c, 48*time.Hour); n != 0 {
			t.Fatalf("sent %d", n)
		}
	})
	t.Run("many citizens in one run", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		const n = 130 // more than one claim batch
		for i := range n {
			quickTo(e.citizen(int64(13000+i), "en"), "")
		}
		e.advance(time.Hour)
		if got := e.fire(); got != n {
			t.Fatalf("sent %d reminders, want %d", got, n)
		}
		if got := e.fire(); got != 0 {
			t.Fatalf("sent %d more", got)
		}
	})
}

// injectPrompt schedules a prompt for the citizen as a stale leftover would
// be: through the store, with the session as it is.
func injectPrompt(t *testing.T, e *env, c *citizen, s *bot.Session, p bot.Prompt) {
	t.Helper()
	err := e.store.Commit(e.ctx, &bot.Commit{User: c.pseudonym(), Pilot: s.Pilot, Session: s, TTL: time.Hour * 24, Day: "2026-03-02", Prompts: []bot.Prompt{p}})
	if err != nil {
		t.Fatal(err)
	}
}
