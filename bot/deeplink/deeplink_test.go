package deeplink

import (
	"bytes"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

// pilotID is the pilot id rule of flow files (bot/flow/load.go); repeated
// here because this package imports nothing from the project.
var pilotID = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// telegramPayload is what Telegram accepts after ?start=.
var telegramPayload = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

const coupon = "0f3kz9q2m7wxa"

func TestParse(t *testing.T) {
	long := strings.Repeat("p", 32)
	tests := []struct {
		payload string
		want    Start
		ok      bool
	}{
		// Links already printed: a bare pilot id.
		{"turku", Start{Pilot: "turku"}, true},
		{"reggio_emilia", Start{Pilot: "reggio_emilia"}, true},
		{"a-b_c-9", Start{Pilot: "a-b_c-9"}, true},
		{"0", Start{Pilot: "0"}, true},
		{"-", Start{Pilot: "-"}, true},
		{long, Start{Pilot: long}, true},
		{"turkuSlibrary", Start{Pilot: "turku", Source: "library"}, true},
		{"turkuSjobcentre-desk", Start{Pilot: "turku", Source: "jobcentre-desk"}, true},
		{"turkuC" + coupon, Start{Pilot: "turku", Coupon: coupon}, true},
		{"turkuSpeerC" + coupon, Start{Pilot: "turku", Source: "peer", Coupon: coupon}, true},
		{long + "S" + strings.Repeat("s", 16) + "C" + coupon, Start{Pilot: long, Source: strings.Repeat("s", 16), Coupon: coupon}, true},

		{"", Start{}, false},
		{"Turku", Start{}, false},                     // no pilot before the tag
		{"TURKU", Start{}, false},                     // pilot ids are lower case
		{"turku library", Start{}, false},             // space
		{"turku.library", Start{}, false},             // not in Telegram's alphabet
		{"tür", Start{}, false},                       // not ASCII
		{long + "p", Start{}, false},                  // pilot too long
		{"turkuS", Start{}, false},                    // empty source
		{"turkuC", Start{}, false},                    // empty coupon
		{"turkuSaSb", Start{}, false},                 // source twice
		{"turkuC" + coupon + "Speer", Start{}, false}, // out of order
		{"turkuXfoo", Start{}, false},                 // unknown tag
		{"turkuS" + strings.Repeat("s", 17), Start{}, false},
		{"turkuC" + coupon[:12], Start{}, false},  // short coupon
		{"turkuC" + coupon + "a", Start{}, false}, // long coupon
		{"turkuC0f3kz9q2m7wxi", Start{}, false},   // i is not in the alphabet
		{"turkuC0f3kz9q2m7wx_", Start{}, false},
		{strings.Repeat("a", 65), Start{}, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.payload)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.payload, got, ok, tt.want, tt.ok)
		}
		if !ok {
			continue
		}
		if enc, err := got.Encode(); err != nil || enc != tt.payload {
			t.Errorf("Encode(Parse(%q)) = %q, %v; want the payload back", tt.payload, enc, err)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		s    Start
		want string // in the error
	}{
		{Start{}, "pilot id is empty"},
		{Start{Pilot: "Turku"}, `pilot id "Turku"`},
		{Start{Pilot: strings.Repeat("a", 33)}, "1 to 32"},
		{Start{Pilot: "turku", Source: "Library Desk"}, `source "Library Desk"`},
		{Start{Pilot: "turku", Source: strings.Repeat("s", 17)}, "1 to 16"},
		{Start{Pilot: "turku", Coupon: "abc"}, `coupon "abc"`},
		{Start{Pilot: "turku", Coupon: strings.ToUpper(coupon)}, "coupon"},
	}
	for _, tt := range tests {
		p, err := tt.s.Encode()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v.Encode() = %q, %v; want an error about %q", tt.s, p, err, tt.want)
		}
	}
	// Several problems are all reported at once.
	_, err := Start{Pilot: "A", Source: "B", Coupon: "c"}.Encode()
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("want 3 problems, got %d: %v", n, err)
	}
}

