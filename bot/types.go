package bot

import (
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// Inbound is one thing a citizen did, decoded by an adapter (Telegram, the
// terminal, a scenario test).
type Inbound struct {
	UpdateID   int64 // Telegram's update id; 0 when there is none (no dedupe)
	ChatID     int64
	UserID     int64
	Private    bool
	Lang       string // the client's language_code, e.g. "fi" or "pt-br"
	FirstName  string
	Text       string      // typed text or a media caption
	Data       string      // button data of a press
	CallbackID string      // id of the press, to acknowledge it
	MessageID  int         // the message that carried the pressed button
	Media      *flow.Media // a voice note or photo
	Other      string      // something the bot cannot use: "sticker", "location", "edited", ...
}

// OtherBlocked marks an Inbound that says the citizen blocked the bot.
const OtherBlocked = "blocked"

// Session is what is stored per citizen: where they are in a pilot's flow.
// It holds the chat id (needed to write to them later) but is keyed by a
// pseudonym, and never exported.
type Session struct {
	Pilot      string     `json:"p"`
	Chat       int64      `json:"c"`
	Flow       flow.State `json:"f"`
	LastUpdate int64      `json:"u,omitempty"`  // highest update id applied: redelivery dedupe
	OptOut     bool       `json:"o,omitempty"`  // /stop or blocked: no prompts
	FollowedUp bool       `json:"fu,omitempty"` // a follow-up was sent and not yet answered
	RunDay     string     `json:"rd,omitempty"` // day the current dialogue started (pilot time zone)
	Confirm    string     `json:"x,omitempty"`  // a pending confirmation ("forget")
	Created    int64      `json:"t0"`
	Updated    int64      `json:"t1"`

	// Rev is the store's compare-and-set token; 0 for a new session.
	Rev int64 `json:"-"`
}

// Commit is one atomic change to the store.
type Commit struct {
	User    string
	Pilot   string
	Session *Session      // nil deletes the session in Pilot
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
