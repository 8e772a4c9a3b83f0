package bot_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/safeguard"
)

var coordinators = map[string][]int64{"turku": {9001, 9002}}

// alertRef is the reference an alert shows for a citizen in a pilot: the
// first 8 hex digits of their pseudonym in that pilot.
func alertRef(e *env, c *citizen, pilot string) string {
	return e.svc.PilotPseudonym(pilot, c.pseudonym())[:8]
}

var refPattern = regexp.MustCompile(`\b[0-9a-f]{8}\b`)

// checkAlert checks that an alert names the pilot and the citizen's
// reference in it, quotes what they wrote, carries an "I'm on it" button,
// and does not identify them.
func checkAlert(t *testing.T, e *env, c *citizen, pilot, pilotName, text string, m flow.Message) {
	t.Helper()
	ref := alertRef(e, c, pilot)
	if !strings.Contains(m.Text, ref) || !refPattern.MatchString(m.Text) {
		t.Errorf("the alert lacks the reference %s:\n%s", ref, m.Text)
	}
	if strings.Contains(m.Text, c.pseudonym()[:8]) {
		t.Errorf("the alert shows the pseudonym every pilot shares:\n%s", m.Text)
	}
	if text != "" && !strings.Contains(m.Text, strings.TrimSpace(text)) {
		t.Errorf("the alert lacks the message %q:\n%s", text, m.Text)
	}
	if strings.Contains(m.Text, strconv.FormatInt(c.id, 10)) || strings.Contains(m.Text, c.name) {
		t.Errorf("the alert identifies the citizen:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, pilotName) {
		t.Errorf("the alert does not name %q:\n%s", pilotName, m.Text)
	}
	data := buttonData(m)
	if len(data) != 1 || !strings.HasPrefix(data[0], "A:"+pilot+".") {
		t.Errorf("the alert's buttons are %q, want one \"I'm on it\"", data)
	}
}

// sentTo returns the messages delivered to a chat after a mark.
func sentTo(e *env, chat int64, mark int) []flow.Message {
	var out []flow.Message
	for _, ev := range e.rec.sent(chat, mark) {
		out = append(out, ev.Msg)
	}
	return out
}

// wantHelpAndPause checks the replies to a crisis or a request for help:
// the help text, then the pause with its Continue button, and nothing else.
func wantHelpAndPause(t *testing.T, got []flow.Message, help, lang string) {
	t.Helper()
	if len(got) != 2 || got[0].Text != help || got[1].Text != say(t, lang, "safeguard.pause") {
		var texts []string
		for _, m := range got {
			texts = append(texts, m.Text)
		}
		t.Fatalf("got %q, want the help text %q then the pause", texts, help)
	}
	if data := buttonData(got[1]); len(data) != 1 || !strings.HasPrefix(data[0], "R:") {
		t.Fatalf("the pause's buttons are %q, want Continue", data)
	}
}

func TestSafeguardingCrisisAtAQuestion(t *testing.T) {
	t.Parallel()
	turku := shippedFlow(t, "turku")
	helpFI := turku.Pilot.Safeguarding.HelpNow.Render("fi", nil)
	for _, text := range []string{
		"Ibland vill jag ta livet av mig", // Swedish in a Finnish session
		"mietin itsemurhaa usein",
		"Sometimes I want to   KILL   MYSELF.",
		"en jaksa elää enää",
		"...(suicide)",
		"I am not safe\nat home",
		"Haluan kuolla",
	} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{coordinators: coordinators})
			c := e.citizen(4242424242, "fi")
			c.turkuTo("ask_idea")
			before := len(c.answers())
			mark := e.rec.mark()
			c.say(text)
			wantHelpAndPause(t, sentTo(e, c.id, mark), helpFI, "fi")
			if n := len(c.answers()); n != before {
				t.Fatalf("the disclosure was stored as an answer (%d answers, were %d)", n, before)
			}
			if s := c.session(); s.Paused == 0 || s.Flow.Node != "ask_idea" {
				t.Fatalf("session %+v: want paused at ask_idea", s)
			}
			for _, id := range coordinators["turku"] {
				msgs := sentTo(e, id, mark)
				if len(msgs) != 1 {
					t.Fatalf("coordinator %d got %d messages, want one alert", id, len(msgs))
				}
				checkAlert(t, e, c, "turku", "Turun nuorten palvelut", text, msgs[0])
			}
			if n := e.counters("turku")["alerts"]; n != 1 {
				t.Fatalf("alerts counter %d", n)
			}
			// Carrying on: the question again, and then an answer counts.
			got := c.press("R:turku")
			if len(got) != 1 || !strings.Contains(got[0], q3FI) {
				t.Fatalf("Continue gave %q, want question 3 again", got)
			}
			if got := c.say("Enemmän iltaisin auki olevia paikkoja"); len(got) != 1 || !strings.Contains(got[0], q4FI) {
				t.Fatalf("after carrying on, an answer gave %q", got)
			}
			if n := len(c.answers()); n != before+1 {
				t.Fatalf("%d answers, want %d", n, before+1)
			}
		})
	}
}

