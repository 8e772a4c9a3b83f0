// Package courier delivers what commits put in the outbox: each chat's
// messages in order, paced by Telegram's limits in lanes, and removed only
// once Telegram accepted them. Replies are paced per chat only (a short
// burst, then about one a second); bulk messages (follow-ups, reminders,
// digests, broadcasts) also wait for a global cap shared by every replica,
// using the capacity replies leave; cosmetic edits go only when the chat's
// budget has room to spare, else they are skipped. A courier leases the
// chats it sends to, so another replica takes over a crashed one's chats.
// Button presses are not answered here: the service answers them at once.
package courier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cosie/cosiebot/bot"
)

// Outbox is what the courier needs from the store.
type Outbox interface {
	// ClaimOut leases up to max chats of a partition whose next message
	// may go by dueBy; next is when the next other chat falls due.
	ClaimOut(ctx context.Context, part string, now, dueBy time.Time, lease time.Duration, max int) ([]bot.Pending, time.Time, error)
	// Done removes a chat's messages that went (or were given up), in
	// order, and records the chat's pacing; it returns the chat's next
	// message, lease kept, when that may go by keepUntil, else schedules
	// the chat at next.
	Done(ctx context.Context, ps []bot.Pending, pace time.Time, paceTTL time.Duration, next, keepUntil, leaseEnd time.Time) (*bot.Pending, error)
	// Defer releases a chat, its message kept, to be tried at at.
	Defer(ctx context.Context, p bot.Pending, at time.Time) error
	// Renew extends the lease on a chat while a send takes long.
	Renew(ctx context.Context, p bot.Pending, leaseEnd time.Time) error
	// Partitions lists every partition that ever had data.
	Partitions(ctx context.Context) ([]string, error)
}

// Transport sends one message to Telegram (or a terminal). Its errors say
// what went wrong: *RateLimited, bot.ErrBlocked, ErrPermanent (wrapped),
// or anything else for a failure worth trying again.
type Transport interface {
	Deliver(ctx context.Context, o bot.Out) error
}

// Budget is the bulk lane's global cap, shared by every replica.
type Budget interface {
	// Take reserves a slot: zero, or how long to wait before asking again.
	Take(ctx context.Context) (time.Duration, error)
	// Use records n messages of other lanes, so bulk uses what they leave.
	Use(ctx context.Context, n int) error
	// Pause holds the bulk lane of every replica (Telegram answered 429).
	Pause(ctx context.Context, d time.Duration) error
}

// Numbered is a Transport that also says which id Telegram gave a message
// it sent (the last part of a long text; 0 for an edit). The courier hands
// the id to the store with the message (bot.Pending.Sent), which keeps it
// for a question: a typed answer then marks that question's keyboard.
type Numbered interface {
	DeliverID(ctx context.Context, o bot.Out) (int, error)
}

// send delivers one message, with its id when the transport tells it.
func send(ctx context.Context, tr Transport, o bot.Out) (int, error) {
	if n, ok := tr.(Numbered); ok {
		return n.DeliverID(ctx, o)
	}
	return 0, tr.Deliver(ctx, o)
}

// RateLimited is Telegram's 429: wait After before sending again.
type RateLimited struct{ After time.Duration }

func (e *RateLimited) Error() string { return fmt.Sprintf("rate limited: retry after %s", e.After) }

// ErrPermanent marks a message Telegram will never accept (a bad request):
// it is logged and given up.
var ErrPermanent = errors.New("telegram refused the message for good")

// Observer is told what the courier does, for metrics.
type Observer interface {
	// Sent: a message of lane went; reply is the time since the update
	// that caused it arrived (0 if none), waited the time since commit.
	Sent(lane bot.Lane, reply, waited time.Duration)
	// Failed: a try of a message of lane failed; why is one of "429",
	// "blocked", "permanent", "temporary", "skipped".
	Failed(lane bot.Lane, why string)
}

// Options tunes a Courier.
type Options struct {
	ChatInterval time.Duration // between messages to one chat after a burst; default 1s
	ChatBurst    int           // messages one chat may get at once; default 3
	// CapReplies puts replies under the global cap too (default: Telegram
	// only limits them per chat).
	CapReplies bool
	Budget     Budget // nil: no global cap (tests)
	// Lease is how long a claimed chat is ours unrenewed (a courier renews
	// it during a long send); a crashed courier's chats are taken over
	// after it. Default 6s.
	Lease   time.Duration
	Workers int           // chats sent to at once; default 128
	Sweep   time.Duration // how often every partition is looked at; default 1s
	// Parts lists the partitions always swept (the flows' pilots and the
	// lobby); the store's list adds pilots removed from the flow files.
	Parts func() []string
	// Blocked is told about a chat that blocked the bot (Telegram's 403).
	Blocked  func(ctx context.Context, chat int64) error
	Logger   *slog.Logger
	Observer Observer
}

// Courier delivers the outbox. Kick it after a commit; Run drives it.
type Courier struct {
	store Outbox
	tr    Transport
	opts  Options
	log   *slog.Logger

	kicks chan string
	wakes chan wake     // chats given back, and when they are due
	slots chan struct{} // one per chat being sent to
	used  atomic.Int64  // messages of other lanes, not yet told to Budget
	view  budgetView    // the last look at the global budget
	sends sync.WaitGroup
}

