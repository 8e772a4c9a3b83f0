package bot_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// Issue 9: a conversation that keeps its word. These tests reach what the
// scenario files (flows/*.test.yaml) cannot: several pilots at once, the
// store's prompts, marks on keyboards and the counters.

// dueIn counts the prompts scheduled in a pilot.
func (e *env) dueIn(pilot string) int64 {
	e.t.Helper()
	n, err := e.rdb.ZCard(e.ctx, "cosie:{p:"+pilot+"}:due").Result()
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// sessionIn loads the citizen's session in a pilot, current or not.
func (c *citizen) sessionIn(pilot string) *bot.Session {
	c.e.t.Helper()
	s, err := c.e.store.LoadPilot(c.e.ctx, c.pseudonym(), pilot)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return s
}

// TestLeafletThreeTimes: a citizen who taps the same leaflet link three
// times over a week has one dialogue, one set of answers and one
// follow-up.
func TestLeafletThreeTimes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	c := e.citizen(9901, "en")
	c.say("/start turku")
	c.press(":welcome:yes")
	c.press(":ask_experience:4")

	e.advance(2 * 24 * time.Hour) // Wednesday: the leaflet again
	got := c.say("/start turku")
	if len(got) != 2 || got[0] != say(t, "en", "back.active") || !strings.HasPrefix(got[1], q2EN) {
		t.Fatalf("second tap: %q, want welcome back and question 2", got)
	}
	c.press(":ask_reason:staff")
	c.say("Longer opening hours")
	c.press(":ask_followup_ok:yes")
	if n := e.dueIn("turku"); n != 1 {
		t.Fatalf("%d prompts after agreeing to the follow-up", n)
	}

	e.advance(3 * 24 * time.Hour) // Saturday: and again
	got = c.say("/start turku")
	if len(got) != 1 || !strings.Contains(got[0], "I will write to you again in 11 days") {
		t.Fatalf("third tap: %q, want when the follow-up comes", got)
	}
	if n := e.dueIn("turku"); n != 1 {
		t.Fatalf("%d prompts after the third tap, want the one follow-up", n)
	}

	e.advance(12 * 24 * time.Hour)
	if n := e.fire(); n != 1 {
		t.Fatalf("%d follow-ups sent, want 1", n)
	}
	if n := e.fire(); n != 0 {
		t.Fatalf("%d more sent", n)
	}
	c.press(":ask_helped:5")
	c.press(":ask_change:_skip")

	results := map[string]int{}
	for _, r := range c.answers() {
		if r.Run != 1 {
			t.Errorf("answer %s in dialogue %d, want all in dialogue 1", r.Result, r.Run)
		}
		results[r.Result]++
	}
	for r, n := range results {
		if n != 1 {
			t.Errorf("%s answered %d times", r, n)
		}
	}
	if len(results) != 6 {
		t.Errorf("answers %v, want the six of one dialogue", results)
	}
	cs := e.counters("turku")
	if cs["started"] != 1 || cs["completed"] != 1 || cs["fu_sent"] != 1 {
		t.Errorf("counters started %d completed %d follow-ups %d, want 1 each", cs["started"], cs["completed"], cs["fu_sent"])
	}
}

