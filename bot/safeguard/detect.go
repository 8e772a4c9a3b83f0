package safeguard

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
)

// scratch is the per-call working memory of Detect, pooled per lexicon.
type scratch struct {
	buf   []byte
	words []string // normalised words of the message
	plain []tword  // words for languages that fold nothing
	tw    []tword  // words folded for the language at hand
	cands []cand   // patterns worth trying, and where their anchors are
	hits  []hit
	seen  []string // languages already checked
}

// hit is one place a pattern matched, in words [start, end).
type hit struct {
	pat        *pattern
	lang       string
	start, end int // end of the shortest match
	far        int // end of the longest match
}

// Detect looks for a crisis or a request for help in text. langs are the
// languages of the pilot; English is always checked too, and unknown codes
// are skipped. A crisis beats a request for help, and an exclusion
// ("this queue is killing me") cancels only the match it overlaps.
func (l *Lexicon) Detect(text string, langs []string) (Match, bool) {
	sc := l.scratch.Get().(*scratch)
	defer l.scratch.Put(sc)
	sc.buf = normalize(sc.buf[:0], text)
	if len(sc.buf) == 0 {
		return Match{}, false
	}
	norm := string(sc.buf)
	sc.words, sc.plain, sc.hits, sc.seen = sc.words[:0], sc.plain[:0], sc.hits[:0], sc.seen[:0]
	for w := range strings.SplitSeq(norm, " ") {
		sc.words = append(sc.words, w)
		sc.plain = append(sc.plain, makeWord(w))
	}
	l.check(sc, "en")
	for _, lang := range langs {
		l.check(sc, baseLang(lang))
	}
	return sc.best()
}

func makeWord(f string) tword {
	w := tword{f: f}
	if stretched(f) {
		w.long, w.sq = true, squeeze(f)
	}
	return w
}

// check records the hits of one language's patterns.
func (l *Lexicon) check(sc *scratch, lang string) {
	ll := l.langs[lang]
	if ll == nil || slices.Contains(sc.seen, lang) {
		return
	}
	sc.seen = append(sc.seen, lang)
	ws := sc.folded(ll.fold)
	sc.candidates(ll, ws)
	next := 0 // the first start not yet tried for the current pattern
	for k, c := range sc.cands {
		if k == 0 || c.pat != sc.cands[k-1].pat {
			next = 0
		}
		p := &ll.pats[c.pat]
		from, to := 0, len(ws)-1 // a match that covers the anchor starts in [from, to]
		if c.pos >= 0 {
			from, to = max(0, int(c.pos)-p.span+1), int(c.pos)
		}
		for s := max(from, next); s <= to; s++ {
			sc.run(p, lang, ws, s)
		}
		next = max(next, to+1)
	}
}

// folded returns the message's words folded for a language: the plain
// words when the language folds nothing or no word changes.
func (sc *scratch) folded(f *folder) []tword {
	if f == nil {
		return sc.plain
	}
	sc.tw = sc.tw[:0]
	for i, w := range sc.words {
		if fw := f.fold(w); fw != w {
			sc.tw = append(sc.tw, makeWord(fw))
		} else {
			sc.tw = append(sc.tw, sc.plain[i])
		}
	}
	return sc.tw
}

// candidates lists, sorted by pattern and position, the patterns of ll
// whose anchor word occurs in ws, and the patterns tried everywhere.
func (sc *scratch) candidates(ll *langLex, ws []tword) {
	sc.cands = sc.cands[:0]
	for i := range ws {
		if ws[i].long {
			sc.cands = ll.sqTrie.walk(ws[i].sq, int32(i), sc.cands)
		} else {
			sc.cands = ll.trie.walk(ws[i].f, int32(i), sc.cands)
		}
	}
	for _, p := range ll.always {
		sc.cands = append(sc.cands, cand{p, -1})
	}
	slices.SortFunc(sc.cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.pat, b.pat), cmp.Compare(a.pos, b.pos))
	})
}

// run records a match of p that starts at word i, if there is one.
func (sc *scratch) run(p *pattern, lang string, ws []tword, i int) {
	if m := p.body.step(ws, i, 1); m != 0 {
		sc.hits = append(sc.hits, hit{
			pat: p, lang: lang, start: i,
			end: i + bits.TrailingZeros64(m),
			far: i + 63 - bits.LeadingZeros64(m),
		})
	}
}

// best picks the most urgent hit that no exclusion overlaps.
func (sc *scratch) best() (Match, bool) {
	var best *hit
	for i := range sc.hits {
		h := &sc.hits[i]
		if h.pat.cat == exclusion || best != nil && h.pat.cat.rank() >= best.pat.cat.rank() {
			continue
		}
		if !sc.excluded(h) {
			best = h
		}
	}
	if best == nil {
		return Match{}, false
	}
	return Match{Category: best.pat.cat, Lang: best.lang, Pattern: best.pat.src}, true
}

func (sc *scratch) excluded(h *hit) bool {
	for _, x := range sc.hits {
		if x.pat.cat == exclusion && x.start < h.end && h.start < x.far {
			return true
		}
	}
	return false
}
