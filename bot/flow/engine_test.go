package flow_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// words is a stand-in for the locales: "[id]" or "[id Count=3]", so tests
// see exactly which of the bot's own messages was used.
type words struct{}

func (words) Say(lang, id string, data map[string]any) string {
	if c, ok := data["Count"]; ok {
		return fmt.Sprintf("[%s %s Count=%v]", lang, id, c)
	}
	if len(data) > 0 {
		return fmt.Sprintf("[%s %s %v]", lang, id, data)
	}
	return "[" + lang + " " + id + "]"
}

const testFlow = `
pilot:
  id: test
  name: {en: "Test service", fi: "Testipalvelu"}
  languages: [en, fi]
  timezone: Europe/Helsinki
  quiet_hours: "21:00-08:00"
  digest: "0 9 * * MON"
  retention_days: 30
  help: {en: "Help text", fi: "Ohje"}
  reminders: {count: 1, after: 1d}
nodes:
  - id: hello
    type: consent
    text: {en: "Hello {{.FirstName}}", fi: "Hei {{.FirstName}}"}
  - id: rate
    type: rating
    result: experience
    text: {en: "How was it?", fi: "Miten meni?"}
  - id: low
    type: branch
    branches:
      - answer: experience
        less_than: 3
        next: why_bad
  - id: why
    type: choice
    result: reason
    text: {en: "Why?", fi: "Miksi?"}
    options:
      - id: staff
        text: {en: "The staff", fi: "Henkilökunta"}
      - id: other
        other: true
        text: {en: "Something else", fi: "Jokin muu"}
    next: kids
  - id: why_bad
    type: text
    result: bad
    accept: [text, voice]
    optional: true
    text: {en: "What went wrong?", fi: "Mikä meni vikaan?"}
  - id: kids
    type: number
    result: children
    min: 0
    max: 12
    text: {en: "How many children?", fi: "Montako lasta?"}
  - id: kids_note
    type: message
    count: children
    text:
      en: {one: "One child.", other: "{{.Count}} children."}
      fi: {one: "Yksi lapsi.", other: "{{.Count}} lasta."}
  - id: again
    type: yesno
    result: may_follow_up
    text: {en: "May we write again?", fi: "Saammeko kirjoittaa?"}
  - id: route
    type: branch
    branches:
      - answer: may_follow_up
        equals: "yes"
        next: wait
    next: bye
  - id: wait
    type: followup
    after: 14d
    at: "10:00"
    text: {en: "See you in two weeks.", fi: "Kahden viikon päästä."}
  - id: later
    type: yesno
    result: helped
    text: {en: "Did it help?", fi: "Auttoiko?"}
  - id: bye
    type: end
    restart: true
    text: {en: "Thanks!", fi: "Kiitos!"}
`

func load(t testing.TB, src string) *flow.Flow {
	t.Helper()
	f, diags := flow.Load("test.yaml", []byte(src), flow.Options{})
	if f == nil {
		t.Fatalf("load: %s", diags)
	}
	return f
}

// conv drives one citizen through a flow and keeps the last result.
type conv struct {
	t   testing.TB
	e   *flow.Engine
	f   *flow.Flow
	st  flow.State
	now time.Time
	res flow.Result
}

func newConv(t testing.TB, f *flow.Flow, lang string) *conv {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	return &conv{t: t, e: &flow.Engine{Words: words{}}, f: f, st: flow.State{Lang: lang},
		now: time.Date(2026, 3, 16, 15, 0, 0, 0, hel)} // a Monday afternoon
}

func (c *conv) do(in flow.Input) flow.Result {
	c.res = c.e.Step(c.f, c.st, in, c.now)
	c.st = c.res.State
	return c.res
}

func (c *conv) press(opt string) flow.Result {
	return c.do(flow.Input{Kind: flow.InButton, Data: flow.ButtonData(c.f.Version, c.st.Node, opt)})
}

func (c *conv) say(text string) flow.Result { return c.do(flow.Input{Kind: flow.InText, Text: text}) }