func TestComingBack(t *testing.T) {
	t.Parallel()
	t.Run("mid-dialogue: where we were, and starting over is a button", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9911, "en")
		c.turkuTo("ask_reason")
		e.advance(time.Hour)
		mark := e.rec.mark()
		c.say("/start turku")
		msgs := e.rec.sent(c.id, mark)
		if len(msgs) != 2 || msgs[0].Msg.Text != say(t, "en", "back.active") || !strings.HasPrefix(msgs[1].Msg.Text, q2EN) {
			t.Fatalf("got %+v", msgs)
		}
		if d := buttonData(msgs[0].Msg); !slices.Equal(d, []string{"D:turku:over"}) {
			t.Fatalf("welcome back buttons %q", d)
		}
		if s := c.session(); s.Flow.Run != 1 || s.Flow.Node != "ask_reason" {
			t.Fatalf("coming back moved the dialogue: %+v", s)
		}
		got := c.press("D:turku:over")
		mustContain(t, got, welcomeEN)
		if s := c.session(); s.Flow.Run != 2 || s.Flow.Node != "welcome" {
			t.Fatalf("start over: %+v", s)
		}
		if n := len(c.answers()); n != 1 {
			t.Errorf("%d answers, want the first dialogue's one kept", n)
		}
	})
	t.Run("at consent: the consent again, no welcome", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9912, "en")
		c.say("/start turku")
		e.advance(time.Hour)
		got := c.say("/start turku")
		if len(got) != 1 || !strings.HasPrefix(got[0], welcomeEN) {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("a repeated /start within seconds gets one welcome", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9913, "en")
		if got := c.say("/start turku"); len(got) != 1 {
			t.Fatalf("first /start: %q", got)
		}
		e.advance(2 * time.Second)
		if got := c.say("/start turku"); len(got) != 0 {
			t.Fatalf("second /start: %q, want nothing", got)
		}
		c.press(":welcome:yes")
		e.advance(time.Second)
		if got := c.say("/start turku"); len(got) != 2 {
			t.Fatalf("/start after agreeing: %q, want welcome back and the question", got)
		}
		if got := c.say("/start"); len(got) != 0 {
			t.Fatalf("/start again at once: %q", got)
		}
	})
	t.Run("while waiting: when the follow-up comes; it is not cancelled", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9914, "en")
		c.turkuTo("ask_followup_ok")
		c.press(":ask_followup_ok:yes")
		e.advance(3 * 24 * time.Hour)
		mark := e.rec.mark()
		c.say("/start turku")
		msgs := e.rec.sent(c.id, mark)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Msg.Text, "You have answered everything for now. I will write to you again in 11 days") ||
			!slices.Equal(buttonData(msgs[0].Msg), []string{"D:turku:over"}) {
			t.Fatalf("got %+v", msgs)
		}
		if n := e.dueIn("turku"); n != 1 {
			t.Fatalf("%d prompts, want the follow-up", n)
		}
	})
	t.Run("finished: thanks, and answering again is a button", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9915, "en")
		c.turkuTo("ask_followup_ok")
		c.press(":ask_followup_ok:no")
		e.advance(time.Hour)
		mark := e.rec.mark()
		c.say("/start turku")
		msgs := e.rec.sent(c.id, mark)
		if len(msgs) != 1 || msgs[0].Msg.Text != say(t, "en", "back.finished") {
			t.Fatalf("got %+v", msgs)
		}
		if s := c.session(); s.Flow.Run != 1 || !s.Flow.Done {
			t.Fatalf("coming back started a dialogue: %+v", s)
		}
	})
	t.Run("after /stop: /start goes on, and the follow-up is kept", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9916, "en")
		c.turkuTo("ask_followup_ok")
		c.press(":ask_followup_ok:yes")
		due := c.session().Flow.Due
		c.say("/stop")
		if n := e.dueIn("turku"); n != 0 {
			t.Fatalf("%d prompts after /stop", n)
		}
		e.advance(24 * time.Hour)
		got := c.say("/start")
		if len(got) != 1 || !strings.Contains(got[0], "I will write to you again in 13 days") {
			t.Fatalf("got %q", got)
		}
		s := c.session()
		if s.Phase() != bot.PhaseWaiting || s.Flow.Due != due {
			t.Fatalf("after /start: %s, due %d (was %d)", s.Phase(), s.Flow.Due, due)
		}
		e.advance(13 * 24 * time.Hour)
		if n := e.fire(); n != 1 {
			t.Fatalf("%d follow-ups, want the one promised", n)
		}
	})
	t.Run("after /stop past the due time: the follow-up at once", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9917, "en")
		c.turkuTo("ask_followup_ok")
		c.press(":ask_followup_ok:yes")
		c.say("/stop")
		e.advance(20 * 24 * time.Hour)
		if n := e.fire(); n != 0 {
			t.Fatalf("%d sent to a stopped citizen", n)
		}
		got := c.say("/start turku")
		if len(got) != 1 || !strings.HasPrefix(got[0], "Hi again!") {
			t.Fatalf("got %q, want the follow-up question", got)
		}
		if cs := e.counters("turku"); cs["fu_sent"] != 1 {
			t.Errorf("fu_sent %d", cs["fu_sent"])
		}
	})
}

