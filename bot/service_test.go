package bot_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// Turku's texts, as a citizen sees them.
const (
	welcomeFI = "Hei! Olen Turun nuorten palveluiden kyselybotti"
	welcomeSV = "Hej! Jag är enkätboten"
	welcomeEN = "Hi! I am the survey bot"
	q1FI      = "Kysymys 1/4"
	q1SV      = "Fråga 1/4"
	q1EN      = "Question 1 of 4"
	q2FI      = "Kysymys 2/4"
	q2EN      = "Question 2 of 4"
	q3FI      = "Kysymys 3/4"
	q4FI      = "Kysymys 4/4"
	helloFI   = "Hei taas!"
)

// turkuTo takes a citizen from /start to a question of Turku's flow:
// "ask_experience", "ask_reason", "ask_idea" or "ask_followup_ok".
func (c *citizen) turkuTo(node string) {
	c.e.t.Helper()
	c.say("/start turku")
	c.press(":welcome:yes")
	if node == "ask_experience" {
		return
	}
	c.press(":ask_experience:4")
	if node == "ask_reason" {
		return
	}
	c.press(":ask_reason:staff")
	if node == "ask_idea" {
		return
	}
	c.press(":ask_idea:_skip")
}

func TestStart(t *testing.T) {
	t.Parallel()
	t.Run("deep link starts that pilot", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: allShipped(t)})
		c := e.citizen(1001, "fi")
		got := c.say("/start turku")
		if len(got) != 1 {
			t.Fatalf("want one welcome message, got %q", got)
		}
		mustContain(t, got, welcomeFI)
		if s := c.session(); s == nil || s.Pilot != "turku" || s.Flow.Node != "welcome" || s.Flow.Run != 1 {
			t.Fatalf("session after /start turku: %+v", s)
		}
	})
	t.Run("several pilots are offered as buttons and a press starts one", func(t *testing.T) {
		all := allShipped(t)
		e := newEnv(t, envOptions{flows: all})
		c := e.citizen(1002, "fi")
		mark := e.rec.mark()
		got := c.say("/start")
		msgs := e.rec.sent(c.id, mark)
		if len(msgs) != 1 {
			t.Fatalf("want one menu, got %q", got)
		}
		if msgs[0].Msg.Text != say(t, "fi", "start.choose") {
			t.Errorf("menu text %q, want start.choose", msgs[0].Msg.Text)
		}
		var want []string
		for _, f := range all {
			want = append(want, "P:"+f.Pilot.ID)
		}
		if got := buttonData(msgs[0].Msg); !slices.Equal(got, want) {
			t.Fatalf("menu buttons %q, want %q", got, want)
		}
		if c.session() != nil {
			t.Fatal("the menu alone must not create a session")
		}
		in := c.pressIn("P:turku")
		mark = e.rec.mark()
		c.handle(in)
		mustContain(t, e.rec.texts(c.id, mark), welcomeFI)
		if n := e.rec.acks(in.CallbackID); n != 1 {
			t.Errorf("the press was acknowledged %d times", n)
		}
		chosen := e.rec.ofKind("chosen", mark)
		if len(chosen) != 1 || chosen[0].MessageID != in.MessageID || chosen[0].Text != "Turun nuorten palvelut" {
			t.Errorf("MarkChosen calls %+v, want the Finnish pilot name on message %d", chosen, in.MessageID)
		}
		if s := c.session(); s == nil || s.Pilot != "turku" {
			t.Fatalf("session after pressing P:turku: %+v", s)
		}
	})
	t.Run("unknown payload says so and offers the menu", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: allShipped(t)})
		c := e.citizen(1003, "en")
		mark := e.rec.mark()
		c.say("/start atlantis")
		msgs := e.rec.sent(c.id, mark)
		if len(msgs) != 1 || msgs[0].Msg.Text != say(t, "en", "start.unknown") {
			t.Fatalf("want start.unknown with the menu, got %+v", msgs)
		}
		if !slices.Contains(buttonData(msgs[0].Msg), "P:turku") {
			t.Errorf("the menu lacks turku: %q", buttonData(msgs[0].Msg))
		}
		if c.session() != nil {
			t.Error("an unknown link must not create a session")
		}
	})
	t.Run("/start@botname", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: allShipped(t)})
		c := e.citizen(1004, "en")
		mustContain(t, c.say("/start@cosie_bot turku"), welcomeEN)
		d := e.citizen(1005, "en")
		mark := e.rec.mark()
		d.say("/START@Cosie_Bot")
		msgs := e.rec.sent(d.id, mark)
		if len(msgs) != 1 || !slices.Contains(buttonData(msgs[0].Msg), "P:turku") {
			t.Fatalf("/START@Cosie_Bot should offer the menu, got %+v", msgs)
		}
	})
	t.Run("the only pilot starts at once", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(1006, "sv")
		got := c.say("/start")
		mustContain(t, got, welcomeSV)
		// Even a first message that is not a command starts it.
		d := e.citizen(1007, "en")
		mustContain(t, d.say("hello?"), welcomeEN)
	})
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	t.Run("client language picks the pilot's language", func(t *testing.T) {
		for _, tc := range []struct{ code, want, lang string }{
			{"sv-FI", welcomeSV, "sv"},
			{"sv", welcomeSV, "sv"},
			{"en-GB", welcomeEN, "en"},
			{"fi", welcomeFI, "fi"},
		} {
			e := newEnv(t, envOptions{})
			c := e.citizen(2001, tc.code)
			got := c.say("/start turku")
			mustContain(t, got, tc.want)
			if s := c.session(); s.Flow.Lang != tc.lang {
				t.Errorf("%q: session language %q, want %q", tc.code, s.Flow.Lang, tc.lang)
			}
		}
	})
	t.Run("a language the pilot lacks: the menu first", func(t *testing.T) {
		for _, tc := range []struct{ code, menu string }{
			{"tr", "tr"}, // the bot speaks it, the pilot does not: the menu's words in Turkish
			{"de-AT", "de"},
			{"pt-br", "pt"},
			{"", "en"},
			{"not a tag!", "en"},
		} {
			e := newEnv(t, envOptions{})
			c := e.citizen(2001, tc.code)
			mark := e.rec.mark()
			c.say("/start turku")
			msgs := e.rec.sent(c.id, mark)
			if len(msgs) != 1 || msgs[0].Msg.Text != say(t, tc.menu, "language.choose") ||
				!slices.Equal(buttonData(msgs[0].Msg), []string{"L:fi", "L:sv", "L:en", "L:ar", "L:so", "L:ru"}) {
				t.Fatalf("%q: want the language menu in %s, got %+v", tc.code, tc.menu, msgs)
			}
			if labels := msgs[0].Msg.Buttons; labels[0][0].Text != "Suomi" || labels[1][0].Text != "Svenska" || labels[2][0].Text != "English" {
				t.Errorf("%q: each language is named in itself: %+v", tc.code, labels)
			}
			if s := c.session(); s.Phase() != bot.PhaseLanguage || len(c.answers()) != 0 {
				t.Fatalf("%q: session %+v, want it choosing a language", tc.code, s)
			}
			// A second /start at once gives no second menu.
			if got := c.say("/start turku"); len(got) != 0 {
				t.Errorf("%q: a repeated /start said %q", tc.code, got)
			}
			got := c.press("L:en")
			if len(got) != 1 || !strings.HasPrefix(got[0], welcomeEN) || !strings.Contains(got[0], say(t, "en", "consent.language")) {
				t.Fatalf("%q: after choosing English want the consent in English naming /language, got %q", tc.code, got)
			}
			if s := c.session(); s.Flow.Lang != "en" || s.Phase() != bot.PhaseActive {
				t.Errorf("%q: session %+v", tc.code, s)
			}
		}
		// Typing the name of a language chooses it too.
		e := newEnv(t, envOptions{})
		c := e.citizen(2009, "de")
		c.say("/start turku")
		mustContain(t, c.say("svenska"), welcomeSV)
	})
	t.Run("/language switches and repeats the question", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(2002, "fi")
		c.turkuTo("ask_experience")
		mark := e.rec.mark()
		c.say("/language")
		msgs := e.rec.sent(c.id, mark)
		if len(msgs) != 1 || !slices.Equal(buttonData(msgs[0].Msg), []string{"L:fi", "L:sv", "L:en", "L:ar", "L:so", "L:ru"}) {
			t.Fatalf("language menu %+v, want the pilot's languages in order", msgs)
		}
		if msgs[0].Msg.Text != say(t, "fi", "language.choose") {
			t.Errorf("menu text %q", msgs[0].Msg.Text)
		}
		in := c.pressIn("L:en")
		mark = e.rec.mark()
		c.handle(in)
		got := e.rec.texts(c.id, mark)
		if len(got) != 2 || got[0] != say(t, "en", "language.set") || !strings.Contains(got[1], q1EN) {
			t.Fatalf("after L:en want the confirmation in English and question 1 in English, got %q", got)
		}
		if n := e.rec.acks(in.CallbackID); n != 1 {
			t.Errorf("acknowledged %d times", n)
		}
		if ch := e.rec.ofKind("chosen", mark); len(ch) != 1 || ch[0].Text != "English" || ch[0].MessageID != in.MessageID {
			t.Errorf("MarkChosen %+v", ch)
		}
		// Remembered: the next answer is answered in English.
		got = c.say("4")
		mustContain(t, got, q2EN)
		if recs := c.answers(); len(recs) != 1 || recs[0].Lang != "en" {
			t.Errorf("answers %+v, want one recorded in English", recs)
		}
		// Another /start of the same pilot keeps the choice.
		mustContain(t, c.say("/restart"), welcomeEN)
	})
	t.Run("a pilot with one language says so", func(t *testing.T) {
		one := testFlowOneLanguage(t)
		e := newEnv(t, envOptions{flows: []*flow.Flow{one}})
		c := e.citizen(2003, "fi")
		c.say("/start")
		got := c.say("/language")
		if len(got) != 2 || got[0] != say(t, "en", "language.only") || !strings.HasPrefix(got[1], "Hi!") {
			t.Fatalf("got %q, want language.only in the pilot's language, then the question again", got)
		}
		// A pilot with one language names no /language, in the consent or in /help.
		if strings.Contains(got[1], "/language") {
			t.Errorf("the consent names /language: %q", got[1])
		}
		if help := c.say("/help"); strings.Contains(help[0], "/language") {
			t.Errorf("/help lists /language: %q", help[0])
		}
	})
}

