package flow

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// What a flow's words promise must be what its nodes do: citizens count
// the questions they were told about, and wait for a message when they
// were told it. The checker reads two kinds of promise in the texts of the
// languages it knows (claimWords) and warns when the nodes disagree:
//
//   - a number of questions ("4 short questions", "Question 2 of 4"),
//     written in digits, against the questions of the part of the
//     dialogue the text is in (from the start or a follow-up to the next
//     follow-up or end);
//   - a wait ("in two weeks", "om 14 dagar", "kahden viikon päästä"),
//     against the follow-up node that part of the dialogue leads to.

// claimWords are the words of one language that make those promises.
type claimWords struct {
	count    *regexp.Regexp // group 1: the number of questions, group 2: a word between
	position []*regexp.Regexp
	wait     *regexp.Regexp // group 1: a number (none: one), group 2: a unit; {n} in the pattern stands for the number
	numbers  map[string]int // number words in the form the wait uses
	units    map[string]time.Duration
}

// notLetter is a word boundary that knows letters beyond ASCII.
const notLetter = `(?:^|[^\p{L}\d])`

func newClaimWords(question, of, wait string, numbers map[string]int, units map[string]time.Duration) *claimWords {
	q := "(?:" + question + ")"
	// The number of a wait: digits or a number word, never another word
	// ("kysyn uudelleen viikon päästä" is one week).
	words := make([]string, 0, len(numbers))
	for w := range numbers {
		words = append(words, regexp.QuoteMeta(w))
	}
	slices.Sort(words)
	number := `(?:(\d+|` + strings.Join(words, "|") + `)\s+)?`
	return &claimWords{
		count: regexp.MustCompile(`(?i)` + notLetter + `(\d+)\s+(?:(\p{L}+)\s+)?` + q),
		position: []*regexp.Regexp{
			regexp.MustCompile(`(?i)` + q + `\s+(\d+)\s*(?:/|\s(?:` + of + `)\s)\s*(\d+)`),
			regexp.MustCompile(`(?i)` + notLetter + `(\d+)\s*/\s*(\d+)\.?\s+` + q),
		},
		wait:    regexp.MustCompile(`(?i)` + strings.ReplaceAll(wait, "{n}", number) + `(?:$|[^\p{L}])`),
		numbers: numbers,
		units:   units,
	}
}

const (
	hour = time.Hour
	day  = 24 * time.Hour
	week = 7 * day
)

