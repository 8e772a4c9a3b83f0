package flow

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Bounds of every number answer. A number node may narrow them with min and
// max but not widen them, so that sums and averages over many answers stay
// exact in a float64 and digests cannot overflow.
const (
	MinNumber = -1e9
	MaxNumber = 1e9
)

// numberStyle is how people writing one language type numbers: the mark
// before the decimals, and the mark they group thousands with when it is a
// point or a comma (spaces always group).
type numberStyle struct {
	decimal byte // '.' or ','
	group   byte // '.' or ',' when it groups thousands; 0 when only spaces do
	slash   bool // "1/5" is 1.5 (Persian)
}

// informalDot lists languages whose written standard groups thousands with
// spaces, but whose speakers commonly type "1.500" for 1500.
var informalDot = map[string]bool{"pl": true, "fr": true}

// slashDecimal lists languages whose speakers type a slash as the decimal
// mark, as Persian keyboards offer no ٫ on the first layer.
var slashDecimal = map[string]bool{"fa": true, "prs": true}

// styleOf reads lang's number style from CLDR (through x/text): it formats
// 12345.5 and looks at the marks around the digits. A language CLDR does
// not know is written as in English.
func styleOf(lang string) numberStyle {
	s := message.NewPrinter(language.Make(lang)).Sprint(number.Decimal(12345.5))
	var marks []rune
	for _, r := range s {
		if _, ok := digitValue(r); !ok {
			marks = append(marks, r)
		}
	}
	st := numberStyle{decimal: '.', group: ',', slash: slashDecimal[lang]}
	if len(marks) == 0 {
		return st
	}
	if marks[len(marks)-1] == ',' {
		st.decimal = ','
	}
	st.group = 0
	if len(marks) > 1 {
		switch marks[0] {
		case '.', ',':
			st.group = byte(marks[0])
		case '٬':
			st.group = ','
		}
	}
	if st.group == 0 && st.decimal == ',' && informalDot[lang] {
		st.group = '.'
	}
	return st
}

// numberStyles gives the number style of each of the pilot's languages.
func numberStyles(langs []string) map[string]numberStyle {
	out := make(map[string]numberStyle, len(langs))
	for _, l := range langs {
		out[l] = styleOf(l)
	}
	return out
}

// digitValue is the value of a decimal digit in the scripts citizens type
// numbers in: ASCII, Arabic-Indic, Extended Arabic-Indic (Persian, Urdu),
// Devanagari and full-width.
func digitValue(r rune) (int, bool) {
	for _, zero := range []rune{'0', '\u0660', '\u06F0', '\u0966', '\uFF10'} {
		if r >= zero && r <= zero+9 {
			return int(r - zero), true
		}
	}
	return 0, false
}

// numberRead is what a typed number can mean.
type numberRead struct {
	x float64
	// ambiguous: the text could also mean alt. x is then the reading with
	// thousands ("1.500" is 1500), alt the one with decimals (1.5).
	ambiguous bool
	alt       float64
}

// token kinds of a typed number, after its digits are made ASCII.
const (
	tokPoint   = '.'
	tokComma   = ','
	tokDecimal = 'D' // a mark that can only be decimal (Arabic ٫)
	tokGroup   = 'G' // a mark that can only group (Arabic ٬, spaces)
)

// parse reads a number as people writing the style's language type it.
// ok is false when s is not a number.
func (st numberStyle) parse(s string) (numberRead, bool) {
	neg, toks, ok := numberTokens(s, st.slash)
	if !ok {
		return numberRead{}, false
	}
	var points, commas, decimals int
	for _, t := range toks {
		switch t {
		case tokPoint:
			points++
		case tokComma:
			commas++
		case tokDecimal:
			decimals++
		}
	}
	dec := byte(0) // which token is the decimal mark, if any
	switch {
	case decimals > 0:
		dec = tokDecimal
	case points > 0 && commas > 0:
		dec = toks[strings.LastIndexAny(toks, ".,")]
	case points+commas == 1:
		m := byte(tokPoint)
		if commas == 1 {
			m = tokComma
		}
		return st.single(neg, toks, m)
	}
	x, ok := compose(neg, toks, dec)
	return numberRead{x: x}, ok
}

