package telegram

import (
	"context"
	"slices"
	"sync"
	"time"
)

// LocalLimiter is a Limiter for one process: a global rate, and per chat a
// small burst then one message per interval, as Telegram asks. Per chat it
// uses the generic cell rate algorithm (each chat keeps the time its next
// message is due); overall it books send times at least 1/rate apart. No
// goroutine or ticker is needed.
type LocalLimiter struct {
	mu       sync.Mutex
	gap      time.Duration // between messages overall
	chatGap  time.Duration // between messages to one chat
	burst    int           // messages one chat may get at once
	slots    []time.Time   // send times reserved and not yet passed, sorted
	chats    map[int64]time.Time
	paused   time.Time
	now      func() time.Time
	lastTidy time.Time
}

// NewLocalLimiter allows perSecond messages overall and, per chat, bursts of
// burst messages then one per chatGap.
func NewLocalLimiter(perSecond float64, chatGap time.Duration, burst int) *LocalLimiter {
	if perSecond <= 0 {
		perSecond = 25
	}
	return &LocalLimiter{
		gap: time.Duration(float64(time.Second) / perSecond), chatGap: chatGap, burst: max(burst, 1),
		chats: map[int64]time.Time{}, now: time.Now,
	}
}

// Wait reserves a slot and sleeps until it comes.
func (l *LocalLimiter) Wait(ctx context.Context, chat int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	at, now := l.reserve(chat)
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// reserve books the time a message to chat may be sent.
func (l *LocalLimiter) reserve(chat int64) (at, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now = l.now()
	at = now
	if l.paused.After(at) {
		at = l.paused
	}
	// Per chat: allowed once the chat's due time minus the burst allowance
	// has passed.
	// Chat 0 is a call that is not a message to a chat (a button answer,
	// an edit, the menu): the global rate only.
	if chat == 0 {
		return l.slot(now, at), now
	}
	tolerance := time.Duration(l.burst-1) * l.chatGap
	due := l.chats[chat]
	if t := due.Add(-tolerance); t.After(at) {
		at = t
	}
	at = l.slot(now, at)
	if due.Before(at) {
		due = at
	}
	l.chats[chat] = due.Add(l.chatGap)
	l.tidy(now)
	return at, now
}

// slot books the first time from t on that is at least gap away from every
// other booked send. A message held back by its chat's spacing takes a slot
// in the future without delaying other chats' messages now.
func (l *LocalLimiter) slot(now, t time.Time) time.Time {
	past := 0
	for past < len(l.slots) && !l.slots[past].Add(l.gap).After(now) {
		past++
	}
	l.slots = append(l.slots[:0], l.slots[past:]...)
	i := 0
	for ; i < len(l.slots); i++ {
		s := l.slots[i]
		if !s.Add(l.gap).After(t) {
			continue // well before t
		}
		if !t.Add(l.gap).After(s) {
			break // t fits before s
		}
		t = s.Add(l.gap)
	}
	l.slots = slices.Insert(l.slots, i, t)
	return t
}

// tidy forgets chats whose spacing has passed, so the map stays small.
func (l *LocalLimiter) tidy(now time.Time) {
	if now.Sub(l.lastTidy) < time.Minute {
		return
	}
	l.lastTidy = now
	for c, t := range l.chats {
		if t.Before(now) {
			delete(l.chats, c)
		}
	}
}

// Backoff pauses every sender for d.
func (l *LocalLimiter) Backoff(_ context.Context, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.now().Add(d); until.After(l.paused) {
		l.paused = until
	}
}

// Fallback is a Limiter that uses primary (the shared Redis limiter) and,
// when it fails, backup (a local one), so that the bot can still tell
// citizens it will be back shortly while Redis is down.
type Fallback struct {
	Primary, Backup Limiter
}

// Wait waits on the primary limiter, or on the backup if the primary fails.
func (f Fallback) Wait(ctx context.Context, chat int64) error {
	if err := f.Primary.Wait(ctx, chat); err == nil || ctx.Err() != nil {
		return err
	}
	return f.Backup.Wait(ctx, chat)
}

// Backoff pauses both.
func (f Fallback) Backoff(ctx context.Context, d time.Duration) {
	f.Primary.Backoff(ctx, d)
	f.Backup.Backoff(ctx, d)
}
