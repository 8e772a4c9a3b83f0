package ideas

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// DefaultThreshold is the similarity above which Similar shows an idea. It
// was chosen on the labelled pairs in testdata/pairs (see
// docs/cocreation-figures.md): the value that lets every language reach
// precision 0.8 and recall 0.7 with the best mean F1.
const DefaultThreshold = 0.46

// wordShare is the weight of word stems in the score; the rest goes to the
// letter sequences at the start of words, which give partial credit to
// inflected and compound forms (see features.go).
const wordShare = 0.1

// Hit is an idea that is similar to a text: its id and the cosine
// similarity (0 to 1).
type Hit struct {
	ID    string
	Score float64
}

// Index finds ideas similar to a text among the approved ideas of one pilot
// and language. It weighs words and letter sequences by TF-IDF over the
// ideas it holds, so words that every idea uses (the pilot's own topic)
// count little. It is safe for concurrent use.
type Index struct {
	mu    sync.Mutex
	lang  rules
	terms map[uint64]int32 // feature hash → term number
	kinds []uint8          // by term: wordFeature or charFeature
	df    []int32          // by term: ideas holding it
	posts [][]posting      // by term
	docs  []doc            // by slot; a removed idea leaves a dead slot
	slot  map[string]int32 // idea id → slot
	dead  int              // dead slots not yet compacted
	fresh bool             // norms match the current df
}

type posting struct {
	doc int32
	tf  float32 // 1 + ln(count)
}

type doc struct {
	id    string
	text  string
	norm  [2]float32 // by kind
	alive bool
}

// New returns an empty index for ideas written in lang (an ISO 639 code such
// as "fi"); lang only chooses the stop words and prefixes, and any text can be added.
func New(lang string) *Index {
	return &Index{lang: rulesFor(lang), terms: map[uint64]int32{}, slot: map[string]int32{}}
}

// Len is the number of ideas in the index.
func (ix *Index) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.slot)
}

// Add puts an idea in the index, replacing an idea with the same id.
func (ix *Index) Add(id, text string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(id)
	s := int32(len(ix.docs))
	ix.docs = append(ix.docs, doc{id: id, text: text, alive: true})
	ix.slot[id] = s
	for _, f := range extract(text, ix.lang) {
		t, ok := ix.terms[f.hash]
		if !ok {
			t = int32(len(ix.df))
			ix.terms[f.hash] = t
			ix.kinds = append(ix.kinds, f.kind)
			ix.df = append(ix.df, 0)
			ix.posts = append(ix.posts, nil)
		}
		ix.df[t]++
		ix.posts[t] = append(ix.posts[t], posting{doc: s, tf: f.tf})
	}
	ix.fresh = false
}

// Remove takes an idea out of the index; an unknown id is ignored.
func (ix *Index) Remove(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(id)
}

func (ix *Index) remove(id string) {
	s, ok := ix.slot[id]
	if !ok {
		return
	}
	for _, f := range extract(ix.docs[s].text, ix.lang) {
		ix.df[ix.terms[f.hash]]--
	}
	ix.docs[s] = doc{}
	delete(ix.slot, id)
	ix.dead++
	ix.fresh = false
	if ix.dead > 64 && ix.dead > len(ix.slot) {
		ix.compact()
	}
}

// compact drops dead slots and their postings, so that an index with much
// turnover does not grow. Term numbers stay; a term no idea holds keeps an
// empty posting list.
func (ix *Index) compact() {
	renum := make([]int32, len(ix.docs))
	var docs []doc
	for s, d := range ix.docs {
		renum[s] = -1
		if d.alive {
			renum[s] = int32(len(docs))
			ix.slot[d.id] = int32(len(docs))
			docs = append(docs, d)
		}
	}
	for t, ps := range ix.posts {
		kept := ps[:0]
		for _, p := range ps {
			if n := renum[p.doc]; n >= 0 {
				kept = append(kept, posting{doc: n, tf: p.tf})
			}
		}
		ix.posts[t] = slices.Clip(kept)
	}
	ix.docs, ix.dead = docs, 0
}

// idf weighs a term held by df of n ideas; smoothed so that a term no idea
// holds (only the query has it) gets the highest weight, not infinity.
func idf(df, n int) float64 {
	return math.Log(float64(n+1)/float64(df+1)) + 1
}

// refresh recomputes every idea's vector length after the set changed: the
// weights depend on how many ideas hold each term.
func (ix *Index) refresh() {
	if ix.fresh {
		return
	}
	n := len(ix.slot)
	sums := make([][2]float64, len(ix.docs))
	for t, ps := range ix.posts {
		w := idf(int(ix.df[t]), n)
		k := ix.kinds[t]
		for _, p := range ps {
			if ix.docs[p.doc].alive {
				x := float64(p.tf) * w
				sums[p.doc][k] += x * x
			}
		}
	}
	for s := range ix.docs {
		ix.docs[s].norm = [2]float32{float32(math.Sqrt(sums[s][0])), float32(math.Sqrt(sums[s][1]))}
	}
	ix.fresh = true
}

// Similar returns up to max ideas whose similarity to text is at least
// DefaultThreshold, best first (ties by id).
func (ix *Index) Similar(text string, max int) []Hit {
	return ix.SimilarAbove(text, max, DefaultThreshold)
}

// SimilarAbove is Similar with another threshold; 0 returns every idea that
// shares anything with text.
func (ix *Index) SimilarAbove(text string, max int, threshold float64) []Hit {
	if max <= 0 {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.refresh()
	acc, qnorm := ix.accumulate(extract(text, ix.lang))
	var hits []Hit
	for s, a := range acc {
		d := &ix.docs[s]
		if !d.alive || (a[0] == 0 && a[1] == 0) {
			continue
		}
		// Lengths are kept as float32 to save memory: clamp the rounding.
		score := min(1, wordShare*cosine(a[0], qnorm[0], d.norm[0])+(1-wordShare)*cosine(a[1], qnorm[1], d.norm[1]))
		if score > 0 && score >= threshold {
			hits = append(hits, Hit{ID: d.id, Score: score})
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ID, b.ID))
	})
	return hits[:min(max, len(hits))]
}

// accumulate adds up, for every idea, the dot product with the query's
// features per kind, and returns the query's vector length per kind.
func (ix *Index) accumulate(q []feature) ([][2]float64, [2]float64) {
	n := len(ix.slot)
	acc := make([][2]float64, len(ix.docs))
	var qsum [2]float64
	for _, f := range q {
		t, ok := ix.terms[f.hash]
		df := 0
		if ok {
			df = int(ix.df[t])
		}
		w := idf(df, n)
		qw := float64(f.tf) * w
		qsum[f.kind] += qw * qw
		if df == 0 {
			continue
		}
		for _, p := range ix.posts[t] {
			acc[p.doc][f.kind] += qw * float64(p.tf) * w
		}
	}
	return acc, [2]float64{math.Sqrt(qsum[0]), math.Sqrt(qsum[1])}
}

func cosine(dot, a float64, b float32) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return dot / (a * float64(b))
}
