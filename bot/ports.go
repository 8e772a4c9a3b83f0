package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// Store keeps sessions, answers, counters and scheduled prompts. The Redis
// store implements it; tests run the same implementation on an in-process
// server.
type Store interface {
	// Load returns the citizen's session, or nil if there is none.
	Load(ctx context.Context, user string) (*Session, error)
	// Commit applies one step atomically: session, answers, counters and
	// prompts. It fails with ErrConflict when the session changed since it
	// was loaded.
	Commit(ctx context.Context, c *Commit) error
	// Move points the citizen at another pilot's session; called after the
	// first commit in that pilot.
	Move(ctx context.Context, user, pilot string) error
	// Forget deletes everything stored about the citizen in one pilot, or in
	// every pilot when pilot is "".
	Forget(ctx context.Context, user, pilot string) error
	// Answers returns the citizen's stored answers, oldest first.
	Answers(ctx context.Context, user string) ([]Record, error)
	// ClaimDue leases up to max prompts of a pilot that are due at now. A
	// claimed prompt comes back after the lease unless a commit removes it.
	ClaimDue(ctx context.Context, pilot string, now time.Time, lease time.Duration, max int) ([]Due, error)
	// Release removes a claimed prompt that turned out stale.
	Release(ctx context.Context, pilot string, d Due) error
	// Once reports true the first time key is seen within ttl.
	Once(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Pref and SetPref keep small settings, such as a coordinator's language.
	Pref(ctx context.Context, key string) (string, error)
	SetPref(ctx context.Context, key, value string) error
	Reports
}

// Reports reads what digests, /stats and exports need.
type Reports interface {
	// Counters sums a pilot's counters over days (yyyy-mm-dd, the pilot's
	// time zone), or all time when days is nil.
	Counters(ctx context.Context, pilot string, days []string) (map[string]int64, error)
	// RecentAnswers returns at most max answers since a time, newest first.
	RecentAnswers(ctx context.Context, pilot string, since time.Time, max int) ([]Record, error)
	// EachAnswer calls fn for every answer of a pilot, oldest first.
	EachAnswer(ctx context.Context, pilot string, fn func(Record) error) error
}

// ErrConflict means the session changed between Load and Commit; the caller
// loads again and retries.
var ErrConflict = errors.New("session changed concurrently")

// Sender delivers messages to Telegram (or a terminal, or a test).
type Sender interface {
	// Send sends one message; long texts are split by the sender.
	Send(ctx context.Context, chat int64, m flow.Message) error
	// Acknowledge answers a button press (Telegram needs every press answered).
	Acknowledge(ctx context.Context, callbackID, text string) error
	// MarkChosen replaces the keyboard of an earlier message with the chosen option.
	MarkChosen(ctx context.Context, chat int64, messageID int, label string) error
	// SendDocument sends a file, such as an export.
	SendDocument(ctx context.Context, chat int64, name string, data []byte, caption string) error
}

// ChosenData is the button data of the mark that replaces an answered
// question's keyboard; pressing it does nothing.
const ChosenData = flow.ChosenData

// ErrBlocked means the citizen blocked the bot: they are opted out and their
// prompts cancelled.
var ErrBlocked = errors.New("the citizen blocked the bot")

// Clock tells the time; tests and `cosiebot chat` move it forward by hand.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// ManualClock is a clock that only moves when told to.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock starts a manual clock at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *ManualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
