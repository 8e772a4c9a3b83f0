package flow

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// KindIdea asks for the citizen's idea. Before it is saved, the host
// offers up to three similar approved ideas: the citizen supports one of
// them, or says theirs is different. A new idea waits for a coordinator
// before others see it. With hear_back, the node then asks whether the
// citizen wants to hear what happens with it.
const KindIdea Kind = "idea"

// The answers an idea node records, and its own button.
const (
	IdeaProposed  = "proposed"  // a new idea was saved
	IdeaSupported = "supported" // a similar idea was supported instead
	optNew        = "_new"      // "mine is different"
)

// Where an idea node is, beyond waiting for the idea (Await "").
const (
	awaitSimilar  = "similar:" // + the offered ids, comma separated
	awaitHearBack = "hearback"
	needSimilar   = "similar"
)

// ideaAccept is what an idea can be: typed, or a voice note that a
// coordinator transcribes.
var ideaAccept = []string{"text", "voice"}

type ideaKind struct{ baseKind }

func (ideaKind) spec() kindSpec {
	return kindSpec{name: KindIdea, keys: []string{"text", "next", "result", "accept", "optional", "hear_back", "count"}, text: requiredText, waits: true, records: true}
}

func (ideaKind) read(l *loader, n *Node, m map[string]pair, what string) {
	n.Accept = []string{"text"}
	if v, ok := m["accept"]; ok {
		n.Accept = nil
		for _, a := range l.list(v) {
			if !slices.Contains(ideaAccept, a.Value) {
				l.errorf(pos(a), "accept %s is not possible for an idea; use text or voice", kindName(a))
				continue
			}
			n.Accept = append(n.Accept, a.Value)
		}
	}
	n.HearBack = l.text(m, "hear_back", "h."+n.ID, what, n.Pos, false)
}

func (ideaKind) values(*Node) []string  { return []string{IdeaProposed, IdeaSupported} }
func (ideaKind) buckets(*Node) []string { return []string{IdeaProposed, IdeaSupported} }
func (ideaKind) options(*Node) []string { return []string{optNew, optYes, optNo} }

func (ideaKind) label(_ *Node, v, _ string, say Say) string {
	switch v {
	case IdeaProposed, IdeaSupported:
		return say("idea."+v, nil)
	case optNew:
		return say("idea.different", nil)
	case optYes, optNo:
		return say("button."+v, nil)
	}
	return ""
}

func (k ideaKind) ask(r *stepper, n *Node, reason string) {
	switch st := r.st; {
	case st.Await == awaitHearBack:
		r.send(withReason(reason, n.HearBack.Render(st.Lang, r.data(n))), r.helpRow(r.rows(n, optYes, optNo)))
	case strings.HasPrefix(st.Await, awaitSimilar) || strings.HasPrefix(st.Await, awaitNeed):
		// The similar ideas are not kept: ask the host again.
		r.need(NeedSimilar, needSimilar, st.Draft, MaxSimilar)
	default:
		var kb [][]Button
		if n.Optional {
			kb = [][]Button{{{Text: r.say("button.skip", nil), Data: ButtonData(r.f.Version, n.ID, optSkip)}}}
		}
		r.send(withReason(reason, r.render(n)), r.helpRow(kb))
	}
}

func (k ideaKind) typed(r *stepper, n *Node, in Input) {
	if r.st.Await == awaitHearBack {
		if opt := r.matchOption(n, in, optYes, optNo); opt != "" {
			r.choose(n, opt)
			return
		}
		r.ask(n, r.say("reask.buttons", nil))
		return
	}
	switch in.Kind {
	case InText:
		t := strings.TrimSpace(in.Text)
		switch {
		case t == "":
		case utf8.RuneCountInString(t) > MaxIdeaText:
			r.st.Await = ""
			r.ask(n, r.say("idea.too_long", map[string]any{"Max": MaxIdeaText}))
			return
		default:
			r.st.Draft = t
			r.need(NeedSimilar, needSimilar, t, MaxSimilar)
			return
		}
	case InMedia:
		if in.Media != nil && in.Media.Type == "voice" && n.accepts("voice") {
			// A voice note cannot be compared: a coordinator transcribes it.
			r.st.Draft = ""
			k.propose(r, n, in.Media)
			return
		}
	}
	r.st.Await = ""
	r.ask(n, r.say(reaskFor(in, n.accepts("voice")), nil))
}

