package safeguard

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Limits that keep every pattern cheap to match and easy to read.
const (
	maxPatternLen = 600 // bytes
	maxDepth      = 3   // nested brackets
	maxSpan       = 32  // words a match can cover
	gapWords      = 3   // words a ... may stand for
	minStem       = 2   // letters before a * (a *word may end in one letter: *n)
)

// litKind says how a pattern word is compared with a word of the message.
type litKind uint8

const (
	litExact  litKind = iota // help
	litPrefix                // suicid*
	litSuffix                // *väkivalta
	litInfix                 // *väkival*
)

// lit is one word of a pattern, normalised and folded for its language.
type lit struct {
	kind  litKind
	s     string // as compared with ordinary words
	sq    string // squeezed, as compared with stretched words ("heeeelp")
	fuzzy bool   // ~word: one typo allowed
}

func (l *lit) match(w *tword) bool {
	t, s := w.f, l.s
	if w.long {
		t, s = w.sq, l.sq
	}
	var ok bool
	switch l.kind {
	case litPrefix:
		ok = strings.HasPrefix(t, s)
	case litSuffix:
		ok = strings.HasSuffix(t, s)
	case litInfix:
		ok = strings.Contains(t, s)
	default:
		ok = t == s
	}
	return ok || l.fuzzy && oneTypo(t, s, l.kind == litPrefix)
}

// indexable reports whether the trie can find the words l matches.
func (l *lit) indexable() bool {
	return !l.fuzzy && (l.kind == litExact || l.kind == litPrefix)
}

// tword is one word of a message, folded for the language being checked.
type tword struct {
	f    string // folded word
	sq   string // squeezed f, set when long
	long bool   // a letter repeats three times or more: compare squeezed
}

type op uint8

const (
	opWord  op = iota // one word
	opGap             // ...: up to gapWords other words
	opAlt             // (a|b c) or, with opt, [a|b c]
	opStart           // ^: the message starts here
	opEnd             // $: the message ends here
)

type item struct {
	op   op
	opt  bool
	lit  lit
	alts []seq
}

// seq is a sequence of items that must match one after the other.
type seq []item

// step advances a set of positions through s. Positions are bits of m,
// counted in words from start i: bit k set means "a match could have
// reached word i+k". A set keeps matching linear in the pattern's size
// (no backtracking), and the result's bits are where matches end.
func (s seq) step(ws []tword, i int, m uint64) uint64 {
	for k := range s {
		if m = s[k].step(ws, i, m); m == 0 {
			return 0
		}
	}
	return m
}

func (it *item) step(ws []tword, i int, m uint64) uint64 {
	switch it.op {
	case opWord:
		var out uint64
		for b := m; b != 0; b &= b - 1 {
			k := bits.TrailingZeros64(b)
			if j := i + k; j < len(ws) && it.lit.match(&ws[j]) {
				out |= 1 << (k + 1)
			}
		}
		return out
	case opGap:
		return m | m<<1 | m<<2 | m<<3
	case opStart:
		if i == 0 {
			return m & 1
		}
		return 0
	case opEnd:
		if d := len(ws) - i; d < 64 {
			return m & (1 << d)
		}
		return 0
	case opAlt:
		var out uint64
		if it.opt {
			out = m
		}
		for _, a := range it.alts {
			out |= a.step(ws, i, m)
		}
		return out
	}
	return 0
}

// CheckPattern reports whether p is a valid pattern, with an error that
// says what is wrong and how to fix it. The flow checker uses it for the
// phrases pilots add.
func CheckPattern(p string) error {
	_, err := parsePattern(p, nil)
	return err
}

// parsePattern compiles a pattern with the given language folder.
func parsePattern(src string, f *folder) (seq, error) {
	body, err := parse(src, f)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	return body, nil
}

func parse(src string, f *folder) (seq, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("it is empty; write the words to look for")
	}
	if len(src) > maxPatternLen {
		return nil, fmt.Errorf("it is %d characters long; keep a pattern under %d and split it into several", len(src), maxPatternLen)
	}
	if !utf8.ValidString(src) {
		return nil, errors.New("it is not valid UTF-8 text")
	}
	p := &parser{toks: tokenize(src), fold: f}
	alts, err := p.alts(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) { // only a stray closer stops alts at depth 0
		return nil, fmt.Errorf("%q closes a bracket that was never opened; remove it or add the opening one", p.toks[p.pos].text)
	}
	for _, a := range alts {
		if err := checkAnchors(a); err != nil {
			return nil, err
		}
	}
	body := alts[0]
	if len(alts) > 1 {
		body = seq{{op: opAlt, alts: alts}}
	}
	if body.minSpan() == 0 {
		return nil, errors.New("every word in it is optional, so it would match any message; make at least one word required")
	}
	if n := body.maxSpan(); n > maxSpan {
		return nil, fmt.Errorf("it can cover %d words; keep it under %d (each ... counts as %d)", n, maxSpan, gapWords)
	}
	return body, nil
}

