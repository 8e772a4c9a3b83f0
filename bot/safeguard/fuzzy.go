package safeguard

import "unicode/utf8"

// maxFuzzyRunes bounds the words compared with one typo allowed; longer
// words are compared exactly. It keeps the comparison on the stack.
const maxFuzzyRunes = 32

// minFuzzyRunes is the shortest pattern word that may allow a typo: in
// shorter words one changed letter too often makes another real word.
const minFuzzyRunes = 5

// oneTypo reports whether word t equals pattern word s (or, with prefix,
// starts with s) when one letter may be wrong, missing, extra, or swapped
// with its neighbour: "sucide", "suiicide", "suicdie" all meet "suicide".
func oneTypo(t, s string, prefix bool) bool {
	// One typo changes the length by one letter: at most utf8.UTFMax bytes.
	if len(t) < len(s)-utf8.UTFMax || !prefix && len(t) > len(s)+utf8.UTFMax {
		return false
	}
	var tb, sb [maxFuzzyRunes]rune
	tr, ok1 := runesOf(t, tb[:0])
	sr, ok2 := runesOf(s, sb[:0])
	if !ok1 || !ok2 {
		return false
	}
	i := 0
	for i < len(tr) && i < len(sr) && tr[i] == sr[i] {
		i++
	}
	if i == len(sr) { // the pattern word is used up: at most one extra letter
		return prefix || len(tr) <= len(sr)+1
	}
	rest := func(ti, si int) bool { // the rest must match exactly
		if ti > len(tr) {
			return false
		}
		tt, ss := tr[ti:], sr[si:]
		if prefix && len(tt) >= len(ss) {
			tt = tt[:len(ss)]
		}
		return equalRunes(tt, ss)
	}
	swapped := i+1 < len(tr) && i+1 < len(sr) && tr[i] == sr[i+1] && tr[i+1] == sr[i]
	return rest(i+1, i+1) || rest(i+1, i) || rest(i, i+1) || swapped && rest(i+2, i+2)
}

func runesOf(s string, buf []rune) ([]rune, bool) {
	if utf8.RuneCountInString(s) > maxFuzzyRunes {
		return nil, false
	}
	for _, r := range s {
		buf = append(buf, r)
	}
	return buf, true
}

func equalRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
