package safeguard

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// folder replaces letters a language's speakers often type without their
// accents ("jag vill do" for "jag vill dö") in both the message and the
// patterns, so either spelling matches. Only letters listed in the lexicon
// file's fold: map are folded, and only for that language's patterns.
type folder struct {
	rules      []foldRule // longest first, so digraphs win
	firstASCII [utf8.RuneSelf]bool
	first      map[rune]bool
}

type foldRule struct{ from, to string }

// newFolder builds a folder from a lexicon's fold: map (letter -> spelling
// without accent). Keys and values are normalised like text.
func newFolder(m map[string]string) (*folder, error) {
	if len(m) == 0 {
		return nil, nil
	}
	f := &folder{first: map[rune]bool{}}
	for from, to := range m {
		nf, nt := normalizeString(from), normalizeString(to)
		if nf == "" || strings.Contains(nf, " ") || strings.Contains(nt, " ") {
			return nil, fmt.Errorf("fold %q: %q: give one letter (or a few letters) and what people type instead", from, to)
		}
		if nf == nt {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(nf); r < utf8.RuneSelf {
			f.firstASCII[r] = true
		} else {
			f.first[r] = true
		}
		f.rules = append(f.rules, foldRule{nf, nt})
	}
	slices.SortFunc(f.rules, func(a, b foldRule) int {
		if d := len(b.from) - len(a.from); d != 0 {
			return d
		}
		return strings.Compare(a.from, b.from)
	})
	return f, nil
}

// fold returns w with the folder's letters replaced. It allocates only when
// something changes.
func (f *folder) fold(w string) string {
	if f == nil {
		return w
	}
	var b []byte
	for i := 0; i < len(w); {
		r, size := rune(w[i]), 1
		hit := r < utf8.RuneSelf && f.firstASCII[r]
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(w[i:])
			hit = f.first[r]
		}
		if hit {
			if rule, ok := f.at(w[i:]); ok {
				if b == nil {
					b = append(make([]byte, 0, len(w)+4), w[:i]...)
				}
				b = append(b, rule.to...)
				i += len(rule.from)
				continue
			}
		}
		if b != nil {
			b = append(b, w[i:i+size]...)
		}
		i += size
	}
	if b == nil {
		return w
	}
	return string(b)
}

func (f *folder) at(s string) (foldRule, bool) {
	for _, r := range f.rules {
		if strings.HasPrefix(s, r.from) {
			return r, true
		}
	}
	return foldRule{}, false
}
