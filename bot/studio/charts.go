package studio

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Charts are SVG drawn here, sized by a viewBox so they fit a phone's
// width; every number is also written as text, for screen readers and
// for people who would rather read than look.
const (
	chartWidth = 360
	barArea    = 250 // the longest bar
	barRow     = 36
	palette0   = "#3b6fd8"
)

var palette = []string{palette0, "#2e8b57", "#b58100", "#b0456a", "#6a4fb3", "#00838f"}

// hbar is one row of a bar chart: value, and optionally the whole it is
// part of (drawn behind it).
type hbar struct {
	Label string
	Value int64
	Of    int64
	Note  string // after the number, like "(38%)"
}

// barChart draws labelled horizontal bars, one row each.
func barChart(title string, rows []hbar) string {
	var top int64
	for _, r := range rows {
		top = max(top, r.Value, r.Of)
	}
	h := len(rows)*barRow + 8
	var b strings.Builder
	openSVG(&b, title, h)
	scale := func(v int64) int {
		if top <= 0 {
			return 0
		}
		return int(math.Round(float64(v) / float64(top) * barArea))
	}
	for i, r := range rows {
		y := i*barRow + 14
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="12" fill="#222">%s</text>`, y, html.EscapeString(r.Label))
		if r.Of > 0 {
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="12" rx="2" fill="#dfe6f3"/>`, y+5, scale(r.Of))
		}
		w := scale(r.Value)
		if r.Value > 0 {
			w = max(w, 2)
		}
		fmt.Fprintf(&b, `<rect class="bar" x="0" y="%d" width="%d" height="12" rx="2" fill="%s"/>`, y+5, w, palette0)
		num := strconv.FormatInt(r.Value, 10)
		if r.Of > 0 {
			num += " of " + strconv.FormatInt(r.Of, 10)
		}
		if r.Note != "" {
			num += " " + r.Note
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#444">%s</text>`, max(w, scale(r.Of))+6, y+15, html.EscapeString(num))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// openSVG starts a chart's SVG element.
func openSVG(b *strings.Builder, title string, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" font-family="system-ui, sans-serif" role="img" aria-label="%s"><title>%s</title>`,
		chartWidth, h, chartWidth, h, html.EscapeString(title), html.EscapeString(title))
}

// series is one line of a chart over days; NaN where a day has no value.
type series struct {
	Name   string
	Points []float64
}

// lineChart draws values over days, with the y axis from lo to hi.
func lineChart(title string, days []string, ss []series, lo, hi float64) string {
	const h, left, right, top, bottom = 190, 34, 10, 10, 40
	plotW, plotH := chartWidth-left-right, h-top-bottom
	var b strings.Builder
	openSVG(&b, title, h+len(ss)*16)
	if hi <= lo {
		hi = lo + 1
	}
	x := func(i int) float64 {
		if len(days) < 2 {
			return left + float64(plotW)/2
		}
		return left + float64(i)*float64(plotW)/float64(len(days)-1)
	}
	y := func(v float64) float64 { return top + float64(plotH)*(1-(v-lo)/(hi-lo)) }
	for _, t := range ticks(lo, hi) {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e3e3e3"/><text x="%d" y="%.1f" font-size="10" fill="#555" text-anchor="end">%s</text>`,
			left, chartWidth-right, y(t), y(t), left-4, y(t)+3, strconv.FormatFloat(t, 'f', -1, 64))
	}
	for _, i := range dayTicks(len(days)) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" fill="#555" text-anchor="middle">%s</text>`, x(i), h-bottom+14, html.EscapeString(shortDay(days[i])))
	}
	for k, s := range ss {
		color := palette[k%len(palette)]
		var path strings.Builder
		pen := "M"
		for i, v := range s.Points {
			if math.IsNaN(v) {
				pen = "M"
				continue
			}
			fmt.Fprintf(&path, "%s%.1f,%.1f ", pen, x(i), y(v))
			pen = "L"
			fmt.Fprintf(&b, `<circle class="point" cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %.1f</title></circle>`, x(i), y(v), color, html.EscapeString(s.Name), days[i], v)
		}
		if path.Len() > 0 {
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.TrimSpace(path.String()), color)
		}
		ly := h - 8 + k*16
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d" font-size="11" fill="#222">%s</text>`, left, ly-4, color, left+18, ly, html.EscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// columnChart draws one count per day as columns.
func columnChart(title string, days []string, values []int64) string {
	const h, left, bottom, top = 150, 34, 28, 10
	plotH := h - bottom - top
	var most int64
	for _, v := range values {
		most = max(most, v)
	}
	var b strings.Builder
	openSVG(&b, title, h)
	slot := float64(chartWidth-left-10) / float64(max(len(days), 1))
	for _, t := range ticks(0, float64(max(most, 1))) {
		yy := float64(top) + float64(plotH)*(1-t/float64(max(most, 1)))
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e3e3e3"/><text x="%d" y="%.1f" font-size="10" fill="#555" text-anchor="end">%s</text>`,
			left, chartWidth-10, yy, yy, left-4, yy+3, strconv.FormatFloat(t, 'f', -1, 64))
	}
	for i, v := range values {
		bh := 0.0
		if most > 0 {
			bh = float64(plotH) * float64(v) / float64(most)
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d</title></rect>`,
			float64(left)+float64(i)*slot+slot*0.15, float64(top)+float64(plotH)-bh, slot*0.7, bh, palette0, days[i], v)
	}
	for _, i := range dayTicks(len(days)) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" fill="#555" text-anchor="middle">%s</text>`, float64(left)+(float64(i)+0.5)*slot, h-10, html.EscapeString(shortDay(days[i])))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// ticks are up to 6 round values from lo to hi for an axis.
func ticks(lo, hi float64) []float64 {
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/5)))
	for (hi-lo)/step > 6 {
		switch {
		case (hi-lo)/(step*2) <= 6:
			step *= 2
		case (hi-lo)/(step*5) <= 6:
			step *= 5
		default:
			step *= 10
		}
	}
	step = max(step, 1)
	var out []float64
	for t := math.Ceil(lo/step) * step; t <= hi+1e-9; t += step {
		out = append(out, t)
	}
	return out
}

// dayTicks picks which days to label: the first, the last and a few
// between.
func dayTicks(n int) []int {
	if n == 0 {
		return nil
	}
	step := max((n-1)/4, 1)
	var out []int
	for i := 0; i < n; i += step {
		if n-1-i < step/2 && i != n-1 && i != 0 {
			continue
		}
		out = append(out, i)
	}
	if out[len(out)-1] != n-1 {
		out = append(out, n-1)
	}
	return out
}

// shortDay writes 2026-03-16 as 16.3.
func shortDay(d string) string {
	parts := strings.Split(d, "-")
	if len(parts) != 3 {
		return d
	}
	day, _ := strconv.Atoi(parts[2])
	month, _ := strconv.Atoi(parts[1])
	return fmt.Sprintf("%d.%d.", day, month)
}
