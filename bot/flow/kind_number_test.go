package flow_test

import (
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

const numberFlow = `
pilot:
  id: numbers
  name: Numbers
  languages: [en, nl, fi]
  timezone: Europe/Amsterdam
  retention_days: 30
  help: Help
nodes:
  - id: cost
    type: number
    result: cost
    text: {en: "How much?", nl: "Hoeveel?", fi: "Paljonko?"}
  - id: kids
    type: number
    result: kids
    whole: true
    max: 20
    text: {en: "How many children?", nl: "Hoeveel kinderen?", fi: "Montako lasta?"}
    reask: {en: "Just the number of children, like 2.", nl: "Alleen het aantal kinderen, zoals 2.", fi: "Vain lasten määrä, esimerkiksi 2."}
  - id: bye
    type: end
    text: Bye
`

// TestNumberAnswers: what a citizen types at a number question, in their
// language, and what is recorded or asked again.
func TestNumberAnswers(t *testing.T) {
	f := load(t, numberFlow)
	tests := []struct {
		lang, node, in string
		want           string // recorded value, or the start of the re-ask
	}{
		{"nl", "cost", "1.500", "1500"},
		{"nl", "cost", "2,5", "2.5"},
		{"en", "cost", "1,000", "1000"},
		{"en", "cost", "1.500", "[en reask.number_ambiguous map[Fraction:1.5 Whole:1500]]"},
		{"fi", "cost", "1,000", "[fi reask.number_ambiguous map[Fraction:1 Whole:1000]]"},
		{"fi", "cost", "1,5", "1.5"},
		{"en", "cost", "2000000000", "[en reask.range map[Max:1,000,000,000 Min:-1,000,000,000]]"},
		{"nl", "cost", "twee", "[nl reask.number]"},
		// whole: true settles "1.500": 1.5 children is no answer.
		{"en", "kids", "1.500", "Just the number of children"},
		{"en", "kids", "2.5", "Just the number of children"},
		{"nl", "kids", "2,5", "Alleen het aantal kinderen"},
		{"en", "kids", "three", "Just the number of children"},
		{"en", "kids", "30", "Just the number of children"},
		{"en", "kids", "3", "3"},
		{"fi", "kids", "3,0", "3"},
	}
	for _, tc := range tests {
		t.Run(tc.lang+" "+tc.node+" "+tc.in, func(t *testing.T) {
			c := newConv(t, f, tc.lang)
			c.do(flow.Input{Kind: flow.InStart})
			if tc.node == "kids" {
				c.say("1")
			}
			r := c.say(tc.in)
			if ans := effects(r, flow.EffAnswer); len(ans) == 1 {
				if got := ans[0].Answer.Value; got != tc.want {
					t.Fatalf("recorded %q, want %q", got, tc.want)
				}
				return
			}
			c.wantAt(tc.node)
			if !strings.HasPrefix(c.last(), tc.want) {
				t.Fatalf("re-ask %q, want it to start with %q", c.last(), tc.want)
			}
		})
	}
}
