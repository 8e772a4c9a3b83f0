package flow

import "slices"

// Column says how the answers to a node read as data, for exports: the
// type of the recorded value, the codes it can take and what may come
// with it.
type Column struct {
	Type  string   // "string", "integer" (a rating) or "number"
	Codes []string // the values an answer can record, in order; nil when any
	Text  bool     // the answer is the citizen's own words
	Other bool     // a code may come with the citizen's own words (an "other" option)
	Media bool     // a voice message or photo may come instead of, or with, words
}

// Column describes the answers to n (a node that records answers).
func (n *Node) Column() Column {
	k := n.kind()
	c := Column{Type: "string", Codes: k.values(n)}
	switch {
	case k.numeric && k.free:
		c.Type = "number"
	case k.numeric:
		c.Type = "integer"
	}
	c.Text = k.records && !k.numeric && c.Codes == nil
	for _, o := range n.Options {
		if o.Other {
			c.Other, c.Media = true, true
		}
	}
	if c.Text && (slices.Contains(n.Accept, "voice") || slices.Contains(n.Accept, "photo")) {
		c.Media = true
	}
	return c
}
