package scenario_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/scenario"
	"github.com/cosie/cosiebot/locales"
)

func miniFlow(t *testing.T) (*flow.Flow, *locales.Catalog) {
	t.Helper()
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, diags := flow.Load("mini.yaml", data, flow.Options{Languages: words.Languages()})
	if f == nil {
		t.Fatal(diags)
	}
	return f, words
}

func run(t *testing.T, src string) *scenario.Report {
	t.Helper()
	f, words := miniFlow(t)
	sf, diags := scenario.Parse("mini.test.yaml", []byte(src))
	if sf == nil {
		t.Fatalf("parse: %s", diags)
	}
	rep, err := scenario.Run(context.Background(), sf, f, words)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestPassingScenario(t *testing.T) {
	rep := run(t, `
scenarios:
  - name: Finnish
    lang: fi-FI
    steps:
      - say: /start
      - expect: "Hei!"
        buttons: ["✅ Hyväksyn", "Ei kiitos"]
      - press: Hyväksyn
      - expect: "Kaikki hyvin?"
      - press: "1"
      - expect: "Hei hei!"
      - answers: {ok: "yes"}
      - no_reply: true
`)
	if rep.Passed != 1 || len(rep.Failures) != 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestFailuresAreReadable(t *testing.T) {
	tests := []struct {
		name, steps string
		want        []string
	}{
		{"text differs", `
      - say: /start
      - expect: "Good morning"`, []string{`mini.test.yaml:6:9: scenario "x": the reply differs`, `expected it to contain: "Good morning"`, "| Hello!", "buttons: [✅ I agree] [No, thanks]"}},
		{"buttons differ", `
      - say: /start
      - expect: "Hello"
        buttons: ["✅ I agree", "Maybe"]`, []string{"the buttons differ", "    ✅ I agree", "- Maybe   (expected)", "+ No, thanks   (got)"}},
		{"no such button", `
      - say: /start
      - press: Perhaps`, []string{`no button "Perhaps" in the last keyboard; its buttons are [✅ I agree] [No, thanks]`}},
		{"nothing more", `
      - say: /start
      - expect: "Hello"
      - expect: "More"`, []string{`expected a reply containing "More", but the bot said nothing more`}},
		{"answers differ", `
      - say: /start
      - press: I agree
      - press: "No"
      - answers: {ok: "yes", other: "x"}`, []string{`ok: expected "yes", got "no"`, `other: expected "x", but it was not recorded`}},
		{"came at another time", `
      - say: /start
      - expect: "Hello"
        at: "2026-03-02 11:00"`, []string{"the reply came at 2026-03-02 10:00, expected at 2026-03-02 11:00", "| Hello!"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(t, "scenarios:\n  - name: x\n    lang: en\n    steps:"+tc.steps+"\n")
			if len(rep.Failures) != 1 {
				t.Fatalf("want one failure, got %+v", rep)
			}
			got := rep.Failures[0].String()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("failure message lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"scenarios: 3", "1:12: error: scenarios should be a list"},
		{"scenarios:\n  - name: a\n    steps:\n      - shout: hi\n", `4:9: error: unknown step "shout"`},
		{"scenarios:\n  - name: a\n    steps:\n      - say: hi\n        press: b\n", `5:9: error: one action per step`},
		{"scenarios:\n  - name: a\n    steps:\n      - wait: soon\n", `4:15: error: wait "soon"`},
		{"scenarios:\n  - name: a\n    start: tomorrow\n    steps:\n      - say: hi\n", `3:12: error: start "tomorrow" should look like`},
		{"scenarios:\n  - steps:\n      - say: hi\n", "2:5: error: this scenario has no name"},
		{"senarios: []\n", `1:1: error: unknown key "senarios"`},
		{"scenarios:\n  - name: a\n    steps:\n      - buttons: [a]\n", "4:9: error: buttons goes with expect"},
		{"scenarios:\n  - name: a\n    steps:\n      - say: hi\n        at: \"2026-03-12 10:00\"\n", "4:9: error: at goes with expect"},
		{"scenarios:\n  - name: a\n    steps:\n      - expect: hi\n        at: Thursday\n", `5:13: error: at "Thursday" should look like "2026-03-12 10:00"`},
	}
	for _, tc := range tests {
		sf, diags := scenario.Parse("s.test.yaml", []byte(tc.src))
		if sf != nil || !strings.Contains(diags.String(), "s.test.yaml:"+tc.want) {
			t.Errorf("Parse(%q) = %s, want %q", tc.src, diags, tc.want)
		}
	}
}
