package flow

import (
	"slices"
	"strings"
)

// Kind is the type of a node, as written after type: in a flow file.
type Kind string

// nodeKind is one type of node and everything the flow language knows
// about it: how it is read and checked, what it does in a dialogue, how its
// answers are shown and how it is drawn. Each kind is a type in its own
// kind_<name>.go file, listed once in newRegistry below; the loader,
// checker, engine, answer renderer and graph ask the kind instead of
// switching on Node.Kind. A kind embeds baseKind and writes only what makes
// it different.
type nodeKind interface {
	// spec says what the kind is: its name, keys and nature.
	spec() kindSpec

	// read decodes the keys only this kind uses (id, type, text, next,
	// result, count and optional are read already), reporting problems
	// at their position; what names the node in messages.
	read(l *loader, n *Node, m map[string]pair, what string)
	// needsNext reports whether n goes on to another node through its own
	// next; the checker then fills in the node below when next is left out.
	needsNext(n *Node) bool
	// check runs the kind's own checks, once every node is read.
	check(l *loader, n *Node)
	// values lists what a branch may compare an answer to n with (equals,
	// in), or nil when any value is possible.
	values(n *Node) []string

	// enter runs when a dialogue reaches n. It reports the node to go on
	// to, or stop when the dialogue waits at n (for the citizen or time).
	enter(r *stepper, n *Node) (next string, stop bool)
	// ask sends n's question, again when reason (a re-ask) is not "".
	ask(r *stepper, n *Node, reason string)
	// options lists the options of n's own buttons, in the order shown.
	options(n *Node) []string
	// choose applies a press of one of n's options (not Skip).
	choose(r *stepper, n *Node, opt string)
	// typed handles what the citizen sends instead of pressing: text,
	// media, or something unusable.
	typed(r *stepper, n *Node, in Input)
	// resumes reports whether a dialogue saved at n while awaiting await
	// can go on after the flow file changed.
	resumes(n *Node, await string) bool
	// fetched takes the host's answer to the Need n's step asked for.
	fetched(r *stepper, n *Node, ideas []IdeaCard)
	// hostButton takes a press of one of the host's buttons that n shows
	// (support an idea, vote); false when n does not take it.
	hostButton(r *stepper, n *Node, c Callback) bool

	// label is the words for option or answer value v of n, in lang with
	// the bot's own words from say; "" when the kind has none for v. n may
	// be nil when the flow that asked is gone.
	label(n *Node, v, lang string, say Say) string
	// buckets lists the values n's answers are counted under in digests,
	// in the order the citizen saw them; Skipped follows.
	buckets(n *Node) []string
	// average renders the average avg of n's answers for a digest, or ""
	// when the kind does not average its answers.
	average(avg string, say Say) string

	// draw draws n in a Mermaid flowchart: its shape and its arrows.
	draw(g *graph, n *Node)
}

// kindSpec is what a kind is, as opposed to what it does.
type kindSpec struct {
	name Kind
	keys []string // the keys a node may use, beyond id and type
	text textUse  // whether the node says something
	// waits: a dialogue stops at the node for the citizen's input.
	waits bool
	// records: the node records an answer under result, and reminders
	// nudge towards it.
	records bool
	// consents: answering the node is agreeing to take part; answers
	// recorded before it are warned about.
	consents bool
	// numeric: its answers are numbers (count:, less_than, greater_than,
	// sums for averages).
	numeric bool
	// free: its answers can be any value (a number), so digests do not
	// count them value by value.
	free bool
}

// textUse says whether a node has a text.
type textUse int

const (
	noText       textUse = iota // a branch says nothing
	optionalText                // a follow-up may say something
	requiredText                // everything else
)

// kind is a registered kind with its spec, read once.
type kind struct {
	nodeKind
	kindSpec
}

// registry holds the kinds in the order messages and docs list them.
type registry struct {
	list   []*kind
	byName map[Kind]*kind
	none   *kind // for a kind that is not registered
}