// testFlowOneLanguage is a minimal English-only flow.
func testFlowOneLanguage(t *testing.T) *flow.Flow {
	t.Helper()
	src := `pilot:
  id: solo
  name: Solo service
  languages: [en]
  timezone: UTC
  retention_days: 30
  help: Solo help.
nodes:
  - id: welcome
    type: consent
    text: Hi!
  - id: q
    type: text
    result: idea
    text: Your idea?
  - id: bye
    type: end
    text: Bye!
`
	f, diags := flow.Load("solo.yaml", []byte(src), flow.Options{Languages: catalog(t).Languages()})
	if f == nil {
		t.Fatal(diags)
	}
	return f
}

func TestCommands(t *testing.T) {
	t.Parallel()
	t.Run("/help", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(3001, "fi")
		c.say("/start turku")
		got := c.say("/help")
		if len(got) != 2 || !strings.HasPrefix(got[1], welcomeFI) {
			t.Fatalf("want the help message, then the current question, got %q", got)
		}
		f := shippedFlow(t, "turku")
		if !strings.Contains(got[0], f.Pilot.Help.Render("fi", nil)) {
			t.Fatalf("help %q lacks the pilot's help", got[0])
		}
		for _, cmd := range []string{"language", "stop", "mydata", "forget", "restart"} {
			if !strings.Contains(got[0], "/"+cmd+" – "+say(t, "fi", "cmd."+cmd)) {
				t.Errorf("help %q lacks /%s", got[0], cmd)
			}
		}
		// Without a session: the general help, and only what applies.
		d := e.citizen(3002, "en")
		got = d.say("/help")
		if len(got) != 1 || !strings.Contains(got[0], say(t, "en", "help.general")) || !strings.Contains(got[0], "/start – "+say(t, "en", "cmd.start")) {
			t.Fatalf("general help %q", got)
		}
		for _, cmd := range []string{"/language", "/stop", "/restart"} {
			if strings.Contains(got[0], cmd) {
				t.Errorf("help without a dialogue lists %s:\n%s", cmd, got[0])
			}
		}
	})
	t.Run("/stop opts out and cancels prompts", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		c := e.citizen(3003, "en")
		quickTo(c, "yes") // a follow-up is due in two hours
		if n, err := e.rdb.ZCard(e.ctx, "cosie:{p:quick}:due").Result(); err != nil || n != 1 {
			t.Fatalf("%d prompts scheduled (%v), want the follow-up", n, err)
		}
		got := c.say("/stop")
		if len(got) != 1 || got[0] != say(t, "en", "stop.done") {
			t.Fatalf("/stop said %q, want stop.done (answers are kept)", got)
		}
		if s := c.session(); s.Phase() != bot.PhaseStopped {
			t.Fatal("not opted out")
		}
		if n, _ := e.rdb.ZCard(e.ctx, "cosie:{p:quick}:due").Result(); n != 0 {
			t.Fatalf("%d prompts still scheduled", n)
		}
		mark := e.rec.mark()
		e.advance(3 * time.Hour)
		if n := e.fire(); n != 0 {
			t.Fatalf("FireDue sent %d prompts to an opted-out citizen", n)
		}
		if got := e.rec.since(mark); len(got) != 0 {
			t.Fatalf("sent %+v", got)
		}
		// /start opts back in.
		c.say("/start")
		if s := c.session(); s.Phase() == bot.PhaseStopped {
			t.Fatal("/start should opt the citizen back in")
		}
	})
	t.Run("/restart starts a new dialogue", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(3004, "en")
		c.turkuTo("ask_reason")
		if s := c.session(); s.Flow.Run != 1 {
			t.Fatalf("run %d", s.Flow.Run)
		}
		got := c.say("/restart")
		mustContain(t, got, welcomeEN)
		s := c.session()
		if s.Flow.Run != 2 || s.Flow.Node != "welcome" {
			t.Fatalf("after /restart: run %d at %q, want run 2 at welcome", s.Flow.Run, s.Flow.Node)
		}
		c.press(":welcome:yes")
		c.press(":ask_experience:5")
		recs := c.answers()
		if len(recs) != 2 || recs[0].Run != 1 || recs[1].Run != 2 {
			t.Fatalf("answers %+v, want one per dialogue", recs)
		}
		// Without a session /restart offers what /start offers.
		d := e.citizen(3005, "en")
		mustContain(t, d.say("/restart"), welcomeEN)
	})
	t.Run("/whoami", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(3006123, "en")
		got := c.say("/whoami")
		if len(got) != 1 || !strings.Contains(got[0], "3006123") || !strings.Contains(got[0], "coordinator") {
			t.Fatalf("/whoami said %q, want the number explained", got)
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		c := e.citizen(3007, "sv")
		c.say("/start")
		if got := c.say("/frobnicate"); len(got) != 2 || got[0] != say(t, "sv", "command.unknown") || !strings.HasPrefix(got[1], welcomeSV) {
			t.Fatalf("got %q, want command.unknown and the current question", got)
		}
	})
}