// last is the text of the last message.
func (c *conv) last() string {
	c.t.Helper()
	if len(c.res.Messages) == 0 {
		c.t.Fatalf("no messages at node %q", c.st.Node)
	}
	return c.res.Messages[len(c.res.Messages)-1].Text
}

func (c *conv) wantAt(node string) {
	c.t.Helper()
	if c.st.Node != node {
		c.t.Fatalf("at node %q, want %q (last message %q)", c.st.Node, node, c.last())
	}
}

func effects(r flow.Result, kind flow.EffectKind) []flow.Effect {
	var out []flow.Effect
	for _, e := range r.Effects {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func answer(t testing.TB, r flow.Result) flow.Answer {
	t.Helper()
	as := effects(r, flow.EffAnswer)
	if len(as) != 1 {
		t.Fatalf("want one answer effect, got %d: %+v", len(as), r.Effects)
	}
	return *as[0].Answer
}

func TestWholeDialogue(t *testing.T) {
	f := load(t, testFlow)
	c := newConv(t, f, "fi")
	r := c.do(flow.Input{Kind: flow.InStart, FirstName: "Aino"})
	if got := r.Messages[0].Text; !strings.HasPrefix(got, "Hei Aino") || !strings.Contains(got, "consent.footer") {
		t.Fatalf("consent text = %q", got)
	}
	if len(effects(r, flow.EffStart)) != 1 || len(effects(r, flow.EffSchedule)) != 0 {
		t.Fatalf("start effects: %+v (no reminder towards consent)", r.Effects)
	}
	c.press("yes")
	c.wantAt("rate")
	if kb := c.res.Messages[0].Buttons; len(kb) != 6 || kb[0][0].Text != "[fi rating.5]" || kb[5][0].Text != "[fi button.dontknow]" {
		t.Fatalf("rating keyboard = %+v", kb)
	}
	if s := effects(c.res, flow.EffSchedule); len(s) != 1 || s[0].Prompt.Kind != flow.PromptReminder {
		t.Fatalf("a question schedules a reminder: %+v", c.res.Effects)
	}
	r = c.press("4")
	if a := answer(t, r); a.Result != "experience" || a.Value != "4" || a.Kind != flow.KindRating {
		t.Fatalf("rating answer = %+v", a)
	}
	if r.Chosen != "[fi rating.4]" {
		t.Fatalf("chosen = %q", r.Chosen)
	}
	c.wantAt("why") // 4 is not below 3
	c.press("other")
	if c.last() != "[fi other.ask]" || c.st.Await != "other:other" {
		t.Fatalf("other asks for own words: %q await %q", c.last(), c.st.Await)
	}
	r = c.say("  liian vähän aikaa  ")
	if a := answer(t, r); a.Value != "other" || a.Text != "liian vähän aikaa" {
		t.Fatalf("other answer = %+v", a)
	}
	c.wantAt("kids")
	c.say("13")
	if !strings.HasPrefix(c.last(), "[fi reask.range map[Max:12 Min:0]]") {
		t.Fatalf("out of range re-ask = %q", c.last())
	}
	c.say("3,0")
	if got := c.res.Messages[0].Text; got != "3 lasta." {
		t.Fatalf("plural message = %q", got)
	}
	c.wantAt("again")
	c.say("Kyllä") // does not match "[fi button.yes]": re-ask
	c.wantAt("again")
	c.press("yes")
	c.wantAt("wait")
	s := effects(c.res, flow.EffSchedule)
	if len(s) != 1 || s[0].Prompt.Kind != flow.PromptFollowUp {
		t.Fatalf("follow-up schedule = %+v", c.res.Effects)
	}
	want := time.Date(2026, 3, 30, 10, 0, 0, 0, f.Pilot.Timezone) // 14 days, across the DST change of 29 March
	if due := s[0].Prompt.Due; !due.Equal(want) {
		t.Fatalf("follow-up due %v, want %v", due, want)
	}
	c.say("hei?")
	if c.last() != "[fi waiting.days Count=14]" {
		t.Fatalf("while waiting = %q", c.last())
	}
	if r := c.do(flow.Input{Kind: flow.InTimer, Node: "wait", Seq: c.st.Seq - 1}); !r.Stale {
		t.Fatal("a timer for an older position must be stale")
	}
	c.now = want
	c.do(flow.Input{Kind: flow.InTimer, Node: "wait", Seq: c.st.Seq})
	c.wantAt("later")
	r = c.press("no")
	if a := answer(t, r); a.Result != "helped" || a.Value != "no" {
		t.Fatalf("follow-up answer = %+v", a)
	}
	c.wantAt("bye")
	if !c.st.Done || len(effects(r, flow.EffComplete)) != 1 || len(effects(r, flow.EffCancel)) == 0 {
		t.Fatalf("end: done=%v effects %+v", c.st.Done, r.Effects)
	}
	c.say("moi")
	if c.last() != "[fi done]" {
		t.Fatalf("after the end = %q", c.last())
	}
	c.press("_restart")
	if c.st.Node != "hello" || c.st.Run != 2 || len(c.st.Answers) != 0 {
		t.Fatalf("restart: %+v", c.st)
	}
}

func TestReasks(t *testing.T) {
	f := load(t, testFlow)
	tests := []struct {
		name   string
		at     []string // options pressed to get there
		in     flow.Input
		reason string
		node   string
	}{
		{"text at buttons", []string{"yes"}, flow.Input{Kind: flow.InText, Text: "fine I guess"}, "[en reask.buttons]", "rate"},
		{"sticker at buttons", []string{"yes"}, flow.Input{Kind: flow.InOther}, "[en reask.unsupported] [en reask.buttons]", "rate"},
		{"voice at buttons", []string{"yes"}, flow.Input{Kind: flow.InMedia, Media: &flow.Media{Type: "voice", FileID: "v"}}, "[en reask.no_voice]", "rate"},
		{"photo at a voice question", []string{"yes", "1"}, flow.Input{Kind: flow.InMedia, Media: &flow.Media{Type: "photo", FileID: "p"}}, "[en reask.no_photo]", "why_bad"},
		{"empty text", []string{"yes", "1"}, flow.Input{Kind: flow.InText, Text: "   "}, "[en reask.text_or_voice]", "why_bad"},
		{"not a number", []string{"yes", "5", "staff"}, flow.Input{Kind: flow.InText, Text: "two"}, "[en reask.number]", "kids"},
		{"NaN", []string{"yes", "5", "staff"}, flow.Input{Kind: flow.InText, Text: "NaN"}, "[en reask.number]", "kids"},
		{"forged button", []string{"yes"}, flow.Input{Kind: flow.InButton, Data: "garbage"}, "[en reask.stale]", "rate"},
		{"old flow version", []string{"yes"}, flow.Input{Kind: flow.InButton, Data: flow.ButtonData("000000", "rate", "4")}, "[en reask.stale]", "rate"},
		{"button of another question", []string{"yes"}, flow.Input{Kind: flow.InButton, Data: flow.ButtonData(f.Version, "again", "yes")}, "[en reask.stale]", "rate"},
		{"unknown option", []string{"yes"}, flow.Input{Kind: flow.InButton, Data: flow.ButtonData(f.Version, "rate", "9")}, "[en reask.stale]", "rate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newConv(t, f, "en")
			c.do(flow.Input{Kind: flow.InStart})
			for _, o := range tc.at {
				c.press(o)
			}
			before := c.st
			r := c.do(tc.in)
			c.wantAt(tc.node)
			if !strings.HasPrefix(c.last(), tc.reason) {
				t.Fatalf("re-ask = %q, want it to start with %q", c.last(), tc.reason)
			}
			if len(effects(r, flow.EffAnswer)) != 0 || !reflect.DeepEqual(before.Answers, c.st.Answers) {
				t.Fatalf("a re-ask must record nothing: %+v", r.Effects)
			}
			if len(r.Messages) != 1 || len(r.Messages[0].Buttons) == 0 && tc.node != "kids" && tc.node != "why_bad" {
				t.Fatalf("the question comes again with its buttons: %+v", r.Messages)
			}
		})
	}
}

func TestRepeatedPressIsStale(t *testing.T) {
	f := load(t, testFlow)
	c := newConv(t, f, "en")
	c.do(flow.Input{Kind: flow.InStart})
	old := flow.ButtonData(f.Version, "hello", "yes")
	c.do(flow.Input{Kind: flow.InButton, Data: old})
	c.wantAt("rate")
	r := c.do(flow.Input{Kind: flow.InButton, Data: old})
	c.wantAt("rate")
	if r.Notice != "[en stale.short]" || !r.StalePress || len(effects(r, flow.EffAnswer)) != 0 {
		t.Fatalf("second press: notice %q stale press %v effects %+v", r.Notice, r.StalePress, r.Effects)
	}
}

func TestTypingInsteadOfPressing(t *testing.T) {
	f := load(t, testFlow)
	c := newConv(t, f, "en")
	c.do(flow.Input{Kind: flow.InStart})
	c.say("[en button.agree]") // the button's own text
	c.wantAt("rate")
	r := c.say("2") // a number at a rating is the score
	if a := answer(t, r); a.Value != "2" {
		t.Fatalf("typed rating = %+v", a)
	}
	c.wantAt("why_bad") // 2 < 3
	c.press("_skip")
	c.wantAt("kids")
	c.say("0")
	c.wantAt("again")
	c.say("[en button.no]") // the label; a number is no position
	c.wantAt("bye")
	if c.st.Answers["may_follow_up"] != "no" || c.st.Answers["bad"] != flow.Skipped {
		t.Fatalf("answers = %+v", c.st.Answers)
	}
}

func TestDeclineStoresNothing(t *testing.T) {
	f := load(t, testFlow)
	c := newConv(t, f, "en")
	c.do(flow.Input{Kind: flow.InStart})
	r := c.press("no")
	if len(effects(r, flow.EffDecline)) != 1 || c.st.Started() || len(c.st.Answers) != 0 {
		t.Fatalf("decline: state %+v effects %+v", c.st, r.Effects)
	}
	if len(r.Messages) != 0 {
		t.Fatalf("the engine says nothing on a decline (the host knows what it keeps): %+v", r.Messages)
	}
}

func TestEditedFlowNeverStrandsACitizen(t *testing.T) {
	f := load(t, testFlow)
	c := newConv(t, f, "en")
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	c.wantAt("rate")

	// The question still exists in the new version: carry on.
	edited := load(t, strings.Replace(testFlow, "How was it?", "How was it, overall?", 1))
	c.f = edited
	c.press("5")
	c.wantAt("why")
	if c.st.Version != edited.Version {
		t.Fatalf("version %q, want %q", c.st.Version, edited.Version)
	}

	// The node the citizen is on was removed: a polite end and a restart.
	gone := load(t, strings.Replace(strings.Replace(testFlow, "id: why\n", "id: why_renamed\n", 1), "next: kids\n  - id: why_bad", "next: kids\n  - id: why_bad", 1))
	c.f = gone
	r := c.say("hello")
	if c.st.Started() || c.last() != "[en flow.changed]" || len(r.Messages[0].Buttons) != 1 {
		t.Fatalf("removed node: state %+v messages %+v", c.st, r.Messages)
	}
	r = c.do(flow.Input{Kind: flow.InButton, Data: r.Messages[0].Buttons[0][0].Data})
	if c.st.Node != "hello" || r.Notice != "" || c.st.Run != 2 {
		t.Fatalf("restart after an edit goes to the start: at %q, notice %q, run %d", c.st.Node, r.Notice, c.st.Run)
	}
}

func TestReminders(t *testing.T) {
	f := load(t, testFlow)
	c := newConv(t, f, "en")
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	rem := effects(c.res, flow.EffSchedule)[0].Prompt
	// 15:00 + 1 day, outside quiet hours.
	if want := c.now.Add(24 * time.Hour); !rem.Due.Equal(want) {
		t.Fatalf("reminder due %v, want %v", rem.Due, want)
	}
	c.now = rem.Due
	r := c.do(flow.Input{Kind: flow.InReminder, Node: rem.Node, Seq: rem.Seq})
	if r.Stale || !strings.HasPrefix(c.last(), "[en reminder]\n\nHow was it?") {
		t.Fatalf("reminder = %+v", r)
	}
	if len(effects(r, flow.EffSchedule)) != 0 {
		t.Fatal("count 1: no second reminder is scheduled")
	}
	if r := c.do(flow.Input{Kind: flow.InReminder, Node: rem.Node, Seq: rem.Seq}); !r.Stale {
		t.Fatal("a second reminder beyond the count must be stale")
	}
	c.press("3")
	if r := c.do(flow.Input{Kind: flow.InReminder, Node: "rate", Seq: rem.Seq}); !r.Stale {
		t.Fatal("a reminder for a question already answered must be stale")
	}
}

func TestDueTimes(t *testing.T) {
	f := load(t, testFlow)
	hel := f.Pilot.Timezone
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		// From a Monday 15:00: 14 calendar days later at 10:00, after the
		// clocks went forward on 29 March (EET -> EEST).
		{"across spring DST", time.Date(2026, 3, 16, 15, 0, 0, 0, hel), time.Date(2026, 3, 30, 10, 0, 0, 0, hel)},
		// Across the autumn change (25 October).
		{"across autumn DST", time.Date(2026, 10, 20, 9, 0, 0, 0, hel), time.Date(2026, 11, 3, 10, 0, 0, 0, hel)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newConv(t, f, "en")
			c.now = tc.now
			c.do(flow.Input{Kind: flow.InStart})
			for _, o := range []string{"yes", "5", "staff"} {
				c.press(o)
			}
			c.say("1")
			c.press("yes")
			due := effects(c.res, flow.EffSchedule)[0].Prompt.Due
			if !due.Equal(tc.want) || due.In(hel).Hour() != 10 {
				t.Fatalf("due %v, want %v", due.In(hel), tc.want)
			}
		})
	}
	// A reminder that would fall in quiet hours moves to their end.
	c := newConv(t, f, "en")
	c.now = time.Date(2026, 3, 16, 22, 30, 0, 0, hel)
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	due := effects(c.res, flow.EffSchedule)[0].Prompt.Due
	if want := time.Date(2026, 3, 18, 8, 0, 0, 0, hel); !due.Equal(want) {
		t.Fatalf("reminder in quiet hours due %v, want %v", due.In(hel), want)
	}
}

