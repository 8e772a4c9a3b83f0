package flow

// KindConsent asks the citizen to agree to take part. Declining ends the
// dialogue and stores nothing about it.
const KindConsent Kind = "consent"

type consentKind struct{ baseKind }

func (consentKind) spec() kindSpec {
	return kindSpec{name: KindConsent, keys: []string{"text", "next", "count"}, text: requiredText, waits: true, consents: true}
}

func (consentKind) options(*Node) []string { return []string{optYes, optNo} }

func (consentKind) label(_ *Node, v, _ string, say Say) string {
	if v == optYes {
		return say("button.agree", nil)
	}
	return say("button.decline", nil)
}

// ask adds how to stop or delete, so that agreeing is informed, and how
// to change the language when the pilot speaks several.
func (consentKind) ask(r *stepper, n *Node, reason string) {
	footer := r.say("consent.footer", nil)
	if len(r.f.Pilot.Languages) > 1 {
		footer += " " + r.say("consent.language", nil)
	}
	r.sendQuestion(n, r.render(n)+"\n\n"+footer, reason)
}

// choose goes on without recording anything: the agreement is the start of
// the dialogue, not an answer.
func (consentKind) choose(r *stepper, n *Node, opt string) {
	if opt == optNo {
		r.decline()
		return
	}
	r.enter(n.Next)
}

// draw shows where agreeing leads; declining ends the dialogue.
func (consentKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	g.edge(n.ID, n.Next, "agree")
}
