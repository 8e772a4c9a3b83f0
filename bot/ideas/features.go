package ideas

import (
	"hash/fnv"
	"math"
	"unicode/utf8"
)

// The two kinds of feature, scored apart and mixed by wordShare.
const (
	wordFeature uint8 = iota // a word, or two words in a row
	charFeature              // 3 to 5 letters inside a word
)

// Letter sequences inside words: from minGram to maxGram runes, with the
// word's start and end marked so that stems and endings count.
var (
	minGram = 3
	maxGram = 5
	useBigrams = true
	stemLen = 0
)

type feature struct {
	hash uint64
	kind uint8
	tf   float32 // 1 + ln(count)
}

// extract turns a text into its weighted features: content words (not stop
// words, not one letter), pairs of content words that follow each other,
// and letter sequences of content words other than numbers.
func extract(text string, stop map[string]bool) []feature {
	counts := map[uint64]int{}
	kinds := map[uint64]uint8{}
	add := func(kind uint8, parts ...string) {
		h := hashOf(kind, parts...)
		counts[h]++
		kinds[h] = kind
	}
	prev := ""
	for _, t := range tokenize(text) {
		w := t.norm
		if stop[w] || (utf8.RuneCountInString(w) < 2 && !isNumber(w)) {
			prev = ""
			continue
		}
		if !isNumber(w) && maxGram > 0 {
			grams("^"+w+"$", func(g string) { add(charFeature, g) })
		}
		if stemLen > 0 {
			w = prefix(w, stemLen)
		}
		add(wordFeature, w)
		if prev != "" && useBigrams {
			add(wordFeature, prev, " ", w)
		}
		prev = w
	}
	fs := make([]feature, 0, len(counts))
	for h, c := range counts {
		fs = append(fs, feature{hash: h, kind: kinds[h], tf: float32(1 + math.Log(float64(c)))})
	}
	return fs
}

// grams calls f with every sequence of minGram to maxGram runes of w.
func grams(w string, f func(string)) {
	var starts []int
	for i := range w {
		starts = append(starts, i)
	}
	starts = append(starts, len(w))
	for n := minGram; n <= maxGram; n++ {
		for i := 0; i+n < len(starts); i++ {
			f(w[starts[i]:starts[i+n]])
		}
	}
}

func hashOf(kind uint8, parts ...string) uint64 {
	h := fnv.New64a()
	h.Write([]byte{kind})
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return h.Sum64()
}

func prefix(w string, n int) string {
	i := 0
	for j := range w {
		if i == n {
			return w[:j]
		}
		i++
	}
	return w
}
