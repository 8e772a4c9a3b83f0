package flow

import (
	"math"
	"strconv"
	"strings"
)

// KindNumber asks for a number, within min and max when they are given.
const KindNumber Kind = "number"

// Every number lies within these bounds: a number node without min or
// max takes them, and a flow cannot set wider ones. So a sum of many
// answers stays exact (the host keeps sums in thousandths in 64 bits), and
// a hostile typed number can never make a counter overflow.
const (
	MinNumber = -1e9
	MaxNumber = 1e9
)

type numberKind struct{ baseKind }

func (numberKind) spec() kindSpec {
	return kindSpec{name: KindNumber, keys: []string{"text", "next", "result", "min", "max", "optional", "count"}, text: requiredText, waits: true, records: true, numeric: true, free: true}
}

// average is a plain "Ø 3,5": a number has no scale to say "of 5".
func (numberKind) average(avg string, _ Say) string { return "Ø " + avg }

func (numberKind) read(l *loader, n *Node, m map[string]pair, _ string) {
	n.Min = l.bound(m, "min")
	n.Max = l.bound(m, "max")
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
	if lo, hi := n.bounds(); x < lo || x > hi {
		r.ask(n, rangeReask(n, x, r.words))
		return
	}
	r.record(n, strconv.FormatFloat(x, 'f', -1, 64), "", nil)
	r.enter(n.Next)
}

// bound reads min or max, which must lie within the bounds of every number.
func (l *loader) bound(m map[string]pair, key string) *float64 {
	v, ok := m[key]
	if !ok {
		return nil
	}
	x, ok := l.number(v)
	if !ok {
		return nil
	}
	if x < MinNumber || x > MaxNumber {
		l.errorf(pos(v.val), "%s %s is too large: numbers must lie between -1000000000 and 1000000000, so that sums of many answers stay exact", key, strconv.FormatFloat(x, 'f', -1, 64))
		return nil
	}
	return &x
}

// bounds are the smallest and largest numbers n takes.
func (n *Node) bounds() (lo, hi float64) {
	lo, hi = MinNumber, MaxNumber
	if n.Min != nil {
		lo = *n.Min
	}
	if n.Max != nil {
		hi = *n.Max
	}
	return lo, hi
}

// rangeReask asks again for a number x out of n's bounds: naming the one
// bound the flow set when x broke it, else both.
func rangeReask(n *Node, x float64, say Say) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	lo, hi := n.bounds()
	switch {
	case x < lo && n.Min != nil && n.Max == nil:
		return say("reask.min", map[string]any{"Min": f(lo)})
	case x > hi && n.Max != nil && n.Min == nil:
		return say("reask.max", map[string]any{"Max": f(hi)})
	}
	return say("reask.range", map[string]any{"Min": f(lo), "Max": f(hi)})
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
