package safeguard

import (
	"math/bits"
	"strings"
)

// scratch is the per-call working memory of Detect, pooled per lexicon.
type scratch struct {
	buf   []byte
	words []string // normalised words of the message
	plain []tword  // words for languages that fold nothing
	tw    []tword  // words folded for the language at hand
	set   bitset   // candidate patterns of the language at hand
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
	if ll == nil {
		return
	}
	for _, s := range sc.seen {
		if s == lang {
			return
		}
	}
	sc.seen = append(sc.seen, lang)
	ws := sc.plain
	if ll.fold != nil {
		sc.tw = sc.tw[:0]
		for i, w := range sc.words {
			if f := ll.fold.fold(w); f != w {
				sc.tw = append(sc.tw, makeWord(f))
			} else {
				sc.tw = append(sc.tw, sc.plain[i])
			}
		}
		ws = sc.tw
	}
	set := sc.set[:(len(ll.pats)+63)/64]
	for i := range ws {
		if ws[i].long {
			ll.sqTrie.walk(ws[i].sq, set)
		} else {
			ll.trie.walk(ws[i].f, set)
		}
	}
	for _, p := range ll.always {
		set.add(p)
	}
	for k, b := range set {
		for ; b != 0; b &= b - 1 {
			p := &ll.pats[k*64+bits.TrailingZeros64(b)]
			sc.run(p, lang, ws)
		}
	}
	set.clear()
}

// run records every start at which p matches.
func (sc *scratch) run(p *pattern, lang string, ws []tword) {
	for i := range ws {
		if m := p.body.step(ws, i, 1); m != 0 {
			sc.hits = append(sc.hits, hit{
				pat: p, lang: lang, start: i,
				end: i + bits.TrailingZeros64(m),
				far: i + 63 - bits.LeadingZeros64(m),
			})
		}
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
