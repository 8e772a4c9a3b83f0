package courier

import (
	"context"
	"errors"
	"time"

	"github.com/cosie/cosiebot/bot"
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
// the chat back.
func (c *Courier) deliver(ctx context.Context, p bot.Pending) {
	for {
		next, err := c.one(ctx, p)
		if err != nil {
			c.log.Warn("courier: update the outbox", "err", err)
			return // the lease ends and the chat is tried again
		}
		if next == nil {
			return
		}
		p = *next
	}
}

// one sends (or skips, or defers) a chat's next message and returns the
// chat's following message when it may go at once.
func (c *Courier) one(ctx context.Context, p bot.Pending) (*bot.Pending, error) {
	pace := c.pacing()
	now := time.Now()
	if at := pace.allowed(p.Pace); at.After(now) {
		return nil, c.store.Defer(ctx, p, at)
	}
	lane := p.Out.Lane
	if lane == bot.LaneCosmetic && pace.allowed(pace.after(p.Pace, now, p.Queued)).After(now) {
		// Marking an answered keyboard must never delay a message: it
		// goes only with budget for it and everything queued behind it.
		c.opts.Observer.Failed(lane, "skipped")
		return c.store.Done(ctx, p, time.Time{}, 0, now, now, now.Add(c.opts.Lease))
	}
	if lane == bot.LaneBulk || c.opts.CapReplies {
		if wait, ok := c.take(ctx); !ok {
			return nil, c.store.Defer(ctx, p, now.Add(wait))
		}
		now = time.Now()
	}
	err := c.tr.Deliver(ctx, p.Out)
	if err != nil {
		return c.failed(ctx, p, err)
	}
	if lane != bot.LaneBulk {
		c.used.Add(1)
	}
	c.observeSent(p.Out, now)
	tat := pace.after(p.Pace, now, 1)
	return c.store.Done(ctx, p, tat, tat.Sub(now), pace.allowed(tat), now, now.Add(c.opts.Lease))
}

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
		return nil, c.store.Defer(ctx, p, now.Add(max(rl.After, time.Second)))
	case errors.Is(err, bot.ErrBlocked):
		c.opts.Observer.Failed(lane, "blocked")
		if c.opts.Blocked != nil {
			if err := c.opts.Blocked(ctx, p.Out.Chat); err != nil {
				c.log.Warn("courier: opt out a citizen who blocked the bot", "err", err)
				return nil, c.store.Defer(ctx, p, now.Add(retryLater))
			}
		}
		return c.store.Done(ctx, p, time.Time{}, 0, now, now, now.Add(c.opts.Lease))
	case errors.Is(err, ErrPermanent):
		c.opts.Observer.Failed(lane, "permanent")
		c.log.Warn("courier: a message was refused for good and dropped", "lane", laneName(lane), "err", err)
		return c.store.Done(ctx, p, time.Time{}, 0, now, now, now.Add(c.opts.Lease))
	default:
		c.opts.Observer.Failed(lane, "temporary")
		c.log.Warn("courier: send failed; will try again", "lane", laneName(lane), "err", err, "in", retryLater)
		return nil, c.store.Defer(ctx, p, now.Add(retryLater))
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
