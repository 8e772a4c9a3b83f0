package flow

import (
	"strconv"
	"strings"
)

// Co-creation: the idea and weigh nodes need what only the store knows
// (the approved ideas similar to a citizen's, the next idea to weigh). The
// engine stays pure: a step that needs them stops with Result.Need set, and
// the host answers at once with an InIdeas input carrying the ideas, in the
// same turn. Nothing is committed in between.

// InIdeas is the host's answer to a Need: Input.Ideas holds what it found
// (possibly nothing).
const InIdeas InputKind = InReminder + 1

// The effects of co-creation: what the host stores in the turn's commit.
// Effect.Idea says what.
const (
	EffPropose  EffectKind = EffDecline + 1 + iota // a new idea: Idea.Text (or Idea.Media, a voice note)
	EffSupport                                     // support an approved idea: Idea.ID
	EffVote                                        // weigh an idea: Idea.ID, Idea.Vote (agree, disagree, pass)
	EffHearBack                                    // agree (Idea.Yes) or not to hear what happens with one's ideas
)

// IdeaAct is what a co-creation effect is about.
type IdeaAct struct {
	ID    string
	Text  string
	Media *Media
	Vote  string // VoteAgree, VoteDisagree or VotePass
	Yes   bool
}

// NeedKind says what a step needs from the host.
type NeedKind int

// The needs.
const (
	// NeedSimilar: up to Max approved ideas of the pilot, in the citizen's
	// language, similar to Text.
	NeedSimilar NeedKind = iota + 1
	// NeedNextIdea: the next approved idea the citizen has not seen, in
	// their language (at most one). The host marks it seen.
	NeedNextIdea
)

// Need asks the host for ideas; it answers with an InIdeas input.
type Need struct {
	Kind NeedKind
	Text string
	Max  int
}

// IdeaCard is an idea the host found: its id and its text in the
// citizen's language.
type IdeaCard struct {
	ID   string
	Text string
}

// MaxIdeaText is the longest idea accepted, in characters: ideas are read
// on phones, one at a time, by people who may read slowly.
const MaxIdeaText = 300

// MaxSimilar is how many similar ideas are offered before saving a new one.
const MaxSimilar = 3

// awaitNeed marks a state waiting for the host's answer to a Need, within
// one turn: "need:similar", "need:idea:<ideas shown so far>".
const awaitNeed = "need:"

// need stops the step to ask the host for ideas.
func (r *stepper) need(kind NeedKind, await, text string, max int) {
	r.st.Await = awaitNeed + await
	r.res.Need = &Need{Kind: kind, Text: text, Max: max}
}

// ideaEffect records a co-creation effect.
func (r *stepper) ideaEffect(kind EffectKind, n *Node, act IdeaAct) {
	r.effect(Effect{Kind: kind, Node: n.ID, Idea: &act})
}

// ideaButton is one of the host's buttons (support, vote) on its own row.
func ideaButton(text string, c Callback) []Button {
	return []Button{{Text: text, Data: c.Encode()}}
}

// counted reads "<k>:<rest>" from an await value after its prefix.
func counted(s string) (int, string) {
	ks, rest, _ := strings.Cut(s, ":")
	k, _ := strconv.Atoi(ks)
	return k, rest
}

// QuoteIdea shows an idea's text, marked as an idea, wherever citizens or
// coordinators see one.
func QuoteIdea(text string) string { return "💡 " + strings.TrimSpace(text) }