type tokKind uint8

const (
	tWord tokKind = iota
	tOpen
	tClose
	tOptOpen
	tOptClose
	tBar
	tGap
	tStart
	tEnd
)

type token struct {
	kind tokKind
	text string
}

func tokenize(src string) []token {
	var toks []token
	word := func(w string) {
		if w != "" {
			toks = append(toks, token{tWord, w})
		}
	}
	start := 0
	for i := 0; i < len(src); {
		var k tokKind
		n := 1
		switch {
		case strings.HasPrefix(src[i:], "..."):
			k, n = tGap, 3
		case strings.HasPrefix(src[i:], "…"):
			k, n = tGap, len("…")
		default:
			switch src[i] {
			case '(':
				k = tOpen
			case ')':
				k = tClose
			case '[':
				k = tOptOpen
			case ']':
				k = tOptClose
			case '|':
				k = tBar
			case '^':
				k = tStart
			case '$':
				k = tEnd
			case ' ', '\t', '\n', '\r':
				word(src[start:i])
				i++
				start = i
				continue
			default:
				i++
				continue
			}
		}
		word(src[start:i])
		toks = append(toks, token{k, src[i : i+n]})
		i += n
		start = i
	}
	word(src[start:])
	return toks
}

type parser struct {
	toks []token
	pos  int
	fold *folder
}

// alts parses alternatives separated by | up to a closer or the end.
func (p *parser) alts(depth int) ([]seq, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("brackets are nested more than %d deep; split it into simpler patterns", maxDepth)
	}
	var alts []seq
	for {
		s, err := p.seq(depth)
		if err != nil {
			return nil, err
		}
		if len(s) == 0 {
			return nil, errors.New("it has an empty choice: look for \"()\", \"[]\", \"||\" or a | at the start or end, and write a word there")
		}
		alts = append(alts, s)
		if p.pos < len(p.toks) && p.toks[p.pos].kind == tBar {
			p.pos++
			continue
		}
		return alts, nil
	}
}

func (p *parser) seq(depth int) (seq, error) {
	var s seq
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		switch t.kind {
		case tBar, tClose, tOptClose:
			return s, checkGaps(s)
		case tWord:
			p.pos++
			items, err := p.word(t.text)
			if err != nil {
				return nil, err
			}
			s = append(s, items...)
		case tGap:
			p.pos++
			s = append(s, item{op: opGap})
		case tStart:
			p.pos++
			s = append(s, item{op: opStart})
		case tEnd:
			p.pos++
			s = append(s, item{op: opEnd})
		case tOpen, tOptOpen:
			p.pos++
			it, err := p.group(t, depth)
			if err != nil {
				return nil, err
			}
			s = append(s, it)
		}
	}
	return s, checkGaps(s)
}

// group parses (a|b) or [a|b] after its opening bracket.
func (p *parser) group(open token, depth int) (item, error) {
	want, closer := tClose, ")"
	if open.kind == tOptOpen {
		want, closer = tOptClose, "]"
	}
	alts, err := p.alts(depth + 1)
	if err != nil {
		return item{}, err
	}
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != want {
		return item{}, fmt.Errorf("a %q is never closed; add %q after its last choice", open.text, closer)
	}
	p.pos++
	return item{op: opAlt, opt: open.kind == tOptOpen, alts: alts}, nil
}