func TestStopKeepsItsWord(t *testing.T) {
	t.Parallel()
	t.Run("answering after /stop: a note, nothing stored, nothing promised", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9921, "en")
		c.turkuTo("ask_followup_ok")
		before := len(c.answers())
		c.say("/stop")
		mark := e.rec.mark()
		c.press(":ask_followup_ok:yes")
		msgs := e.rec.sent(c.id, mark)
		if len(msgs) != 1 || msgs[0].Msg.Text != say(t, "en", "stopped.note") || !slices.Equal(buttonData(msgs[0].Msg), []string{"D:turku:go"}) {
			t.Fatalf("got %+v", msgs)
		}
		if n := len(c.answers()); n != before {
			t.Fatalf("%d answers, want %d", n, before)
		}
		if n := e.dueIn("turku"); n != 0 {
			t.Fatalf("%d prompts scheduled for a stopped citizen", n)
		}
		got := c.say("hello")
		if len(got) != 1 || got[0] != say(t, "en", "stopped.note") {
			t.Fatalf("hello after /stop: %q", got)
		}
		// Go on: the question again, and now the answer counts.
		got = c.press("D:turku:go")
		if len(got) != 2 || !strings.Contains(got[1], "Question 4 of 4") {
			t.Fatalf("go on: %q", got)
		}
		c.press(":ask_followup_ok:yes")
		if n := e.dueIn("turku"); n != 1 {
			t.Fatalf("%d prompts after going on, want the follow-up", n)
		}
	})
	t.Run("writing while stopped and waiting is never told the bot will write", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{shippedFlow(t, "jonkoping")}})
		c := e.citizen(9922, "sv")
		c.say("/start jonkoping")
		c.press(":welcome:yes")
		c.press(":ask_experience:4")
		c.press(":ask_reason:times")
		c.press(":ask_idea:_skip")
		c.press(":ask_followup_ok:yes")
		c.say("/stop")
		for _, text := range []string{"hej", "tack"} {
			got := c.say(text)
			if len(got) != 1 || got[0] != say(t, "sv", "stopped.note") {
				t.Fatalf("%q after /stop: %q", text, got)
			}
		}
	})
	t.Run("a follow-up missed is sent when the citizen writes, not promised again", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9923, "en")
		c.turkuTo("ask_followup_ok")
		c.press(":ask_followup_ok:yes")
		// Due, but not sent yet (FireDue had not run).
		e.advance(15 * 24 * time.Hour)
		got := c.say("hello")
		if len(got) != 1 || !strings.HasPrefix(got[0], "Hi again!") {
			t.Fatalf("got %q, want the follow-up question", got)
		}
		if n := e.fire(); n != 0 {
			t.Fatalf("FireDue sent %d more", n)
		}
	})
	t.Run("/stop in one pilot stops another pilot's follow-up", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{shippedFlow(t, "turku"), testFlow(t, "quick.yaml")}})
		c := e.citizen(9924, "en")
		c.say("/start quick")
		c.press(":welcome:yes")
		c.press(":q_mood:4")
		c.press(":q_later:yes") // a follow-up in two hours
		c.say("/start turku")
		c.say("/stop")
		e.advance(3 * time.Hour)
		mark := e.rec.mark()
		if n := e.fire(); n != 0 {
			t.Fatalf("%d prompts sent after /stop", n)
		}
		if got := e.rec.since(mark); len(got) != 0 {
			t.Fatalf("sent %+v", got)
		}
	})
	t.Run("the /stop reply says what is kept, only when something is", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(9925, "en")
		if got := c.say("/stop"); len(got) != 1 || got[0] != say(t, "en", "stop.none") {
			t.Fatalf("with nothing: %q", got)
		}
		c.say("/start turku")
		if got := c.say("/stop"); len(got) != 1 || got[0] != say(t, "en", "stop.none") {
			t.Fatalf("at consent: %q", got)
		}
		c.say("/start turku")
		c.press(":welcome:yes")
		c.press(":ask_experience:2")
		if got := c.say("/stop"); len(got) != 1 || got[0] != say(t, "en", "stop.done") {
			t.Fatalf("with an answer: %q", got)
		}
		// /help while stopped offers /start, not /stop.
		help := c.say("/help")
		if !strings.Contains(help[0], "/start – ") || strings.Contains(help[0], "/stop") {
			t.Errorf("/help while stopped: %q", help[0])
		}
	})
}

func TestDeclineSaysWhatIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	c := e.citizen(9931, "en")
	// The first time: nothing kept at all.
	c.say("/start turku")
	if got := c.press(":welcome:no"); len(got) != 1 || got[0] != say(t, "en", "consent.declined") {
		t.Fatalf("first decline: %q", got)
	}
	if c.session() != nil || len(c.answers()) != 0 {
		t.Fatal("a declined first dialogue left something")
	}
	// A whole dialogue, then /restart and no: the answers stay, and the
	// citizen is told so.
	c.turkuTo("ask_followup_ok")
	c.press(":ask_followup_ok:no")
	c.say("/restart")
	got := c.press(":welcome:no")
	if len(got) != 1 || got[0] != say(t, "en", "consent.declined_kept") {
		t.Fatalf("decline after /restart: %q", got)
	}
	if s := c.session(); s == nil || s.Phase() != bot.PhaseDeclined {
		t.Fatalf("session %+v, want it kept as declined", s)
	}
	mydata := c.say("/mydata")
	mustContain(t, mydata, "Question 1 of 4")
	if n := len(c.answers()); n != 4 {
		t.Fatalf("%d answers, want the 4 of the first dialogue", n)
	}
	if cs := e.counters("turku"); cs["declined"] != 2 {
		t.Errorf("declined %d, want 2", cs["declined"])
	}
	// They change their mind: a new dialogue.
	mustContain(t, c.say("/start turku"), welcomeEN)
	c.press(":welcome:yes")
	if s := c.session(); s.Phase() != bot.PhaseActive || s.Flow.Run != 3 {
		t.Fatalf("after agreeing: %s run %d", s.Phase(), s.Flow.Run)
	}
}

func TestAnotherPilotMidDialogue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{flows: allShipped(t)})
	c := e.citizen(9941, "en")
	c.turkuTo("ask_reason")
	mark := e.rec.mark()
	c.say("/start hull")
	msgs := e.rec.sent(c.id, mark)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Msg.Text, "You are in the middle of the survey about") ||
		!slices.Equal(buttonData(msgs[0].Msg), []string{"D:hull:go", "D:turku:stay"}) {
		t.Fatalf("got %+v, want the question whether to switch", msgs)
	}
	if s := c.session(); s.Pilot != "turku" {
		t.Fatalf("switched without asking: %+v", s)
	}
	// Stay: the question again.
	got := c.press("D:turku:stay")
	if len(got) != 1 || !strings.HasPrefix(got[0], q2EN) {
		t.Fatalf("stay: %q", got)
	}
	// Go: hull's consent; turku's dialogue waits.
	e.advance(time.Minute)
	c.say("/start hull")
	got = c.press("D:hull:go")
	mustContain(t, got, "My Direction")
	if s := c.session(); s.Pilot != "hull" {
		t.Fatalf("current %+v, want hull", s)
	}
	if s := c.sessionIn("turku"); s == nil || s.Flow.Node != "ask_reason" {
		t.Fatalf("turku's dialogue after switching: %+v", s)
	}
	// At hull's consent, turku's link goes back without asking, where it
	// stood.
	got = c.say("/start turku")
	if len(got) != 2 || got[0] != say(t, "en", "back.active") || !strings.HasPrefix(got[1], q2EN) {
		t.Fatalf("back to turku: %q", got)
	}
	c.press(":ask_reason:staff")
	if recs := c.answers(); len(recs) != 2 || recs[0].Run != 1 || recs[1].Run != 1 {
		t.Fatalf("answers %+v, want one dialogue in turku", recs)
	}
}

