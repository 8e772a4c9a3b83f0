package flow

import "strconv"

// KindInvite offers the citizen personal invitation links to pass on to
// people they know who use the same service (respondent-driven sampling),
// then goes on at once. The host makes the links: single-use coupons, each
// with a share button.
const KindInvite Kind = "invite"

// Invitation links per citizen: RDS studies usually give three.
const (
	DefaultLinks = 3
	MaxLinks     = 5
)

type inviteKind struct{ baseKind }

func (inviteKind) spec() kindSpec {
	return kindSpec{name: KindInvite, keys: []string{"text", "next", "links", "network", "count"}, text: requiredText}
}

func (inviteKind) read(l *loader, n *Node, m map[string]pair, _ string) {
	n.Links = DefaultLinks
	if v, ok := m["links"]; ok {
		if k, ok := l.integer(v); ok {
			if k < 1 || k > MaxLinks {
				l.errorf(pos(v.val), "links: %d; give 1 to %d invitation links (RDS studies usually give 3)", k, MaxLinks)
			}
			n.Links = k
		}
	}
	if v, ok := m["network"]; ok {
		n.Network = l.ident(v, "network", maxIDLen)
		l.setPos(n, "network", v)
	}
}

// check: network names the number question that asks how many people the
// citizen knows who use the service (their network size, for RDS weights).
func (inviteKind) check(l *loader, n *Node) {
	if n.Network == "" {
		return
	}
	q := l.f.results[n.Network]
	switch {
	case q == nil:
		l.errorf(l.posOf(n, "network", n.Pos), "network: no question records %q; name the result of the number question that asks how many people they know who use the service", n.Network)
	case q.Kind != KindNumber:
		l.errorf(l.posOf(n, "network", n.Pos), "network: %q is recorded by %s; the network size must be a number question", n.Network, aNode(q.Kind))
	}
}

// enter sends the text; the host adds the links and share buttons.
func (inviteKind) enter(r *stepper, n *Node) (string, bool) {
	r.res.Messages = append(r.res.Messages, Message{Text: r.render(n), Invite: n.Links})
	return n.Next, false
}

func (inviteKind) draw(g *graph, n *Node) {
	g.titled(n, box)
	label := strconv.Itoa(n.Links) + " links"
	if n.Links == 1 {
		label = "1 link"
	}
	g.edge(n.ID, n.Next, label)
}

// Invites reports whether the flow offers invitation links.
func (f *Flow) Invites() bool {
	for _, n := range f.Nodes {
		if n.Kind == KindInvite {
			return true
		}
	}
	return false
}

// NetworkResult is the result that holds a citizen's network size (named
// by the flow's invite node), or "".
func (f *Flow) NetworkResult() string {
	for _, n := range f.Nodes {
		if n.Kind == KindInvite && n.Network != "" {
			return n.Network
		}
	}
	return ""
}
