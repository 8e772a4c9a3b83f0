package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"
)

// The polling loop keeps Telegram's offset at the oldest update not yet
// handled, so everything after it is delivered again on every poll until
// it is handled: a crash at any moment loses nothing. Updates are handed to
// the shards as soon as they arrive, without waiting for the rest of their
// batch, so one slow chat does not hold up the others. Updates already in
// hand are recognised by their id and not handed out twice; an update of a
// chat waits while an earlier update of that chat is in hand or failed.

type entryState int

const (
	inHand  entryState = iota // handed to a shard
	failed                    // to be tried again at retryAt
	waiting                   // an earlier update of the chat is not done
)

type entry struct {
	chat    int64
	state   entryState
	fails   int
	retryAt time.Time
}

type completion struct {
	id  int64
	err error
}

// pollState is the loop's memory of updates seen and not yet handled.
type pollState struct {
	pending map[int64]*entry
	maxSeen int64
}

// offset is the id of the oldest update not yet handled; Telegram confirms
// everything below it.
func (st *pollState) offset() int64 {
	low := int64(0)
	for id := range st.pending {
		if low == 0 || id < low {
			low = id
		}
	}
	if low != 0 {
		return low
	}
	if st.maxSeen == 0 {
		return 0
	}
	return st.maxSeen + 1
}

// blocked reports whether an earlier update of the chat is not done.
func (st *pollState) blocked(chat, id int64) bool {
	for other, e := range st.pending {
		if other < id && e.chat == chat {
			return true
		}
	}
	return false
}

// nextRetry is the earliest time a failed update may be tried again.
func (st *pollState) nextRetry() time.Time {
	var t time.Time
	for _, e := range st.pending {
		if e.state == failed && (t.IsZero() || e.retryAt.Before(t)) {
			t = e.retryAt
		}
	}
	return t
}

func (st *pollState) inHand() int {
	n := 0
	for _, e := range st.pending {
		if e.state == inHand {
			n++
		}
	}
	return n
}

// Poll runs the getUpdates loop until ctx ends, then lets the updates in
// hand finish and confirms them to Telegram so a clean restart does not see
// them again.
func (in *Intake) Poll(ctx context.Context, p *poller) error {
	defer in.draining.Store(true)
	work := context.WithoutCancel(ctx) // updates in hand finish even while stopping
	done := make(chan completion, 1024)
	st := &pollState{pending: map[int64]*entry{}}
	backoff := time.Second
	fresh := true // something changed since the last poll

	apply := func(c completion) {
		e := st.pending[c.id]
		if e == nil {
			return
		}
		fresh = true
		if c.err == nil {
			delete(st.pending, c.id)
			return
		}
		// Not handled (the store is down, most likely): try again later,
		// and keep the chat's later updates waiting behind it.
		e.state, e.fails = failed, e.fails+1
		wait := min(time.Second<<min(e.fails-1, 5), 30*time.Second)
		e.retryAt = time.Now().Add(wait)
		in.log.Warn("an update was not handled; it will be tried again", "update", c.id, "err", c.err, "in", wait)
	}
	drain := func() {
		for {
			select {
			case c := <-done:
				apply(c)
			default:
				return
			}
		}
	}

	for ctx.Err() == nil {
		drain()
		// With updates in hand and nothing new to do, wait for one to
		// finish (or a retry to fall due) instead of downloading the same
		// updates again.
		if len(st.pending) > 0 && !fresh {
			wait := time.Second
			if t := st.nextRetry(); !t.IsZero() {
				wait = max(min(time.Until(t), wait), time.Millisecond)
			}
			timer := time.NewTimer(wait)
			select {
			case c := <-done:
				apply(c)
			case <-timer.C:
				fresh = st.nextRetry().Before(time.Now()) && !st.nextRetry().IsZero()
			case <-ctx.Done():
			}
			timer.Stop()
			continue
		}
		timeout := p.timeout
		if len(st.pending) > 0 {
			timeout = 0 // only fetch what is there; completions come back here
			// Let a few more updates in hand finish first: each poll
			// downloads every update from the oldest one in hand on.
			coalesce(ctx, done, apply, st.inHand()/2)
		}
		known := func(id int64) bool {
			e := st.pending[id]
			return e != nil && e.state == inHand || e == nil && id <= st.maxSeen
		}
		updates, err := p.poll(ctx, st.offset(), timeout, known)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			var ae *apiError
			if errors.As(err, &ae) && ae.Code == http.StatusUnauthorized {
				return fmt.Errorf("telegram refused the bot token (401): check TELEGRAM_BOT_TOKEN")
			}
			wait := backoff
			if errors.As(err, &ae) && ae.RetryAfter > 0 {
				wait = time.Duration(ae.RetryAfter) * time.Second
			}
			in.log.Warn("getUpdates failed; retrying", "err", err, "in", wait)
			if !sleep(ctx, wait) {
				break
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = time.Second
		fresh = false
		in.hand(work, st, updates, done)
	}

	// Stopping: let the updates in hand finish, then confirm them.
	for st.inHand() > 0 {
		apply(<-done)
	}
	confirm := *p
	cctx, cancel := context.WithTimeout(work, 5*time.Second)
	defer cancel()
	_, _ = confirm.poll(cctx, st.offset(), 0, func(int64) bool { return true })
	return nil
}

// coalesce waits briefly for up to n more completions, so one poll serves
// several of them.
func coalesce(ctx context.Context, done chan completion, apply func(completion), n int) {
	if n <= 0 {
		return
	}
	timer := time.NewTimer(5 * time.Millisecond)
	defer timer.Stop()
	for range n {
		select {
		case c := <-done:
			apply(c)
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// hand gives each update that can go now to its chat's shard.
func (in *Intake) hand(ctx context.Context, st *pollState, updates []models.Update, done chan completion) {
	now := time.Now()
	prevMax := st.maxSeen
	for i := range updates {
		u := &updates[i]
		st.maxSeen = max(st.maxSeen, u.ID)
		e := st.pending[u.ID]
		switch {
		case e == nil && u.ID <= prevMax:
			continue // handled already
		case e != nil && e.state == inHand:
			continue
		case e != nil && e.state == failed && now.Before(e.retryAt):
			continue
		}
		chat := chatOf(u)
		if st.blocked(chat, u.ID) {
			if e == nil {
				st.pending[u.ID] = &entry{chat: chat, state: waiting}
			}
			continue
		}
		if e == nil {
			e = &entry{chat: chat}
			st.pending[u.ID] = e
		}
		e.state = inHand
		id := u.ID
		in.shard(chat) <- job{ctx: ctx, upd: u, done: func(err error) { done <- completion{id: id, err: err} }}
	}
}
