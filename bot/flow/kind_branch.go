package flow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KindBranch goes on to the next node of the first rule that matches the
// answers so far, or to its own next.
const KindBranch Kind = "branch"

type branchKind struct{ baseKind }

func (branchKind) spec() kindSpec {
	return kindSpec{name: KindBranch, keys: []string{"branches", "next"}, text: noText}
}

func (branchKind) enter(r *stepper, n *Node) (string, bool) {
	for _, b := range n.Branches {
		if b.matches(r.st.Answers) {
			return b.Next, false
		}
	}
	return n.Next, false
}

func (b *Branch) matches(answers map[string]string) bool {
	v, ok := answers[b.Answer]
	answered := ok && v != Skipped && v != optDontKnow
	switch b.Op {
	case OpAnswered:
		return answered
	case OpSkipped:
		return !answered
	case OpEquals, OpIn:
		return answered && slices.Contains(b.Values, v)
	case OpLessThan, OpGreaterThan:
		x, err := strconv.ParseFloat(v, 64)
		if !answered || err != nil {
			return false
		}
		if b.Op == OpLessThan {
			return x < b.Number
		}
		return x > b.Number
	}
	return false
}

// read reads the rules under branches.
func (branchKind) read(l *loader, n *Node, m map[string]pair, _ string) {
	v, ok := m["branches"]
	if !ok {
		l.errorf(n.Pos, "branch node %q has no branches; list the rules under branches:", n.ID)
		return
	}
	if v.val.Kind != yaml.SequenceNode || len(v.val.Content) == 0 {
		l.errorf(pos(v.val), "branches should be a list of rules, each starting with \"- answer:\"")
		return
	}
	for _, item := range v.val.Content {
		item = deref(item)
		b := &Branch{Pos: pos(item)}
		bm := l.mapping(item, "a branch", branchKeys, nil)
		if p, ok := bm["answer"]; ok {
			b.Answer = l.str(p)
			l.setPos(b, "answer", p)
		} else if item.Kind == yaml.MappingNode {
			l.errorf(b.Pos, "this branch has no answer; name the result it looks at, like answer: overall_experience")
		}
		if p, ok := bm["next"]; ok {
			b.Next = l.str(p)
			l.setPos(b, "next", p)
		} else if item.Kind == yaml.MappingNode {
			l.errorf(b.Pos, "this branch has no next; say where to go when it matches")
		}
		var found []string
		for _, op := range ops {
			p, ok := bm[string(op)]
			if !ok {
				continue
			}
			found = append(found, string(op))
			b.Op = op
			b.ValuePos = pos(p.val)
			switch op {
			case OpEquals:
				b.Values = []string{l.str(p)}
			case OpIn:
				for _, x := range l.list(p) {
					b.Values = append(b.Values, x.Value)
				}
			case OpLessThan, OpGreaterThan:
				b.Number, _ = l.number(p)
			case OpAnswered, OpSkipped:
				if !l.boolean(p) && p.val.Kind == yaml.ScalarNode && slices.Contains([]string{"false", "no", "off"}, strings.ToLower(p.val.Value)) {
					other := OpSkipped
					if op == OpSkipped {
						other = OpAnswered
					}
					l.errorf(pos(p.val), "%s: %s does not work; to test the opposite, write %s: true", op, p.val.Value, other)
				}
			}
		}
		switch {
		case len(found) == 0 && item.Kind == yaml.MappingNode:
			l.errorf(b.Pos, "this branch has no test; add one of equals, in, less_than, greater_than, answered, skipped")
		case len(found) > 1:
			l.errorf(b.Pos, "this branch has several tests (%s); keep one, or split it into one branch per test", strings.Join(found, ", "))
		}
		n.Branches = append(n.Branches, b)
	}
}

// check checks each rule against the question it looks at.
func (branchKind) check(l *loader, n *Node) {
	for _, b := range n.Branches {
		if b.Answer == "" {
			continue
		}
		rn := l.f.results[b.Answer]
		if rn == nil {
			hint := ""
			if s := nearest(b.Answer, l.f.Results()); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			l.errorf(l.posOf(b, "answer", b.Pos), "branch looks at answer %q, but no question records a result with that name%s", b.Answer, hint)
			continue
		}
		switch b.Op {
		case OpLessThan, OpGreaterThan:
			if !rn.kind().numeric {
				l.errorf(b.ValuePos, "%s needs a number or rating answer, but %q is %s question; use equals or in with its possible answers", b.Op, b.Answer, aKind(rn.Kind))
			}
		case OpEquals, OpIn:
			valid := rn.kind().values(rn)
			if valid == nil || l.partial[rn] {
				continue
			}
			for _, v := range b.Values {
				if !slices.Contains(valid, v) {
					l.errorf(b.ValuePos, "%q is not a possible answer to %q; possible answers are %s", v, b.Answer, strings.Join(valid, ", "))
				}
			}
		}
	}
}

// draw draws a diamond whose arrows carry the rules, in the order they are
// tried, and "otherwise".
func (branchKind) draw(g *graph, n *Node) {
	g.node(n, diamond, "branch: "+n.ID)
	for _, b := range n.Branches {
		g.edge(n.ID, b.Next, b.describe())
	}
	g.edge(n.ID, n.Next, "otherwise")
}

func (b *Branch) describe() string {
	switch b.Op {
	case OpEquals:
		return b.Answer + " = " + strings.Join(b.Values, "")
	case OpIn:
		return b.Answer + " in " + strings.Join(b.Values, ", ")
	case OpLessThan:
		return fmt.Sprintf("%s < %v", b.Answer, b.Number)
	case OpGreaterThan:
		return fmt.Sprintf("%s > %v", b.Answer, b.Number)
	}
	return b.Answer + " " + string(b.Op)
}
