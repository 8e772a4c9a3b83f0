package courier

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cosie/cosiebot/bot"
)

// Direct delivers a partition's outbox at once, in the caller's goroutine,
// with no pacing: for the terminal chat and the scenario tests, where one
// person talks to the bot and the clock is moved by hand.
type Direct struct {
	store   Outbox
	tr      Transport
	log     *slog.Logger
	blocked func(ctx context.Context, chat int64) error
}

// NewDirect builds a Direct courier. blocked may be nil.
func NewDirect(store Outbox, tr Transport, blocked func(ctx context.Context, chat int64) error, log *slog.Logger) *Direct {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Direct{store: store, tr: tr, log: log, blocked: blocked}
}

// farFuture claims everything, whatever its pacing time.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Kick sends everything waiting in the partition before it returns.
func (d *Direct) Kick(part string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Drain(ctx, part); err != nil {
		d.log.Warn("deliver the outbox", "partition", part, "err", err)
	}
}

// Drain sends everything waiting in the partition.
func (d *Direct) Drain(ctx context.Context, part string) error {
	for {
		claims, _, err := d.store.ClaimOut(ctx, part, time.Now(), farFuture, time.Minute, 100)
		if err != nil || len(claims) == 0 {
			return err
		}
		for _, p := range claims {
			for q := &p; q != nil; {
				if q, err = d.one(ctx, *q); err != nil {
					return err
				}
			}
		}
	}
}

func (d *Direct) one(ctx context.Context, p bot.Pending) (*bot.Pending, error) {
	id, err := send(ctx, d.tr, p.Out)
	p.Sent = id
	switch {
	case errors.Is(err, bot.ErrBlocked) && d.blocked != nil:
		if err := d.blocked(ctx, p.Out.Chat); err != nil {
			return nil, err
		}
	case err != nil:
		d.log.Warn("a message could not be delivered", "err", err)
	}
	now := time.Now()
	return d.store.Done(ctx, []bot.Pending{p}, time.Time{}, 0, now, farFuture, now.Add(time.Minute))
}
