package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/lease"
)

// Handler processes one inbound event; an error means it was not applied
// and must be tried again later. bot.Service implements it.
type Handler interface {
	Handle(ctx context.Context, in bot.Inbound) error
}

// WorkerOptions tunes Workers.
type WorkerOptions struct {
	Workers  int           // updates handled at once by this replica; default 128
	Timeout  time.Duration // per update; default 30s
	MaxTries int           // failed tries before an update becomes a dead letter; default 8
	Logger   *slog.Logger
	Observer Observer
}

// Workers handle the inbox on every replica: one worker per chat at a time
// across all replicas (a lease per chat), chats served in turn so that one
// chat cannot delay another, an update that fails tried again with
// backoff and, after MaxTries, kept as a dead letter while its chat goes
// on.
type Workers struct {
	inbox Inbox
	h     Handler
	opts  WorkerOptions
	log   *slog.Logger
	slots chan struct{}
	work  sync.WaitGroup

	mu   sync.Mutex
	stop context.Context // Run's context while it runs, for handed updates
}

// NewWorkers builds the workers of one replica.
func NewWorkers(inbox Inbox, h Handler, opts WorkerOptions) *Workers {
	if opts.Workers <= 0 {
		opts.Workers = 128
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxTries <= 0 {
		opts.MaxTries = 8
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	return &Workers{inbox: inbox, h: h, opts: opts, log: opts.Logger, slots: make(chan struct{}, opts.Workers)}
}

// leaseTime is how long a worker holds a chat without renewing it: a worker
// that crashed loses its chat to another after it. A worker renews it
// while it handles an update, however long that takes (up to Timeout).
const leaseTime = 6 * time.Second

// Run handles the inbox until ctx ends, then lets the updates in hand
// finish.
func (w *Workers) Run(ctx context.Context) error {
	w.mu.Lock()
	w.stop = ctx
	w.mu.Unlock()
	var loops sync.WaitGroup
	for k := range bot.InboxShards {
		loops.Add(1)
		go func() {
			defer loops.Done()
			w.shard(ctx, k)
		}()
	}
	loops.Wait()
	w.mu.Lock()
	w.stop = nil // no more reservations: work.Wait must not race an Add
	w.mu.Unlock()
	w.work.Wait()
	return nil
}

// reservation is free workers set aside for updates the intake leases at
// once (Inbox.PushAll): a chat that was idle is handled by the replica
// that received its update, with no worker loop's claim in between.
type reservation struct {
	w    *Workers
	stop context.Context
	n    int
}

// reserve sets aside up to n free workers, none while not running.
func (w *Workers) reserve(n int) reservation {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := reservation{w: w, stop: w.stop}
	if r.stop == nil || r.stop.Err() != nil {
		return reservation{}
	}
	for r.n < n && w.grab() {
		r.n++
	}
	w.work.Add(r.n)
	return r
}

// start hands a leased update to one of the reserved workers.
func (r *reservation) start(c bot.InboxClaim) {
	r.n--
	r.w.begin(r.stop, c)
}

// release frees the reserved workers left unused.
func (r *reservation) release() {
	for ; r.n > 0; r.n-- {
		<-r.w.slots
		r.w.work.Done()
	}
}

// shard takes a shard's chats as workers come free, and waits for new
// updates when there is nothing to do.
func (w *Workers) shard(ctx context.Context, k int) {
	for ctx.Err() == nil {
		select {
		case w.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		// More free workers: take as many chats in the same round trip.
		n := 1
		for n < claimBatch && w.grab() {
			n++
		}
		claims, next, err := w.inbox.ClaimIn(ctx, k, time.Now(), leaseTime, n)
		for range n - len(claims) {
			<-w.slots
		}
		if err != nil || len(claims) == 0 {
			if err != nil {
				if ctx.Err() == nil {
					w.log.Warn("inbox: claim", "shard", k, "err", err)
				}
				sleep(ctx, time.Second)
				continue
			}
			w.idle(ctx, k, next)
			continue
		}
		for _, c := range claims {
			w.work.Add(1)
			w.begin(ctx, c)
		}
		if next.IsZero() || next.After(time.Now()) {
			// No other chat of the shard is waiting now: wait for news
			// rather than ask again at once.
			w.idle(ctx, k, next)
		}
	}
}

// begin handles a claimed chat on a worker whose slot and place in work
// the caller took; both are given back when it is done. An update in hand
// is finished even while stopping.
func (w *Workers) begin(stop context.Context, c bot.InboxClaim) {
	go func() {
		defer func() { <-w.slots; w.work.Done() }()
		w.chat(stop, context.WithoutCancel(stop), c)
	}()
}

// claimBatch is the most chats a shard loop claims in one round trip.
const claimBatch = 4

// grab takes a free worker slot if there is one.
func (w *Workers) grab() bool {
	select {
	case w.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// idle waits for news on a shard: a push's wake-up, or the time the next
// chat falls due when that comes sooner than Redis's shortest wait (a
// second). A chat already due is claimed at once: its time may be a
// moment ahead of the clock the claim used (a command queued behind
// others, or another replica's clock).
func (w *Workers) idle(ctx context.Context, k int, next time.Time) {
	if d := time.Until(next); !next.IsZero() && d < time.Second {
		sleep(ctx, d)
		return
	}
	_ = w.inbox.WaitIn(ctx, k, waitFor(next))
}

// waitFor is how long an idle shard loop waits for a wake-up: until the
// next chat falls due, at most a second (Redis counts whole seconds).
func waitFor(next time.Time) time.Duration {
	if next.IsZero() {
		return time.Second
	}
	return max(min(time.Until(next), time.Second), time.Second)
}

// chat handles a claimed chat's updates in order while the shard has no
// other chat waiting and the workers are not stopping (stop is the Run's
// context; ctx outlives it, so the update in hand finishes). The chat's
// lease is renewed all along.
func (w *Workers) chat(stop, ctx context.Context, c bot.InboxClaim) {
	release := w.keep(ctx, c)
	defer release()
	for {
		start := time.Now()
		// Writes to the inbox are retried up to the update's time limit.
		until := start.Add(w.opts.Timeout)
		err := w.handle(ctx, c.Entry)
		now := time.Now()
		if err != nil {
			w.fail(stop, ctx, c, err, now, until)
			return
		}
		w.opts.Observer.Handled(now.Sub(start))
		var next *bot.InboxClaim
		err = w.settle(stop, until, func() (err error) {
			now = time.Now()
			next, err = w.inbox.AckIn(ctx, c, now, now.Add(leaseTime), stop.Err() == nil)
			return err
		})
		if err != nil {
			w.log.Warn("inbox: acknowledge a handled update; it will be recognised when handled again", "err", err)
			return
		}
		if next == nil {
			return
		}
		c = *next
	}
}

// settle retries a write to the inbox while Redis is unreachable, until
// until (well within the chat's lease) or stop: a short outage must not
// leave the chat waiting for its lease to end.
func (w *Workers) settle(stop context.Context, until time.Time, write func() error) error {
	wait := 50 * time.Millisecond
	for {
		err := write()
		if err == nil || time.Now().Add(wait).After(until) || !sleep(stop, wait) {
			return err
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// keep renews the lease on a chat until the returned release is called.
func (w *Workers) keep(ctx context.Context, c bot.InboxClaim) (release func()) {
	return lease.Keep(ctx, leaseTime/3, func(ctx context.Context) {
		if err := w.inbox.RenewIn(ctx, c, time.Now().Add(leaseTime)); err != nil && ctx.Err() == nil {
			w.log.Warn("inbox: renew a lease", "err", err)
		}
	})
}

// fail records a failed try: later again, or a dead letter.
func (w *Workers) fail(stop, ctx context.Context, c bot.InboxClaim, cause error, now, until time.Time) {
	retry := now.Add(min(time.Second<<min(c.Tries, 6), time.Minute))
	var dead bool
	err := w.settle(stop, until, func() (err error) {
		dead, err = w.inbox.FailIn(ctx, c, cause.Error(), w.opts.MaxTries, now, retry)
		return err
	})
	if err != nil {
		w.log.Warn("inbox: record a failed update; it is tried again after its lease", "err", err)
		return
	}
	w.opts.Observer.Failed(dead)
	if dead {
		w.log.Error("an update failed too often and became a dead letter; see `cosiebot deadletters`",
			"update", c.Entry.Update, "tries", c.Tries+1, "err", cause)
		return
	}
	w.log.Warn("an update was not handled; it will be tried again", "update", c.Entry.Update, "err", cause, "at", retry)
}

// handle decodes and handles one update within its time limit; a panic
// counts as a failure, so a poisonous update ends as a dead letter.
func (w *Workers) handle(ctx context.Context, e bot.InboxEntry) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	in, ok := decodeEntry(e)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	return w.h.Handle(ctx, in)
}

// decodeEntry turns an inbox entry into what the service understands; it
// reports false for updates the bot ignores or cannot read.
func decodeEntry(e bot.InboxEntry) (bot.Inbound, bool) {
	received := time.UnixMilli(e.Received)
	if e.SlowDown {
		return bot.Inbound{ChatID: e.Chat, UserID: e.Chat, Private: e.Chat > 0, Other: bot.OtherSlowDown, Received: received}, true
	}
	var u update
	if len(e.Raw) == 0 || json.Unmarshal(e.Raw, &u) != nil {
		return bot.Inbound{}, false
	}
	in, ok := u.decode()
	in.Received = received
	return in, ok
}