func TestFollowUpOfAPilotLeft(t *testing.T) {
	t.Parallel()
	quick := testFlow(t, "quick.yaml")
	t.Run("waits while the citizen is busy elsewhere, then takes them back", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{shippedFlow(t, "turku"), quick}})
		c := e.citizen(9951, "en")
		c.say("/start quick")
		c.press(":welcome:yes")
		c.press(":q_mood:4")
		c.press(":q_later:yes") // due in two hours
		e.advance(110 * time.Minute)
		c.say("/start turku")
		c.press(":welcome:yes") // busy in turku
		e.advance(11 * time.Minute)
		if n := e.fire(); n != 0 {
			t.Fatalf("%d sent while the citizen is busy in turku", n)
		}
		if n := e.dueIn("quick"); n != 1 {
			t.Fatalf("%d quick prompts, want the follow-up postponed", n)
		}
		e.advance(2 * time.Hour)
		mark := e.rec.mark()
		if n := e.fire(); n != 1 {
			t.Fatalf("%d sent an hour later, want the follow-up", n)
		}
		mustContain(t, e.rec.texts(c.id, mark), "Hello again! How is it going now?")
		if s := c.session(); s.Pilot != "quick" {
			t.Fatalf("current pilot %q, want quick: the follow-up's answer goes there", s.Pilot)
		}
		c.press(":q_again:5")
		if s := c.sessionIn("quick"); !s.Flow.Done {
			t.Fatalf("quick %+v", s)
		}
		// Turku's dialogue is where it was.
		got := c.say("/start turku")
		if len(got) != 2 || !strings.HasPrefix(got[1], q1EN) {
			t.Fatalf("back to turku: %q", got)
		}
	})
	t.Run("a reminder of a pilot left is not sent", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{shippedFlow(t, "turku"), quick}})
		c := e.citizen(9952, "en")
		c.say("/start quick")
		c.press(":welcome:yes") // a reminder in an hour
		c.say("/start turku")
		c.press("D:turku:go")
		e.advance(2 * time.Hour)
		if n := e.fire(); n != 0 {
			t.Fatalf("%d sent", n)
		}
	})
}

func TestTypedAnswerIsMarked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	c := e.citizen(9961, "en")
	c.turkuTo("ask_experience")
	question := e.rec.sent(c.id, 0)
	qid := question[len(question)-1].ID
	mark := e.rec.mark()
	c.say("1")
	ch := e.rec.ofKind("chosen", mark)
	if len(ch) != 1 || ch[0].MessageID != qid || ch[0].Text != say(t, "en", "rating.1") {
		t.Fatalf("marks %+v, want ✓ %s on message %d", ch, say(t, "en", "rating.1"), qid)
	}
	if recs := c.answers(); len(recs) != 1 || recs[0].Value != "1" {
		t.Fatalf("answers %+v", recs)
	}
	// Out of range: asked again, nothing marked.
	mark = e.rec.mark()
	c.say("6")
	if ch := e.rec.ofKind("chosen", mark); len(ch) != 0 {
		t.Fatalf("marked %+v", ch)
	}
	mustContain(t, e.rec.texts(c.id, mark), say(t, "en", "reask.buttons"))
	// At the choice, the answer's words; then typed skip at the idea.
	c.say("the staff")
	qs := e.rec.sent(c.id, 0)
	qid = qs[len(qs)-1].ID
	mark = e.rec.mark()
	c.say("skip")
	if ch := e.rec.ofKind("chosen", mark); len(ch) != 1 || ch[0].MessageID != qid || ch[0].Text != say(t, "en", "button.skip") {
		t.Fatalf("marks %+v, want ✓ Skip on message %d", ch, qid)
	}
	if recs := c.answers(); len(recs) != 3 || recs[2].Value != flow.Skipped {
		t.Fatalf("answers %+v, want the idea skipped", recs)
	}
}

func TestDoubleTap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	c := e.citizen(9971, "en")
	c.turkuTo("ask_experience")
	in := c.pressIn(":ask_experience:4")
	c.handle(in)
	again := in
	again.UpdateID, again.CallbackID = e.nextUpdate(), "cb-again"
	mark := e.rec.mark()
	c.handle(again)
	if got := e.rec.texts(c.id, mark); len(got) != 0 {
		t.Fatalf("a double tap said %q", got)
	}
	if acks := e.rec.ofKind("ack", mark); len(acks) != 1 || acks[0].Text != "" {
		t.Fatalf("acks %+v, want one quiet answer", acks)
	}
	if n := len(c.answers()); n != 1 {
		t.Fatalf("%d answers", n)
	}
	// Long after, an old button is answered as before.
	e.advance(time.Minute)
	late := in
	late.UpdateID, late.CallbackID = e.nextUpdate(), "cb-late"
	mark = e.rec.mark()
	c.handle(late)
	mustContain(t, e.rec.texts(c.id, mark), say(t, "en", "reask.stale"))
}

