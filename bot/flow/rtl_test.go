package flow_test

import (
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

// arabicOnly says Arabic is written right to left, as the host's locales do.
type arabicOnly struct{}

func (arabicOnly) RTL(lang string) bool { return lang == "ar" }

// TestRTLValues: in a language written right to left, a name, a count and
// an answer put into a flow text are wrapped in isolates (U+2068 ... U+2069)
// so that they keep their place; other languages get them as they are.
func TestRTLValues(t *testing.T) {
	src := `
pilot:
  id: rtl
  name: RTL
  languages: [ar, en]
  timezone: Asia/Amman
  retention_days: 30
  help: {ar: "مساعدة", en: "Help"}
nodes:
  - id: kids
    type: number
    result: kids
    text: {ar: "مرحبًا {{.FirstName}}! كم عدد أطفالك؟", en: "Hi {{.FirstName}}! How many children?"}
  - id: note
    type: message
    count: kids
    text:
      ar: {zero: "لا أطفال", one: "طفل واحد", two: "طفلان", few: "{{.Count}} أطفال، شكرًا {{.FirstName}}", many: "{{.Count}} طفلًا", other: "{{.Count}} طفل"}
      en: {one: "One child, thanks {{.FirstName}}", other: "{{.Count}} children, thanks {{.FirstName}}"}
  - id: bye
    type: end
    text: {ar: "شكرًا", en: "Thanks"}
`
	f, diags := flow.Load("rtl.yaml", []byte(src), flow.Options{Scripts: arabicOnly{}})
	if f == nil {
		t.Fatalf("load: %s", diags)
	}
	tests := []struct{ lang, first, then string }{
		{"ar", "مرحبًا \u2068Alex\u2069! كم عدد أطفالك؟", "\u20683\u2069 أطفال، شكرًا \u2068Alex\u2069"},
		{"en", "Hi Alex! How many children?", "3 children, thanks Alex"},
	}
	for _, tc := range tests {
		c := newConv(t, f, tc.lang)
		c.do(flow.Input{Kind: flow.InStart, FirstName: "Alex"})
		if got := c.last(); got != tc.first {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.first)
		}
		r := c.say("3")
		if got := r.Messages[0].Text; got != tc.then {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.then)
		}
	}
}
