package safeguard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalize turns text into lower-case words separated by single spaces,
// appended to dst. It is applied alike to citizen messages and to pattern
// words, so the two always meet in the same form:
//
//   - Unicode NFKC (full-width letters, ligatures, compatibility forms);
//   - lower case, with ß as ss and Greek final ς as σ (case folding);
//   - apostrophes dropped, so "don't" and "dont" are one word;
//   - 🆘 read as the word "sos";
//   - all other punctuation, symbols and emoji read as spaces;
//   - combining marks left over after NFKC dropped (Arabic harakat, stray
//     accents), and Arabic-script letter variants made one: alef forms, ya
//     and kaf (Arabic and Persian shapes), teh marbuta, tatweel, and the
//     zero-width joiners.
//
// Language-specific folding (accents people leave out) comes after this,
// per language (see folder).
func normalize(dst []byte, s string) []byte {
	s = norm.NFKC.String(s)
	space := true // the last byte written is a space (or nothing is written)
	sep := func() {
		if !space {
			dst = append(dst, ' ')
			space = true
		}
	}
	for _, r := range s {
		if r < utf8.RuneSelf {
			c := byte(r)
			switch {
			case 'A' <= c && c <= 'Z':
				dst, space = append(dst, c+'a'-'A'), false
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				dst, space = append(dst, c), false
			case c == '\'' || c == '`':
				// dropped: "don't" reads as "dont"
			default:
				sep()
			}
			continue
		}
		r = foldRune(r)
		switch {
		case r == dropRune:
		case r == 'ß':
			dst, space = append(dst, "ss"...), false
		case r == '🆘':
			sep()
			dst = append(dst, "sos "...)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			dst, space = utf8.AppendRune(dst, r), false
		default:
			sep()
		}
	}
	if n := len(dst); n > 0 && dst[n-1] == ' ' {
		dst = dst[:n-1]
	}
	return dst
}

// dropRune marks a rune that normalize removes without leaving a space.
const dropRune = -1

// foldRune lower-cases one non-ASCII rune and makes script variants one.
func foldRune(r rune) rune {
	switch r {
	case '’', 'ʼ', '´', 'ʻ', '‘': // apostrophes, as ' above
		return dropRune
	case '\u0640', '\u200c', '\u200d', '\u200b', '\u00ad', '\ufeff': // tatweel, ZWNJ, ZWJ, ZWSP, soft hyphen, BOM
		return dropRune
	case 'ς':
		return 'σ'
	case 'أ', 'إ', 'آ', 'ٱ': // alef with hamza or madda
		return 'ا'
	case 'ى', 'ی', 'ئ': // alef maksura, Persian ya, ya with hamza
		return 'ي'
	case 'ک': // Persian kaf
		return 'ك'
	case 'ة', 'ۀ': // teh marbuta, heh with ya
		return 'ه'
	case 'ؤ':
		return 'و'
	}
	if unicode.Is(unicode.Mn, r) {
		return dropRune
	}
	return unicode.ToLower(r)
}

// normalizeString is normalize for a string, for building patterns.
func normalizeString(s string) string { return string(normalize(nil, s)) }

// squeeze collapses every run of one letter to a single letter: the form
// in which a stretched word ("heeeelp") meets the pattern ("help").
func squeeze(s string) string {
	var b strings.Builder
	prev := rune(-1)
	for _, r := range s {
		if r != prev {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// stretched reports whether a word has one letter three or more times in a
// row: then it is compared squeezed. Words with ordinary double letters
// ("kill", "tappaa") are compared as they are, so Finnish "tapan" (I kill)
// and "tapaan" (I meet) stay apart.
func stretched(s string) bool {
	run, prev := 0, rune(-1)
	for _, r := range s {
		if r == prev {
			run++
			if run >= 3 && unicode.IsLetter(r) {
				return true
			}
		} else {
			run = 1
		}
		prev = r
	}
	return false
}
