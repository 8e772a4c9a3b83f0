package flow

import (
	"strconv"
	"strings"
)

// KindWeigh shows the citizen approved ideas of other people, one at a
// time, to agree with, disagree with or pass: at most ideas: of them, that
// they have not seen, in their language. The host chooses each idea (fewest
// votes first, new ideas early, never the citizen's own). With no idea to
// show, the node says nothing and goes on.
const KindWeigh Kind = "weigh"

// DefaultWeighIdeas is how many ideas a weigh node shows unless it says;
// MaxWeighIdeas is the most it may ask for.
const (
	DefaultWeighIdeas = 5
	MaxWeighIdeas     = 20
)

// optEnough leaves the weighing early.
const optEnough = "_enough"

// Where a weigh node is: waiting for the host's next idea
// ("need:idea:<shown>"), or for the vote on one ("vote:<shown>:<id>").
const (
	needIdea  = "idea:"
	awaitVote = "vote:"
)

// votes are the options of a vote, in the order of the buttons.
var votes = []string{VoteAgree, VoteDisagree, VotePass}

type weighKind struct{ baseKind }

func (weighKind) spec() kindSpec {
	return kindSpec{name: KindWeigh, keys: []string{"text", "next", "ideas", "count"}, text: requiredText, waits: true}
}

func (weighKind) read(l *loader, n *Node, m map[string]pair, _ string) {
	n.Ideas = DefaultWeighIdeas
	if v, ok := m["ideas"]; ok {
		if k, ok := l.integer(v); ok {
			if k < 1 || k > MaxWeighIdeas {
				l.errorf(pos(v.val), "ideas: %d; a weigh node shows from 1 to %d ideas", k, MaxWeighIdeas)
			}
			n.Ideas = k
		}
	}
}

func (weighKind) options(*Node) []string { return []string{optEnough} }

func (weighKind) label(_ *Node, v, _ string, say Say) string {
	switch v {
	case optEnough:
		return say("weigh.enough", nil)
	case VoteAgree, VoteDisagree, VotePass:
		return say("vote."+v, nil)
	}
	return ""
}

// enter asks the host for the first idea; nothing is said before it.
func (weighKind) enter(r *stepper, n *Node) (string, bool) {
	r.need(NeedNextIdea, needIdea+"0", "", 1)
	return "", true
}

// shown reads how many ideas were shown in this visit, and the idea being
// weighed ("" while waiting for the host).
func shown(await string) (int, string) {
	if rest, ok := strings.CutPrefix(await, awaitVote); ok {
		return counted(rest)
	}
	k, _ := strconv.Atoi(strings.TrimPrefix(await, awaitNeed+needIdea))
	return k, ""
}

func (k weighKind) fetched(r *stepper, n *Node, ideas []IdeaCard) {
	if !strings.HasPrefix(r.st.Await, awaitNeed+needIdea) {
		r.res.Stale = true
		return
	}
	done, _ := shown(r.st.Await)
	if len(ideas) == 0 {
		k.leave(r, n, done)
		return
	}
	c := ideas[0]
	r.st.Await = awaitVote + strconv.Itoa(done+1) + ":" + c.ID
	r.st.Draft = c.Text
	k.ask(r, n, "")
}

func (weighKind) ask(r *stepper, n *Node, reason string) {
	done, id := shown(r.st.Await)
	if id == "" {
		r.need(NeedNextIdea, needIdea+strconv.Itoa(done), "", 1)
		return
	}
	text := QuoteIdea(r.st.Draft)
	if done == 1 {
		text = r.render(n) + "\n\n" + text
	}
	kb := make([][]Button, 0, len(votes)+2)
	for _, v := range votes {
		kb = append(kb, ideaButton(r.say("vote."+v, nil), Callback{Kind: CallbackVote, Arg: id, Option: v}))
	}
	kb = append(kb, r.rows(n, optEnough)...)
	r.send(withReason(reason, text), r.helpRow(kb))
}

// hostButton takes the vote on the idea shown.
func (k weighKind) hostButton(r *stepper, n *Node, c Callback) bool {
	done, id := shown(r.st.Await)
	if c.Kind != CallbackVote || id == "" || c.Arg != id {
		return false
	}
	k.vote(r, n, done, id, c.Option)
	return true
}

func (k weighKind) vote(r *stepper, n *Node, done int, id, v string) {
	r.res.Chosen = r.say("vote."+v, nil)
	r.ideaEffect(EffVote, n, IdeaAct{ID: id, Vote: v})
	if done >= n.Ideas {
		k.leave(r, n, done)
		return
	}
	r.st.Draft = ""
	r.need(NeedNextIdea, needIdea+strconv.Itoa(done), "", 1)
}

// leave thanks a citizen who weighed something and goes on.
func (weighKind) leave(r *stepper, n *Node, done int) {
	if done > 0 {
		r.send(r.say("weigh.thanks", nil), nil)
	}
	r.enter(n.Next)
}

func (k weighKind) choose(r *stepper, n *Node, _ string) {
	done, id := shown(r.st.Await)
	if id != "" {
		done-- // the idea on screen was not weighed
	}
	k.leave(r, n, done)
}

// typed takes a vote typed as its number (1 agree, 2 disagree, 3 not sure)
// or its words.
func (k weighKind) typed(r *stepper, n *Node, in Input) {
	done, id := shown(r.st.Await)
	if id != "" {
		if v := r.matchOption(n, in, votes...); v != "" {
			k.vote(r, n, done, id, v)
			return
		}
	}
	reason := r.say("reask.buttons", nil)
	if in.Kind != InText {
		reason = r.say(reaskFor(in, false), nil) + " " + reason
	}
	r.ask(n, reason)
}

// draw shows how many ideas the citizen may weigh.
func (weighKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	g.answers(n, []route{{"👍 · 👎 · 🤷 up to " + strconv.Itoa(n.Ideas) + " ideas", n.Next}})
}
