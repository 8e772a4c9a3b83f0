package flow_test

import (
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

const ideaFlow = `
pilot:
  id: test
  name: Test service
  languages: [en, fi]
  timezone: Europe/Helsinki
  retention_days: 30
  help: Ask the staff.
  reminders: {count: 1, after: 1d}
  safeguarding:
    button: true
    help_now: Call 112.
nodes:
  - id: hello
    type: consent
    text: Hello
  - id: ask_idea
    type: idea
    result: my_idea
    optional: true
    accept: [text, voice]
    text: {en: "What is your idea?", fi: "Mikä on ideasi?"}
    hear_back: {en: "May we tell you what happens with it?", fi: "Saammeko kertoa?"}
  - id: weigh
    type: weigh
    ideas: 2
    text: {en: "Ideas from others:", fi: "Muiden ideoita:"}
  - id: bye
    type: end
    text: Thanks!
`

// fulfil answers the step's Need as a host would, with these ideas.
func (c *conv) fulfil(ideas ...flow.IdeaCard) flow.Result {
	c.t.Helper()
	if c.res.Need == nil {
		c.t.Fatalf("no need at node %q (await %q)", c.st.Node, c.st.Await)
	}
	return c.do(flow.Input{Kind: flow.InIdeas, Ideas: ideas})
}

func (c *conv) host(cb flow.Callback) flow.Result {
	return c.do(flow.Input{Kind: flow.InButton, Data: cb.Encode()})
}

func ideaActs(r flow.Result, kind flow.EffectKind) []flow.IdeaAct {
	var out []flow.IdeaAct
	for _, e := range effects(r, kind) {
		out = append(out, *e.Idea)
	}
	return out
}

func toIdea(t *testing.T) *conv {
	c := newConv(t, load(t, ideaFlow), "en")
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	c.wantAt("ask_idea")
	if kb := c.res.Messages[0].Buttons; c.last() != "What is your idea?" || len(kb) != 2 || kb[0][0].Text != "[en button.skip]" {
		t.Fatalf("the idea question: %q %+v", c.last(), kb)
	}
	return c
}

// TestIdeaNoSimilar: with no similar idea, the idea is saved at once; the
// hear-back question follows, and Yes is stored.
func TestIdeaNoSimilar(t *testing.T) {
	c := toIdea(t)
	r := c.say("  A quiet room for homework  ")
	if r.Need == nil || r.Need.Kind != flow.NeedSimilar || r.Need.Text != "A quiet room for homework" || r.Need.Max != 3 {
		t.Fatalf("need = %+v", r.Need)
	}
	if len(r.Messages) != 0 || len(effects(r, flow.EffAnswer)) != 0 {
		t.Fatalf("nothing is said or saved before the host answers: %+v", r)
	}
	r = c.fulfil()
	if acts := ideaActs(r, flow.EffPropose); len(acts) != 1 || acts[0].Text != "A quiet room for homework" {
		t.Fatalf("propose effects: %+v", r.Effects)
	}
	if a := answer(t, r); a.Value != flow.IdeaProposed || a.Text != "" || a.Result != "my_idea" {
		t.Fatalf("the answer records the outcome, never the text: %+v", a)
	}
	if !strings.HasPrefix(c.last(), "[en idea.saved]\n\nMay we tell you") || c.st.Draft != "" {
		t.Fatalf("thanks and hear back: %q (draft %q)", c.last(), c.st.Draft)
	}
	r = c.press("yes")
	if acts := ideaActs(r, flow.EffHearBack); len(acts) != 1 || !acts[0].Yes {
		t.Fatalf("hear back: %+v", r.Effects)
	}
	if r.Need == nil || r.Need.Kind != flow.NeedNextIdea {
		t.Fatalf("the weigh node asks for an idea: %+v", r)
	}
	c.fulfil()
	c.wantAt("bye") // nothing to weigh: on at once, silently
	if len(c.res.Messages) != 1 || c.last() != "Thanks!" {
		t.Fatalf("messages %+v", c.res.Messages)
	}
}

// TestIdeaSupportsSimilar: similar ideas are offered with a support button
// each and "mine is different"; supporting records the idea supported.
func TestIdeaSupportsSimilar(t *testing.T) {
	c := toIdea(t)
	c.say("Longer opening hours")
	c.fulfil(flow.IdeaCard{ID: "a1", Text: "Open longer in the evening"}, flow.IdeaCard{ID: "b2", Text: "Open on Sundays"})
	msg := c.res.Messages[0]
	if !strings.Contains(msg.Text, "1. 💡 Open longer in the evening") || !strings.Contains(msg.Text, "2. 💡 Open on Sundays") {
		t.Fatalf("similar list: %q", msg.Text)
	}
	if len(msg.Buttons) != 4 || msg.Buttons[0][0].Data != "S:a1" || msg.Buttons[1][0].Data != "S:b2" ||
		msg.Buttons[2][0].Text != "[en idea.different]" || msg.Buttons[3][0].Data != flow.HelpData {
		t.Fatalf("similar buttons: %+v", msg.Buttons)
	}
	// A support for an idea that was not offered is stale.
	r := c.host(flow.Callback{Kind: flow.CallbackSupport, Arg: "zz"})
	if r.Notice == "" || len(effects(r, flow.EffSupport)) != 0 {
		t.Fatalf("unoffered support: %+v", r)
	}
	c.fulfil(flow.IdeaCard{ID: "a1", Text: "Open longer in the evening"}, flow.IdeaCard{ID: "b2", Text: "Open on Sundays"})
	if !strings.HasPrefix(c.last(), "[en reask.stale]") && !strings.HasPrefix(c.last(), "[en idea.similar]") {
		t.Fatalf("the list again: %q", c.last())
	}
	r = c.host(flow.Callback{Kind: flow.CallbackSupport, Arg: "b2"})
	if acts := ideaActs(r, flow.EffSupport); len(acts) != 1 || acts[0].ID != "b2" || len(effects(r, flow.EffPropose)) != 0 {
		t.Fatalf("support: %+v", r.Effects)
	}
	if a := answer(t, r); a.Value != flow.IdeaSupported || r.Chosen == "" || c.st.Draft != "" {
		t.Fatalf("answer %+v chosen %q draft %q", a, r.Chosen, c.st.Draft)
	}
	r = c.press("no")
	if acts := ideaActs(r, flow.EffHearBack); len(acts) != 1 || acts[0].Yes {
		t.Fatalf("no to hearing back: %+v", r.Effects)
	}
}

// TestIdeaMineIsDifferent: the draft is kept while the citizen looks at the
// similar ideas, and saved when theirs is different; a repeat asks the
// host again, since the similar ideas are not kept.
func TestIdeaMineIsDifferent(t *testing.T) {
	c := toIdea(t)
	c.say("Free bus tickets")
	c.fulfil(flow.IdeaCard{ID: "a1", Text: "Cheaper bus tickets"})
	if c.st.Draft != "Free bus tickets" || c.st.Await != "similar:a1" {
		t.Fatalf("state %+v", c.st)
	}
	r := c.do(flow.Input{Kind: flow.InRepeat})
	if r.Need == nil || r.Need.Text != "Free bus tickets" {
		t.Fatalf("repeat: %+v", r)
	}
	c.fulfil(flow.IdeaCard{ID: "a1", Text: "Cheaper bus tickets"})
	r = c.press("_new")
	if acts := ideaActs(r, flow.EffPropose); len(acts) != 1 || acts[0].Text != "Free bus tickets" {
		t.Fatalf("propose: %+v", r.Effects)
	}
}

// TestIdeaInput: long, empty and unusable input gets a re-ask; a voice
// note is saved at once (nothing to compare); Skip records a skip.
func TestIdeaInput(t *testing.T) {
	c := toIdea(t)
	r := c.say(strings.Repeat("word ", 80))
	if r.Need != nil || !strings.HasPrefix(c.last(), "[en idea.too_long map[Max:300]]") {
		t.Fatalf("too long: %q", c.last())
	}
	c.say("   ")
	if !strings.HasPrefix(c.last(), "[en reask.text_or_voice]") {
		t.Fatalf("empty: %q", c.last())
	}
	c.do(flow.Input{Kind: flow.InOther})
	if !strings.HasPrefix(c.last(), "[en reask.unsupported]") {
		t.Fatalf("sticker: %q", c.last())
	}
	voice := &flow.Media{Type: "voice", FileID: "v1"}
	r = c.do(flow.Input{Kind: flow.InMedia, Media: voice})
	if acts := ideaActs(r, flow.EffPropose); len(acts) != 1 || acts[0].Media != voice || acts[0].Text != "" || r.Need != nil {
		t.Fatalf("voice: %+v", r)
	}

	c = toIdea(t)
	r = c.press("_skip")
	if a := answer(t, r); a.Value != flow.Skipped || len(effects(r, flow.EffPropose)) != 0 {
		t.Fatalf("skip: %+v", r.Effects)
	}
	// The buttons of the idea node mean nothing at the question itself.
	c = toIdea(t)
	r = c.press("_new")
	if r.Notice == "" || len(effects(r, flow.EffPropose)) != 0 {
		t.Fatalf("a stale 'mine is different': %+v", r)
	}
	if r = c.do(flow.Input{Kind: flow.InIdeas}); !r.Stale {
		t.Fatalf("ideas nobody asked for are stale: %+v", r)
	}
}