// fetched offers the similar ideas the host found, or saves the idea when
// there are none.
func (k ideaKind) fetched(r *stepper, n *Node, ideas []IdeaCard) {
	if r.st.Await != awaitNeed+needSimilar {
		r.res.Stale = true
		return
	}
	ideas = ideas[:min(len(ideas), MaxSimilar)]
	if len(ideas) == 0 {
		k.propose(r, n, nil)
		return
	}
	var b strings.Builder
	b.WriteString(r.say("idea.similar", nil))
	ids := make([]string, len(ideas))
	kb := make([][]Button, 0, len(ideas)+2)
	for i, c := range ideas {
		ids[i] = c.ID
		b.WriteString("\n\n" + strconv.Itoa(i+1) + ". " + QuoteIdea(c.Text))
		kb = append(kb, ideaButton(r.say("idea.support", map[string]any{"Count": i + 1}), Callback{Kind: CallbackSupport, Arg: c.ID}))
	}
	kb = append(kb, r.rows(n, optNew)...)
	r.st.Await = awaitSimilar + strings.Join(ids, ",")
	r.send(b.String(), r.helpRow(kb))
}

// hostButton takes the support of one of the similar ideas offered.
func (k ideaKind) hostButton(r *stepper, n *Node, c Callback) bool {
	offered, ok := strings.CutPrefix(r.st.Await, awaitSimilar)
	if !ok || c.Kind != CallbackSupport {
		return false
	}
	i := slices.Index(strings.Split(offered, ","), c.Arg)
	if i < 0 {
		return false
	}
	r.res.Chosen = r.say("idea.support", map[string]any{"Count": i + 1})
	r.st.Draft = ""
	r.ideaEffect(EffSupport, n, IdeaAct{ID: c.Arg})
	r.record(n, IdeaSupported, "", nil)
	k.after(r, n, "idea.supported_thanks")
	return true
}

func (k ideaKind) choose(r *stepper, n *Node, opt string) {
	switch {
	case opt == optNew && strings.HasPrefix(r.st.Await, awaitSimilar):
		k.propose(r, n, nil)
	case (opt == optYes || opt == optNo) && r.st.Await == awaitHearBack:
		r.ideaEffect(EffHearBack, n, IdeaAct{Yes: opt == optYes})
		r.enter(n.Next)
	default:
		r.res.Chosen = ""
		r.res.Notice = r.say("stale.short", nil)
		r.ask(n, r.say("reask.stale", nil))
	}
}

// propose saves the draft (or the voice note) as a new idea.
func (k ideaKind) propose(r *stepper, n *Node, voice *Media) {
	r.ideaEffect(EffPropose, n, IdeaAct{Text: r.st.Draft, Media: voice})
	r.st.Draft = ""
	r.record(n, IdeaProposed, "", nil)
	k.after(r, n, "idea.saved")
}

// after thanks the citizen, then asks whether they want to hear back, or
// goes on.
func (ideaKind) after(r *stepper, n *Node, thanks string) {
	if n.HearBack.IsZero() {
		r.send(r.say(thanks, nil), nil)
		r.enter(n.Next)
		return
	}
	r.st.Await = awaitHearBack
	text := r.say(thanks, nil) + "\n\n" + n.HearBack.Render(r.st.Lang, r.data(n))
	r.send(text, r.helpRow(r.rows(n, optYes, optNo)))
}

// resumes: a dialogue waiting for the hear-back answer goes on only if the
// node still asks it.
func (ideaKind) resumes(n *Node, await string) bool {
	return await != awaitHearBack || !n.HearBack.IsZero()
}

// draw shows both ways an idea goes on: saved, or a similar one supported.
func (ideaKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	label := "💡 idea · 👍 support similar"
	if !n.HearBack.IsZero() {
		label += " · hear back?"
	}
	g.answers(n, []route{{label, n.Next}})
}

// rows are flow buttons of n for opts, one per row.
func (r *stepper) rows(n *Node, opts ...string) [][]Button {
	kb := make([][]Button, 0, len(opts)+1)
	for _, opt := range opts {
		kb = append(kb, []Button{{Text: r.label(n, opt), Data: ButtonData(r.f.Version, n.ID, opt)}})
	}
	return kb
}

// matchOption lets a citizen type one of opts instead of pressing it: its
// number among them, or its label.
func (r *stepper) matchOption(n *Node, in Input, opts ...string) string {
	if in.Kind != InText {
		return ""
	}
	t := normalize(in.Text)
	if i, err := strconv.Atoi(t); err == nil && i >= 1 && i <= len(opts) {
		return opts[i-1]
	}
	for _, opt := range opts {
		l := r.label(n, opt)
		if t != "" && (normalize(l) == t || normalize(stripEmoji(l)) == t) {
			return opt
		}
	}
	return ""
}