func TestSafeguardingOrdinaryMessages(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"Enemmän iltaisin auki olevia paikkoja",
		"this queue is killing me",
		"xkill myself is a game",
	} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{coordinators: coordinators})
			c := e.citizen(4242424243, "fi")
			c.turkuTo("ask_idea")
			got := c.say(text)
			if len(got) != 1 || !strings.Contains(got[0], q4FI) {
				t.Fatalf("got %q, want only question 4", got)
			}
			if recs := c.answers(); recs[len(recs)-1].Text != text {
				t.Fatalf("the answer was not recorded: %+v", recs[len(recs)-1])
			}
			for _, id := range coordinators["turku"] {
				if msgs := e.rec.texts(id, 0); len(msgs) != 0 {
					t.Fatalf("coordinator %d got %q", id, msgs)
				}
			}
		})
	}
}

func TestSafeguardingHelpInWords(t *testing.T) {
	t.Parallel()
	turku := shippedFlow(t, "turku")
	for _, tc := range []struct {
		lang, node, text string
	}{
		{"fi", "ask_idea", "apua"},
		{"fi", "ask_idea", "tarvitsen apua"},
		{"fi", "ask_experience", "Apua!"},
		{"en", "ask_reason", "help"},
		{"en", "ask_experience", "I need help"},
		{"en", "welcome", "help me please"},
		{"sv", "ask_idea", say(t, "sv", "button.help")}, // the button's own text, typed
		{"fi", "ask_reason", say(t, "fi", "button.help")},
	} {
		t.Run(tc.lang+" "+tc.node+" "+tc.text, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{coordinators: coordinators})
			c := e.citizen(4242424244, tc.lang)
			c.turkuTo(tc.node)
			before := len(c.answers())
			mark := e.rec.mark()
			c.say(tc.text)
			wantHelpAndPause(t, sentTo(e, c.id, mark), turku.Pilot.Safeguarding.HelpNow.Render(tc.lang, nil), tc.lang)
			if len(c.answers()) != before {
				t.Fatal("the request for help was stored as an answer")
			}
			// A request for help is not a crisis: nobody is alerted.
			if n := len(e.rec.texts(9001, 0)); n != 0 {
				t.Fatalf("the coordinator got %d alerts", n)
			}
		})
	}
}

// TestSafeguardingHelpInEveryLanguage types the help button's own text in
// each of the bot's languages before any pilot is chosen: the help comes in
// that language.
func TestSafeguardingHelpInEveryLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{flows: allShipped(t)})
	for i, lang := range catalog(t).Languages() {
		c := e.citizen(int64(4300000000+i), lang)
		mark := e.rec.mark()
		c.say(say(t, lang, "button.help"))
		wantHelpAndPause(t, sentTo(e, c.id, mark), say(t, lang, "safeguard.general"), lang)
	}
}