// claims holds the words of the pilots' languages.
var claims = map[string]*claimWords{
	"en": newClaimWords(`questions?`, `of`, notLetter+`in\s+{n}(days?|weeks?|hours?)`,
		map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10},
		map[string]time.Duration{"day": day, "days": day, "week": week, "weeks": week, "hour": hour, "hours": hour}),
	"sv": newClaimWords(`frågor|fråga`, `av`, notLetter+`om\s+{n}(dagar|dag|veckor|vecka|timmar|timme)`,
		map[string]int{"en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9, "tio": 10},
		map[string]time.Duration{"dag": day, "dagar": day, "vecka": week, "veckor": week, "timme": hour, "timmar": hour}),
	"fi": newClaimWords(`kysymy\p{L}*`, `/`, notLetter+`{n}(päivän|viikon|tunnin)\s+(?:päästä|kuluttua)`,
		map[string]int{"yhden": 1, "kahden": 2, "kolmen": 3, "neljän": 4, "viiden": 5, "kuuden": 6, "seitsemän": 7, "kahdeksan": 8, "yhdeksän": 9, "kymmenen": 10},
		map[string]time.Duration{"päivän": day, "viikon": week, "tunnin": hour}),
	"et": newClaimWords(`küsimus\p{L}*`, `/`, notLetter+`{n}(päeva|nädala|tunni)\s+pärast`,
		map[string]int{"ühe": 1, "kahe": 2, "kolme": 3, "nelja": 4, "viie": 5, "kuue": 6, "seitsme": 7, "kaheksa": 8, "üheksa": 9, "kümne": 10},
		map[string]time.Duration{"päeva": day, "nädala": week, "tunni": hour}),
	"pl": newClaimWords(`pyta\p{L}*`, `z`, notLetter+`za\s+{n}(dzień|dni|tydzień|tygodnie|tygodni|godzinę|godziny|godzin)`,
		map[string]int{"jeden": 1, "jedną": 1, "dwa": 2, "dwie": 2, "trzy": 3, "cztery": 4, "pięć": 5, "sześć": 6, "siedem": 7, "osiem": 8, "dziewięć": 9, "dziesięć": 10},
		map[string]time.Duration{"dzień": day, "dni": day, "tydzień": week, "tygodnie": week, "tygodni": week, "godzinę": hour, "godziny": hour, "godzin": hour}),
	"hu": newClaimWords(`kérdés\p{L}*`, `/`, notLetter+`{n}(nap|hét|óra)\s+múlva`,
		map[string]int{"egy": 1, "két": 2, "kettő": 2, "három": 3, "négy": 4, "öt": 5, "hat": 6, "hét": 7, "nyolc": 8, "kilenc": 9, "tíz": 10},
		map[string]time.Duration{"nap": day, "hét": week, "óra": hour}),
	"nl": newClaimWords(`vragen|vraag`, `van`, notLetter+`over\s+{n}(dagen|dag|weken|week|uur)`,
		map[string]int{"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9, "tien": 10},
		map[string]time.Duration{"dag": day, "dagen": day, "week": week, "weken": week, "uur": hour}),
	"it": newClaimWords(`domand\p{L}*`, `di`, notLetter+`(?:tra|fra)\s+{n}(giorni|giorno|settimane|settimana|ore|ora)`,
		map[string]int{"un": 1, "una": 1, "uno": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10},
		map[string]time.Duration{"giorno": day, "giorni": day, "settimana": week, "settimane": week, "ora": hour, "ore": hour}),
	"es": newClaimWords(`preguntas?`, `de`, notLetter+`(?:en|dentro\s+de)\s+{n}(días|día|semanas|semana|horas|hora)`,
		map[string]int{"un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10},
		map[string]time.Duration{"día": day, "días": day, "semana": week, "semanas": week, "hora": hour, "horas": hour}),
}

// part is a part of a dialogue the citizen answers in one go: from the
// start, or after a follow-up, to the next follow-up or end.
type part struct {
	start     *Node
	nodes     map[*Node]bool
	totals    []int           // how many questions it can ask, by path
	positions map[*Node][]int // where each question can come
	waits     map[*Node]bool  // the follow-up nodes it leads to
	example   map[int][]*Node // a path's questions, for each total
}

// maxPaths bounds the paths walked in one part; flows are small.
const maxPaths = 10000

// parts splits the flow into its parts.
func (f *Flow) parts() []*part {
	starts := []*Node{f.Start()}
	for _, n := range f.Nodes {
		if n.Kind == KindFollowup && f.byID[n.Next] != nil {
			starts = append(starts, f.byID[n.Next])
		}
	}
	out := make([]*part, 0, len(starts))
	for _, s := range starts {
		p := &part{start: s, nodes: map[*Node]bool{}, positions: map[*Node][]int{}, waits: map[*Node]bool{}, example: map[int][]*Node{}}
		paths := 0
		// Without a loop, what follows a node depends only on how many
		// questions came before it: each (node, count) is walked once,
		// and a flow of many branches costs what its nodes cost, not its
		// paths. With a loop the path itself matters (it is cut where it
		// comes back), so every path is walked.
		var done map[depthAt]bool
		if !f.loops(s) {
			done = map[depthAt]bool{}
		}
		var walk func(n *Node, asked []*Node, onPath map[*Node]bool)
		walk = func(n *Node, asked []*Node, onPath map[*Node]bool) {
			if paths >= maxPaths {
				return
			}
			if done != nil {
				at := depthAt{n, len(asked)}
				if done[at] {
					return
				}
				done[at] = true
			}
			p.nodes[n] = true
			if k := n.kind(); k.records && k.waits {
				asked = append(asked, n)
				if at := len(asked); !slices.Contains(p.positions[n], at) {
					p.positions[n] = append(p.positions[n], at)
				}
			}
			next := n.successors()
			if n.Kind == KindFollowup || n.Kind == KindEnd || len(next) == 0 || onPath[n] {
				if n.Kind == KindFollowup {
					p.waits[n] = true
				}
				paths++
				if !slices.Contains(p.totals, len(asked)) {
					p.totals = append(p.totals, len(asked))
					p.example[len(asked)] = slices.Clone(asked)
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
		walk(s, nil, map[*Node]bool{})
		slices.Sort(p.totals)
		out = append(out, p)
	}
	return out
}

// depthAt is a node reached after a number of questions.
type depthAt struct {
	n     *Node
	asked int
}

// loops reports whether a node reachable from start leads back to itself
// (the walk of parts stops at follow-ups and ends).
func (f *Flow) loops(start *Node) bool {
	const (
		open = 1
		shut = 2
	)
	state := map[*Node]int{}
	var visit func(n *Node) bool
	visit = func(n *Node) bool {
		switch state[n] {
		case open:
			return true
		case shut:
			return false
		}
		state[n] = open
		if n.Kind != KindFollowup && n.Kind != KindEnd {
			for _, id := range n.successors() {
				if m := f.byID[id]; m != nil && visit(m) {
					return true
				}
			}
		}
		state[n] = shut
		return false
	}
	return visit(start)
}

// checkClaims warns about texts whose promises the nodes do not keep.
func (l *loader) checkClaims() {
	parts := l.f.parts()
	for _, n := range l.f.Nodes {
		for lang, fm := range n.Text.tr {
			w := claims[lang]
			if w == nil {
				continue
			}
			for _, src := range fm.sources() {
				l.checkCounts(n, lang, fm.pos, src, w, parts)
				l.checkWaits(n, lang, fm.pos, src, w, parts)
			}
		}
	}
}

// sources are a translation's texts: one, or one per plural form.
func (fm *forms) sources() []string {
	var out []string
	for _, s := range []string{fm.msg.Zero, fm.msg.One, fm.msg.Two, fm.msg.Few, fm.msg.Many, fm.msg.Other} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// checkCounts compares the numbers of questions a text states with the
// questions of the parts the node is in.
func (l *loader) checkCounts(n *Node, lang string, p Pos, text string, w *claimWords, parts []*part) {
	type claim struct {
		said     string
		total    int
		position int // 0: a count
	}
	var found []claim
	for _, m := range w.count.FindAllStringSubmatch(text, -1) {
		if w.units[strings.ToLower(m[2])] != 0 {
			continue // "over 10 dagen vragen": a wait, then the verb ask
		}
		total, _ := strconv.Atoi(m[1])
		found = append(found, claim{said: phrase(m[0]), total: total})
	}
	for _, re := range w.position {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			at, _ := strconv.Atoi(m[1])
			total, _ := strconv.Atoi(m[2])
			found = append(found, claim{said: phrase(m[0]), total: total, position: at})
		}
	}
	for _, c := range found {
		var in []*part
		for _, pt := range parts {
			// A follow-up's words speak of what comes after the wait.
			if n.Kind == KindFollowup && pt.start == l.f.byID[n.Next] || n.Kind != KindFollowup && pt.nodes[n] {
				in = append(in, pt)
			}
		}
		if len(in) == 0 {
			continue
		}
		if slices.ContainsFunc(in, func(pt *part) bool { return slices.Contains(pt.totals, c.total) }) {
			if c.position == 0 || !n.kind().records || slices.ContainsFunc(in, func(pt *part) bool { return slices.Contains(pt.positions[n], c.position) }) {
				continue
			}
			l.warnf(p, "the %s text says %q, but %q is question %s of this part of the flow; number the questions as they are asked", lang, c.said, n.ID, orList(in[0].positions[n]))
			continue
		}
		pt := in[0]
		if len(pt.totals) == 0 {
			continue // no path through the part ends: nothing to count
		}
		l.warnf(p, "the %s text says %q, but this part of the flow asks %s (%s); say the number it asks, or change the questions",
			lang, c.said, questions(pt.totals), nodeList(pt.example[pt.totals[len(pt.totals)-1]]))
	}
}

// checkWaits compares the waits a text promises with the follow-ups of
// the parts the node is in.
func (l *loader) checkWaits(n *Node, lang string, p Pos, text string, w *claimWords, parts []*part) {
	var waits []*Node
	for _, pt := range parts {
		if !pt.nodes[n] {
			continue
		}
		for f := range pt.waits {
			if !slices.Contains(waits, f) {
				waits = append(waits, f)
			}
		}
	}
	if len(waits) == 0 {
		return
	}
	slices.SortFunc(waits, func(a, b *Node) int { return a.Pos.Line - b.Pos.Line })
	for _, m := range w.wait.FindAllStringSubmatch(text, -1) {
		count := 1
		if m[1] != "" {
			x, err := strconv.Atoi(m[1])
			if err != nil {
				x = w.numbers[strings.ToLower(m[1])]
			}
			count = x
		}
		unit := w.units[strings.ToLower(m[2])]
		said := time.Duration(count) * unit
		if slices.ContainsFunc(waits, func(f *Node) bool { return sameWait(said, f.After, unit) }) {
			continue
		}
		f := waits[0]
		l.warnf(p, "the %s text promises to write %q, but the follow-up node %q waits %s; make them say the same", lang, phrase(m[0]), f.ID, cmp.Or(f.afterText, FormatDuration(f.After)))
	}
}

// sameWait reports whether a wait said in a unit is the node's: to the
// day (at: may move the hour), or to the hour.
func sameWait(said, after, unit time.Duration) bool {
	if unit == hour {
		return said == after.Round(hour)
	}
	return said == after.Round(day)
}

// phrase is a match as a citizen reads it: without the characters around
// it that marked a word's end.
func phrase(match string) string {
	return strings.TrimFunc(match, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func questions(totals []int) string {
	if len(totals) == 1 && totals[0] == 1 {
		return "1 question"
	}
	return orList(totals) + " questions"
}

func orList(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	if len(s) > 1 {
		return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
	}
	return strings.Join(s, "")
}

func nodeList(ns []*Node) string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}
