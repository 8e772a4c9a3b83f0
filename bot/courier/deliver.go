package courier

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/lease"
)

// retryLater is how long a message waits after a failure worth trying
// again (Telegram or the network down).
const retryLater = 5 * time.Second

// pacing is the generic cell rate algorithm for one chat: a message may
// go once the theoretical arrival time minus the burst tolerance has
// passed; each message pushes the arrival time one interval further.
type pacing struct {
	interval, tolerance time.Duration
}

func (c *Courier) pacing() pacing {
	return pacing{interval: c.opts.ChatInterval, tolerance: time.Duration(c.opts.ChatBurst-1) * c.opts.ChatInterval}
}

// allowed is when a message may go, given the chat's arrival time.
func (p pacing) allowed(tat time.Time) time.Time { return tat.Add(-p.tolerance) }

// after is the arrival time after n messages go at now.
func (p pacing) after(tat, now time.Time, n int) time.Time {
	if tat.Before(now) {
		tat = now
	}
	return tat.Add(time.Duration(n) * p.interval)
}

// deliver sends a claimed chat's messages while they may go, then gives
// the chat back. The lease is renewed meanwhile: waiting for the global
// budget or a slow send must not let another courier send the same
// message.
func (c *Courier) deliver(ctx context.Context, p bot.Pending) {
	stop := c.keep(ctx, p)
	defer stop()
	for {
		next, err := c.one(ctx, p)
		if err != nil {
			c.log.Warn("courier: the outbox could not be updated; the chat is tried again when its lease ends", "err", err)
			return
		}
		if next == nil {
			return
		}
		p = *next
	}
}

// keep renews the lease on a chat until the returned stop is called.
func (c *Courier) keep(ctx context.Context, p bot.Pending) (stop func()) {
	return lease.Keep(ctx, c.opts.Lease/3, func(ctx context.Context) {
		if err := c.store.Renew(ctx, p, time.Now().Add(c.opts.Lease)); err != nil && ctx.Err() == nil {
			c.log.Warn("courier: renew a lease", "err", err)
		}
	})
}

