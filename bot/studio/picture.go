package studio

import (
	"fmt"
	"html"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
)

// The picture's measures, in SVG units (pixels at 100%).
const (
	boxWidth   = 300
	lineHeight = 16
	boxPad     = 10
	rowGap     = 44
	laneGap    = 16
	labelRoom  = 230
	wrapAt     = 42
	maxLabel   = 40
)

// shapeStyle is how each shape is coloured: fill and stroke.
var shapeStyle = map[flow.Shape][2]string{
	flow.ShapeQuestion: {"#eef4ff", "#3b6fd8"},
	flow.ShapeMessage:  {"#f5f5f5", "#777777"},
	flow.ShapeBranch:   {"#fff6dc", "#b58100"},
	flow.ShapeWait:     {"#eefaf1", "#2e8b57"},
	flow.ShapeEnd:      {"#fbeff3", "#b0456a"},
}

// box is a node placed on the picture.
type box struct {
	flow.GraphNode
	lines []string
	y, h  int
}

// lane is an arrow that goes round the boxes, on the right (down) or the
// left (back up, or later).
type lane struct {
	flow.GraphEdge
	from, to int
	left     bool
	n        int // which lane, counted from the boxes outwards
}

// drawFlow draws a flow as SVG: its nodes top to bottom in file order, an
// arrow straight down to the node below, other arrows round the side.
// Each node is a group with its line, which the editor jumps to on a
// click. The kinds decide what is drawn (flow.Draw); this only lays it out.
func drawFlow(f *flow.Flow, lang string) string {
	g := flow.Draw(f, lang)
	index := map[string]int{}
	boxes := make([]box, len(g.Nodes))
	y := 12
	for i, n := range g.Nodes {
		index[n.ID] = i
		lines := []string{n.ID}
		for _, l := range n.Lines {
			lines = append(lines, wrap(l, wrapAt)...)
		}
		h := len(lines)*lineHeight + 2*boxPad
		boxes[i] = box{GraphNode: n, lines: lines, y: y, h: h}
		y += h + rowGap
	}
	var straight []lane
	var round []*lane
	for _, e := range g.Edges {
		from, ok1 := index[e.From]
		to, ok2 := index[e.To]
		if !ok1 || !ok2 {
			continue
		}
		l := lane{GraphEdge: e, from: from, to: to, left: to <= from}
		if to == from+1 {
			straight = append(straight, l)
			continue
		}
		round = append(round, &l)
	}
	lanes := assignLanes(round)
	left := 20 + lanes[true]*laneGap
	x := left
	width := x + boxWidth + 20 + lanes[false]*laneGap + labelRoom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="picture" viewBox="0 0 %d %d" width="%d" height="%d" font-family="system-ui, sans-serif" font-size="13" role="img" aria-label="%s">`,
		width, y, width, y, html.EscapeString("The flow of "+f.Pilot.ID))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`)
	for _, l := range straight {
		drawStraight(&b, x, boxes[l.from], boxes[l.to], l)
	}
	for _, l := range round {
		drawRound(&b, x, boxes, l)
	}
	for _, bx := range boxes {
		drawBox(&b, x, bx)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// assignLanes gives each side arrow the innermost lane that no other
// arrow on that side uses over the same rows; it returns how many lanes
// each side (left: true) has.
func assignLanes(round []*lane) map[bool]int {
	count := map[bool]int{}
	var placed []*lane
	for _, l := range round {
		lo, hi := min(l.from, l.to), max(l.from, l.to)
		used := map[int]bool{}
		for _, p := range placed {
			plo, phi := min(p.from, p.to), max(p.from, p.to)
			if p.left == l.left && plo <= hi && lo <= phi {
				used[p.n] = true
			}
		}
		for used[l.n] {
			l.n++
		}
		placed = append(placed, l)
		count[l.left] = max(count[l.left], l.n+1)
	}
	return count
}

func drawBox(b *strings.Builder, x int, bx box) {
	st := shapeStyle[bx.Shape]
	fmt.Fprintf(b, `<g class="node" data-line="%d" data-node="%s" tabindex="0" role="button" cursor="pointer"><title>%s: line %d</title>`,
		bx.Line, html.EscapeString(bx.ID), html.EscapeString(bx.ID), bx.Line)
	w, h, top := boxWidth, bx.h, bx.y
	switch bx.Shape {
	case flow.ShapeBranch:
		fmt.Fprintf(b, `<polygon points="%d,%d %d,%d %d,%d %d,%d %d,%d %d,%d" fill="%s" stroke="%s" stroke-width="1.5"/>`,
			x, top+h/2, x+14, top, x+w-14, top, x+w, top+h/2, x+w-14, top+h, x+14, top+h, st[0], st[1])
	case flow.ShapeWait:
		fmt.Fprintf(b, `<polygon points="%d,%d %d,%d %d,%d %d,%d" fill="%s" stroke="%s" stroke-width="1.5"/>`,
			x+12, top, x+w, top, x+w-12, top+h, x, top+h, st[0], st[1])
	default:
		r := map[flow.Shape]int{flow.ShapeQuestion: 12, flow.ShapeMessage: 2, flow.ShapeEnd: h / 2}[bx.Shape]
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s" stroke="%s" stroke-width="1.5"/>`, x, top, w, h, min(r, 24), st[0], st[1])
	}
	for i, l := range bx.lines {
		weight := ""
		if i == 0 {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(b, `<text x="%d" y="%d"%s>%s</text>`, x+22, top+boxPad+12+i*lineHeight, weight, html.EscapeString(l))
	}
	b.WriteString(`</g>`)
}

// drawStraight draws an arrow from a box to the one below it.
func drawStraight(b *strings.Builder, x int, from, to box, l lane) {
	cx := x + boxWidth/2
	dash := ""
	if l.Later {
		dash = ` stroke-dasharray="5 4"`
	}
	fmt.Fprintf(b, `<path d="M%d,%d V%d" stroke="#555" stroke-width="1.5" fill="none" marker-end="url(#arrow)"%s/>`, cx, from.y+from.h, to.y-2, dash)
	if l.Label != "" {
		label(b, cx+8, from.y+from.h+rowGap/2+4, l.Label, "start")
	}
}

// drawRound draws an arrow round the side of the boxes in between.
func drawRound(b *strings.Builder, x int, boxes []box, l *lane) {
	from, to := boxes[l.from], boxes[l.to]
	ys, yt := from.y+from.h/2-5, to.y+to.h/2+5
	edge, side := x+boxWidth, x+boxWidth+20+l.n*laneGap
	if l.left {
		edge, side = x, x-20-l.n*laneGap+8
	}
	dash := ""
	if l.Later {
		dash = ` stroke-dasharray="5 4"`
	}
	fmt.Fprintf(b, `<path d="M%d,%d H%d V%d H%d" stroke="#555" stroke-width="1.5" fill="none" marker-end="url(#arrow)"%s/>`, edge, ys, side, yt, edge+sign(l.left)*2, dash)
	switch {
	case l.Label == "":
	case l.left: // along the line, which has no room beside it
		fmt.Fprintf(b, `<g transform="rotate(-90 %d %d)">`, side-4, (ys+yt)/2)
		label(b, side-4, (ys+yt)/2, l.Label, "middle")
		b.WriteString(`</g>`)
	default:
		label(b, side+4, (ys+yt)/2, l.Label, "start")
	}
}

func sign(left bool) int {
	if left {
		return -1
	}
	return 1
}

// label writes an arrow's label, cut short (the full text is its
// tooltip), on a white halo so that lines behind it do not hide it.
func label(b *strings.Builder, x, y int, s, anchor string) {
	short := s
	if r := []rune(s); len(r) > maxLabel {
		short = string(r[:maxLabel-1]) + "…"
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke" text-anchor="%s"><title>%s</title>%s</text>`,
		x, y, anchor, html.EscapeString(s), html.EscapeString(short))
}

// wrap breaks s into lines of at most n characters, at spaces.
func wrap(s string, n int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= n:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}
