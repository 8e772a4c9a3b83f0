package ideas

import (
	"hash/fnv"
	"math"
)

// The two kinds of feature, scored apart and mixed by wordShare.
const (
	wordFeature uint8 = iota // the start of a word (its first stemLen letters)
	charFeature              // a short letter sequence at the start of a word
)

// Features are made of the beginnings of words, where the languages of the
// bot keep the stem: endings (cases, plurals, possessives) and the second
// half of compounds say less about what an idea is about than they add
// noise. A word counts by its first stemLen letters; beside that, the letter
// sequences of minGram to maxGram letters that start in the first
// gramStarts positions of the word (with its start marked) give partial
// credit to words that share a shorter beginning ("nuorisotalo",
// "nuorisotalolla"; "collect", "collection"). These values were chosen on
// the labelled pairs (see quality_test.go).
const (
	stemLen    = 5
	minGram    = 2
	maxGram    = 4
	gramStarts = 3
)

type feature struct {
	hash uint64
	kind uint8
	tf   float32 // 1 + ln(count)
}

// extract turns a text into its weighted features: the content words (see
// rules.word) by their stems, and the letter sequences at their start
// (numbers only as whole words).
func extract(text string, r rules) []feature {
	counts := map[uint64]int{}
	kinds := map[uint64]uint8{}
	add := func(kind uint8, s string) {
		h := hashOf(kind, s)
		counts[h]++
		kinds[h] = kind
	}
	for _, t := range tokenize(text) {
		w, ok := r.word(t.norm)
		if !ok {
			continue
		}
		add(wordFeature, prefix(w, stemLen))
		if !isNumber(w) {
			grams("^"+w+"$", func(g string) { add(charFeature, g) })
		}
	}
	fs := make([]feature, 0, len(counts))
	for h, c := range counts {
		fs = append(fs, feature{hash: h, kind: kinds[h], tf: float32(1 + math.Log(float64(c)))})
	}
	return fs
}

// grams calls f with every sequence of minGram to maxGram runes of w that
// starts in its first gramStarts runes.
func grams(w string, f func(string)) {
	var starts []int
	for i := range w {
		starts = append(starts, i)
	}
	starts = append(starts, len(w))
	for n := minGram; n <= maxGram; n++ {
		for i := 0; i+n < len(starts) && i < gramStarts; i++ {
			f(w[starts[i]:starts[i+n]])
		}
	}
}

// prefix returns the first n runes of w.
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

func hashOf(kind uint8, s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte{kind})
	h.Write([]byte(s))
	return h.Sum64()
}
