package flow

import (
	"fmt"
	"slices"
	"strings"
)

// Graph is a flow drawn as boxes and arrows, in file order: what Mermaid
// and the studio's picture show. Each kind draws its own nodes and arrows
// (its draw method); the answers that lead somewhere label the arrows.
type Graph struct {
	Nodes []GraphNode
	Edges []GraphEdge
}

// GraphNode is one box of a graph.
type GraphNode struct {
	ID    string
	Shape Shape
	Lines []string // the label, one entry per line, plain text
	Line  int      // the node's line in the flow file
}

// GraphEdge is one arrow of a graph.
type GraphEdge struct {
	From, To string
	Label    string // "" for none
	Later    bool   // something that happens later (a wait, start again): dotted
}

// Shape is how a node is drawn.
type Shape string

// The shapes.
const (
	ShapeQuestion Shape = "question" // rounded
	ShapeMessage  Shape = "message"  // a box
	ShapeBranch   Shape = "branch"   // a diamond
	ShapeWait     Shape = "wait"     // a parallelogram
	ShapeEnd      Shape = "end"      // a pill
)

// The shapes under the names the kinds draw with.
var (
	rounded       = ShapeQuestion
	box           = ShapeMessage
	diamond       = ShapeBranch
	parallelogram = ShapeWait
	pill          = ShapeEnd
)

// mermaidBrackets are the brackets around a label of each shape.
var mermaidBrackets = map[Shape][2]string{
	ShapeQuestion: {"(", ")"},
	ShapeMessage:  {"[", "]"},
	ShapeBranch:   {"{", "}"},
	ShapeWait:     {"[/", "/]"},
	ShapeEnd:      {"([", "])"},
}

// Draw draws the flow with texts in lang (the pilot's first language when
// the flow has no lang).
func Draw(f *Flow, lang string) *Graph {
	if !slices.Contains(f.Pilot.Languages, lang) {
		lang = f.DefaultLanguage()
	}
	g := &graph{f: f, lang: lang, out: &Graph{}}
	for _, n := range f.Nodes {
		n.kind().draw(g, n)
	}
	return g.out
}

// Mermaid draws the flow as a Mermaid flowchart, with texts in lang, so a
// pilot team can see it in any Markdown viewer. The nodes come first, then
// the arrows, so that Mermaid lays the nodes out in file order.
func Mermaid(f *Flow, lang string) string {
	gr := Draw(f, lang)
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	for _, n := range gr.Nodes {
		br := mermaidBrackets[n.Shape]
		lines := make([]string, len(n.Lines))
		for i, l := range n.Lines {
			lines[i] = mermaidEscape(l)
		}
		fmt.Fprintf(&b, "  %s%s\"%s\"%s\n", mermaidID(n.ID), br[0], strings.Join(lines, "<br/>"), br[1])
	}
	for _, e := range gr.Edges {
		arrow := "-->"
		if e.Later {
			arrow = "-.->"
		}
		if e.Label != "" {
			arrow += "|\"" + mermaidEscape(e.Label) + "\"|"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", mermaidID(e.From), arrow, mermaidID(e.To))
	}
	return b.String()
}

// graph is what a kind draws on.
type graph struct {
	f    *Flow
	lang string
	out  *Graph
}

// node draws n with a label of one or more lines.
func (g *graph) node(n *Node, s Shape, lines ...string) {
	g.out.Nodes = append(g.out.Nodes, GraphNode{ID: n.ID, Shape: s, Lines: lines, Line: n.Pos.Line})
}

// titled draws n as "kind: its text".
func (g *graph) titled(n *Node, s Shape) {
	g.node(n, s, string(n.Kind)+": "+short(n.Text.Render(g.lang, nil), 60))
}

// edge draws an arrow, labelled unless label is "".
func (g *graph) edge(from, to, label string) { g.arrow(from, to, label, false) }

// wait draws a dotted arrow: something that happens later.
func (g *graph) wait(from, to, label string) { g.arrow(from, to, label, true) }

func (g *graph) arrow(from, to, label string, later bool) {
	if to == "" {
		return
	}
	g.out.Edges = append(g.out.Edges, GraphEdge{From: from, To: to, Label: label, Later: later})
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