func TestSafeguardingPause(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{coordinators: coordinators})
	c := e.citizen(4242424245, "en")
	c.turkuTo("ask_idea")
	c.say("I want to end my life")
	t.Run("writing while paused is not an answer", func(t *testing.T) {
		before := len(c.answers())
		mark := e.rec.mark()
		c.say("thank you")
		got := sentTo(e, c.id, mark)
		if len(got) != 1 || got[0].Text != say(t, "en", "safeguard.pause") || len(buttonData(got[0])) != 1 {
			t.Fatalf("got %+v, want the pause again with its button", got)
		}
		if len(c.answers()) != before {
			t.Fatal("a message written while paused was stored")
		}
	})
	t.Run("a second crisis gets the help again, and no second alert", func(t *testing.T) {
		mark := e.rec.mark()
		c.say("I really want to die")
		got := sentTo(e, c.id, mark)
		if len(got) != 2 || !strings.Contains(got[0].Text, "112") {
			t.Fatalf("got %+v", got)
		}
		if n := len(e.rec.texts(9001, 0)); n != 1 {
			t.Fatalf("the coordinator got %d alerts in one episode", n)
		}
	})
	t.Run("no reminder while paused", func(t *testing.T) {
		e.advance(3 * 24 * time.Hour)
		if n := e.fire(); n != 0 {
			t.Fatalf("FireDue sent %d prompts to a paused dialogue", n)
		}
	})
	t.Run("an answer pressed carries on", func(t *testing.T) {
		got := c.press(":ask_idea:_skip")
		if len(got) != 1 || !strings.Contains(got[0], "Question 4 of 4") {
			t.Fatalf("got %q", got)
		}
		if s := c.session(); s.Paused != 0 {
			t.Fatal("still paused")
		}
	})
}

func TestSafeguardingHelpButton(t *testing.T) {
	t.Parallel()
	turku := shippedFlow(t, "turku")
	e := newEnv(t, envOptions{coordinators: coordinators})
	c := e.citizen(4242424246, "sv")
	c.turkuTo("ask_reason")
	in := c.pressIn(flow.HelpData)
	mark := e.rec.mark()
	c.handle(in)
	wantHelpAndPause(t, sentTo(e, c.id, mark), turku.Pilot.Safeguarding.HelpNow.Render("sv", nil), "sv")
	if n := e.rec.acks(in.CallbackID); n != 1 {
		t.Errorf("acknowledged %d times", n)
	}
	for _, id := range coordinators["turku"] {
		msgs := sentTo(e, id, 0)
		if len(msgs) != 1 {
			t.Fatalf("coordinator %d got %d messages", id, len(msgs))
		}
		checkAlert(t, e, c, "turku", "Turun nuorten palvelut", "", msgs[0])
	}
	if s := c.session(); s.Flow.Node != "ask_reason" || s.Paused == 0 {
		t.Fatalf("at %q, paused %d", s.Flow.Node, s.Paused)
	}
	got := c.press("R:turku")
	if len(got) != 1 || !strings.Contains(got[0], "Fråga 2/4") {
		t.Fatalf("Continue gave %q", got)
	}
}

func TestSafeguardingOtherInputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{coordinators: coordinators})
	c := e.citizen(4242424247, "en")
	c.turkuTo("ask_experience")
	help := shippedFlow(t, "turku").Pilot.Safeguarding.HelpNow.Render("en", nil)
	check := func(name string, in bot.Inbound) {
		t.Helper()
		mark := e.rec.mark()
		c.handle(in)
		wantHelpAndPause(t, sentTo(e, c.id, mark), help, "en")
		c.press("R:turku")
		_ = name
	}
	// Typed at a button question.
	in := c.inbound()
	in.Text = "someone hits me"
	check("typed", in)
	// A voice note's caption.
	in = c.inbound()
	in.Media, in.Text = &flow.Media{Type: "voice", FileID: "v1"}, "not safe at home"
	check("caption", in)
	// A video's caption: the bot cannot use the video, but reads the caption.
	in = c.inbound()
	in.Other, in.Text = "video", "I want to kill myself"
	check("video caption", in)
	// An edited message.
	in = c.inbound()
	in.Other, in.Text = bot.OtherEdited, "actually I feel suicidal"
	check("edited", in)
	// After a stray "/": not a command the bot knows, still a cry for help.
	in = c.inbound()
	in.Text = "/ i want to kill myself"
	check("after a slash", in)
	if n := len(e.rec.texts(9001, 0)); n != 1 {
		t.Fatalf("the coordinator got %d alerts, want one for the episode", n)
	}
	// An edit without a crisis is not an answer.
	before := len(c.answers())
	in = c.inbound()
	in.Other, in.Text = bot.OtherEdited, "4"
	c.handle(in)
	if len(c.answers()) != before {
		t.Fatal("an edited message was stored as an answer")
	}
	// Commands are not screened.
	mark := e.rec.mark()
	c.say("/start kill myself")
	if n := len(e.rec.texts(9001, mark)); n != 0 {
		t.Fatal("a command raised an alert")
	}
}

