package flow

import (
	"math"
	"strconv"
)

// KindNumber asks for a number, within min and max when they are given.
// Citizens type numbers as their language writes them (see number.go).
const KindNumber Kind = "number"

type numberKind struct{ baseKind }

func (numberKind) spec() kindSpec {
	return kindSpec{name: KindNumber, keys: []string{"text", "next", "result", "min", "max", "whole", "reask", "optional", "count"}, text: requiredText, waits: true, records: true, numeric: true, free: true}
}

// average is a plain "Ø 3,5": a number has no scale to say "of 5".
func (numberKind) average(avg string, _ Say) string { return "Ø " + avg }

func (numberKind) read(l *loader, n *Node, m map[string]pair, what string) {
	n.Min = l.bound(m, "min")
	n.Max = l.bound(m, "max")
	if n.Min != nil && n.Max != nil && *n.Min > *n.Max {
		l.errorf(pos(m["min"].val), "min %v is larger than max %v; swap them", *n.Min, *n.Max)
	}
	if v, ok := m["whole"]; ok {
		n.Whole = l.boolean(v)
	}
	if n.Whole && n.Min != nil && n.Max != nil && math.Ceil(*n.Min) > math.Floor(*n.Max) {
		l.errorf(pos(m["min"].val), "%s takes whole numbers only, but no whole number lies between min %v and max %v", what, *n.Min, *n.Max)
	}
	n.Reask = l.text(m, "reask", "n."+n.ID+".reask", what, n.Pos, false)
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

// fits reports whether n takes x.
func (n *Node) fits(x float64) bool {
	lo, hi := n.bounds()
	return x >= lo && x <= hi && (!n.Whole || x == math.Trunc(x))
}

func (numberKind) typed(r *stepper, n *Node, in Input) {
	st := r.f.numberStyle(r.st.Lang)
	rd, ok := numberRead{}, false
	if in.Kind == InText {
		rd, ok = st.parse(in.Text)
	}
	if !ok {
		r.ask(n, numberReask(r, n, r.say("reask.number", nil)))
		return
	}
	x := rd.x
	if rd.ambiguous {
		// "1.500" in English: 1500 or 1.5? A reading the node would refuse
		// settles it; otherwise ask, showing both readings as written
		// without doubt.
		switch a, b := n.fits(rd.x), n.fits(rd.alt); {
		case a && b:
			r.ask(n, r.say("reask.number_ambiguous", map[string]any{
				"Whole": strconv.FormatFloat(rd.x, 'f', -1, 64), "Fraction": st.format(rd.alt)}))
			return
		case b:
			x = rd.alt
		}
	}
	switch {
	case n.Whole && x != math.Trunc(x):
		r.ask(n, numberReask(r, n, r.say("reask.whole", nil)))
	case !n.fits(x):
		r.ask(n, numberReask(r, n, rangeReask(n, x, st, r.words)))
	default:
		r.record(n, strconv.FormatFloat(x, 'f', -1, 64), "", nil)
		r.enter(n.Next)
	}
}

// numberReask is the flow's own re-ask when it wrote one, else the bot's.
func numberReask(r *stepper, n *Node, bots string) string {
	if n.Reask.IsZero() {
		return bots
	}
	return n.Reask.Render(r.st.Lang, r.data(n))
}

func rangeReask(n *Node, x float64, st numberStyle, say Say) string {
	lo, hi := n.bounds()
	// "from 0 or more" only when x broke the bound the flow set; beyond
	// the bounds every number keeps to, both are named.
	switch {
	case n.Min != nil && n.Max == nil && x < lo:
		return say("reask.min", map[string]any{"Min": st.format(lo)})
	case n.Max != nil && n.Min == nil && x > hi:
		return say("reask.max", map[string]any{"Max": st.format(hi)})
	}
	return say("reask.range", map[string]any{"Min": st.format(lo), "Max": st.format(hi)})
}

// draw shows the range of numbers the question takes.
func (numberKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	what := "a number"
	if n.Whole {
		what = "a whole number"
	}
	switch {
	case n.Min != nil && n.Max != nil:
		what += " " + f(*n.Min) + "–" + f(*n.Max)
	case n.Min != nil:
		what += " ≥ " + f(*n.Min)
	case n.Max != nil:
		what += " ≤ " + f(*n.Max)
	}
	g.answers(n, []route{{what, n.Next}})
}
