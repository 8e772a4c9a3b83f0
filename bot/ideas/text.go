package ideas

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// token is a word of the original text: its byte span and its folded form.
type token struct {
	start, end int    // byte offsets in the original text
	raw        string // the text as written
	norm       string // folded: see fold
}

// isWordRune tells the runes that make up words. Joiners (ZWNJ, ZWJ, used in
// Persian and Arabic) stay inside a word; everything else separates.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '\u200c' || r == '\u200d'
}

// tokenize splits text into words, keeping their spans so that screening can
// point at the original text.
func tokenize(text string) []token {
	var toks []token
	start := -1
	for i, r := range text {
		switch {
		case isWordRune(r) && start < 0:
			start = i
		case !isWordRune(r) && start >= 0:
			toks = append(toks, newToken(text, start, i))
			start = -1
		}
	}
	if start >= 0 {
		toks = append(toks, newToken(text, start, len(text)))
	}
	return toks
}

func newToken(text string, start, end int) token {
	raw := text[start:end]
	return token{start: start, end: end, raw: raw, norm: fold(raw)}
}

// folder is stateless after construction and safe for concurrent use.
var folder = cases.Fold()

// fold makes the comparable form of a word: NFKC, case folded, diacritics
// removed, and letters that people type interchangeably made one (Turkish
// dotless i, Polish ł, Arabic and Persian forms of yeh and kaf, tatweel and
// joiners). Removing diacritics merges a few words (Finnish "sää" and
// "saa", Spanish "sí" and "si"); for finding similar ideas that costs less
// than missing "café" typed as "cafe", or a text typed without them.
func fold(word string) string {
	s := folder.String(norm.NFKC.String(word))
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if d, ok := digitValue(r); ok {
			b.WriteByte(byte('0' + d))
			continue
		}
		if m, ok := foldRunes[r]; ok {
			if m != 0 {
				b.WriteRune(m)
			}
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// foldRunes maps letters that have no decomposition but are typed
// interchangeably; 0 drops the rune.
var foldRunes = map[rune]rune{
	'ı': 'i', 'ł': 'l', 'đ': 'd', 'ħ': 'h', 'ø': 'o', 'ŀ': 'l',
	'ى': 'ی', 'ي': 'ی', 'ك': 'ک', 'ة': 'ه', 'ۀ': 'ه',
	'\u0640': 0, '\u200c': 0, '\u200d': 0,
}

// isCased tells whether a word is written in a script with capital letters,
// so that "capitalised" means something.
func isCased(word string) bool {
	for _, r := range word {
		if unicode.IsUpper(r) || unicode.IsLower(r) {
			return unicode.ToUpper(r) != unicode.ToLower(r)
		}
	}
	return false
}

// isCapitalised tells whether a word starts with a capital letter and is not
// all capitals (an acronym or shouting).
func isCapitalised(word string) bool {
	r, size := utf8.DecodeRuneInString(word)
	if !unicode.IsUpper(r) {
		return false
	}
	rest := word[size:]
	return rest == "" || strings.IndexFunc(rest, unicode.IsLower) >= 0
}

func isNumber(word string) bool {
	for _, r := range word {
		if r < '0' || r > '9' {
			return false
		}
	}
	return word != ""
}

// digitValue reads the Arabic-Indic and Persian digits as 0-9, so that a
// phone number or house number is the same in any script.
func digitValue(r rune) (int, bool) {
	switch {
	case r >= '\u0660' && r <= '\u0669':
		return int(r - '\u0660'), true
	case r >= '\u06f0' && r <= '\u06f9':
		return int(r - '\u06f0'), true
	}
	return 0, false
}