// TestSafeguardingPilotPhrases loads Turku with phrases and exclusions of
// its own: a phrase only the pilot knows alerts, an exclusion does not.
func TestSafeguardingPilotPhrases(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "flows", "turku.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(data), `      en: ["hurt myself"]`,
		`      en: ["hurt myself", "curfew (breach*|broken)"]`+"\n    exclude:\n      en: [\"kill myself simulator\"]", 1)
	f, diags := flow.Load("turku.yaml", []byte(src), flow.Options{Languages: catalog(t).Languages()})
	if f == nil {
		t.Fatal(diags)
	}
	e := newEnv(t, envOptions{flows: []*flow.Flow{f}, coordinators: coordinators})
	c := e.citizen(4242424248, "en")
	c.turkuTo("ask_idea")
	if got := c.say("we play kill myself simulator at the youth club"); len(got) != 1 || !strings.Contains(got[0], "Question 4 of 4") {
		t.Fatalf("an excluded phrase got %q", got)
	}
	d := e.citizen(4242424249, "en")
	d.turkuTo("ask_idea")
	mark := e.rec.mark()
	d.say("there was a curfew breach again")
	wantHelpAndPause(t, sentTo(e, d.id, mark), f.Pilot.Safeguarding.HelpNow.Render("en", nil), "en")
	if n := len(e.rec.texts(9001, 0)); n != 1 {
		t.Fatalf("the coordinator got %d alerts", n)
	}
}

func TestSafeguardingBeforeAPilot(t *testing.T) {
	t.Parallel()
	flows := allShipped(t)
	everyone := map[string][]int64{}
	for i, f := range flows {
		everyone[f.Pilot.ID] = []int64{int64(9100 + i)}
	}
	noService := func(t *testing.T, text string) {
		t.Helper()
		for _, f := range flows {
			for _, l := range f.Pilot.Languages {
				if name := f.Pilot.Name.Render(l, nil); strings.Contains(text, name) {
					t.Fatalf("the help names %s: %q", name, text)
				}
			}
		}
	}
	t.Run("the safeguarding contact, nobody else", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: flows, coordinators: everyone, contact: []int64{9999}})
		c := e.citizen(4242424250, "sv-FI")
		mark := e.rec.mark()
		c.say("jag orkar inte leva längre")
		got := sentTo(e, c.id, mark)
		wantHelpAndPause(t, got, say(t, "sv", "safeguard.general"), "sv")
		noService(t, got[0].Text)
		for _, id := range everyone {
			if n := len(e.rec.texts(id[0], 0)); n != 0 {
				t.Fatalf("a pilot's coordinator %d was alerted", id[0])
			}
		}
		msgs := sentTo(e, 9999, 0)
		if len(msgs) != 1 {
			t.Fatalf("the contact got %d messages", len(msgs))
		}
		checkAlert(t, e, c, "", say(t, "en", "alert.nopilot"), "jag orkar inte leva längre", msgs[0])
		// Carrying on shows the menu.
		mustContain(t, c.press("R:"), say(t, "sv", "start.choose"))
	})
	t.Run("no contact: help, and no alert", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: flows, coordinators: everyone})
		c := e.citizen(4242424251, "en")
		mark := e.rec.mark()
		c.say("my partner hits me and I'm scared to go home")
		wantHelpAndPause(t, sentTo(e, c.id, mark), say(t, "en", "safeguard.general"), "en")
		for _, id := range everyone {
			if n := len(e.rec.texts(id[0], 0)); n != 0 {
				t.Fatal("a pilot's coordinator was alerted")
			}
		}
	})
	t.Run("the pilot the citizen came from, before consent", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{flows: flows, coordinators: everyone, contact: []int64{9999}})
		c := e.citizen(4242424252, "en")
		c.say("/start hull")
		mark := e.rec.mark()
		c.say("I am self harming")
		hull := shippedFlow(t, "hull")
		wantHelpAndPause(t, sentTo(e, c.id, mark), hull.Pilot.Safeguarding.HelpNow.Render("en", nil), "en")
		for pilot, id := range everyone {
			n := len(e.rec.texts(id[0], 0))
			if want := map[bool]int{true: 1, false: 0}[pilot == "hull"]; n != want {
				t.Fatalf("coordinator of %s got %d alerts, want %d", pilot, n, want)
			}
		}
		if n := len(e.rec.texts(9999, 0)); n != 0 {
			t.Fatal("the contact was alerted about a citizen of a pilot")
		}
	})
	t.Run("the only pilot", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{coordinators: coordinators, contact: []int64{9999}})
		c := e.citizen(4242424253, "fi")
		mark := e.rec.mark()
		c.say("Haluan kuolla")
		wantHelpAndPause(t, sentTo(e, c.id, mark), say(t, "fi", "safeguard.general"), "fi")
		if n := len(e.rec.texts(9001, 0)); n != 1 {
			t.Fatalf("Turku's coordinator got %d alerts", n)
		}
		if n := len(e.rec.texts(9999, 0)); n != 0 {
			t.Fatal("the contact was alerted although the bot runs one pilot")
		}
	})
}

func TestAlertEpisodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{coordinators: coordinators})
	c := e.citizen(4242424260, "en")
	c.turkuTo("ask_experience")
	// Ten presses of the help button and ten crisis messages: one alert.
	for i := range 10 {
		c.press(flow.HelpData)
		c.say("I want to kill myself " + strconv.Itoa(i))
	}
	for _, id := range coordinators["turku"] {
		if n := len(e.rec.texts(id, 0)); n != 1 {
			t.Fatalf("coordinator %d got %d alerts, want 1", id, n)
		}
	}
	if n := e.counters("turku")["alerts"]; n != 1 {
		t.Fatalf("alerts counter %d, want one episode", n)
	}
	// The coordinator who takes it sees the count; the other is told.
	coord := &citizen{e: e, id: 9001, lang: "en", name: "Anna"}
	other := &citizen{e: e, id: 9002, lang: "en", name: "Ben"}
	mark := e.rec.mark()
	coord.press("✋")
	took := e.rec.texts(9001, mark)
	if len(took) != 1 || !strings.Contains(took[0], alertRef(e, c, "turku")) || !strings.Contains(took[0], ": 20.") {
		t.Fatalf("the coordinator who took it read %q, want the reference and 20 messages", took)
	}
	told := e.rec.texts(9002, mark)
	if len(told) != 1 || !strings.Contains(told[0], "Anna") || !strings.Contains(told[0], alertRef(e, c, "turku")) {
		t.Fatalf("the other coordinator read %q", told)
	}
	if chosen := e.rec.ofKind("chosen", mark); len(chosen) != 1 || chosen[0].Chat != 9001 {
		t.Fatalf("the pressed alert was not marked: %+v", chosen)
	}
	mark = e.rec.mark()
	other.press("✋")
	if got := e.rec.texts(9002, mark); len(got) != 1 || !strings.Contains(got[0], "Anna is already on it") {
		t.Fatalf("the second coordinator read %q", got)
	}
	// Someone who is not a coordinator cannot take it.
	stranger := e.citizen(4242424261, "en")
	in := stranger.pressRaw(buttonData(sentTo(e, 9001, 0)[0])[0])
	mark = e.rec.mark()
	stranger.handle(in)
	if got := e.rec.texts(stranger.id, mark); len(got) != 0 {
		t.Fatalf("a stranger's press got %q", got)
	}
	// After the episode, a new alert.
	e.advance(bot.AlertWindow + time.Minute)
	c.press("R:turku")
	c.say("I want to die")
	if n := len(e.rec.texts(9002, 0)); n != 4 {
		t.Fatalf("coordinator 9002 has %d messages, want a second alert", n)
	}
}

func TestAlertCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{coordinators: map[string][]int64{"turku": {9001}}})
	for i := range bot.AlertCap + 3 {
		e.advance(time.Minute)
		c := e.citizen(int64(4400000000+i), "en")
		c.turkuTo("ask_idea")
		mark := e.rec.mark()
		c.say("I want to end my life, message " + strconv.Itoa(i))
		if got := e.rec.texts(c.id, mark); len(got) != 2 || !strings.Contains(got[0], "112") {
			t.Fatalf("citizen %d got %q, want the help", i, got)
		}
	}
	msgs := e.rec.texts(9001, 0)
	if len(msgs) != bot.AlertCap+1 {
		t.Fatalf("the coordinator got %d messages, want %d alerts and one notice", len(msgs), bot.AlertCap)
	}
	if last := msgs[len(msgs)-1]; !strings.Contains(last, "/alerts") {
		t.Fatalf("the last message is %q, want the notice", last)
	}
	// /alerts lists the newest episodes, the held ones with what was written.
	coord := &citizen{e: e, id: 9001, lang: "en", name: "Anna"}
	got := coord.say("/alerts")
	all := strings.Join(got, "\n")
	for _, i := range []int{3, bot.AlertCap, bot.AlertCap + 2} {
		c := e.citizen(int64(4400000000+i), "en")
		if !strings.Contains(all, alertRef(e, c, "turku")) {
			t.Errorf("/alerts does not list citizen %d", i)
		}
	}
	if !strings.Contains(all, "message "+strconv.Itoa(bot.AlertCap+2)) || strings.Contains(all, "message 19»") {
		t.Errorf("/alerts should quote held alerts only:\n%s", all)
	}
	// Someone else gets no list.
	stranger := e.citizen(4400009999, "en")
	if got := stranger.say("/alerts"); len(got) != 1 || strings.Contains(got[0], "⚠️") {
		t.Fatalf("a stranger's /alerts got %q", got)
	}
}

func TestAlertsPerPilotPseudonyms(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{flows: allShipped(t), coordinators: map[string][]int64{"turku": {9001}, "hull": {9002}}})
	c := e.citizen(4242424270, "en")
	c.say("/start turku")
	c.say("I want to die")
	c.say("/start hull")
	c.say("I want to die")
	a, b := e.rec.texts(9001, 0), e.rec.texts(9002, 0)
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("alerts %q and %q", a, b)
	}
	ra, rb := refPattern.FindString(a[0]), refPattern.FindString(b[0])
	if ra == "" || ra == rb || strings.Contains(b[0], ra) {
		t.Fatalf("the two pilots see the same reference %q", ra)
	}
}

// TestSafeguardingShippedPilots sends the crisis messages the issue found
// missed to the shipped pilot of each language, and figures of speech that
// must not alarm.
func TestSafeguardingShippedPilots(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pilot, lang, text string
		crisis            bool
	}{
		{"hull", "en", "I feel suicidal", true},
		{"hull", "en", "I am self harming", true},
		{"hull", "en", "my partner hits me and I'm scared to go home", true},
		{"turku", "fi", "Haluan kuolla", true},
		{"jonkoping", "sv", "Jag vill dö", true},
		{"houten", "nl", "Ik wil dood", true},
		{"nieuwegein", "nl", "Ik wil dood", true},
		{"valencia", "es", "Me quiero morir", true},
		{"hungary", "hu", "Meg akarok halni", true},
		{"reggio_emilia", "it", "Voglio morire", true},
		{"voru", "et", "Ma tahan surra", true},
		{"wroclaw", "pl", "Chcę umrzeć", true},
		{"hull", "en", "this queue is killing me", false},
		{"houten", "nl", "ik ben doodmoe van het wachten", false},
		{"reggio_emilia", "it", "sono stanco morto dopo la fila", false},
	} {
		t.Run(tc.pilot+" "+tc.text, func(t *testing.T) {
			t.Parallel()
			f := shippedFlow(t, tc.pilot)
			e := newEnv(t, envOptions{flows: allShipped(t), coordinators: map[string][]int64{tc.pilot: {9001}}})
			c := e.citizen(4242424280, tc.lang)
			c.say("/start " + tc.pilot)
			c.press(":welcome:yes")
			mark := e.rec.mark()
			c.say(tc.text)
			got := sentTo(e, c.id, mark)
			help := f.Pilot.Safeguarding.HelpNow.Render(tc.lang, nil)
			if !tc.crisis {
				if len(got) == 0 || got[0].Text == help || len(e.rec.texts(9001, 0)) != 0 {
					t.Fatalf("a figure of speech got %+v", got)
				}
				return
			}
			wantHelpAndPause(t, got, help, tc.lang)
			if n := len(e.rec.texts(9001, 0)); n != 1 {
				t.Fatalf("the coordinator got %d alerts", n)
			}
		})
	}
}

