package flow

import "strconv"

// KindRating asks for a score from 5 (very good) to 1 (very poor), or
// "don't know".
const KindRating Kind = "rating"

type ratingKind struct{ baseKind }

func (ratingKind) spec() kindSpec {
	return kindSpec{name: KindRating, keys: []string{"text", "next", "result", "count"}, text: requiredText, waits: true, records: true, numeric: true}
}

// options are the scores best first, as the buttons show them.
func (ratingKind) options(*Node) []string     { return []string{"5", "4", "3", "2", "1", optDontKnow} }
func (ratingKind) values(*Node) []string      { return []string{"1", "2", "3", "4", "5"} }
func (k ratingKind) buckets(n *Node) []string { return k.options(n) }

func (ratingKind) average(avg string, say Say) string {
	return say("digest.average", map[string]any{"Avg": avg})
}

func (ratingKind) label(_ *Node, v, _ string, say Say) string {
	switch {
	case v == optDontKnow:
		return say("button.dontknow", nil)
	case len(v) == 1 && v[0] >= '1' && v[0] <= '5':
		return say("rating."+v, nil) // the button they pressed, not its score
	}
	return ""
}

// typed takes a typed number as the score, whatever order the buttons
// are in: 1 is very poor, 5 very good. Any other number is asked again,
// never taken as a button's position (6 is not "don't know"); words are
// matched with the buttons.
func (ratingKind) typed(r *stepper, n *Node, in Input) {
	if in.Kind == InText {
		if x, ok := typedNumber(in.Text); ok {
			if x == float64(int(x)) && x >= 1 && x <= 5 {
				r.choose(n, strconv.Itoa(int(x)))
				return
			}
			r.ask(n, r.say("reask.rating", nil))
			return
		}
	}
	r.typedButtons(n, in)
}

func (ratingKind) draw(g *graph, n *Node) {
	g.titled(n, rounded)
	g.answers(n, []route{{"1–5 · don't know", n.Next}})
}