func TestServiceMenuTyped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{flows: allShipped(t)})
	for i, tc := range []struct{ typed, want string }{
		{"Turku", "turku"},
		{"my direction", "hull"},
		{"jönköping", "jonkoping"},
		{"wroclaw", "wroclaw"},
		{"hello", ""},
		{"a", ""},
	} {
		c := e.citizen(int64(9981+i), "en")
		c.say(tc.typed)
		s := c.session()
		switch {
		case tc.want == "" && s != nil:
			t.Errorf("%q started %s", tc.typed, s.Pilot)
		case tc.want != "" && (s == nil || s.Pilot != tc.want):
			t.Errorf("%q: session %+v, want %s", tc.typed, s, tc.want)
		}
	}
}

func TestBlockedAndBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
	c := e.citizen(9991, "en")
	quickTo(c, "yes") // the follow-up in two hours
	in := c.inbound()
	in.Other = bot.OtherBlocked
	c.handle(in)
	if n := e.dueIn("quick"); n != 0 {
		t.Fatalf("%d prompts for a citizen who blocked the bot", n)
	}
	// They unblock and write: they are back, and the promise holds.
	e.advance(time.Hour)
	got := c.say("hello")
	mustContain(t, got, "I will write to you again in 1 hour")
	if s := c.session(); s.Phase() != bot.PhaseWaiting || e.dueIn("quick") != 1 {
		t.Fatalf("%s, %d prompts", s.Phase(), e.dueIn("quick"))
	}
}

// TestStartWithSeveralServices: /start without a link goes on with an open
// dialogue, and offers the services once the dialogue is over.
func TestStartWithSeveralServices(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{flows: allShipped(t)})
	c := e.citizen(9995, "en")
	c.turkuTo("ask_reason")
	e.advance(time.Hour)
	got := c.say("/start")
	if len(got) != 2 || got[0] != say(t, "en", "back.active") {
		t.Fatalf("/start mid-dialogue: %q, want to go on", got)
	}
	c.press(":ask_reason:staff")
	c.press(":ask_idea:_skip")
	c.press(":ask_followup_ok:no")
	mark := e.rec.mark()
	c.say("/start")
	msgs := e.rec.sent(c.id, mark)
	if len(msgs) != 1 || msgs[0].Msg.Text != say(t, "en", "start.choose") || !slices.Contains(buttonData(msgs[0].Msg), "P:hull") {
		t.Fatalf("/start after the end: %+v, want the services", msgs)
	}
}

// TestDoubleTapOnDecline: a second tap on "No, thanks" does not bring the
// consent back: there is no dialogue left to answer.
func TestDoubleTapOnDecline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	c := e.citizen(9996, "en")
	c.say("/start turku")
	in := c.pressIn(":welcome:no")
	c.handle(in)
	again := in
	again.UpdateID, again.CallbackID = e.nextUpdate(), "cb-again"
	mark := e.rec.mark()
	c.handle(again)
	if got := e.rec.texts(c.id, mark); len(got) != 0 {
		t.Fatalf("a second tap on No, thanks said %q", got)
	}
	if c.session() != nil {
		t.Fatal("a second tap on No, thanks started a dialogue")
	}
}

// TestStopWithoutCurrentPilot: after declining a second pilot (which keeps
// nothing, not even the pointer to it), /stop still holds the follow-up of
// the first.
func TestStopWithoutCurrentPilot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{flows: []*flow.Flow{shippedFlow(t, "turku"), testFlow(t, "quick.yaml")}})
	c := e.citizen(9997, "en")
	c.say("/start quick")
	c.press(":welcome:yes")
	c.press(":q_mood:4")
	c.press(":q_later:yes") // a follow-up in two hours
	c.say("/start turku")
	c.press(":welcome:no")
	if c.session() != nil {
		t.Fatal("want no current pilot after declining turku")
	}
	if got := c.say("/stop"); len(got) != 1 || got[0] != say(t, "en", "stop.done") {
		t.Fatalf("/stop said %q", got)
	}
	e.advance(3 * time.Hour)
	if n := e.fire(); n != 0 {
		t.Fatalf("%d prompts sent after /stop", n)
	}
	// Starting again: the follow-up, due meanwhile, comes at once.
	mustContain(t, c.say("/start"), "Hello again! How is it going now?")
}