// retry runs a store call until it succeeds or half the lease has passed:
// after a message went, the outbox must learn it, or the message goes
// again when the lease ends.
func (c *Courier) retry(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(c.opts.Lease / 2)
	wait := 50 * time.Millisecond
	for {
		err := fn()
		if err == nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// done is Store.Done, retried. A chat given back is due again at next:
// the loop is told, so it does not wait for its sweep.
func (c *Courier) done(ctx context.Context, ps []bot.Pending, pace time.Time, paceTTL time.Duration, next, keepUntil time.Time) (*bot.Pending, error) {
	var np *bot.Pending
	err := c.retry(ctx, func() (err error) {
		np, err = c.store.Done(ctx, ps, pace, paceTTL, next, keepUntil, time.Now().Add(c.opts.Lease))
		return err
	})
	if err == nil && np == nil && ps[0].Queued > len(ps) {
		c.dueAt(ps[0].Part, next)
	}
	return np, err
}

// later is Store.Defer, retried; the loop is told when the chat is due.
func (c *Courier) later(ctx context.Context, p bot.Pending, at time.Time) error {
	err := c.retry(ctx, func() error { return c.store.Defer(ctx, p, at) })
	if err == nil {
		c.dueAt(p.Part, at)
	}
	return err
}

// one sends (or skips, or defers) a chat's next message and returns the
// chat's following message when it may go at once.
func (c *Courier) one(ctx context.Context, p bot.Pending) (*bot.Pending, error) {
	pace := c.pacing()
	now := time.Now()
	if at := pace.allowed(p.Pace); at.After(now) {
		return nil, c.later(ctx, p, at)
	}
	lane := p.Out.Lane
	if lane == bot.LaneCosmetic && !c.spare(ctx, p, pace, now) {
		c.opts.Observer.Failed(lane, "skipped")
		return c.behind(ctx, p, time.Time{})
	}
	if lane == bot.LaneBulk || c.opts.CapReplies {
		if wait, ok := c.take(ctx); !ok {
			return nil, c.later(ctx, p, now.Add(wait))
		}
		now = time.Now()
	}
	id, err := send(ctx, c.tr, p.Out)
	if err != nil {
		return c.failed(ctx, p, err)
	}
	tat, now := c.went(&p, id)
	if lane == bot.LaneCosmetic {
		return c.behind(ctx, p, tat)
	}
	return c.done(ctx, []bot.Pending{p}, tat, tat.Sub(now), pace.allowed(tat), now)
}

// went records that Telegram accepted a message (and the id it gave) and
// returns the chat's pacing after it, and now.
func (c *Courier) went(p *bot.Pending, id int) (tat, now time.Time) {
	p.Sent = id
	if p.Out.Lane == bot.LaneReply && !c.opts.CapReplies {
		c.used.Add(1) // bulk and cosmetic took their slot already
	}
	// Pace from when Telegram answered, not from when the call began: it
	// counts the message at some moment in between, and the next one must
	// not look early to it.
	now = time.Now()
	c.observeSent(p.Out, now)
	return c.pacing().after(p.Pace, now, 1), now
}

// behind follows a mark that went (tat: the chat's pacing after it) or
// was left out (tat zero) with the reply queued behind it, when that may
// go now, and removes both with one Done. A mark sent twice after a crash
// is harmless (the keyboard is already marked), so it may wait for the
// reply to be recorded.
func (c *Courier) behind(ctx context.Context, mark bot.Pending, tat time.Time) (*bot.Pending, error) {
	pace := c.pacing()
	now := time.Now()
	base, ttl := tat, tat.Sub(now)
	if tat.IsZero() {
		base, ttl = mark.Pace, 0
	}
	if mark.Behind == nil || mark.Behind.Out.Lane != bot.LaneReply || c.opts.CapReplies || pace.allowed(base).After(now) {
		return c.done(ctx, []bot.Pending{mark}, tat, ttl, pace.allowed(base), now)
	}
	q := *mark.Behind
	q.Pace = base
	id, err := send(ctx, c.tr, q.Out)
	if err != nil {
		// The mark is done; the reply's failure is dealt with as alone.
		if _, derr := c.done(ctx, []bot.Pending{mark}, tat, ttl, now, now); derr != nil {
			return nil, derr
		}
		return c.failed(ctx, q, err)
	}
	tat, now = c.went(&q, id)
	return c.done(ctx, []bot.Pending{mark, q}, tat, tat.Sub(now), pace.allowed(tat), now)
}

// spare reports whether a cosmetic mark may go: it must never delay a
// message, so it goes only when it and everything queued behind it may go
// now in the chat with a message to spare, and a global slot is free at
// once (under load, marks are the first thing left out).
func (c *Courier) spare(ctx context.Context, p bot.Pending, pace pacing, now time.Time) bool {
	// Room for it, what is queued behind it, and one more: the citizen's
	// next quick answer must not wait for a mark.
	if pace.allowed(pace.after(p.Pace, now, p.Queued)).After(now) {
		return false
	}
	if c.opts.Budget == nil {
		return true
	}
	// The global budget: skipped only when it is well behind (the bot
	// sends near Telegram's overall rate); otherwise the mark counts as
	// used, like a reply. A fresh look at it, from this courier's last
	// call, saves asking Redis for every mark.
	wait, fresh := c.view.get(now)
	if !fresh {
		var err error
		if wait, err = c.opts.Budget.Take(ctx); err != nil {
			return false
		}
		c.view.set(now, wait)
		if wait == 0 {
			return true // Take counted it
		}
	}
	if wait > markSlack {
		return false
	}
	c.used.Add(1)
	return true
}

// budgetView is a courier's last look at the global budget: how far
// behind it was, and when.
type budgetView struct {
	mu   sync.Mutex
	at   time.Time
	wait time.Duration
}

// viewFresh is how long a look at the budget stands in for asking again.
const viewFresh = 100 * time.Millisecond

func (v *budgetView) get(now time.Time) (time.Duration, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.wait, !v.at.IsZero() && now.Sub(v.at) < viewFresh
}

func (v *budgetView) set(now time.Time, wait time.Duration) {
	v.mu.Lock()
	v.at, v.wait = now, wait
	v.mu.Unlock()
}

// markSlack is how far behind the global budget may be for a keyboard
// mark still to go.
const markSlack = 500 * time.Millisecond

// take reserves a global slot for a bulk message, waiting a little if
// one comes soon; otherwise it says how long to wait.
func (c *Courier) take(ctx context.Context) (time.Duration, bool) {
	if c.opts.Budget == nil {
		return 0, true
	}
	for {
		wait, err := c.opts.Budget.Take(ctx)
		if err != nil {
			c.log.Warn("courier: global budget", "err", err)
			return retryLater, false
		}
		c.view.set(time.Now(), wait)
		if wait == 0 {
			return 0, true
		}
		if wait > 2*time.Second {
			return wait, false
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return wait, false
		case <-t.C:
		}
	}
}

// failed decides what a failed send means for the message.
func (c *Courier) failed(ctx context.Context, p bot.Pending, err error) (*bot.Pending, error) {
	now := time.Now()
	lane := p.Out.Lane
	var rl *RateLimited
	switch {
	case errors.As(err, &rl):
		c.opts.Observer.Failed(lane, "429")
		c.log.Warn("courier: Telegram asked to slow down", "lane", laneName(lane), "retry_after", rl.After)
		if lane == bot.LaneBulk && c.opts.Budget != nil {
			// Bulk messages pause everywhere; a reply's 429 concerns its chat.
			if err := c.opts.Budget.Pause(ctx, rl.After); err != nil {
				c.log.Warn("courier: pause the bulk lane", "err", err)
			}
		}
		return nil, c.later(ctx, p, now.Add(max(rl.After, time.Second)))
	case errors.Is(err, bot.ErrBlocked):
		c.opts.Observer.Failed(lane, "blocked")
		if c.opts.Blocked != nil {
			if err := c.opts.Blocked(ctx, p.Out.Chat); err != nil {
				c.log.Warn("courier: opt out a citizen who blocked the bot", "err", err)
				return nil, c.later(ctx, p, now.Add(retryLater))
			}
		}
		return c.done(ctx, []bot.Pending{p}, time.Time{}, 0, now, now)
	case errors.Is(err, ErrPermanent):
		c.opts.Observer.Failed(lane, "permanent")
		c.log.Warn("courier: a message was refused for good and dropped", "lane", laneName(lane), "err", err)
		return c.done(ctx, []bot.Pending{p}, time.Time{}, 0, now, now)
	default:
		c.opts.Observer.Failed(lane, "temporary")
		c.log.Warn("courier: send failed; will try again", "lane", laneName(lane), "err", err, "in", retryLater)
		return nil, c.later(ctx, p, now.Add(retryLater))
	}
}

func (c *Courier) observeSent(o bot.Out, now time.Time) {
	var reply, waited time.Duration
	if o.Since > 0 {
		reply = time.Since(time.UnixMilli(o.Since))
	}
	if o.Queued > 0 {
		waited = now.Sub(time.UnixMilli(o.Queued))
	}
	c.opts.Observer.Sent(o.Lane, reply, waited)
}

func laneName(l bot.Lane) string {
	switch l {
	case bot.LaneReply:
		return "reply"
	case bot.LaneBulk:
		return "bulk"
	case bot.LaneCosmetic:
		return "cosmetic"
	}
	return "unknown"
}
