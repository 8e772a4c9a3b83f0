package bot

import (
	"slices"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// Inbound is one thing a citizen did, decoded by an adapter (Telegram, the
// terminal, a scenario test).
type Inbound struct {
	UpdateID  int64 // Telegram's update id; 0 when there is none (no dedupe)
	ChatID    int64
	UserID    int64
	Private   bool
	Lang      string // the client's language_code, e.g. "fi" or "pt-br"
	FirstName string
	// Text is typed text or a media caption. With Other set (an edited
	// message, a video's caption) it is only screened for a crisis, never
	// taken as an answer.
	Text       string
	Data       string      // button data of a press
	CallbackID string      // id of the press, to acknowledge it
	MessageID  int         // the message that carried the pressed button
	Media      *flow.Media // a voice note or photo
	Other      string      // something the bot cannot use: "sticker", "location", "edited", ...
	// Received is when the update reached the bot; replies carry it so the
	// time to answer can be measured. Zero means now.
	Received time.Time
}

// OtherEdited marks an edited message; its new text is in Text.
const OtherEdited = "edited"

// OtherBlocked marks an Inbound that says the citizen blocked the bot.
const OtherBlocked = "blocked"

// OtherSlowDown marks an Inbound made by the intake for a citizen who sent
// more messages than it keeps waiting: they get one polite note.
const OtherSlowDown = "slowdown"

// appliedKept is how many applied update ids a session remembers, so an
// update handled again after a crash is recognised whatever the order in
// which updates arrived.
const appliedKept = 32

// Session is what is stored per citizen: where they are in a pilot's flow.
// It holds the chat id (needed to write to them later) but is keyed by a
// pseudonym, and never exported.
//
// Where the citizen stands with the pilot is not stored as such: Phase
// reads it from the flow state and Hold (state.go), so that it cannot
// disagree with them.
type Session struct {
	Pilot   string     `json:"p"`
	Chat    int64      `json:"c"`
	Flow    flow.State `json:"f"`
	Applied []int64    `json:"ap,omitempty"` // the last update ids applied, oldest first
	// Hold says why the bot writes nothing on its own here ("": it may).
	Hold Hold `json:"h,omitempty"`
	// OptOut is how sessions stored before Hold said "stopped"; it is read
	// as HoldStop and never written.
	OptOut bool `json:"o,omitempty"`
	// Declined: the latest dialogue was declined at consent, and answers of
	// earlier dialogues are kept.
	Declined   bool   `json:"dc,omitempty"`
	FollowedUp bool   `json:"fu,omitempty"` // a follow-up was sent and not yet answered
	RunDay     string `json:"rd,omitempty"` // day the current dialogue started (pilot time zone)
	// Greeted and GreetedSeq say when a /start was last answered and where
	// the dialogue stood then, so that a /start sent twice gets one reply.
	Greeted    int64 `json:"g,omitempty"`
	GreetedSeq int   `json:"gs,omitempty"`
	// Confirm is until when (unix seconds) the buttons of a /forget
	// confirmation work; "" when none waits. The buttons carry it too, so
	// that they work without a session, and one answered is stale.
	Confirm string `json:"x,omitempty"`
	// Tapped and TappedAt are the message of the last press that applied
	// and when, so that a double tap on it is ignored quietly.
	Tapped   int   `json:"tp,omitempty"`
	TappedAt int64 `json:"ta,omitempty"`
	// Paused is when (unix seconds) the dialogue paused for a crisis or a
	// request for help (PhasePaused): no question, re-ask or reminder
	// until the citizen carries on (safeguard.go). 0: not paused.
	Paused  int64 `json:"ps,omitempty"`
	Created int64 `json:"t0"`
	Updated int64 `json:"t1"`

	// Source is where the link that started the dialogue was handed out
	// (a deep link's source, like "library"); "" when unknown.
	Source string `json:"src,omitempty"`

	// Rev is the store's compare-and-set token; 0 for a new session.
	Rev int64 `json:"-"`
	// Asked is the citizen's last question message in this pilot, read
	// by the store with the session (see Asked); never written with it.
	Asked Asked `json:"-"`
}

// HasApplied reports whether the update was applied to this session before.
func (s *Session) HasApplied(update int64) bool {
	return update != 0 && slices.Contains(s.Applied, update)
}

// markApplied remembers an applied update id.
func (s *Session) markApplied(update int64) {
	if update == 0 || s.HasApplied(update) {
		return
	}
	s.Applied = append(s.Applied, update)
	if n := len(s.Applied) - appliedKept; n > 0 {
		s.Applied = slices.Delete(s.Applied, 0, n)
	}
}

// Lobby is the store partition of what concerns a citizen in no pilot
// (the pilot menu, a group-chat notice).
const Lobby = ""

// Erase says what a commit deletes once it is applied.
type Erase int

// What a commit can erase.
const (
	EraseNone  Erase = iota
	ErasePilot       // everything about the citizen in the commit's pilot
	EraseAll         // everything about the citizen in every pilot
)

// Commit is one change to the store. Its session, answers, counters,
// prompts and messages are applied atomically; Point and Erase are the
// store calls before and after it, in that order, each safe to repeat.
type Commit struct {
	User  string
	Pilot string // the partition: a pilot, or Lobby
	// Point makes Pilot the citizen's current pilot before the commit, so
	// /forget always finds what the commit stores.
	Point bool
	// Session is written (compare-and-set on its Rev) unless nil; Drop
	// deletes the citizen's session in Pilot instead.
	Session *Session
	Drop    bool
	TTL     time.Duration // session expiry after inactivity
	Keep    time.Duration // how long answer indexes and day counters are kept (retention)
	Answers []Record
	Day     string           // counter bucket, yyyy-mm-dd in the pilot's time zone
	Counts  map[string]int64 // counter increments
	// Cohort counters go to the day the dialogue started, so a digest can
	// say how many of the dialogues started in its period were completed.
	CohortDay string
	Cohort    map[string]int64
	Cancel    bool // drop the citizen's scheduled prompts in Pilot first
	Release   []flow.PromptKind
	Prompts   []Prompt // then schedule these, replacing prompts of the same kind
	Out       []Out    // messages to send, kept until Telegram accepts them
	// Members and Coupons change the pilot's recruitment chains: each is
	// written only if it is still as it was read (its Stored), else the
	// commit fails with ErrConflict and changes nothing.
	Members []Member
	Coupons []Coupon
	// Once names a marker: when it is already set (within OnceTTL), the
	// whole commit is skipped and the store reports ErrDone.
	Once    string
	OnceTTL time.Duration
	Erase   Erase // after the commit
	// Ideas change the pilot's ideas: a citizen's new idea, vote or
	// support goes with their turn; a coordinator's moderation with the
	// replies it sends.
	Ideas []IdeaOp
}

// Lane says how a message is paced, following Telegram's limits.
type Lane uint8

// The lanes, most urgent first. Button presses are answered outside the
// outbox, at once.
const (
	// LaneReply answers a citizen who just wrote: only the per-chat limit.
	LaneReply Lane = iota
	// LaneBulk is what the bot sends on its own (follow-ups, reminders,
	// digests, broadcasts): a global cap shared by every replica, using
	// the capacity replies leave.
	LaneBulk
	// LaneCosmetic marks an answered keyboard: sent only when the chat's
	// budget has room to spare, never before a question, else skipped.
	LaneCosmetic
)

// Out is one message the bot decided to send. It is written to the outbox
// in the same commit as the decision and removed once Telegram accepted it.
type Out struct {
	Lane    Lane            `json:"l,omitempty"`
	Chat    int64           `json:"c"`
	Text    string          `json:"t,omitempty"`
	Buttons [][]flow.Button `json:"b,omitempty"`
	// Edit, when set, replaces that message's keyboard with the mark
	// "✓ Text" instead of sending a new message.
	Edit int `json:"e,omitempty"`
	// File and Data make a document (an export) with Text as caption.
	File string `json:"f,omitempty"`
	Data []byte `json:"d,omitempty"`
	// Since is when the update that caused it arrived (unix ms; 0 for
	// messages the bot sends on its own), for the reply-time metric.
	Since int64 `json:"s,omitempty"`
	// Queued is when it was committed (unix ms), for the outbox's age.
	Queued int64 `json:"q,omitempty"`
	// Question names the flow question this message asks (see
	// QuestionOf). Once Telegram accepted it, the store keeps the id
	// Telegram gave it as the chat's Asked, so that a typed answer can
	// mark this message's keyboard as a press does.
	Question string `json:"a,omitempty"`
	// invite: an invite node's message, whose links the turn adds before
	// the commit (never stored).
	invite int
}

// Asked is the last question message Telegram accepted for a citizen in a
// pilot: which question it asks (Out.Question) and the id Telegram gave
// it. The store reads it with the session; nothing else writes it.
type Asked struct {
	Question string
	Message  int
}

// Pending is a chat's next message in the outbox, claimed by a courier.
type Pending struct {
	Part string // the partition (a pilot, or Lobby)
	Chat string // the chat's key
	Raw  string // the entry as stored, so exactly it is removed
	Out  Out
	// Pace is the chat's pacing state (zero: none): the theoretical
	// arrival time of the generic cell rate algorithm.
	Pace time.Time
	// Queued is how many messages wait for the chat, this one included.
	Queued int
	// Behind is the message queued right behind this one (nil: none, or
	// not known), its pacing not set: a cosmetic mark and the message
	// after it go on one claim.
	Behind *Pending
	// Sent is the id Telegram gave the message, when the transport tells
	// it (0: unknown); Done records it for a question (Out.Question).
	Sent int
}

// Record is one answer as stored: pseudonymous, with its context.
type Record struct {
	ID      string      `json:"-"` // store id, in time order
	User    string      `json:"u"`
	Run     int         `json:"d"` // dialogue number of this citizen
	Node    string      `json:"n"`
	Result  string      `json:"k"`
	Kind    flow.Kind   `json:"t"`
	Value   string      `json:"v,omitempty"`
	Text    string      `json:"x,omitempty"`
	Media   *flow.Media `json:"m,omitempty"`
	Lang    string      `json:"l"`
	Version string      `json:"fv"`
	At      int64       `json:"at"` // unix milliseconds
	Pilot   string      `json:"-"`
	// Source is the dialogue's source (Session.Source).
	Source string `json:"s,omitempty"`
}

// Prompt is a message the bot will send on its own later.
type Prompt struct {
	Kind flow.PromptKind
	Node string
	Seq  int
	Due  time.Time
}

// Due is a claimed prompt.
type Due struct {
	User string
	Prompt
}
