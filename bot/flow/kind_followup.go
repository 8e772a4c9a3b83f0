package flow

import (
	"cmp"
	"fmt"
	"strings"
)

// KindFollowup waits (after: 14d, at: "10:00"), never in quiet hours, and
// then goes on: the dialogue continues days later.
const KindFollowup Kind = "followup"

type followupKind struct{ baseKind }

func (followupKind) spec() kindSpec {
	return kindSpec{name: KindFollowup, keys: []string{"text", "next", "after", "at", "count"}, text: optionalText}
}

func (followupKind) read(l *loader, n *Node, m map[string]pair, what string) {
	if v, ok := m["after"]; ok {
		s, ok := l.scalar(v)
		d, err := ParseDuration(s)
		n.afterText = strings.TrimSpace(s) // drawn as written
		switch {
		case !ok:
		case err != nil:
			l.errorf(pos(v.val), "after %q: %v", v.val.Value, err)
		case d <= 0:
			l.errorf(pos(v.val), "after %q waits no time at all; say how long to wait, like after: 14d", v.val.Value)
		}
		n.After = d
	} else {
		l.errorf(n.Pos, "%s has no after; say how long to wait, like after: 14d", what)
	}
	if v, ok := m["at"]; ok {
		if s, ok := l.scalar(v); ok {
			if c, ok := parseClock(s); ok {
				n.At = &c
			} else {
				l.errorf(pos(v.val), "at %q should be a local time on the 24-hour clock, like \"10:00\" or \"17:30\"", s)
			}
		}
	}
}

// enter says the text, if any, and waits for the timer.
func (followupKind) enter(r *stepper, n *Node) (string, bool) {
	st := r.st
	if !n.Text.IsZero() {
		r.send(r.render(n), nil)
	}
	st.Await = awaitTime
	due := r.f.due(r.now, n.After, n.At)
	st.Due = due.Unix()
	r.effect(Effect{Kind: EffCancel})
	r.effect(Effect{Kind: EffSchedule, Prompt: &Prompt{Kind: PromptFollowUp, Node: n.ID, Seq: st.Seq, Due: due}})
	return "", true
}

// draw shows the wait as the file writes it ("10d", not "1w3d") and what
// the bot says before it; the dotted arrow is the time passing.
func (followupKind) draw(g *graph, n *Node) {
	wait := "⏰ wait " + cmp.Or(n.afterText, FormatDuration(n.After))
	if n.At != nil {
		wait += fmt.Sprintf(" at %02d:%02d", n.At.Hour, n.At.Minute)
	}
	lines := []string{wait}
	if t := n.Text.Render(g.lang, nil); t != "" {
		lines = append(lines, short(t, 60))
	}
	g.node(n, parallelogram, lines...)
	g.wait(n.ID, n.Next, "")
}