// single reads a number with one point or comma: "1.5", "1,500", "1 500,5".
// Three digits after a lone mark mean thousands when the language groups
// with that mark, and could mean either elsewhere ("1.500" in English).
func (st numberStyle) single(neg bool, toks string, m byte) (numberRead, bool) {
	i := strings.IndexByte(toks, m)
	before, after := toks[:i], toks[i+1:]
	asDecimal, ok := compose(neg, toks, m)
	if !ok {
		return numberRead{}, false
	}
	if len(after) != 3 || strings.ContainsRune(before, tokGroup) || len(before) > 3 || before == "" || before[0] == '0' {
		return numberRead{x: asDecimal}, true
	}
	asThousands, _ := compose(neg, toks, 0)
	if st.group == m {
		return numberRead{x: asThousands}, true
	}
	return numberRead{x: asThousands, ambiguous: true, alt: asDecimal}, true
}

// numberTokens turns s into ASCII digits and mark tokens, reporting a leading
// minus. It refuses anything else.
func numberTokens(s string, slash bool) (neg bool, toks string, ok bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u200E', '\u200F', '\u061C', '\u2066', '\u2067', '\u2068', '\u2069', '\u202A', '\u202B', '\u202C':
			return -1 // direction marks a right-to-left keyboard may add
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "-"), strings.HasPrefix(s, "−"):
		neg = true
		_, n := utf8.DecodeRuneInString(s)
		s = strings.TrimSpace(s[n:])
	case strings.HasPrefix(s, "+"):
		s = strings.TrimSpace(s[1:])
	}
	var b strings.Builder
	for _, r := range s {
		if d, isDigit := digitValue(r); isDigit {
			b.WriteByte(byte('0' + d))
			continue
		}
		switch r {
		case '.', ',':
			b.WriteByte(byte(r))
		case '٫':
			b.WriteByte(tokDecimal)
		case '/':
			if !slash {
				return false, "", false
			}
			b.WriteByte(tokDecimal)
		case '٬', ' ', '\u00A0', '\u202F', '\u2009', '\'', '’':
			b.WriteByte(tokGroup)
		default:
			return false, "", false
		}
	}
	toks = b.String()
	if toks == "" || len(toks) > 64 {
		return false, "", false
	}
	return neg, toks, true
}

// compose checks the grouping of toks and converts them, with dec (if not
// 0) as the decimal mark and every other mark as a thousands separator.
func compose(neg bool, toks string, dec byte) (float64, bool) {
	whole, frac := toks, ""
	if dec != 0 {
		i := strings.IndexByte(toks, dec)
		whole, frac = toks[:i], toks[i+1:]
		if frac == "" || strings.Trim(frac, "0123456789") != "" {
			return 0, false
		}
	}
	if whole == "" {
		whole = "0" // ",5" and ".5"
	}
	groups := strings.FieldsFunc(whole, func(r rune) bool { return r < '0' || r > '9' })
	if strings.Join(groups, "") == whole {
		groups = []string{whole} // no separators: any length
	} else if !validGroups(whole, groups) {
		return 0, false
	}
	n := strings.Join(groups, "")
	if frac != "" {
		n += "." + frac
	}
	x, err := strconv.ParseFloat(n, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, false
	}
	if neg {
		x = -x
	}
	return x, true
}

// validGroups reports whether whole is digits in groups of three after the
// first, each separated by one mark, all of the same kind.
func validGroups(whole string, groups []string) bool {
	if len(groups) == 0 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	// One mark between groups, and the same mark each time.
	seps := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, whole)
	if len(seps) != len(groups)-1 {
		return false
	}
	return strings.Count(seps, seps[:1]) == len(seps)
}

// format writes x as the style's language does, grouping thousands from
// 10 000 on so that long numbers stay readable.
func (st numberStyle) format(x float64) string {
	s := strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(whole) > 4 {
		sep := "\u00A0"
		if st.group != 0 {
			sep = string(st.group)
		}
		var b strings.Builder
		for i, r := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(sep)
			}
			b.WriteRune(r)
		}
		whole = b.String()
	}
	if frac != "" {
		whole += string(st.decimal) + frac
	}
	if x < 0 {
		whole = "-" + whole
	}
	return whole
}