// New builds a Courier.
func New(store Outbox, tr Transport, opts Options) *Courier {
	if opts.ChatInterval <= 0 {
		opts.ChatInterval = time.Second
	}
	if opts.ChatBurst <= 0 {
		opts.ChatBurst = 3
	}
	if opts.Lease <= 0 {
		opts.Lease = 6 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 128
	}
	if opts.Sweep <= 0 {
		opts.Sweep = time.Second
	}
	if opts.Parts == nil {
		opts.Parts = func() []string { return []string{bot.Lobby} }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	return &Courier{store: store, tr: tr, opts: opts, log: opts.Logger,
		kicks: make(chan string, 1024), wakes: make(chan wake, 1024), slots: make(chan struct{}, opts.Workers)}
}

// wake says a partition has a chat due at a time.
type wake struct {
	part string
	at   time.Time
}

// dueAt tells the loop a partition has a chat due at at.
func (c *Courier) dueAt(part string, at time.Time) {
	select {
	case c.wakes <- wake{part, at}:
	default: // the sweep catches up
	}
}

// Kick says a commit put messages in a partition's outbox.
func (c *Courier) Kick(part string) {
	select {
	case c.kicks <- part:
	default: // a kick is queued already; the sweep catches up anyway
	}
}

// stopGrace is how long a stopping courier goes on sending what is due
// (what the last updates committed, paced), before it leaves the rest to
// another replica or the next start.
const stopGrace = 5 * time.Second

// Run delivers until ctx ends, then sends what is due within a short
// grace and lets the sends in hand finish.
func (c *Courier) Run(ctx context.Context) error {
	work, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	sweep := time.NewTicker(c.opts.Sweep)
	defer sweep.Stop()
	flush := time.NewTicker(100 * time.Millisecond)
	defer flush.Stop()
	wake := time.NewTimer(c.opts.Sweep)
	defer wake.Stop()
	due := map[string]time.Time{} // when each partition's next chat falls due
	done := ctx.Done()
	var deadline time.Time
	for {
		var parts []string
		select {
		case <-done:
			// Stopping: one more look everywhere, then only what falls due
			// within the grace.
			done, deadline = nil, time.Now().Add(stopGrace)
			parts = c.allParts(work)
		case p := <-c.kicks:
			parts = c.moreKicks(p)
		case <-sweep.C:
			parts = c.allParts(ctx)
		case <-wake.C:
			now := time.Now()
			for p, t := range due {
				if !t.After(now) {
					parts = append(parts, p)
				}
			}
		case w := <-c.wakes:
			if t, ok := due[w.part]; !ok || w.at.Before(t) {
				due[w.part] = w.at
			}
		case <-flush.C:
			c.flushUse(work)
		}
		for _, p := range parts {
			if next, ok := c.claim(work, p); ok {
				due[p] = next
			} else {
				delete(due, p)
			}
		}
		if !deadline.IsZero() && c.finished(due, deadline) {
			c.flushUse(work)
			return nil
		}
		wake.Reset(c.untilNext(due))
	}
}

// finished reports whether a stopping courier may go: the sends in hand
// are done, and nothing falls due before the deadline (or it passed).
func (c *Courier) finished(due map[string]time.Time, deadline time.Time) bool {
	if len(c.slots) > 0 && time.Now().Before(deadline) {
		return false
	}
	c.sends.Wait()
	for {
		select {
		case w := <-c.wakes:
			if t, ok := due[w.part]; !ok || w.at.Before(t) {
				due[w.part] = w.at
			}
			continue
		default:
		}
		break
	}
	if time.Now().After(deadline) {
		return true
	}
	for _, t := range due {
		if t.Before(deadline) {
			return false
		}
	}
	return true
}

// moreKicks gathers the kicks waiting, each partition once.
func (c *Courier) moreKicks(first string) []string {
	parts := []string{first}
	for {
		select {
		case p := <-c.kicks:
			if !contains(parts, p) {
				parts = append(parts, p)
			}
		default:
			return parts
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *Courier) allParts(ctx context.Context) []string {
	parts := c.opts.Parts()
	stored, err := c.store.Partitions(ctx)
	if err != nil {
		c.log.Warn("courier: list partitions", "err", err)
	}
	for _, p := range stored {
		if !contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return parts
}

func (c *Courier) untilNext(due map[string]time.Time) time.Duration {
	d := c.opts.Sweep
	now := time.Now()
	for _, t := range due {
		d = min(d, max(t.Sub(now), time.Millisecond))
	}
	return d
}

// claim leases what may go now in a partition, up to the free workers,
// and hands each chat to a worker. It reports when the partition's next
// chat falls due.
func (c *Courier) claim(ctx context.Context, part string) (time.Time, bool) {
	free := cap(c.slots) - len(c.slots)
	if free == 0 {
		return time.Now().Add(10 * time.Millisecond), true // a worker frees soon
	}
	now := time.Now()
	claims, next, err := c.store.ClaimOut(ctx, part, now, now, c.opts.Lease, free)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("courier: claim", "partition", part, "err", err)
		}
		return time.Time{}, false
	}
	for _, p := range claims {
		c.slots <- struct{}{}
		c.sends.Add(1)
		go func() {
			defer func() { <-c.slots; c.sends.Done() }()
			// A send in hand finishes even while stopping, so a message
			// Telegram accepted is also removed from the outbox.
			c.deliver(context.WithoutCancel(ctx), p)
		}()
	}
	return next, !next.IsZero()
}

func (c *Courier) flushUse(ctx context.Context) {
	n := c.used.Swap(0)
	if n == 0 || c.opts.Budget == nil {
		return
	}
	if err := c.opts.Budget.Use(ctx, int(n)); err != nil {
		c.log.Debug("courier: record replies in the global budget", "err", err)
	}
}

type nopObserver struct{}

func (nopObserver) Sent(bot.Lane, time.Duration, time.Duration) {}
func (nopObserver) Failed(bot.Lane, string)                     {}
