package ideas

import (
	"cmp"
	"slices"
	"strings"
)

// Code says why part of an idea is held for a coordinator.
type Code string

// The reasons Screen gives.
const (
	Phone   Code = "phone"   // a telephone number
	Email   Code = "email"   // an e-mail address
	Address Code = "address" // a street and house number
	Name    Code = "name"    // a person's name
	Abuse   Code = "abuse"   // an insult, a slur or a threat
)

// Reason is a part of an idea that looks like personal data or abuse: its
// code and its byte span in the text.
type Reason struct {
	Code       Code
	Start, End int
}

// Screen looks through an idea written in lang for personal data (phone
// numbers, e-mail addresses, street addresses, people's names) and abuse,
// so that the idea is held for a coordinator instead of being shown to
// others. It errs on the side of holding: a coordinator approves a held idea
// with one tap, while a published phone number cannot be taken back. Street
// words and honorifics of every language are looked for, since people write
// local addresses and names whatever language they write in; first names,
// roles and abuse are looked for in lang and English. Reasons come in text
// order.
func Screen(text, lang string) []Reason {
	toks := tokenize(text)
	lx := lexiconFor(lang)
	var rs []Reason
	rs = append(rs, findEmails(text)...)
	rs = append(rs, findPhones(text)...)
	rs = append(rs, lx.findAddresses(text, toks)...)
	rs = append(rs, lx.findNames(text, toks)...)
	rs = append(rs, lx.findAbuse(toks)...)
	return mergeReasons(rs)
}

// mergeReasons sorts reasons by position and joins overlapping ones of the
// same code, so that each part of the text is named once per code.
func mergeReasons(rs []Reason) []Reason {
	slices.SortFunc(rs, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(a.Code, b.Code), cmp.Compare(a.Start, b.Start))
	})
	var out []Reason
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].Code == r.Code && r.Start < out[n-1].End {
			out[n-1].End = max(out[n-1].End, r.End)
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End), cmp.Compare(a.Code, b.Code))
	})
	return out
}

// Redacted replaces a flagged part of an idea in Anonymise.
const Redacted = "[…]"

// Anonymise replaces the spans of reasons (as given by Screen for the same
// text) with Redacted, merging spans that overlap, so that a coordinator can
// approve the idea without the personal data in one step. Spans outside the
// text are ignored.
func Anonymise(text string, reasons []Reason) string {
	spans := make([]Reason, 0, len(reasons))
	for _, r := range reasons {
		if r.Start >= 0 && r.End <= len(text) && r.Start < r.End {
			spans = append(spans, r)
		}
	}
	slices.SortFunc(spans, func(a, b Reason) int { return cmp.Compare(a.Start, b.Start) })
	var b strings.Builder
	at := 0
	for _, s := range spans {
		if s.Start < at { // overlaps the previous span
			at = max(at, s.End)
			continue
		}
		b.WriteString(text[at:s.Start])
		b.WriteString(Redacted)
		at = s.End
	}
	b.WriteString(text[at:])
	return b.String()
}