// word turns a pattern word into one or more word items: "self-harm*"
// normalises to the two words "self" and "harm*".
func (p *parser) word(raw string) ([]item, error) {
	word, fuzzy := strings.CutPrefix(raw, "~")
	body := strings.TrimPrefix(word, "*")
	lead := len(body) < len(word)
	trimmed := strings.TrimSuffix(body, "*")
	trail := len(trimmed) < len(body)
	if strings.Contains(trimmed, "*") {
		return nil, fmt.Errorf("in %q a * stands inside a word; put * only at the start or end of a word (kill* matches kill, kills, killed)", raw)
	}
	text := p.fold.fold(normalizeString(trimmed))
	if strings.ContainsAny(trimmed, "?+{}\\") {
		return nil, fmt.Errorf("%q is not pattern syntax; to make words optional put them in [ ], as in [often] hits me", raw)
	}
	if text == "" {
		return nil, fmt.Errorf("%q has no letters or digits; write a word", raw)
	}
	words := strings.Split(text, " ")
	if fuzzy && (lead || len(words) > 1 || utf8.RuneCountInString(words[0]) < minFuzzyRunes) {
		return nil, fmt.Errorf("%q: ~ allows one typo in a single word of at least %d letters, written as ~word or ~word*", raw, minFuzzyRunes)
	}
	items := make([]item, len(words))
	for i, w := range words {
		kind := litExact
		switch {
		case i == 0 && lead && i == len(words)-1 && trail:
			kind = litInfix
		case i == 0 && lead:
			kind = litSuffix
		case i == len(words)-1 && trail:
			kind = litPrefix
		}
		if (kind == litPrefix || kind == litInfix) && utf8.RuneCountInString(w) < minStem {
			return nil, fmt.Errorf("%q is too short to stand with a *; write at least %d letters", raw, minStem)
		}
		items[i] = item{op: opWord, lit: lit{kind: kind, s: w, sq: squeeze(w), fuzzy: fuzzy}}
	}
	return items, nil
}

// checkGaps rejects ... at the edge of a choice: a gap must stand between
// two words. Two gaps in a row ("... ...") allow up to twice as many words.
func checkGaps(s seq) error {
	first, last := -1, -1
	for i, it := range s {
		if it.op != opGap {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	for i, it := range s {
		if it.op != opGap {
			continue
		}
		if i < first || i > last || s[i-1].op == opStart || s[i+1].op == opEnd {
			return errors.New("a ... must stand between two words (\"my partner ... hits me\")")
		}
	}
	return nil
}

// checkAnchors allows ^ only first and $ only last in a top-level choice,
// and rejects them inside brackets (where they are never allowed).
func checkAnchors(s seq) error {
	for i, it := range s {
		switch {
		case it.op == opStart && i != 0:
			return errors.New("^ means \"the message starts here\"; put it at the very start")
		case it.op == opEnd && i != len(s)-1:
			return errors.New("$ means \"the message ends here\"; put it at the very end")
		case it.op == opAlt:
			if err := noAnchors(it.alts); err != nil {
				return err
			}
		}
	}
	return nil
}

func noAnchors(alts []seq) error {
	for _, a := range alts {
		for _, it := range a {
			if it.op == opStart || it.op == opEnd {
				return errors.New("^ and $ cannot stand inside brackets; put them at the very start or end of the pattern")
			}
			if it.op == opAlt {
				if err := noAnchors(it.alts); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// minSpan and maxSpan count the fewest and most words a match can cover.
func (s seq) minSpan() int {
	n := 0
	for _, it := range s {
		n += it.span(false)
	}
	return n
}

func (s seq) maxSpan() int {
	n := 0
	for _, it := range s {
		n += it.span(true)
	}
	return n
}

func (it *item) span(most bool) int {
	switch it.op {
	case opWord:
		return 1
	case opGap:
		if most {
			return gapWords
		}
		return 0
	case opAlt:
		best := -1
		for _, a := range it.alts {
			n := a.minSpan()
			if most {
				n = a.maxSpan()
			}
			if best < 0 || most && n > best || !most && n < best {
				best = n
			}
		}
		if it.opt && !most {
			return 0
		}
		return best
	}
	return 0
}

// required returns word tests of which at least one matches some word of
// every message that s matches. Detect indexes patterns by them, so a
// pattern is only tried on messages that have one of its rarer words.
func (s seq) required() ([]*lit, bool) {
	var best []*lit
	found := false
	for k := range s {
		it := &s[k]
		var c []*lit
		ok := false
		switch {
		case it.op == opWord:
			c, ok = []*lit{&it.lit}, true
		case it.op == opAlt && !it.opt:
			c, ok = altsRequired(it.alts)
		}
		if ok && (!found || selectivity(c) > selectivity(best)) {
			best, found = c, true
		}
	}
	return best, found
}

func altsRequired(alts []seq) ([]*lit, bool) {
	var out []*lit
	for _, a := range alts {
		c, ok := a.required()
		if !ok {
			return nil, false
		}
		out = append(out, c...)
	}
	return out, true
}

// selectivity rates a set of word tests: longer words are rarer, fewer
// tests are cheaper, and *word tests cannot be indexed.
func selectivity(c []*lit) int {
	least := 1 << 20
	for _, l := range c {
		n := len(l.s)
		if !l.indexable() {
			n -= 1000
		}
		least = min(least, n)
	}
	return least*64 - len(c)
}