// TestPauseInTheStateModel: a dialogue paused after a crisis (safeint) is
// one more phase. Nothing nudges it, but the follow-up it was promised
// still comes and ends the pause; opening the pilot again carries on; the
// Continue button of a dialogue left for another pilot takes the citizen
// back to it.
func TestPauseInTheStateModel(t *testing.T) {
	t.Parallel()
	quick := testFlow(t, "quick.yaml")
	t.Run("the promised follow-up comes and ends the pause", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{quick}})
		c := e.citizen(9961, "en")
		quickTo(c, "yes") // the follow-up in two hours
		mustContain(t, c.say("I want to end my life"), say(t, "en", "safeguard.pause"))
		s := c.session()
		if s.Phase() != bot.PhasePaused || s.Position() != bot.PhaseWaiting || s.Phase().Writes() {
			t.Fatalf("phase %v at %v, writes %v: want paused while waiting, writing nothing on its own", s.Phase(), s.Position(), s.Phase().Writes())
		}
		if !s.Phase().Sends(flow.PromptFollowUp) || s.Phase().Sends(flow.PromptReminder) {
			t.Fatal("a paused dialogue: the follow-up goes, a reminder does not")
		}
		e.advance(2 * time.Hour)
		mark := e.rec.mark()
		if n := e.fire(); n != 1 {
			t.Fatalf("%d prompts sent, want the follow-up", n)
		}
		mustContain(t, e.rec.texts(c.id, mark), "Hello again! How is it going now?")
		if s := c.session(); s.Paused != 0 || s.Phase() != bot.PhaseActive {
			t.Fatalf("after the follow-up: paused %d, phase %v", s.Paused, s.Phase())
		}
		c.press(":q_again:4")
		if s := c.session(); !s.Flow.Done {
			t.Fatalf("the follow-up's answer did not count: %+v", s.Flow)
		}
	})
	t.Run("no reminder while paused; opening the pilot again carries on", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{quick}})
		c := e.citizen(9962, "en")
		quickTo(c, "") // at q_mood, a reminder in an hour
		c.say("help me please")
		e.advance(2 * time.Hour)
		if n := e.fire(); n != 0 {
			t.Fatalf("%d prompts sent to a paused dialogue", n)
		}
		got := c.say("/start")
		if len(got) != 2 || got[0] != say(t, "en", "back.active") || !strings.Contains(got[1], "How was your day?") {
			t.Fatalf("/start while paused: %q", got)
		}
		if s := c.session(); s.Paused != 0 {
			t.Fatal("still paused after coming back")
		}
	})
	t.Run("Continue of a dialogue left goes back to it", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{shippedFlow(t, "turku"), quick}})
		c := e.citizen(9963, "en")
		c.say("/start quick")
		c.press(":welcome:yes")
		c.say("I want to end my life") // paused at q_mood
		// Paused is not in the middle: another pilot opens without asking.
		mustContain(t, c.say("/start turku"), "survey bot of Turku youth services")
		if s := c.sessionIn("quick"); s.Phase() != bot.PhasePaused {
			t.Fatalf("the dialogue left: %v", s.Phase())
		}
		got := c.press("R:quick")
		if len(got) != 2 || got[0] != say(t, "en", "back.active") || !strings.Contains(got[1], "How was your day?") {
			t.Fatalf("Continue of the dialogue left: %q", got)
		}
		if s := c.session(); s.Pilot != "quick" || s.Paused != 0 {
			t.Fatalf("after Continue: %+v", s)
		}
		if s := c.sessionIn("turku"); s == nil || s.Phase() != bot.PhaseActive {
			t.Fatalf("turku's dialogue, left for quick: %+v", s)
		}
	})
	t.Run("/stop while paused, then /start", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{quick}})
		c := e.citizen(9964, "en")
		quickTo(c, "")
		c.say("I want to end my life")
		c.say("/stop")
		if s := c.session(); s.Phase() != bot.PhaseStopped {
			t.Fatalf("phase %v, want stopped (a hold comes before the pause)", s.Phase())
		}
		c.say("/start")
		if s := c.session(); s.Phase() != bot.PhaseActive {
			t.Fatalf("phase %v after /start, want the dialogue going on", s.Phase())
		}
	})
}