func TestForget(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) (*env, *citizen) {
		e := newEnv(t, envOptions{})
		c := e.citizen(4001, "en")
		c.turkuTo("ask_idea")
		c.say("More evening hours")
		if len(c.answers()) != 3 {
			t.Fatalf("answers %+v", c.answers())
		}
		return e, c
	}
	t.Run("asks for confirmation", func(t *testing.T) {
		e, c := setup(t)
		mark := e.rec.mark()
		c.say("/forget")
		msgs := e.rec.sent(c.id, mark)
		until := strconv.FormatInt(march2.Add(10*time.Minute).Unix(), 10)
		if len(msgs) != 1 || msgs[0].Msg.Text != say(t, "en", "forget.confirm") ||
			!slices.Equal(buttonData(msgs[0].Msg), []string{"F:yes:" + until, "F:no:" + until}) {
			t.Fatalf("want the confirmation with F:yes/F:no valid ten minutes, got %+v", msgs)
		}
		if len(c.answers()) != 3 {
			t.Fatal("/forget alone deleted something")
		}
	})
	t.Run("no keeps everything", func(t *testing.T) {
		e, c := setup(t)
		c.say("/forget")
		in := c.pressIn("No, keep it")
		mark := e.rec.mark()
		c.handle(in)
		got := e.rec.texts(c.id, mark)
		if len(got) != 2 || got[0] != say(t, "en", "forget.kept") || !strings.Contains(got[1], "Question 4 of 4") {
			t.Fatalf("after F:no got %q", got)
		}
		if ch := e.rec.ofKind("chosen", mark); len(ch) != 1 || ch[0].Text != say(t, "en", "forget.no") {
			t.Errorf("MarkChosen %+v", ch)
		}
		if n := len(c.answers()); n != 3 {
			t.Fatalf("%d answers left, want 3", n)
		}
		if s := c.session(); s == nil || s.Confirm != "" {
			t.Fatalf("session %+v", s)
		}
		// The old yes button is now stale (a minute later: right after,
		// it would be taken for a second tap, and ignored quietly).
		e.advance(time.Minute)
		mark = e.rec.mark()
		c.press("Yes, delete")
		if n := len(c.answers()); n != 3 {
			t.Fatalf("a stale F:yes deleted answers: %d left", n)
		}
		if acks := e.rec.ofKind("ack", mark); len(acks) != 1 || acks[0].Text != say(t, "en", "stale.short") {
			t.Errorf("acks %+v", acks)
		}
	})
	t.Run("an old yes button does nothing", func(t *testing.T) {
		e, c := setup(t)
		c.say("/forget")
		e.advance(11 * time.Minute)
		c.press("Yes, delete")
		if n := len(c.answers()); n != 3 {
			t.Fatalf("a yes pressed after ten minutes deleted answers: %d left", n)
		}
	})
	t.Run("yes deletes everything", func(t *testing.T) {
		e, c := setup(t)
		c.say("/forget")
		got := c.press("Yes, delete")
		if len(got) != 1 || got[0] != say(t, "en", "forget.done") {
			t.Fatalf("after F:yes got %q", got)
		}
		if recs := c.answers(); len(recs) != 0 {
			t.Fatalf("answers left: %+v", recs)
		}
		if s := c.session(); s != nil {
			t.Fatalf("session left: %+v", s)
		}
		if got := c.say("/mydata"); len(got) != 1 || got[0] != say(t, "en", "mydata.none") {
			t.Fatalf("/mydata said %q", got)
		}
		// Nothing left under the citizen's pseudonym in Redis.
		keys, err := e.rdb.Keys(e.ctx, "*"+c.pseudonym()+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 0 {
			t.Fatalf("keys left: %q", keys)
		}
	})
	t.Run("stale yes without a confirmation does nothing", func(t *testing.T) {
		e, c := setup(t)
		in := c.pressRaw("F:yes")
		mark := e.rec.mark()
		c.handle(in)
		if n := len(c.answers()); n != 3 {
			t.Fatalf("%d answers left, want 3", n)
		}
		if n := e.rec.acks(in.CallbackID); n != 1 {
			t.Errorf("acknowledged %d times", n)
		}
		if got := e.rec.texts(c.id, mark); len(got) != 1 || !strings.Contains(got[0], "Question 4 of 4") {
			t.Errorf("replied %q, want the current question again", got)
		}
		// Nor with no session at all.
		d := e.citizen(4002, "en")
		in = d.pressRaw("F:yes")
		d.handle(in)
		if n := len(c.answers()); n != 3 {
			t.Fatalf("someone else's F:yes deleted answers: %d left", n)
		}
	})
	t.Run("/forget without a session asks too", func(t *testing.T) {
		e, c := setup(t)
		// The session expired, the answers remain.
		if err := e.rdb.Del(e.ctx, "cosie:{p:turku}:s:"+c.pseudonym()).Err(); err != nil {
			t.Fatal(err)
		}
		if c.session() != nil {
			t.Fatal("session still there")
		}
		if got := c.say("/forget"); len(got) != 1 || got[0] != say(t, "en", "forget.confirm") {
			t.Fatalf("got %q, want the confirmation: answers are stored", got)
		}
		if got := c.press("Yes, delete"); len(got) != 1 || got[0] != say(t, "en", "forget.done") {
			t.Fatalf("got %q", got)
		}
		if recs := c.answers(); len(recs) != 0 {
			t.Fatalf("answers left: %+v", recs)
		}
		// Pressed again: nothing is left, nothing is said.
		if got := c.press("Yes, delete"); len(got) != 0 {
			t.Fatalf("a second yes said %q", got)
		}
	})
}

