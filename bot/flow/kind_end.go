package flow

// KindEnd ends the dialogue, with a "start again" button when restart is
// true.
const KindEnd Kind = "end"

type endKind struct{ baseKind }

func (endKind) spec() kindSpec {
	return kindSpec{name: KindEnd, keys: []string{"text", "restart", "count"}, text: requiredText}
}

func (endKind) read(l *loader, n *Node, m map[string]pair, _ string) {
	if v, ok := m["restart"]; ok {
		n.Restart = l.boolean(v)
	}
}

func (endKind) needsNext(*Node) bool { return false }

func (endKind) enter(r *stepper, n *Node) (string, bool) {
	r.st.Done = true
	r.effect(Effect{Kind: EffCancel})
	r.effect(Effect{Kind: EffComplete, Node: n.ID})
	r.send(r.render(n), r.restartButton(n))
	return "", true
}

func (endKind) ask(r *stepper, n *Node, reason string) {
	r.send(withReason(reason, r.render(n)), r.restartButton(n))
}

func (endKind) draw(g *graph, n *Node) {
	g.titled(n, pill)
	if n.Restart {
		g.wait(n.ID, g.f.Start().ID, "start again")
	}
}
