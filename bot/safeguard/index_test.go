package safeguard

import (
	"path/filepath"
	"testing"
)

// unindexed returns a copy of l that tries every pattern at every word: the
// slow, obvious way Detect's index must agree with.
func unindexed(l *Lexicon) *Lexicon {
	langs := map[string]*langLex{}
	for code, ll := range l.langs {
		c := *ll
		c.trie, c.sqTrie, c.always = trie{}, trie{}, nil
		for i := range c.pats {
			c.always = append(c.always, int32(i))
		}
		langs[code] = &c
	}
	return newLexicon(langs)
}

// TestIndexFindsEveryMatch runs every corpus message through the indexed
// and the unindexed lexicon: the index may only make Detect faster.
func TestIndexFindsEveryMatch(t *testing.T) {
	l, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	slow := unindexed(l)
	n := 0
	for _, lang := range l.Languages() {
		for _, path := range []string{
			filepath.Join("testdata", "corpus", lang+".yaml"),
			filepath.Join("testdata", "corpus", "heldout", lang+".yaml"),
		} {
			c, err := readCorpus(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range append(append(c.crisis(), c.Help...), c.Ordinary...) {
				n++
				langs := []string{lang, "de", "ar"}
				got, gotOK := l.Detect(msg, langs)
				want, wantOK := slow.Detect(msg, langs)
				if gotOK != wantOK || got.Category != want.Category {
					t.Errorf("%s %q: indexed %+v %v, unindexed %+v %v", lang, msg, got, gotOK, want, wantOK)
				}
			}
		}
	}
	if n < 3000 {
		t.Errorf("only %d corpus messages checked", n)
	}
}