func TestMyData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	c := e.citizen(5001, "sv")
	if got := c.say("/mydata"); len(got) != 1 || got[0] != say(t, "sv", "mydata.none") {
		t.Fatalf("before anything: %q", got)
	}
	c.turkuTo("ask_idea")
	c.voice("voice-file-1")
	c.say("/restart")
	c.press(":welcome:yes")
	c.press(":ask_experience:_dk")
	c.press(":ask_reason:other")
	c.say("bussen går för sällan")
	c.press(":ask_idea:_skip")
	c.press(":ask_followup_ok:no")

	got := c.say("/mydata")
	if len(got) != 1 {
		t.Fatalf("want one message (the dialogue is finished: no question follows), got %q", got)
	}
	want := []string{
		"Det här är sparat om dig:",
		"Tjänst: Åbo stads ungdomstjänster",
		"Språk: Svenska",
		"(2026-03-02):",
		"• Fråga 1/4: Hur var din upplevelse av ungdomstjänsterna överlag?\n   → 🙂 Bra",
		"• Fråga 2/4: Vad påverkade ditt svar mest?\n   → Personalen",
		"Du kan skriva eller skicka ett röstmeddelande.\n   → (röstmeddelande)",
		"→ 🤷 Vet inte",
		"→ Något annat “bussen går för sällan”",
		"→ (hoppade över)",
		"• Fråga 4/4: Får jag fråga om två veckor hur det går för dig?\n   → Nej",
	}
	for _, w := range want {
		if !strings.Contains(got[0], w) {
			t.Errorf("/mydata lacks %q:\n%s", w, got[0])
		}
	}
	for _, internal := range []string{"voice-file-1", "_skip", "overall_experience", "main_reason"} {
		if strings.Contains(got[0], internal) {
			t.Errorf("/mydata shows the internal %q:\n%s", internal, got[0])
		}
	}
}

func TestRedelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	c := e.citizen(6001, "fi")
	c.turkuTo("ask_experience")
	in := c.pressIn(":ask_experience:3")
	c.handle(in)
	before := e.counters("turku")
	sess := c.session()
	if len(c.answers()) != 1 {
		t.Fatal("answer not recorded")
	}
	// Handled again (a retry after a crash between the commit and the
	// inbox's acknowledgement): nothing changes and nothing is said, the
	// first handling's replies are in the outbox already.
	mark := e.rec.mark()
	c.handle(in)
	if got := e.rec.texts(c.id, mark); len(got) != 0 {
		t.Fatalf("a repeated update said %q", got)
	}
	if n := len(c.answers()); n != 1 {
		t.Fatalf("%d answers after a repeat, want 1", n)
	}
	if after := e.counters("turku"); !equalCounts(before, after) {
		t.Fatalf("counters changed: %v -> %v", before, after)
	}
	if s := c.session(); s.Rev != sess.Rev || s.Flow.Node != "ask_reason" {
		t.Fatalf("session changed: rev %d -> %d, node %q", sess.Rev, s.Rev, s.Flow.Node)
	}
	if acks := e.rec.ofKind("ack", mark); len(acks) != 1 || acks[0].Callback != in.CallbackID {
		t.Fatalf("acks %+v, want one", acks)
	}
	// An update with a lower id that was never applied (two replicas got
	// two updates of the chat at once) is applied, not taken for a repeat.
	newer := c.inbound()
	newer.UpdateID, newer.Text = in.UpdateID+100, "/help"
	c.handle(newer)
	late := c.pressIn(":ask_reason:staff")
	late.UpdateID = in.UpdateID + 50
	mark = e.rec.mark()
	c.handle(late)
	if got := e.rec.texts(c.id, mark); len(got) != 1 || !strings.Contains(got[0], "3/4") {
		t.Fatalf("the late update got %q, want question 3", got)
	}
	if n := len(c.answers()); n != 2 {
		t.Fatalf("%d answers after the late update, want 2", n)
	}
	// Updates without an id (the terminal) are never deduplicated.
	noID := c.inbound()
	noID.UpdateID, noID.Text = 0, "/whoami"
	mark = e.rec.mark()
	c.handle(noID)
	c.handle(noID)
	// Each: the answer, then the current question again.
	if got := e.rec.texts(c.id, mark); len(got) != 4 {
		t.Fatalf("got %q", got)
	}
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestButtonPresses(t *testing.T) {
	t.Parallel()
	// Every press is acknowledged exactly once, whatever it is.
	for _, tc := range []struct {
		name    string
		session bool   // the citizen is at question 1 of Turku
		data    string // "" : a valid press of "4"
		stale   bool   // acknowledged with the stale notice
		chosen  string // MarkChosen label, "" for none
	}{
		{name: "valid", session: true, chosen: "🙂 Hyvä"},
		{name: "garbage", session: true, data: "garbage", stale: true},
		{name: "garbage without session", data: "garbage", stale: true},
		{name: "unknown pilot", session: true, data: "P:nope", stale: true},
		{name: "unknown pilot without session", data: "P:nope", stale: true},
		{name: "unknown language", session: true, data: "L:xx", stale: true},
		{name: "unknown language without session", data: "L:xx", stale: true},
		{name: "chosen mark", session: true, data: bot.ChosenData},
		{name: "chosen mark without session", data: bot.ChosenData},
		{name: "old flow version", session: true, data: "abcdef:ask_experience:4", stale: true},
		{name: "other node", session: true, data: "", stale: true},
		{name: "forged option", session: true, data: ":ask_experience:9", stale: true},
		{name: "flow button without session", data: "abcdef:ask_experience:4", stale: true},
		{name: "forget without confirmation", session: true, data: "F:no", stale: true},
		{name: "help", session: true, data: flow.HelpData},
		{name: "empty-ish", session: true, data: ":", stale: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			c := e.citizen(7001, "fi")
			if tc.session {
				c.turkuTo("ask_experience")
			}
			var in bot.Inbound
			version := shippedFlow(t, "turku").Version[:6]
			switch {
			case tc.name == "valid":
				in = c.pressIn(":ask_experience:4")
			case tc.name == "other node":
				in = c.pressRaw(version + ":ask_reason:staff")
			case tc.name == "forged option":
				in = c.pressRaw(version + tc.data)
			default:
				in = c.pressRaw(tc.data)
				in.MessageID = 99
			}
			before := c.session()
			mark := e.rec.mark()
			c.handle(in)
			acks := e.rec.ofKind("ack", mark)
			if len(acks) != 1 || acks[0].Callback != in.CallbackID {
				t.Fatalf("acks %+v, want exactly one of %s", acks, in.CallbackID)
			}
			if stale := acks[0].Text == say(t, "fi", "stale.short") || acks[0].Text == say(t, "en", "stale.short"); stale != tc.stale {
				t.Errorf("ack text %q, stale %v, want stale %v", acks[0].Text, stale, tc.stale)
			}
			// The acknowledgement comes before any message.
			if all := e.rec.since(mark); all[0].Kind != "ack" {
				t.Errorf("first call is %s, want the ack", all[0].Kind)
			}
			chosen := e.rec.ofKind("chosen", mark)
			switch {
			case tc.chosen == "" && len(chosen) != 0:
				t.Errorf("MarkChosen %+v, want none", chosen)
			case tc.chosen != "" && (len(chosen) != 1 || chosen[0].Text != tc.chosen || chosen[0].MessageID != in.MessageID):
				t.Errorf("MarkChosen %+v, want %q on message %d", chosen, tc.chosen, in.MessageID)
			}
			if tc.session && tc.name != "valid" {
				// A stale or forged press does not restart the dialogue.
				if s := c.session(); s.Flow.Run != before.Flow.Run || s.Flow.Node != before.Flow.Node {
					t.Errorf("the press moved the dialogue from %s (run %d) to %s (run %d)", before.Flow.Node, before.Flow.Run, s.Flow.Node, s.Flow.Run)
				}
				if n := len(c.answers()); n != 0 {
					t.Errorf("the press recorded %d answers", n)
				}
			}
		})
	}
	t.Run("while sending fails", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		c := e.citizen(7002, "fi")
		c.turkuTo("ask_experience")
		in := c.pressIn(":ask_experience:4")
		e.rec.failEverything(errDown)
		c.handle(in) // a failing sender is logged, not an error of the update
		if n := e.rec.acks(in.CallbackID); n != 1 {
			t.Fatalf("acknowledgement tried %d times", n)
		}
		if n := len(c.answers()); n != 1 {
			t.Fatalf("%d answers", n)
		}
		if s := c.session(); s.Phase() == bot.PhaseStopped || s.Flow.Node != "ask_reason" {
			t.Fatalf("session %+v", s)
		}
	})
}

func TestGroupChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	group := int64(-100123)
	for i, text := range []string{"/start turku", "hello", "/help"} {
		in := bot.Inbound{UpdateID: e.nextUpdate(), ChatID: group, UserID: 8001, Private: false, Lang: "fi", Text: text}
		if err := e.svc.Handle(e.ctx, in); err != nil {
			t.Fatal(err)
		}
		if got := e.rec.texts(group, 0); len(got) != 1 || got[0] != say(t, "fi", "private.only") {
			t.Fatalf("after message %d the group got %q, want one private.only", i+1, got)
		}
	}
	in := bot.Inbound{UpdateID: e.nextUpdate(), ChatID: group, UserID: 8001, Lang: "fi", Data: "P:turku", CallbackID: "g1"}
	if err := e.svc.Handle(e.ctx, in); err != nil {
		t.Fatal(err)
	}
	if n := e.rec.acks("g1"); n != 1 {
		t.Fatalf("a press in a group was acknowledged %d times", n)
	}
	if got := e.rec.texts(group, 0); len(got) != 1 {
		t.Fatalf("the group got %q", got)
	}
	if s, _ := e.store.Load(e.ctx, e.svc.Pseudonym(8001)); s != nil {
		t.Fatal("a group message created a session")
	}
}

func TestBlocked(t *testing.T) {
	t.Parallel()
	t.Run("a send that says blocked opts out", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		c := e.citizen(9101, "en")
		c.say("/start")
		c.press(":welcome:yes") // a reminder is now due in an hour
		e.rec.block(c.id)
		in := c.inbound()
		in.Text = "what?"
		c.handle(in)
		if s := c.session(); s.Phase() != bot.PhaseBlocked {
			t.Fatal("not opted out")
		}
		if got := e.counters("quick")["blocked"]; got != 1 {
			t.Errorf("blocked counter %d", got)
		}
		// The day's counters keep the pilot's retention (30 days + 1).
		ttl, err := e.rdb.PTTL(e.ctx, "cosie:{p:quick}:c:2026-03-02").Result()
		if err != nil || ttl <= 0 || ttl > 31*24*time.Hour {
			t.Errorf("day counters expire in %s (%v), want at most 31 days", ttl, err)
		}
		e.advance(2 * time.Hour)
		mark := e.rec.mark()
		if n := e.fire(); n != 0 {
			t.Fatalf("FireDue sent %d", n)
		}
		if got := e.rec.since(mark); len(got) != 0 {
			t.Fatalf("sent %+v", got)
		}
	})
	t.Run("a blocked update opts out", func(t *testing.T) {
		e := newEnv(t, envOptions{flows: []*flow.Flow{testFlow(t, "quick.yaml")}})
		c := e.citizen(9102, "en")
		c.say("/start")
		c.press(":welcome:yes")
		in := c.inbound()
		in.Other = bot.OtherBlocked
		mark := e.rec.mark()
		c.handle(in)
		if got := e.rec.since(mark); len(got) != 0 {
			t.Fatalf("sent %+v to a citizen who blocked the bot", got)
		}
		if s := c.session(); s.Phase() != bot.PhaseBlocked {
			t.Fatal("not opted out")
		}
		e.advance(2 * time.Hour)
		if n := e.fire(); n != 0 {
			t.Fatalf("FireDue sent %d", n)
		}
		// Someone unknown blocking the bot is fine too.
		d := e.citizen(9103, "en")
		in = d.inbound()
		in.Other = bot.OtherBlocked
		d.handle(in)
		if d.session() != nil {
			t.Fatal("a session appeared")
		}
	})
	t.Run("a coordinator who blocked the bot does not opt the citizen out", func(t *testing.T) {
		e := newEnv(t, envOptions{coordinators: map[string][]int64{"turku": {9001, 9002}}})
		e.rec.block(9001)
		c := e.citizen(9104, "en")
		c.turkuTo("ask_idea")
		got := c.say("I want to kill myself")
		if s := c.session(); s.Phase() != bot.PhasePaused || s.Position() != bot.PhaseActive {
			t.Fatalf("phase %v at %v: the citizen was held because a coordinator blocked the bot; want paused (the crisis) at the open question", s.Phase(), s.Position())
		}
		mustContain(t, got, "MIELI")
		if got := e.rec.texts(9002, 0); len(got) != 1 {
			t.Fatalf("the other coordinator got %q", got)
		}
	})
	t.Run("the alert goes out even if the citizen's reply fails", func(t *testing.T) {
		for _, err := range []error{bot.ErrBlocked, errDown} {
			e := newEnv(t, envOptions{coordinators: map[string][]int64{"turku": {9001}}})
			c := e.citizen(9105, "en")
			c.turkuTo("ask_idea")
			e.rec.fail(c.id, err)
			c.say("nobody cares, I want to end my life")
			if got := e.rec.texts(9001, 0); len(got) != 1 {
				t.Fatalf("%v: the coordinator got %q, want the alert", err, got)
			}
		}
	})
}

func TestStoreDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{ownRedis: true})
	c := e.citizen(10001, "sv")
	c.turkuTo("ask_idea")
	before := len(c.answers())

	e.mr.Close()
	in := c.inbound()
	in.Text = "Längre öppettider"
	mark := e.rec.mark()
	// The update is not applied: the error makes the inbox keep it (the
	// intake, not the service, tells the citizen the bot is back shortly).
	if err := e.svc.Handle(e.ctx, in); err == nil {
		t.Fatal("Handle with Redis down returned no error")
	}
	if got := e.rec.texts(c.id, mark); len(got) != 0 {
		t.Fatalf("with Redis down the service said %q", got)
	}
	// A press during the outage is still acknowledged, once.
	press := c.pressIn(":ask_idea:_skip")
	mark = e.rec.mark()
	if err := e.svc.Handle(e.ctx, press); err == nil {
		t.Fatal("press with Redis down returned no error")
	}
	if n := e.rec.acks(press.CallbackID); n != 1 {
		t.Fatalf("the press was acknowledged %d times", n)
	}
	if got := e.rec.texts(c.id, mark); len(got) != 0 {
		t.Fatalf("the press during the outage said %q", got)
	}

	if err := e.mr.Restart(); err != nil {
		t.Fatal(err)
	}
	mark = e.rec.mark()
	c.handle(in)
	got := e.rec.texts(c.id, mark)
	if len(got) != 1 || !strings.Contains(got[0], "Fråga 4/4") {
		t.Fatalf("after Redis is back got %q, want question 4", got)
	}
	recs := c.answers()
	if len(recs) != before+1 || recs[len(recs)-1].Text != "Längre öppettider" {
		t.Fatalf("answers %+v", recs)
	}
}

func TestControlCharactersAndLongText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abcdefghi ", 999) + "abcdefghij" // 10,000 characters
	rtl := "الخدمة جيدة \u200fשירות טוב"
	for _, tc := range []struct{ name, in, want string }{
		{"control characters", "ok\x00 \a" + rtl + "\x1b[31m", "ok " + rtl + "[31m"},
		{"line breaks kept", "one\ntwo\tthree\r", "one\ntwo\tthree"},
		{"invalid utf-8", "caf\xe9 ok", "caf ok"},
		{"long", long, long},
		{"emoji", "👍🏽 great", "👍🏽 great"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			c := e.citizen(11001, "en")
			c.turkuTo("ask_idea")
			got := c.say(tc.in)
			mustContain(t, got, "Question 4 of 4")
			recs := c.answers()
			last := recs[len(recs)-1]
			if last.Result != "suggestion" || last.Text != tc.want {
				t.Fatalf("stored %q (%d bytes), want %q", shortened(last.Text), len(last.Text), shortened(tc.want))
			}
		})
	}
}

func shortened(s string) string {
	if len(s) > 80 {
		return s[:80] + "…(" + strconv.Itoa(len(s)) + " bytes)"
	}
	return s
}
