package flow

import (
	"fmt"
	"slices"
	"strings"
)

// Mermaid draws the flow as a Mermaid flowchart, with texts in lang, so a
// pilot team can see it in any Markdown viewer. Each kind draws its own
// nodes and arrows: the answers that lead somewhere label the arrows.
func Mermaid(f *Flow, lang string) string {
	if !slices.Contains(f.Pilot.Languages, lang) {
		lang = f.DefaultLanguage()
	}
	g := &graph{f: f, lang: lang}
	for _, n := range f.Nodes {
		n.kind().draw(g, n)
	}
	return "flowchart TD\n" + g.nodes.String() + g.edges.String()
}

// graph collects a flowchart: the nodes first, then the arrows, so that
// Mermaid lays the nodes out in file order.
type graph struct {
	f            *Flow
	lang         string
	nodes, edges strings.Builder
}

// shape is how a node is drawn: the brackets around its label.
type shape struct{ open, close string }

var (
	rounded       = shape{"(", ")"}   // a question
	box           = shape{"[", "]"}   // a message
	diamond       = shape{"{", "}"}   // a branch
	parallelogram = shape{"[/", "/]"} // a wait
	pill          = shape{"([", "])"} // an end
)

// node draws n with label, which is escaped here.
func (g *graph) node(n *Node, s shape, label string) {
	g.nodeHTML(n, s, mermaidEscape(label))
}

// nodeHTML draws n with a label that is escaped already.
func (g *graph) nodeHTML(n *Node, s shape, label string) {
	fmt.Fprintf(&g.nodes, "  %s%s\"%s\"%s\n", mermaidID(n.ID), s.open, label, s.close)
}

// titled draws n as "kind: its text".
func (g *graph) titled(n *Node, s shape) {
	g.node(n, s, string(n.Kind)+": "+short(n.Text.Render(g.lang, nil), 60))
}

// edge draws an arrow, labelled unless label is "".
func (g *graph) edge(from, to, label string) { g.arrow(from, to, "-->", label) }

// wait draws a dotted arrow: something that happens later.
func (g *graph) wait(from, to, label string) { g.arrow(from, to, "-.->", label) }

func (g *graph) arrow(from, to, arrow, label string) {
	if to == "" {
		return
	}
	if label != "" {
		arrow += "|\"" + mermaidEscape(label) + "\"|"
	}
	fmt.Fprintf(&g.edges, "  %s %s %s\n", mermaidID(from), arrow, mermaidID(to))
}

// answers draws one arrow per place the answers of n lead to, labelled
// with the answers that go there, in the order the citizen sees them.
func (g *graph) answers(n *Node, routes []route) {
	if n.Optional {
		routes = append(routes, route{"Skip", n.Next})
	}
	var targets []string
	by := map[string][]string{}
	for _, r := range routes {
		if r.to == "" {
			continue
		}
		if _, seen := by[r.to]; !seen {
			targets = append(targets, r.to)
		}
		by[r.to] = append(by[r.to], r.answer)
	}
	for _, to := range targets {
		g.edge(n.ID, to, strings.Join(by[to], " · "))
	}
}

// route is an answer and the node it leads to.
type route struct{ answer, to string }

// draw draws a question: its text, and its answers on the arrow.
func (baseKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	g.edge(n.ID, n.Next, "")
}

// mermaidID keeps node ids valid in Mermaid (ids like "end" are keywords).
func mermaidID(id string) string { return "n_" + strings.ReplaceAll(id, "-", "_") }

func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// mermaidEscape writes characters that Mermaid would read as syntax as
// entity codes. "#" goes first in meaning: an author's "#1;" must not
// become an entity.
var mermaidEscaper = strings.NewReplacer(
	"#", "#35;", `"`, "#quot;", "|", "#124;", "<", "#lt;", ">", "#gt;", "`", "#96;",
)

func mermaidEscape(s string) string { return mermaidEscaper.Replace(s) }
