package bot_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

var coordinators = map[string][]int64{"turku": {9001, 9002}}

var refPattern = regexp.MustCompile(`\b[0-9a-f]{8}\b`)

func TestSafeguarding(t *testing.T) {
	t.Parallel()
	turku := shippedFlow(t, "turku")
	helpFI := turku.Pilot.Safeguarding.HelpNow.Render("fi", nil)
	for _, tc := range []struct {
		name  string
		text  string
		alert bool
	}{
		{"Swedish phrase in a Finnish session", "Ibland vill jag ta livet av mig", true},
		{"Finnish phrase", "mietin itsemurhaa usein", true},
		{"English phrase, upper case, extra spaces", "Sometimes I want to   KILL   MYSELF.", true},
		{"phrase at the start", "en jaksa elää enää", true},
		{"phrase after punctuation", "...(suicide)", true},
		{"phrase inside a longer word", "xkill myself is a game", false},
		{"harmless", "Enemmän iltaisin auki olevia paikkoja", false},
		{"phrase split by a line break", "I am not safe\nat home", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{coordinators: coordinators})
			c := e.citizen(4242424242, "fi")
			c.name = "Zebulon"
			c.turkuTo("ask_idea")
			got := c.say(tc.text)
			if !tc.alert {
				if len(got) != 1 || !strings.Contains(got[0], q4FI) {
					t.Fatalf("got %q, want only question 4", got)
				}
				for _, id := range coordinators["turku"] {
					if msgs := e.rec.texts(id, 0); len(msgs) != 0 {
						t.Fatalf("coordinator %d got %q", id, msgs)
					}
				}
				if n := e.counters("turku")["alerts"]; n != 0 {
					t.Fatalf("alerts counter %d", n)
				}
				return
			}
			// The help text first, at once, then the dialogue goes on.
			if len(got) != 2 || got[0] != helpFI || !strings.Contains(got[1], q4FI) {
				t.Fatalf("got %q, want the Finnish help text then question 4", got)
			}
			recs := c.answers()
			if last := recs[len(recs)-1]; last.Result != "suggestion" || last.Text != strings.TrimSpace(tc.text) {
				t.Fatalf("the answer was not recorded: %+v", last)
			}
			ref := c.pseudonym()[:8]
			for _, id := range coordinators["turku"] {
				msgs := e.rec.texts(id, 0)
				if len(msgs) != 1 {
					t.Fatalf("coordinator %d got %d messages, want one alert", id, len(msgs))
				}
				alert := msgs[0]
				if !strings.Contains(alert, ref) || !refPattern.MatchString(alert) {
					t.Errorf("the alert lacks the reference %s:\n%s", ref, alert)
				}
				if !strings.Contains(alert, strings.TrimSpace(tc.text)) {
					t.Errorf("the alert lacks the message:\n%s", alert)
				}
				if strings.Contains(alert, strconv.FormatInt(c.id, 10)) || strings.Contains(alert, "Zebulon") {
					t.Errorf("the alert identifies the citizen:\n%s", alert)
				}
				if !strings.Contains(alert, "Turun nuorten palvelut") {
					t.Errorf("the alert does not name the pilot:\n%s", alert)
				}
			}
			if n := e.counters("turku")["alerts"]; n != 1 {
				t.Fatalf("alerts counter %d", n)
			}
		})
	}

	t.Run("the help button", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{coordinators: coordinators})
		c := e.citizen(4242424243, "sv")
		c.turkuTo("ask_reason")
		in := c.pressIn(flow.HelpData)
		mark := e.rec.mark()
		c.handle(in)
		got := e.rec.texts(c.id, mark)
		if len(got) != 1 || got[0] != turku.Pilot.Safeguarding.HelpNow.Render("sv", nil) {
			t.Fatalf("got %q, want the Swedish help text", got)
		}
		if n := e.rec.acks(in.CallbackID); n != 1 {
			t.Errorf("acknowledged %d times", n)
		}
		for _, id := range coordinators["turku"] {
			msgs := e.rec.texts(id, 0)
			if len(msgs) != 1 || !strings.Contains(msgs[0], c.pseudonym()[:8]) || strings.Contains(msgs[0], strconv.FormatInt(c.id, 10)) {
				t.Fatalf("coordinator %d got %q", id, msgs)
			}
		}
		// The dialogue is where it was.
		if s := c.session(); s.Flow.Node != "ask_reason" {
			t.Fatalf("at %q", s.Flow.Node)
		}
	})
	t.Run("risk phrases at other inputs", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{coordinators: coordinators})
		c := e.citizen(4242424244, "en")
		c.turkuTo("ask_experience")
		// Typed at a button question: help, then the re-ask.
		got := c.say("someone hits me")
		if len(got) != 2 || got[0] != turku.Pilot.Safeguarding.HelpNow.Render("en", nil) {
			t.Fatalf("got %q", got)
		}
		// A voice note's caption counts too.
		c.press(":ask_experience:2")
		c.press(":ask_reason:staff")
		mark := e.rec.mark()
		in := c.inbound()
		in.Media = &flow.Media{Type: "voice", FileID: "v1"}
		in.Text = "not safe at home"
		c.handle(in)
		if got := e.rec.texts(c.id, mark); len(got) != 2 {
			t.Fatalf("got %q", got)
		}
		if n := len(e.rec.texts(9001, 0)); n != 2 {
			t.Fatalf("coordinator got %d alerts, want 2", n)
		}
		// Commands are not screened.
		mark = e.rec.mark()
		c.say("/start kill myself")
		if n := len(e.rec.texts(9001, mark)); n != 0 {
			t.Fatal("a command raised an alert")
		}
	})
}

func TestSafeguardingWithoutSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{coordinators: coordinators})
	c := e.citizen(4242424245, "sv-FI")
	got := c.say("jag orkar inte leva längre")
	turku := shippedFlow(t, "turku")
	if len(got) == 0 || got[0] != turku.Pilot.Safeguarding.HelpNow.Render("sv", nil) {
		t.Fatalf("a first message with a risk phrase got %q, want Turku's help text in Swedish first", got)
	}
	for _, id := range coordinators["turku"] {
		msgs := e.rec.texts(id, 0)
		if len(msgs) != 1 || !strings.Contains(msgs[0], c.pseudonym()[:8]) || !strings.Contains(msgs[0], "jag orkar inte leva längre") {
			t.Fatalf("coordinator %d got %q", id, msgs)
		}
	}
}
