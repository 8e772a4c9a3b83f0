package ideas

import (
	"regexp"
	"strings"
	"unicode"
)

// houseNumber is a house number as a token: 1 to 4 digits and maybe a letter.
var houseNumber = regexp.MustCompile(`^[0-9]{1,4}[a-zA-Z]?$`)

// words is a tokenized text with what screening asks of its tokens.
type words struct {
	text string
	toks []token
	lx   *lexicon
}

// joined tells whether tokens i and i+1 belong to one phrase: nothing but
// spaces, commas, dots, slashes, hyphens, apostrophes or a colon between
// them (no end of sentence with "!" or "?", no new line).
func (w words) joined(i int) bool {
	if i < 0 || i+1 >= len(w.toks) {
		return false
	}
	gap := w.text[w.toks[i].end:w.toks[i+1].start]
	return !strings.ContainsAny(gap, "!?;\n()[]\"«»“”")
}

// name tells a word that can be part of a name: capitalised in a script
// with capitals, or any word that is not a stop word in one without.
func (w words) name(i int) bool {
	t := w.toks[i]
	if w.lx.stop[t.norm] || w.lx.numberMarks[t.norm] || isNumber(t.norm) {
		return false
	}
	if isCased(t.raw) {
		return isCapitalised(t.raw)
	}
	r := []rune(t.raw)
	return len(r) > 1 && !unicode.IsDigit(r[0])
}

func (w words) number(i int) bool {
	return i >= 0 && i < len(w.toks) && houseNumber.MatchString(asciiDigits(w.toks[i].raw))
}

func (w words) span(code Code, i, j int) Reason {
	return Reason{Code: code, Start: w.toks[i].start, End: w.toks[j].end}
}

// findAddresses finds a street word with a house number, in the orders
// people write them: "Kauppakatu 12", "Petőfi utca 3", "Calle Mayor 3",
// "ul. Długa 5", "12 High Street", "12 rue de la Paix", "Atatürk Caddesi
// No: 5". A street name without a number is not personal data ("more
// lights on High Street").
func (lx *lexicon) findAddresses(text string, toks []token) []Reason {
	w := words{text: text, toks: toks, lx: lx}
	var rs []Reason
	for i, t := range toks {
		switch {
		case lx.compoundStreet(t):
			if n := w.numberAfter(i); n > 0 {
				rs = append(rs, w.span(Address, i, n))
			}
		case lx.streets[t.norm]:
			rs = append(rs, w.aroundStreet(i)...)
		}
	}
	return rs
}

// compoundStreet tells a capitalised word ending in a street word, with a
// name before it ("Kauppakatu", "Storgatan", "Hauptstraße").
func (lx *lexicon) compoundStreet(t token) bool {
	if !isCased(t.raw) || !isCapitalised(t.raw) {
		return false
	}
	for _, s := range lx.suffixes {
		if strings.HasSuffix(t.norm, s) && len([]rune(t.norm)) >= len([]rune(s))+3 {
			return true
		}
	}
	return false
}

// numberAfter returns the index of a house number right after token i (or
// after "No", "nr"...), or 0.
func (w words) numberAfter(i int) int {
	j := i + 1
	if j < len(w.toks) && w.lx.numberMarks[w.toks[j].norm] && w.joined(i) {
		i, j = j, j+1
	}
	if w.joined(i) && w.number(j) {
		return j
	}
	return 0
}

// namesFrom returns how many name words (with lowercase particles among
// them, but not at the ends) follow each other from token i in direction
// step (+1 or -1), at most 4.
func (w words) namesFrom(i, step int) int {
	n, last := 0, 0
	for k := i; k >= 0 && k < len(w.toks) && n < 4; k += step {
		if k != i && !w.joined(min(k, k-step)) {
			break
		}
		switch {
		case w.name(k):
			n++
			last = n
		case w.lx.particles[w.toks[k].norm]:
			n++
		default:
			return last
		}
	}
	return last
}