// kinds is every node type a flow file can use. It is built once and never
// changed.
var kinds = newRegistry(
	messageKind{},
	consentKind{},
	choiceKind{},
	ratingKind{},
	yesnoKind{},
	textKind{},
	numberKind{},
	ideaKind{},
	weighKind{},
	branchKind{},
	followupKind{},
	inviteKind{},
	endKind{},
)

func newRegistry(ks ...nodeKind) *registry {
	r := &registry{byName: map[Kind]*kind{}, none: &kind{baseKind{}, baseKind{}.spec()}}
	for _, k := range ks {
		e := &kind{k, k.spec()}
		r.list = append(r.list, e)
		r.byName[e.name] = e
	}
	return r
}

// lookup returns the registered kind named k.
func (r *registry) lookup(k Kind) (*kind, bool) {
	e, ok := r.byName[k]
	return e, ok
}

// of returns the kind named k; a kind that is not registered (an answer
// stored by an older version of the bot) does nothing and shows values as
// they are.
func (r *registry) of(k Kind) *kind {
	if e, ok := r.byName[k]; ok {
		return e
	}
	return r.none
}

// names lists the kinds' names.
func (r *registry) names() []string {
	out := make([]string, len(r.list))
	for i, k := range r.list {
		out[i] = string(k.name)
	}
	return out
}

// allKeys lists every key some kind uses, to check the keys of a node
// whose type is unknown.
func (r *registry) allKeys() []string {
	keys := []string{"id", "type"}
	for _, k := range r.list {
		for _, key := range k.keys {
			if !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
		}
	}
	return keys
}

// users lists the kinds that use key.
func (r *registry) users(key string) []string {
	var out []string
	for _, k := range r.list {
		if slices.Contains(k.keys, key) {
			out = append(out, string(k.name))
		}
	}
	return out
}

// kind returns the node's kind.
func (n *Node) kind() *kind { return kinds.of(n.Kind) }

// aNode is "a rating node", "an end node".
func aNode(k Kind) string {
	if k != "" && strings.ContainsRune("aeiou", rune(k[0])) {
		return "an " + string(k) + " node"
	}
	return "a " + string(k) + " node"
}

// aKind is "a rating", "an end".
func aKind(k Kind) string {
	return strings.TrimSuffix(aNode(k), " node")
}

// baseKind is what a kind does unless it says otherwise: it is a question
// with buttons (none by default) that records the option pressed.
type baseKind struct{}

func (baseKind) spec() kindSpec                               { return kindSpec{} }
func (baseKind) read(*loader, *Node, map[string]pair, string) {}
func (baseKind) needsNext(*Node) bool                         { return true }
func (baseKind) check(*loader, *Node)                         {}
func (baseKind) values(*Node) []string                        { return nil }
func (baseKind) enter(r *stepper, n *Node) (string, bool)     { r.question(n); return "", true }
func (baseKind) ask(r *stepper, n *Node, reason string)       { r.sendQuestion(n, r.render(n), reason) }
func (baseKind) options(*Node) []string                       { return nil }
func (baseKind) typed(r *stepper, n *Node, in Input)          { r.typedButtons(n, in) }
func (baseKind) resumes(_ *Node, await string) bool           { return !strings.HasPrefix(await, awaitOther) }
func (baseKind) fetched(r *stepper, _ *Node, _ []IdeaCard)    { r.res.Stale = true }
func (baseKind) hostButton(*stepper, *Node, Callback) bool    { return false }
func (baseKind) label(_ *Node, _, _ string, _ Say) string     { return "" }
func (baseKind) buckets(*Node) []string                       { return nil }
func (baseKind) average(string, Say) string                   { return "" }
func (baseKind) choose(r *stepper, n *Node, opt string) {
	r.record(n, opt, "", nil)
	r.enter(n.Next)
}