func TestStepIsDeterministic(t *testing.T) {
	f := load(t, testFlow)
	script := func() []flow.Result {
		c := newConv(t, f, "fi")
		out := []flow.Result{c.do(flow.Input{Kind: flow.InStart})}
		for _, o := range []string{"yes", "2"} {
			out = append(out, c.press(o))
		}
		out = append(out, c.do(flow.Input{Kind: flow.InMedia, Media: &flow.Media{Type: "voice", FileID: "f", Duration: 4}}))
		return out
	}
	a, b := script(), script()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same flow, state, input and time must give the same result")
	}
}

func TestInputDoesNotChangeCallersState(t *testing.T) {
	f := load(t, testFlow)
	c := newConv(t, f, "en")
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	c.press("5")
	before := c.st
	keep := map[string]string{}
	for k, v := range before.Answers {
		keep[k] = v
	}
	c.press("staff")
	if !reflect.DeepEqual(before.Answers, keep) {
		t.Fatal("Step must not modify the answers map it was given")
	}
}

// BenchmarkStep measures one typical step: a rating press that records an
// answer, moves to the next question and builds its keyboard.
func BenchmarkStep(b *testing.B) {
	f := load(b, testFlow)
	e := &flow.Engine{Words: staticWords{}}
	c := newConv(b, f, "en")
	c.e = e
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	st := c.st
	in := flow.Input{Kind: flow.InButton, Data: flow.ButtonData(f.Version, "rate", "4")}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := e.Step(f, st, in, c.now)
		if r.State.Node != "why" {
			b.Fatal(r.State.Node)
		}
	}
}

// staticWords returns fixed texts without formatting, as the real catalog
// does for messages without templates.
type staticWords struct{}

func (staticWords) Say(_, id string, _ map[string]any) string { return id }
