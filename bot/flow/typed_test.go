package flow_test

import (
	"os"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

// typedFlow has a question of each kind that takes typed answers, and a
// choice whose buttons show numbers.
const typedFlow = `
pilot:
  id: typed
  name: Typed
  languages: [en]
  timezone: Europe/Helsinki
  retention_days: 30
  help: Help
nodes:
  - id: hello
    type: consent
    text: Hello
  - id: rate
    type: rating
    result: experience
    text: How was it?
  - id: topic
    type: choice
    result: topic
    optional: true
    text: What about?
    options:
      - {id: staff, text: "👥 The staff"}
      - {id: time, text: "The waiting time"}
      - {id: staff2, text: "Staff"}
  - id: visits
    type: choice
    result: visits
    text: How often?
    options:
      - {id: none, text: "0"}
      - {id: few, text: "1–3 times"}
      - {id: many, text: "3+"}
  - id: idea
    type: text
    result: idea
    optional: true
    text: Any idea?
  - id: must
    type: text
    result: must
    text: Tell us one thing.
  - id: again
    type: yesno
    result: again
    text: May we write again?
  - id: bye
    type: end
    text: Thanks!
`

// TestTypedAnswers checks the one rule for typing instead of pressing:
// the number at a rating is the score; elsewhere a number picks only a
// button that shows it; what fits no button, or two, is asked again; a
// Skip word skips where there is a Skip button; and a typed answer gives
// the same Chosen label a press does, so the host can mark the keyboard.
func TestTypedAnswers(t *testing.T) {
	f := load(t, typedFlow)
	tests := []struct {
		name   string
		at     []string // answers pressed (options) to get to the node
		typed  string
		value  string // recorded value; "" when asked again
		chosen string // the label echoed
		reask  string // the re-ask's reason, when asked again
	}{
		{"rating 1 is very poor", nil, "1", "1", "[en rating.1]", ""},
		{"rating 5 is very good", nil, "5", "5", "[en rating.5]", ""},
		{"rating with a full stop", nil, " 4. ", "4", "[en rating.4]", ""},
		{"rating 6 is not don't know", nil, "6", "", "", "[en reask.rating]"},
		{"rating 0", nil, "0", "", "", "[en reask.rating]"},
		{"rating 3.5", nil, "3.5", "", "", "[en reask.rating]"},
		{"rating by label", nil, "very good", "", "", "[en reask.buttons]"}, // the stand-in words have no such label
		{"rating by its label", nil, "[en rating.2]", "2", "[en rating.2]", ""},
		{"choice: a number is no position", []string{"3"}, "1", "", "", "[en reask.buttons]"},
		{"choice by label without emoji", []string{"3"}, "the STAFF", "staff", "👥 The staff", ""},
		{"choice: the exact label", []string{"3"}, "staff", "staff2", "Staff", ""},
		{"choice: typed skip", []string{"3"}, "skip", flow.Skipped, "[en button.skip]", ""},
		{"choice: the Skip word of the language", []string{"3"}, "[EN BUTTON.SKIP]", flow.Skipped, "[en button.skip]", ""},
		{"numbers shown: 0", []string{"3", "time"}, "0", "none", "0", ""},
		{"numbers shown: in a range", []string{"3", "time"}, "2", "few", "1–3 times", ""},
		{"numbers shown: or more", []string{"3", "time"}, "12", "many", "3+", ""},
		{"numbers shown: a decimal in a range", []string{"3", "time"}, "1.5", "few", "1–3 times", ""},
		{"numbers shown: two buttons fit", []string{"3", "time"}, "3", "", "", "[en reask.buttons]"},
		{"numbers shown: negative", []string{"3", "time"}, "-1", "", "", "[en reask.buttons]"},
		{"text: skip when optional", []string{"3", "time", "few"}, "Skip!", flow.Skipped, "[en button.skip]", ""},
		{"text: skip is no answer when required", []string{"3", "time", "few", "_skip"}, "skip", "", "", "[en reask.required]"},
		{"text: words are the answer", []string{"3", "time", "few", "_skip"}, "skipping school", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newConv(t, f, "en")
			c.e.SkipWords = flow.SkipWords(words{}, []string{"en", "fi"})
			c.do(flow.Input{Kind: flow.InStart})
			c.press("yes")
			for _, o := range tc.at {
				c.press(o)
			}
			node := c.st.Node
			r := c.say(tc.typed)
			as := effects(r, flow.EffAnswer)
			switch {
			case tc.reask != "":
				if len(as) != 0 || c.st.Node != node || !strings.HasPrefix(c.last(), tc.reask) {
					t.Fatalf("typed %q at %s: answers %+v, now at %s, said %q; want %q asked again", tc.typed, node, as, c.st.Node, c.last(), tc.reask)
				}
			case tc.value == "":
				if len(as) != 1 || as[0].Answer.Text == "" {
					t.Fatalf("typed %q at %s: answers %+v; want the words recorded", tc.typed, node, as)
				}
			default:
				if len(as) != 1 || as[0].Answer.Value != tc.value || r.Chosen != tc.chosen {
					t.Fatalf("typed %q at %s: answers %+v, chosen %q; want %q shown as %q", tc.typed, node, as, r.Chosen, tc.value, tc.chosen)
				}
			}
		})
	}
}

// TestTypedNumbersAtYesNoAndConsent: at consent and yes/no, whose buttons
// show no numbers, a typed number agrees to nothing.
func TestTypedNumbersAtYesNoAndConsent(t *testing.T) {
	f := load(t, typedFlow)
	c := newConv(t, f, "en")
	c.do(flow.Input{Kind: flow.InStart})
	c.say("1")
	c.wantAt("hello")
	if !strings.HasPrefix(c.last(), "[en reask.buttons]") {
		t.Fatalf("consent after a typed 1: %q", c.last())
	}
	for _, o := range []string{"yes", "3", "time", "few", "_skip"} {
		c.press(o)
	}
	c.say("fine")
	c.wantAt("again")
	c.say("2")
	c.wantAt("again")
	r := c.say("[en button.no]")
	if a := answer(t, r); a.Value != "no" || r.Chosen != "[en button.no]" {
		t.Fatalf("typed No: %+v chosen %q", a, r.Chosen)
	}
}

// BenchmarkTypedAnswer measures a step with a typed answer matched to a
// button's label, with the Skip words of nine languages to compare.
func BenchmarkTypedAnswer(b *testing.B) {
	f := load(b, typedFlow)
	e := &flow.Engine{Words: staticWords{}, SkipWords: flow.SkipWords(words{}, []string{"en", "fi", "sv", "et", "hu", "nl", "it", "es", "pl"})}
	c := newConv(b, f, "en")
	c.e = e
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	c.press("3")
	st := c.st
	in := flow.Input{Kind: flow.InText, Text: "The waiting time"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := e.Step(f, st, in, c.now)
		if r.State.Node != "visits" {
			b.Fatal(r.State.Node)
		}
	}
}

// BenchmarkLoadTurku measures loading and checking a shipped flow, the
// claims about questions and waits included.
func BenchmarkLoadTurku(b *testing.B) {
	src, err := os.ReadFile("../../flows/turku.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if f, _ := flow.Load("turku.yaml", src, flow.Options{}); f == nil {
			b.Fatal("not loaded")
		}
	}
}
