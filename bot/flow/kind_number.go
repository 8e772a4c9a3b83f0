package flow

import (
	"math"
	"strconv"
	"strings"
)

// KindNumber asks for a number, within min and max when they are given.
const KindNumber Kind = "number"

type numberKind struct{ baseKind }

func (numberKind) spec() kindSpec {
	return kindSpec{name: KindNumber, keys: []string{"text", "next", "result", "min", "max", "optional", "count"}, text: requiredText, waits: true, records: true, numeric: true, free: true}
}

// average is a plain "Ø 3,5": a number has no scale to say "of 5".
func (numberKind) average(avg string, _ Say) string { return "Ø " + avg }

func (numberKind) read(l *loader, n *Node, m map[string]pair, _ string) {
	if v, ok := m["min"]; ok {
		if x, ok := l.number(v); ok {
			n.Min = &x
		}
	}
	if v, ok := m["max"]; ok {
		if x, ok := l.number(v); ok {
			n.Max = &x
		}
	}
	if n.Min != nil && n.Max != nil && *n.Min > *n.Max {
		l.errorf(pos(m["min"].val), "min %v is larger than max %v; swap them", *n.Min, *n.Max)
	}
}

func (numberKind) typed(r *stepper, n *Node, in Input) {
	if in.Kind != InText {
		r.ask(n, r.say("reask.number", nil))
		return
	}
	x, err := parseNumber(in.Text)
	if err != nil {
		r.ask(n, r.say("reask.number", nil))
		return
	}
	if (n.Min != nil && x < *n.Min) || (n.Max != nil && x > *n.Max) {
		r.ask(n, rangeReask(n, r.words))
		return
	}
	r.record(n, strconv.FormatFloat(x, 'f', -1, 64), "", nil)
	r.enter(n.Next)
}

func rangeReask(n *Node, say Say) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch {
	case n.Min != nil && n.Max != nil:
		return say("reask.range", map[string]any{"Min": f(*n.Min), "Max": f(*n.Max)})
	case n.Min != nil:
		return say("reask.min", map[string]any{"Min": f(*n.Min)})
	default:
		return say("reask.max", map[string]any{"Max": f(*n.Max)})
	}
}

// parseNumber reads "3", "3.5", "3,5" and " 12 ".
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(strings.Replace(s, ",", ".", 1))
	x, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
		return 0, strconv.ErrSyntax
	}
	return x, err
}

// draw shows the range of numbers the question takes.
func (numberKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	what := "a number"
	switch {
	case n.Min != nil && n.Max != nil:
		what = "a number " + f(*n.Min) + "–" + f(*n.Max)
	case n.Min != nil:
		what = "a number ≥ " + f(*n.Min)
	case n.Max != nil:
		what = "a number ≤ " + f(*n.Max)
	}
	g.answers(n, []route{{what, n.Next}})
}
