package flow

// KindMessage says something and goes on to the next node at once.
const KindMessage Kind = "message"

type messageKind struct{ baseKind }

func (messageKind) spec() kindSpec {
	return kindSpec{name: KindMessage, keys: []string{"text", "next", "count"}, text: requiredText}
}

func (messageKind) enter(r *stepper, n *Node) (string, bool) {
	r.send(r.render(n), nil)
	return n.Next, false
}

func (messageKind) draw(g *graph, n *Node) {
	g.titled(n, box)
	g.edge(n.ID, n.Next, "")
}