// aroundStreet looks for the name and number of a standalone street word.
func (w words) aroundStreet(i int) []Reason {
	var rs []Reason
	// Name before, number after: "Petőfi utca 3", "Atatürk Caddesi No: 5".
	if nb := w.namesFrom(i-1, -1); nb > 0 && w.joined(i-1) {
		if n := w.numberAfter(i); n > 0 {
			rs = append(rs, w.span(Address, i-nb, n))
		}
	}
	na := w.namesFrom(i+1, +1)
	if na > 0 && w.joined(i) {
		// Street word, name, number: "Calle Mayor 3", "ul. Długa 5".
		if n := w.numberAfter(i + na); n > 0 {
			rs = append(rs, w.span(Address, i, n))
		}
		// Number, street word, name: "12 rue de la Paix".
		if w.number(i-1) && w.joined(i-1) {
			rs = append(rs, w.span(Address, i-1, i+na))
		}
	}
	// Number, name, street word: "12 High Street".
	if nb := w.namesFrom(i-1, -1); nb > 0 && w.joined(i-1) && w.number(i-nb-1) && w.joined(i-nb-1) {
		rs = append(rs, w.span(Address, i-nb-1, i))
	}
	return rs
}

// notNames are capitalised words that follow a role or title but are not
// names: English days and months.
var notNames = foldedSet(`monday tuesday wednesday thursday friday saturday sunday january february
	march april may june july august september october november december`)

// findNames finds people's names: a title and the name after it ("Mr
// Smith", "herra Virtanen", "Kovács úr"), a capitalised word after a role
// ("my caseworker Sarah", "ohjaajani Pekka"), and common first names of the
// language and English, capitalised, with the surname that follows.
func (lx *lexicon) findNames(text string, toks []token) []Reason {
	w := words{text: text, toks: toks, lx: lx}
	var rs []Reason
	for i, t := range toks {
		switch {
		case lx.honorifics[t.norm] && !allCaps(t.raw):
			if n := w.personAfter(i); n > 0 {
				rs = append(rs, w.span(Name, i, i+n))
			}
		case lx.postHonor[t.norm] && i > 0 && w.joined(i-1) && w.name(i-1) && isCased(toks[i-1].raw):
			first := i - 1
			if first > 0 && w.joined(first-1) && w.name(first-1) && isCased(toks[first-1].raw) {
				first--
			}
			rs = append(rs, w.span(Name, first, i))
		case lx.firstNames[t.norm] && (!isCased(t.raw) || isCapitalised(t.raw)):
			rs = append(rs, w.span(Name, i, i+w.surname(i)))
		}
		if end, ok := matchPhrase(toks, i, lx.roles, 0); ok && isCased(toks[end].raw) {
			if n := w.personAfter(end); n > 0 {
				rs = append(rs, w.span(Name, end+1, end+n))
			}
		}
	}
	return rs
}

// personAfter returns how many name words (1 or 2) follow token i.
func (w words) personAfter(i int) int {
	j := i + 1
	if j >= len(w.toks) || !w.joined(i) || !w.name(j) || notNames[w.toks[j].norm] {
		return 0
	}
	return 1 + w.surname(j)
}

// surname returns 1 when a capitalised name word follows token i.
func (w words) surname(i int) int {
	j := i + 1
	if j < len(w.toks) && w.joined(i) && isCased(w.toks[j].raw) && w.name(j) && !w.lx.streets[w.toks[j].norm] {
		return 1
	}
	return 0
}

func allCaps(s string) bool {
	return len([]rune(s)) > 1 && strings.ToUpper(s) == s
}

// findAbuse finds the insults, slurs and threats of the language and
// English. One other word may stand between the words of a phrase, so that
// "te voy a matar" also finds "te lo voy a matar".
func (lx *lexicon) findAbuse(toks []token) []Reason {
	var rs []Reason
	for i := range toks {
		if end, ok := matchPhrase(toks, i, lx.abuse, 1); ok {
			rs = append(rs, Reason{Code: Abuse, Start: toks[i].start, End: toks[end].end})
		}
	}
	return rs
}

// matchPhrase tells whether one of the phrases starts at token i, allowing
// up to gap other words between the words of a phrase, and returns the
// index of its last token (the longest match).
func matchPhrase(toks []token, i int, phrases []phrase, gap int) (int, bool) {
	best, found := 0, false
	for _, p := range phrases {
		if !wordMatches(p[0], toks[i].norm) {
			continue
		}
		at, ok := i, true
		for _, pw := range p[1:] {
			ok = false
			for k := at + 1; k <= at+1+gap && k < len(toks); k++ {
				if wordMatches(pw, toks[k].norm) {
					at, ok = k, true
					break
				}
			}
			if !ok {
				break
			}
		}
		if ok && (!found || at > best) {
			best, found = at, true
		}
	}
	return best, found
}

func wordMatches(pattern, word string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(word, p)
	}
	return pattern == word
}