func TestLongestPayloadFits(t *testing.T) {
	s := Start{Pilot: strings.Repeat("z", MaxPilot), Source: strings.Repeat("y", MaxSource), Coupon: coupon}
	p, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(p) > MaxPayload || !telegramPayload.MatchString(p) {
		t.Errorf("longest payload %q (%d characters) does not fit Telegram's start parameter", p, len(p))
	}
}

func TestLink(t *testing.T) {
	s := Start{Pilot: "turku", Source: "library"}
	if got, want := Link("cosie_bot", s), "https://t.me/cosie_bot?start=turkuSlibrary"; got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
	if got := Link("cosie_bot", Start{Pilot: "Turku"}); got != "" {
		t.Errorf("Link with a bad pilot = %q, want empty", got)
	}
	if got := Link("cosie", s); got != "" {
		t.Errorf("Link with a bad username = %q, want empty", got)
	}
}

func TestCheckUsername(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"cosie_bot", true},
		{"CosieBot", true},
		{"a1bot", true},
		{"tetris_BOT", true},
		{strings.Repeat("a", 29) + "bot", true},
		{"abot", false}, // too short
		{strings.Repeat("a", 30) + "bot", false},
		{"1cosiebot", false},
		{"_cosiebot", false},
		{"cosie", false},
		{"@cosie_bot", false},
		{"cosie-bot", false},
		{"cosie bot", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := CheckUsername(tt.name); (err == nil) != tt.ok {
			t.Errorf("CheckUsername(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestNewCoupon(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := NewCoupon(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !isCoupon(c) {
			t.Fatalf("NewCoupon made %q, which Parse would reject", c)
		}
		if seen[c] {
			t.Fatalf("NewCoupon repeated %q", c)
		}
		seen[c] = true
		if _, ok := Parse("turkuC" + c); !ok {
			t.Fatalf("coupon %q does not parse in a payload", c)
		}
	}
	// Each byte picks one of 32 characters; all 32 appear.
	c, err := NewCoupon(bytes.NewReader([]byte{0, 1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 255, 200}))
	if err != nil || c != "012345z01z0z8" {
		t.Errorf("NewCoupon from fixed bytes = %q, %v", c, err)
	}
	if _, err := NewCoupon(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("NewCoupon ignored a failing reader")
	}
	if _, err := NewCoupon(bytes.NewReader(make([]byte, 5))); err == nil {
		t.Error("NewCoupon accepted too few random bytes")
	}
}

// FuzzParse checks that Parse never panics, accepts only payloads Telegram
// allows and Encode writes back unchanged, and that every Start that
// encodes parses back to itself, every valid pilot id included.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"turku", "turkuSlibrary", "turkuSpeerC" + coupon, "TurkuS", "a\x00b", "tür", ""} {
		f.Add(s, "library", coupon)
	}
	f.Fuzz(func(t *testing.T, payload, source, coup string) {
		if s, ok := Parse(payload); ok {
			if !telegramPayload.MatchString(payload) {
				t.Fatalf("Parse accepted %q, which Telegram does not allow", payload)
			}
			if enc, err := s.Encode(); err != nil || enc != payload {
				t.Fatalf("Encode(Parse(%q)) = %q, %v", payload, enc, err)
			}
		}
		if pilotID.MatchString(payload) {
			if s, ok := Parse(payload); !ok || s != (Start{Pilot: payload}) {
				t.Fatalf("pilot id %q does not parse as a bare pilot: %+v %v", payload, s, ok)
			}
		}
		in := Start{Pilot: payload, Source: source, Coupon: coup}
		enc, err := in.Encode()
		if err != nil {
			return
		}
		if !telegramPayload.MatchString(enc) {
			t.Fatalf("Encode(%+v) = %q, which Telegram does not allow", in, enc)
		}
		if out, ok := Parse(enc); !ok || out != in {
			t.Fatalf("Parse(Encode(%+v)) = %+v, %v", in, out, ok)
		}
	})
}
