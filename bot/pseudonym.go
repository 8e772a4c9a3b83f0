package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// PilotPseudonym is a citizen's pseudonym in one pilot's exports and
// safeguarding alerts: a keyed hash of the pilot and their pseudonym, so
// that the coordinators of two pilots cannot link one person's data. user
// is the citizen's pseudonym (Service.Pseudonym); pilot is "" (Lobby) for
// what concerns no pilot.
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