// TestSafeguardingPauseAndCommands: what says the question again (a new
// language, keeping one's data) offers to carry on instead while paused.
func TestSafeguardingPauseAndCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	c := e.citizen(4242424290, "en")
	c.turkuTo("ask_idea")
	c.say("I want to die")
	c.say("/language")
	got := c.press("L:sv")
	if len(got) != 2 || got[0] != say(t, "sv", "language.set") || got[1] != say(t, "sv", "safeguard.pause") {
		t.Fatalf("a new language while paused gave %q", got)
	}
	if got := c.press("R:turku"); len(got) != 1 || !strings.Contains(got[0], "Fråga 3/4") {
		t.Fatalf("Continue gave %q", got)
	}
}

// BenchmarkScreenedMessage times Handle of one typed message screened in
// the pilot's languages (a paused dialogue: the pause is offered again),
// against the embedded store.
func BenchmarkScreenedMessage(b *testing.B) {
	e := newEnv(b, envOptions{flows: allShipped(b)})
	c := e.citizen(4500000000, "fi")
	c.turkuTo("ask_idea")
	c.say("en jaksa elää enää")
	b.ReportAllocs()
	for b.Loop() {
		in := c.inbound()
		in.Text = "kiitos, jono tappaa minut"
		c.handle(in)
	}
}

// BenchmarkDetectBeforeAPilot times the screening of a message before any
// pilot is chosen: the citizen's language and every shipped pilot's.
func BenchmarkDetectBeforeAPilot(b *testing.B) {
	lex, err := safeguard.Default()
	if err != nil {
		b.Fatal(err)
	}
	langs := []string{"fi"}
	for _, f := range allShipped(b) {
		langs = append(langs, f.Pilot.Languages...)
	}
	b.ReportAllocs()
	for b.Loop() {
		lex.Detect("Enemmän iltaisin auki olevia paikkoja, jono tappaa minut", langs)
	}
}

// TestCrisisOutlivesAFailingTurn: a turn whose commit fails every time
// (here a corrupt counter; it would end as a dead letter) still gives the
// citizen the help and the coordinators one alert, once however often the
// update is tried.
func TestCrisisOutlivesAFailingTurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{coordinators: map[string][]int64{"turku": {9001}}})
	c := e.citizen(4242424270, "en")
	c.turkuTo("ask_experience")
	if err := e.rdb.HSet(e.ctx, "cosie:{p:turku}:c:all", "alerts", "not a number").Err(); err != nil {
		t.Fatal(err)
	}
	mark := e.rec.mark()
	in := c.inbound()
	in.Text = "I want to kill myself"
	for try := range 3 {
		if err := e.svc.Handle(e.ctx, in); err == nil {
			t.Fatalf("try %d: the turn's commit succeeded on a corrupt counter", try)
		}
	}
	got := e.rec.texts(c.id, mark)
	if len(got) != 1 || !strings.Contains(got[0], "112") {
		t.Fatalf("after three failed tries the citizen read %q, want the help once", got)
	}
	if alerts := e.rec.texts(9001, mark); len(alerts) != 1 || !strings.Contains(alerts[0], "I want to kill myself") {
		t.Fatalf("the coordinator read %q, want one alert", alerts)
	}
}
