package flow

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// partsByPath is the plain walk of every path, which Flow.parts shortens
// for flows without loops: the oracle it is checked against.
func (f *Flow) partsByPath() []*part {
	var out []*part
	for _, p := range f.parts() {
		q := &part{start: p.start, nodes: map[*Node]bool{}, positions: map[*Node][]int{}, waits: map[*Node]bool{}}
		var walk func(n *Node, asked int, onPath map[*Node]bool)
		walk = func(n *Node, asked int, onPath map[*Node]bool) {
			q.nodes[n] = true
			if k := n.kind(); k.records && k.waits {
				asked++
				if !slices.Contains(q.positions[n], asked) {
					q.positions[n] = append(q.positions[n], asked)
				}
			}
			next := n.successors()
			if n.Kind == KindFollowup || n.Kind == KindEnd || len(next) == 0 || onPath[n] {
				if n.Kind == KindFollowup {
					q.waits[n] = true
				}
				if !slices.Contains(q.totals, asked) {
					q.totals = append(q.totals, asked)
				}
				return
			}
			onPath[n] = true
			for _, id := range next {
				if m := f.byID[id]; m != nil {
					walk(m, asked, onPath)
				}
			}
			delete(onPath, n)
		}
		walk(p.start, 0, map[*Node]bool{})
		slices.Sort(q.totals)
		out = append(out, q)
	}
	return out
}

// describe prints a part's findings in a stable order.
func (p *part) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "from %s: totals %v;", p.start.ID, p.totals)
	for _, n := range slices.SortedFunc(maps.Keys(p.nodes), func(a, b *Node) int { return strings.Compare(a.ID, b.ID) }) {
		pos := slices.Sorted(slices.Values(p.positions[n]))
		fmt.Fprintf(&b, " %s%v", n.ID, pos)
		if p.waits[n] {
			b.WriteString("(waits)")
		}
	}
	return b.String()
}

// TestPartsMatchEveryPath: the shortened walk finds what walking every
// path finds, in every shipped flow and in flows of many branches, with
// and without loops.
func TestPartsMatchEveryPath(t *testing.T) {
	files, err := filepath.Glob("../../flows/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]byte{}
	for _, file := range files {
		if strings.HasSuffix(file, ".test.yaml") {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sources[filepath.Base(file)] = data
	}
	for _, loop := range []bool{false, true} {
		sources[fmt.Sprintf("branches-loop=%v.yaml", loop)] = []byte(manyBranches(12, loop))
	}
	for name, data := range sources {
		f, diags := Load(name, data, Options{})
		if f == nil {
			t.Fatalf("%s: %v", name, diags)
		}
		got, want := f.parts(), f.partsByPath()
		if len(got) != len(want) {
			t.Fatalf("%s: %d parts, want %d", name, len(got), len(want))
		}
		for i := range got {
			if g, w := got[i].describe(), want[i].describe(); g != w {
				t.Errorf("%s:\n got %s\nwant %s", name, g, w)
			}
		}
	}
}

// manyBranches is a flow of n ratings, each followed by a branch that
// skips the next question or not: 2^n paths. With loop, the last
// question can send the citizen back to the first.
func manyBranches(n int, loop bool) string {
	var b strings.Builder
	b.WriteString("pilot:\n  id: many\n  name: {en: Many}\n  languages: [en]\n  timezone: Europe/Helsinki\n  retention_days: 30\n  help: {en: Ask the staff.}\nnodes:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - id: q%d\n    type: rating\n    result: r%d\n    text: {en: \"Question %d?\"}\n", i, i, i)
		fmt.Fprintf(&b, "  - id: b%d\n    type: branch\n    branches:\n      - {answer: r%d, less_than: 3, next: q%d}\n", i, i, min(i+2, n+1))
	}
	if loop {
		fmt.Fprintf(&b, "  - id: q%d\n    type: choice\n    result: again\n    text: {en: \"Again?\"}\n    options:\n      - {id: yes, text: {en: \"Yes\"}, next: q1}\n      - {id: no, text: {en: \"No\"}, next: bye}\n", n+1)
	} else {
		fmt.Fprintf(&b, "  - id: q%d\n    type: text\n    result: last\n    text: {en: \"Anything else?\"}\n", n+1)
	}
	b.WriteString("  - id: bye\n    type: end\n    text: {en: \"Thanks!\"}\n")
	return b.String()
}
