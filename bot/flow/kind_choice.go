package flow

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KindChoice asks a question answered with one of its own buttons. An
// option with other: true then asks for the citizen's own words.
const KindChoice Kind = "choice"

type choiceKind struct{ baseKind }

func (choiceKind) spec() kindSpec {
	return kindSpec{name: KindChoice, keys: []string{"text", "next", "result", "options", "optional", "count"}, text: requiredText, waits: true, records: true}
}

// read reads the buttons under options.
func (choiceKind) read(l *loader, n *Node, m map[string]pair, _ string) {
	v, ok := m["options"]
	if !ok {
		l.errorf(n.Pos, "choice node %q has no options; list the buttons under options:", n.ID)
		return
	}
	if v.val.Kind != yaml.SequenceNode || len(v.val.Content) == 0 {
		l.errorf(pos(v.val), "options should be a list of buttons, each starting with \"- id:\"")
		return
	}
	seen := map[string]int{}
	for _, item := range v.val.Content {
		item = deref(item)
		o := &Option{Pos: pos(item)}
		if item.Kind == yaml.ScalarNode && item.Tag != "!!null" {
			l.errorf(o.Pos, "option %q needs an id and a text; write it as {id: %s, text: %q}", item.Value, cmp.Or(suggestID(item.Value), "an_id"), item.Value)
			l.dropped(n)
			continue
		}
		om := l.mapping(item, "an option", optionKeys, nil)
		if p, ok := om["id"]; ok {
			o.ID = l.ident(p, "option id", maxIDLen)
			if strings.HasPrefix(o.ID, "_") {
				l.errorf(pos(p.val), "option id %q may not start with _ (reserved for the bot's own buttons)", o.ID)
			}
			if line, dup := seen[o.ID]; dup {
				l.errorf(pos(p.val), "option id %q is used twice in this node; the first is at line %d: give each option its own id", o.ID, line)
			}
			seen[o.ID] = pos(p.val).Line
		} else if item.Kind == yaml.MappingNode {
			l.errorf(o.Pos, "this option has no id; give it a short name like id: staff")
		}
		if o.ID == "" {
			l.dropped(n)
			continue
		}
		o.Text = l.text(om, "text", "o."+n.ID+"."+o.ID, fmt.Sprintf("option %q", o.ID), o.Pos, true)
		if p, ok := om["next"]; ok {
			o.Next = l.str(p)
			l.setPos(o, "next", p)
		}
		if p, ok := om["other"]; ok {
			o.Other = l.boolean(p)
		}
		if p, ok := om["ask"]; ok {
			o.Ask = l.textValue(p, "a."+n.ID+"."+o.ID)
			if !o.Other {
				l.errorf(pos(p.key), "ask is only used with other: true (it asks for the citizen's own words); add other: true to this option, or remove ask")
			}
		}
		n.Options = append(n.Options, o)
	}
}

// needsNext: a choice whose options all say where they go needs no next of
// its own, unless it can be skipped.
func (choiceKind) needsNext(n *Node) bool {
	return n.Optional || len(n.Options) == 0 || slices.ContainsFunc(n.Options, func(o *Option) bool { return o.Next == "" })
}

// check warns about button texts that phones cut off.
func (choiceKind) check(l *loader, n *Node) {
	for _, o := range n.Options {
		for _, lang := range l.f.Pilot.Languages {
			if !o.Text.Has(lang) {
				continue
			}
			if s := o.Text.Render(lang, sampleData(l.f)); len([]rune(s)) > MaxButtonText {
				l.errorf(o.Text.tr[lang].pos, "the %s button text of option %q is %d characters; Telegram cuts buttons longer than %d on phones: shorten it", lang, o.ID, len([]rune(s)), MaxButtonText)
			}
		}
	}
}

func (k choiceKind) values(n *Node) []string  { return k.options(n) }
func (k choiceKind) buckets(n *Node) []string { return k.options(n) }

func (choiceKind) options(n *Node) []string {
	out := make([]string, len(n.Options))
	for i, o := range n.Options {
		out[i] = o.ID
	}
	return out
}

// label is the option's button text; n may be nil (the flow is gone).
func (choiceKind) label(n *Node, v, lang string, _ Say) string {
	if n == nil {
		return ""
	}
	if o := n.Option(v); o != nil {
		return o.Text.Render(lang, nil)
	}
	return ""
}

func (choiceKind) choose(r *stepper, n *Node, opt string) {
	o := n.Option(opt)
	if o.Other {
		r.st.Await = awaitOther + o.ID
		r.send(r.otherAsk(n, o), r.helpRow(nil))
		return
	}
	r.record(n, opt, "", nil)
	r.enter(cmp.Or(o.Next, n.Next))
}

// otherAsk is what to ask for the citizen's own words after an "other" option.
func (r *stepper) otherAsk(n *Node, o *Option) string {
	if ask := o.Ask.Render(r.st.Lang, r.data(n)); ask != "" {
		return ask
	}
	return r.say("other.ask", nil)
}

func (k choiceKind) ask(r *stepper, n *Node, reason string) {
	if opt, ok := strings.CutPrefix(r.st.Await, awaitOther); ok {
		if o := n.Option(opt); o != nil {
			r.send(withReason(reason, r.otherAsk(n, o)), r.helpRow(nil))
			return
		}
	}
	k.baseKind.ask(r, n, reason)
}

func (choiceKind) typed(r *stepper, n *Node, in Input) {
	if opt, ok := strings.CutPrefix(r.st.Await, awaitOther); ok {
		r.otherText(n, n.Option(opt), in)
		return
	}
	r.typedButtons(n, in)
}

// resumes: a dialogue waiting for the words after an "other" option goes
// on only if that option is still there.
func (choiceKind) resumes(n *Node, await string) bool {
	opt, ok := strings.CutPrefix(await, awaitOther)
	return !ok || n.Option(opt) != nil
}

// otherText takes the citizen's own words after an "other" option.
// A voice note counts too: people who cannot write should not be stuck.
func (r *stepper) otherText(n *Node, o *Option, in Input) {
	voice := in.Kind == InMedia && in.Media != nil && in.Media.Type == "voice"
	if !voice && (in.Kind != InText || strings.TrimSpace(in.Text) == "") {
		r.ask(n, r.say(reaskFor(in, true), nil))
		return
	}
	var m *Media
	if voice {
		m = in.Media
	}
	r.record(n, o.ID, strings.TrimSpace(in.Text), m)
	r.st.Await = ""
	r.enter(cmp.Or(o.Next, n.Next))
}

// draw labels the arrows with the buttons that lead along them; an option
// that asks for the citizen's own words is marked ✍.
func (choiceKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	routes := make([]route, 0, len(n.Options))
	for _, o := range n.Options {
		label := short(o.Text.Render(g.lang, nil), 24)
		if o.Other {
			label += " ✍"
		}
		routes = append(routes, route{label, cmp.Or(o.Next, n.Next)})
	}
	g.answers(n, routes)
}
