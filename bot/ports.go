package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// Store keeps sessions, answers, counters, scheduled prompts and the
// outbox. The Redis store implements it; tests run the same implementation
// on an in-process server.
type Store interface {
	// Load returns the citizen's session in their current pilot, or nil if
	// there is none.
	Load(ctx context.Context, user string) (*Session, error)
	// LoadPilot returns the citizen's session in a pilot, current or not,
	// or nil: sessions are kept per pilot, and a commit with Point makes
	// its pilot the current one.
	LoadPilot(ctx context.Context, user, pilot string) (*Session, error)
	// Commit applies one step (see Commit). It fails with ErrConflict when
	// the session changed since it was loaded, and with ErrDone when its
	// Once marker is set already; either way it changed nothing.
	Commit(ctx context.Context, c *Commit) error
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
	// Chain reads the citizen's place in a pilot's recruitment chains and
	// the named invitation coupons. What is not stored comes back with an
	// empty Stored (a coupon keeps its Code).
	Chain(ctx context.Context, pilot, user string, coupons ...string) (Member, []Coupon, error)
	// Pref and SetPref keep small settings, such as a coordinator's language.
	Pref(ctx context.Context, key string) (string, error)
	SetPref(ctx context.Context, key, value string) error
	Reports
	AlertDesk
}

// AlertDesk keeps safeguarding alert episodes, per partition (a pilot, or
// Lobby for citizens in none), so that a citizen in crisis alerts the
// coordinators once per episode, a partition's alerts are capped per hour,
// and coordinators see who took an alert. Forget and Purge erase episodes
// with the rest of the citizen's data.
type AlertDesk interface {
	// RaiseAlert records a crisis match and decides what the coordinators
	// hear of it. Raising again with the same Token gives the same answer,
	// so that a turn retried after a failed commit alerts as the first try
	// would have.
	RaiseAlert(ctx context.Context, part string, m AlertMatch) (Alerting, Episode, error)
	// TakeAlert records that a coordinator took the episode with this
	// reference. It reports whether they were the first; ok is false when
	// there is no such episode (any more).
	TakeAlert(ctx context.Context, part, ref, by string, at time.Time) (e Episode, first, ok bool, err error)
	// Episodes lists a partition's episodes that began at since or later,
	// newest first.
	Episodes(ctx context.Context, part string, since time.Time) ([]Episode, error)
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
	// Chains returns a pilot's recruitment chains: every member and every
	// invitation coupon, in no particular order.
	Chains(ctx context.Context, pilot string) ([]Member, []Coupon, error)
}

// ErrConflict means the session changed between Load and Commit; the caller
// loads again and retries.
var ErrConflict = errors.New("session changed concurrently")

// ErrDone means a commit's Once marker was set already: what it would do
// was done before.
var ErrDone = errors.New("done already")

// Acker answers button presses (Telegram needs every press answered).
type Acker interface {
	Acknowledge(ctx context.Context, callbackID, text string) error
}

// Courier delivers what commits put in the outbox. Kick says that a
// commit in a partition (a pilot, or Lobby) added messages.
type Courier interface {
	Kick(partition string)
}

// Observer is told what the service does, for metrics.
type Observer interface {
	// PromptSent: a follow-up or reminder was committed late after its due time.
	PromptSent(kind flow.PromptKind, late time.Duration)
	// Conflict: a commit found the session changed and was retried.
	Conflict()
	// Alert: coordinators of a pilot were alerted.
	Alert(pilot string)
}

type nopObserver struct{}

func (nopObserver) PromptSent(flow.PromptKind, time.Duration) {}
func (nopObserver) Conflict()                                 {}
func (nopObserver) Alert(string)                              {}

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
