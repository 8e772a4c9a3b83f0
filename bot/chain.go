package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Member is one person's place in a pilot's recruitment chains
// (respondent-driven sampling, see docs/reach.md): who invited them, in
// which wave, and the invitations they were given to pass on. It holds
// pseudonyms only, never a Telegram id.
//
// A member is stored when someone comes with an invitation (a recruit) or
// is given invitations (a seed, when they came another way). Everyone else
// who answered is a seed of wave 0 without a stored member.
type Member struct {
	// Key is the member's key in the store: the citizen's pseudonym, or
	// WithdrawnKey(ID) once they withdrew.
	Key       string   `json:"-"`
	ID        string   `json:"id"`          // PilotPseudonym; a random id once withdrawn
	Wave      int      `json:"w"`           // 0: came another way (a seed)
	Recruiter string   `json:"r,omitempty"` // the inviter's ID; "" for a seed
	Coupon    string   `json:"c,omitempty"` // the invitation they came with
	Source    string   `json:"s,omitempty"` // where the link they came with was handed out
	Issued    []string `json:"i,omitempty"` // coupons given to them to pass on, in order
	Joined    int64    `json:"t,omitempty"` // unix ms
	// Withdrawn: they used /forget. Only their place in the chain is
	// kept, under a random id, so their recruits' waves stay analysable.
	Withdrawn bool `json:"x,omitempty"`
	// Stored is the member as read from the store, "" when there was
	// none: a commit writes the member only if it is still so.
	Stored string `json:"-"`
}

// Coupon is one invitation link: it brings one new person into the chain.
type Coupon struct {
	Code   string `json:"-"`
	By     string `json:"by"`           // the inviter's Member.ID
	Wave   int    `json:"w"`            // the inviter's wave
	Issued int64  `json:"t"`            // unix ms
	User   string `json:"u,omitempty"`  // the Key of the member who came with it
	Used   int64  `json:"at,omitempty"` // unix ms; 0 while unused
	// Stored is the coupon as read, "" when there was none (see Member).
	Stored string `json:"-"`
}

// WithdrawnKey is the store key of a withdrawn member: a random id that
// no pseudonym can lead to.
func WithdrawnKey(id string) string { return "~" + id }

// PilotPseudonym is a citizen's pseudonym in one pilot's exports and
// recruitment chains: a keyed hash of the pilot and their pseudonym, so
// that the coordinators of two pilots cannot link one person's data.
func PilotPseudonym(key []byte, pilot, user string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("pilot:"))
	m.Write([]byte(pilot))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// PilotPseudonym is the citizen's pseudonym in one pilot (see the function).
func (s *Service) PilotPseudonym(pilot, user string) string {
	return PilotPseudonym(s.key, pilot, user)
}
