package flow_test

import (
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
)

func toWeigh(t *testing.T, lang string) *conv {
	c := newConv(t, load(t, ideaFlow), lang)
	c.do(flow.Input{Kind: flow.InStart})
	c.press("yes")
	c.press("_skip")
	if c.res.Need == nil || c.res.Need.Kind != flow.NeedNextIdea {
		t.Fatalf("the weigh node asks for an idea: %+v", c.res)
	}
	return c
}

func vote(id, v string) flow.Callback {
	return flow.Callback{Kind: flow.CallbackVote, Arg: id, Option: v}
}

// TestWeighShowsIdeasOneAtATime: the intro comes with the first idea, each
// vote is recorded, and the node goes on after ideas: of them.
func TestWeighShowsIdeasOneAtATime(t *testing.T) {
	c := toWeigh(t, "fi")
	c.fulfil(flow.IdeaCard{ID: "a1", Text: "Open on Sundays"})
	msg := c.res.Messages[0]
	if msg.Text != "Muiden ideoita:\n\n💡 Open on Sundays" {
		t.Fatalf("first idea: %q", msg.Text)
	}
	var data []string
	for _, row := range msg.Buttons {
		data = append(data, row[0].Data)
	}
	if strings.Join(data[:3], " ") != "V:a1:agree V:a1:disagree V:a1:pass" || !strings.HasSuffix(data[3], ":weigh:_enough") || data[4] != flow.HelpData {
		t.Fatalf("buttons: %v", data)
	}
	// A vote on another idea is stale.
	if r := c.host(vote("zz", flow.VoteAgree)); r.Notice == "" || len(effects(r, flow.EffVote)) != 0 {
		t.Fatalf("vote on another idea: %+v", r)
	}
	r := c.host(vote("a1", flow.VoteAgree))
	if acts := ideaActs(r, flow.EffVote); len(acts) != 1 || acts[0].ID != "a1" || acts[0].Vote != "agree" || r.Chosen != "[fi vote.agree]" {
		t.Fatalf("vote: %+v", r)
	}
	if r.Need == nil || r.Need.Kind != flow.NeedNextIdea {
		t.Fatalf("next idea: %+v", r.Need)
	}
	c.fulfil(flow.IdeaCard{ID: "b2", Text: "Free wifi"})
	if c.last() != "💡 Free wifi" {
		t.Fatalf("second idea has no intro: %q", c.last())
	}
	// A typed number votes too: 2 is disagree.
	r = c.say("2")
	if acts := ideaActs(r, flow.EffVote); len(acts) != 1 || acts[0].Vote != "disagree" {
		t.Fatalf("typed vote: %+v", r.Effects)
	}
	c.wantAt("bye") // ideas: 2
	if r.Messages[0].Text != "[fi weigh.thanks]" {
		t.Fatalf("thanks: %+v", r.Messages)
	}
}

// TestWeighLeavesWhenNothingLeft: no idea left, and Enough for now, both
// go on; only someone who weighed something is thanked.
func TestWeighLeavesWhenNothingLeft(t *testing.T) {
	c := toWeigh(t, "en")
	c.fulfil(flow.IdeaCard{ID: "a1", Text: "Open on Sundays"})
	c.host(vote("a1", flow.VotePass))
	c.fulfil()
	c.wantAt("bye")
	if c.res.Messages[0].Text != "[en weigh.thanks]" {
		t.Fatalf("messages %+v", c.res.Messages)
	}

	c = toWeigh(t, "en")
	c.fulfil(flow.IdeaCard{ID: "a1", Text: "Open on Sundays"})
	r := c.press("_enough")
	c.wantAt("bye")
	if len(effects(r, flow.EffVote)) != 0 || r.Messages[0].Text != "Thanks!" {
		t.Fatalf("enough on the first idea: %+v", r)
	}
}

// TestWeighRepeat: the idea on screen is said again without the host (its
// text is kept in the state); a sticker gets a re-ask.
func TestWeighRepeat(t *testing.T) {
	c := toWeigh(t, "en")
	c.fulfil(flow.IdeaCard{ID: "a1", Text: "Open on Sundays"})
	r := c.do(flow.Input{Kind: flow.InRepeat})
	if r.Need != nil || !strings.HasSuffix(c.last(), "💡 Open on Sundays") {
		t.Fatalf("repeat: %+v", r)
	}
	c.do(flow.Input{Kind: flow.InOther})
	if !strings.HasPrefix(c.last(), "[en reask.unsupported] [en reask.buttons]") {
		t.Fatalf("sticker: %q", c.last())
	}
}
