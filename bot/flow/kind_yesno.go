package flow

// KindYesNo asks a question answered with Yes or No.
const KindYesNo Kind = "yesno"

type yesnoKind struct{ baseKind }

func (yesnoKind) spec() kindSpec {
	return kindSpec{name: KindYesNo, keys: []string{"text", "next", "result", "count"}, text: requiredText, waits: true, records: true}
}

func (yesnoKind) options(*Node) []string { return []string{optYes, optNo} }
func (yesnoKind) values(*Node) []string  { return []string{optYes, optNo} }
func (yesnoKind) buckets(*Node) []string { return []string{optYes, optNo} }

func (yesnoKind) label(_ *Node, v, _ string, say Say) string {
	if v != optYes && v != optNo {
		return ""
	}
	return say("button."+v, nil)
}

func (yesnoKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	g.answers(n, []route{{"yes · no", n.Next}})
}
