// Package deeplink is the one codec for Telegram start payloads: the text
// after "/start " when someone opens https://t.me/<bot>?start=<payload>.
//
// A payload says which pilot to start, and optionally where the link was
// handed out (a source such as "library") and which peer invitation it
// carries (a coupon). Telegram allows up to 64 characters from A-Z a-z 0-9
// _ and -. Pilot ids, sources and coupons use only lower-case letters,
// digits, _ and -, so an upper-case letter can only be a field tag:
//
//	payload = pilot [ "S" source ] [ "C" coupon ]
//
//	turku                          pilot turku (the links already printed)
//	turkuSlibrary                  pilot turku, source library
//	turkuC0f3kz9q2m7wxa            pilot turku, coupon 0f3kz9q2m7wxa
//	turkuSpeerC0f3kz9q2m7wxa       both, always in this order
//
// Every payload has exactly one spelling: Parse accepts only what Encode
// writes, so Encode(Parse(p)) == p. The longest payload (a 32-character
// pilot, a 16-character source and a coupon) is 63 characters. New fields
// can get new tags later without breaking printed links.
//
// The package does no I/O and imports nothing from this project.
package deeplink

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of the fields.
const (
	MaxPayload = 64 // Telegram's limit
	MaxPilot   = 32 // as in flow files
	MaxSource  = 16
	CouponLen  = 13 // 13 base32 characters: 65 random bits
)

// Field tags in a payload.
const (
	tagSource = 'S'
	tagCoupon = 'C'
)

// couponAlphabet is Crockford's base32 in lower case: no i, l, o or u, so a
// coupon read aloud or typed from paper is not misread.
const couponAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// Start is what a start payload says.
type Start struct {
	Pilot  string // pilot id: 1 to 32 of a-z 0-9 _ -
	Source string // where the link was handed out: 0 to 16 of a-z 0-9 _ -
	Coupon string // peer invitation: empty, or CouponLen characters of couponAlphabet
}

// Check reports what is wrong with s, in words a coordinator can act on.
func (s Start) Check() error {
	var errs []error
	switch {
	case s.Pilot == "":
		errs = append(errs, errors.New("the pilot id is empty"))
	case len(s.Pilot) > MaxPilot || !isName(s.Pilot):
		errs = append(errs, fmt.Errorf("pilot id %q: use 1 to %d lower-case letters a-z, digits, _ or -", s.Pilot, MaxPilot))
	}
	if len(s.Source) > MaxSource || !isName(s.Source) {
		errs = append(errs, fmt.Errorf("source %q: use 1 to %d lower-case letters a-z, digits, _ or -, like library or jobcentre-desk", s.Source, MaxSource))
	}
	if s.Coupon != "" && !isCoupon(s.Coupon) {
		errs = append(errs, fmt.Errorf("coupon %q: a coupon is %d characters from %s; make one with NewCoupon", s.Coupon, CouponLen, couponAlphabet))
	}
	return errors.Join(errs...)
}

// Encode writes the payload for s.
func (s Start) Encode() (string, error) {
	if err := s.Check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(s.Pilot)
	if s.Source != "" {
		b.WriteByte(tagSource)
		b.WriteString(s.Source)
	}
	if s.Coupon != "" {
		b.WriteByte(tagCoupon)
		b.WriteString(s.Coupon)
	}
	return b.String(), nil
}

// Parse reads a payload. It accepts exactly the payloads Encode writes,
// including a bare pilot id, and reports false for anything else.
func Parse(payload string) (Start, bool) {
	if payload == "" || len(payload) > MaxPayload {
		return Start{}, false
	}
	var s Start
	var rest string
	s.Pilot, rest = cutTag(payload)
	// Each optional field once, in the order Encode writes them.
	for _, f := range []struct {
		tag byte
		val *string
	}{{tagSource, &s.Source}, {tagCoupon, &s.Coupon}} {
		if rest != "" && rest[0] == f.tag {
			*f.val, rest = cutTag(rest[1:])
			if *f.val == "" {
				return Start{}, false
			}
		}
	}
	if rest != "" {
		return Start{}, false // unknown tag, or a field repeated or out of order
	}
	if s.Check() != nil {
		return Start{}, false
	}
	return s, true
}

// cutTag splits s before its first upper-case letter.
func cutTag(s string) (field, rest string) {
	if i := strings.IndexFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' }); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// Link is the t.me link that opens the bot with s as its start payload, or
// "" when the username or s is not valid (see CheckUsername and Start.Check).
func Link(username string, s Start) string {
	p, err := s.Encode()
	if err != nil || CheckUsername(username) != nil {
		return ""
	}
	return "https://t.me/" + username + "?start=" + p
}

// CheckUsername reports whether name is a Telegram bot username (without
// the @): 5 to 32 of A-Z a-z 0-9 _, starting with a letter and ending in
// "bot", as @BotFather requires.
func CheckUsername(name string) error {
	ok := len(name) >= 5 && len(name) <= 32 && isLetter(name[0]) &&
		strings.HasSuffix(strings.ToLower(name), "bot")
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = isLetter(c) || isDigit(c) || c == '_'
	}
	if !ok {
		return fmt.Errorf("bot username %q: a bot's username has 5 to 32 letters, digits or _, starts with a letter and ends in bot, like cosie_bot", name)
	}
	return nil
}

// NewCoupon makes a coupon from random (use crypto/rand.Reader): 13
// characters, 65 random bits, so coupons cannot be guessed.
func NewCoupon(random io.Reader) (string, error) {
	var buf [CouponLen]byte
	if _, err := io.ReadFull(random, buf[:]); err != nil {
		return "", fmt.Errorf("make coupon: %w", err)
	}
	for i, b := range buf {
		buf[i] = couponAlphabet[b%32] // 256 is a multiple of 32: uniform
	}
	return string(buf[:]), nil
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isCoupon(s string) bool {
	if len(s) != CouponLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(couponAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
