package bot

import (
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// Phase is where a citizen stands with one pilot. Every command, message
// and promise asks it rather than the session's fields, so that the bot
// never says it will write when it will not, nor that nothing is saved
// when something is. It is read from the session (Session.Phase), never
// stored apart from it.
//
// A new way of standing is one more case here: say what it is, where
// Session.Phase finds it, and answer Writes for it; every command then
// has to say what it does in it (commands.go, back.go).
type Phase uint8

// The phases.
const (
	// PhaseNew: no dialogue with the pilot, or nothing of one kept.
	PhaseNew Phase = iota
	// PhaseLanguage: the pilot does not speak the citizen's Telegram
	// language; they choose one of the pilot's before consent.
	PhaseLanguage
	// PhaseActive: a question (consent included) waits for the citizen.
	PhaseActive
	// PhaseWaiting: everything is answered for now; a follow-up is due
	// at Flow.Due.
	PhaseWaiting
	// PhaseFinished: the dialogue reached its end.
	PhaseFinished
	// PhaseDeclined: the citizen said no at consent; answers of earlier
	// dialogues with the pilot are kept.
	PhaseDeclined
	// PhaseStopped: the citizen sent /stop. The bot answers what they send
	// but writes nothing on its own until they start again.
	PhaseStopped
	// PhaseBlocked: Telegram said the citizen blocked the bot. Whatever
	// they send next shows they are back.
	PhaseBlocked
	// PhasePaused: the citizen wrote of a crisis or asked for help
	// (Session.Paused, safeguard.go). Nothing is asked, re-asked or sent
	// as a reminder until they carry on (the Continue button, an answer
	// pressed, opening the pilot again); a follow-up already promised
	// still comes, and ends the pause.
	PhasePaused
)

var phaseNames = [...]string{"new", "language", "active", "waiting", "finished", "declined", "stopped", "blocked", "paused"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "phase?"
}

// Writes reports whether the bot may write on its own in this phase: a
// reminder towards the open question, the follow-up it promised.
func (p Phase) Writes() bool { return p == PhaseActive || p == PhaseWaiting }

// Sends reports whether a prompt of a kind goes in this phase: any where
// the bot writes, and in a paused dialogue the follow-up it promised (a
// reminder would nudge someone who needs time).
func (p Phase) Sends(k flow.PromptKind) bool {
	return p.Writes() || p == PhasePaused && k == flow.PromptFollowUp
}

// Held reports whether the citizen stopped the bot or blocked it: then
// nothing it sends on its own goes to them, whatever it is about (news of
// an idea they asked to hear about too, which outlives the dialogue: a
// finished dialogue does not write, but its hear-back still does).
func (p Phase) Held() bool { return p == PhaseStopped || p == PhaseBlocked }

// Hold is why the bot keeps quiet with a citizen in a pilot, whatever the
// dialogue's position; "" when it does not.
type Hold string

// The holds.
const (
	HoldNone    Hold = ""
	HoldStop    Hold = "stop"    // the citizen sent /stop
	HoldBlocked Hold = "blocked" // Telegram refused a message: blocked
)

// Phase is where the citizen stands with the session's pilot; a nil
// session is PhaseNew. A hold comes first: a stopped citizen is stopped
// wherever their dialogue was; then a pause, wherever it was.
func (s *Session) Phase() Phase {
	if s == nil {
		return PhaseNew
	}
	switch s.hold() {
	case HoldStop:
		return PhaseStopped
	case HoldBlocked:
		return PhaseBlocked
	}
	if s.Paused != 0 {
		return PhasePaused
	}
	return s.Position()
}

// busy reports whether the citizen is in the middle of this dialogue
// (a question open, or paused at one) and wrote to it within busyFor: a
// follow-up of another pilot waits rather than take them away from it.
func (s *Session) busy(now time.Time) bool {
	if s == nil || now.Sub(time.Unix(s.Updated, 0)) >= busyFor {
		return false
	}
	p := s.Phase()
	return p == PhaseActive || p == PhasePaused
}

// Position is where the dialogue stands, whatever the hold: what the
// citizen comes back to when they start again.
func (s *Session) Position() Phase {
	if s == nil {
		return PhaseNew
	}
	st := s.Flow
	switch {
	case st.Done:
		return PhaseFinished
	case st.Waiting():
		return PhaseWaiting
	case st.Started():
		return PhaseActive
	case s.Declined:
		return PhaseDeclined
	case st.Lang == "":
		return PhaseLanguage
	}
	return PhaseNew
}

// hold reads the hold, with OptOut of older sessions as /stop.
func (s *Session) hold() Hold {
	if s.Hold == HoldNone && s.OptOut {
		return HoldStop
	}
	return s.Hold
}

// setHold holds (or, with HoldNone, frees) the session, writing the hold
// in its current form only.
func (s *Session) setHold(h Hold) {
	s.Hold, s.OptOut = h, false
}
