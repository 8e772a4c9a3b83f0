package ideas

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	emailPattern = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`)

	// A run of digits with the separators people put in phone numbers,
	// possibly after + or a bracketed area code; checked by isPhone.
	phoneCandidate = regexp.MustCompile(`(?:\+|\(\+?)?\p{Nd}[\p{Nd} \t.\-/()\x{00a0}]*\p{Nd}`)

	datePattern      = regexp.MustCompile(`^\d{1,2}[./\-]\d{1,2}[./\-](?:\d{2}|\d{4})$`)
	timeRangePattern = regexp.MustCompile(`^\d{1,2}[.:]\d{2}\s*[-–/]\s*\d{1,2}[.:]\d{2}$`)
	thousandsPattern = regexp.MustCompile(`^[1-9]\d{0,2}(?:[ .,\x{00a0}]\d{3})+(?:[.,]\d{1,2})?$`)
	yearsPattern     = regexp.MustCompile(`^(?:19|20)\d{2}(?:\s*[-–/ ]\s*(?:19|20)\d{2})+$`)
)

// Phone numbers have 7 to 15 digits (E.164 allows 15; an Estonian or
// Maltese number without area code has 7 or 8).
const (
	minPhoneDigits = 7
	maxPhoneDigits = 15
)

func findEmails(text string) []Reason {
	var rs []Reason
	for _, m := range emailPattern.FindAllStringIndex(text, -1) {
		rs = append(rs, Reason{Code: Email, Start: m[0], End: m[1]})
	}
	return rs
}

func findPhones(text string) []Reason {
	var rs []Reason
	for _, m := range phoneCandidate.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		if touchesWord(text, start, end) {
			continue
		}
		if isPhone(text[start:end], text[:start], text[end:]) {
			rs = append(rs, Reason{Code: Phone, Start: start, End: end})
		}
	}
	return rs
}

// touchesWord tells a number glued to letters ("A12345678", a code or a
// reference) from one standing alone.
func touchesWord(text string, start, end int) bool {
	before, _ := utf8.DecodeLastRuneInString(text[:start])
	after, _ := utf8.DecodeRuneInString(text[end:])
	return unicode.IsLetter(before) || unicode.IsLetter(after)
}

// isPhone tells a phone number from the other long numbers in ideas:
// dates, opening times, years, prices and counts.
func isPhone(s, before, after string) bool {
	s = asciiDigits(s)
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits < minPhoneDigits || digits > maxPhoneDigits {
		return false
	}
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "(+") || strings.HasPrefix(s, "00") {
		return true // international form
	}
	t := strings.TrimSpace(s)
	switch {
	case datePattern.MatchString(t), timeRangePattern.MatchString(t), yearsPattern.MatchString(t):
		return false
	case isMoney(before, after):
		return false
	case thousandsPattern.MatchString(t) && digits < 9:
		return false // "1 500 000 people", "2.500.000"; a 9-digit "612 345 678" is a phone
	}
	return true
}

// currencyWords are folded words for money that follow or precede an amount.
var currencyWords = map[string]bool{
	"eur": true, "euro": true, "euros": true, "euroa": true, "evro": true, "evrov": true, "eura": true,
	"kr": true, "kronor": true, "kroner": true, "sek": true, "dkk": true, "zl": true, "zloty": true, "zlotych": true, "pln": true,
	"ft": true, "forint": true, "huf": true, "czk": true, "kc": true, "lei": true, "ron": true, "lv": true, "bgn": true,
	"gbp": true, "usd": true, "dollars": true, "pounds": true, "rub": true, "uah": true, "try": true, "tl": true,
}

func isMoney(before, after string) bool {
	b := strings.TrimRightFunc(before[max(0, len(before)-32):], unicode.IsSpace)
	if r, _ := utf8.DecodeLastRuneInString(b); unicode.Is(unicode.Sc, r) {
		return true
	}
	a := strings.TrimLeftFunc(after[:min(len(after), 32)], unicode.IsSpace)
	if r, _ := utf8.DecodeRuneInString(a); unicode.Is(unicode.Sc, r) {
		return true
	}
	if toks := tokenize(a); len(toks) > 0 && currencyWords[toks[0].norm] {
		return true
	}
	if toks := tokenize(b); len(toks) > 0 && currencyWords[toks[len(toks)-1].norm] {
		return true
	}
	return false
}

// asciiDigits writes Arabic-Indic and Persian digits as 0-9, so that the
// checks above read them.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if d, ok := digitValue(r); ok {
			return '0' + rune(d)
		}
		return r
	}, s)
}
