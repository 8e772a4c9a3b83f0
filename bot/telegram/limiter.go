package telegram

import (
	"context"
	"sync"
	"time"
)

// LocalLimiter is a Limiter for one process: a global rate, and per chat a
// small burst then one message per interval, as Telegram asks. It uses the
// generic cell rate algorithm: each key keeps the time its next message is
// due, so no goroutine or ticker is needed.
type LocalLimiter struct {
	mu       sync.Mutex
	gap      time.Duration // between messages overall
	chatGap  time.Duration // between messages to one chat
	burst    int           // messages one chat may get at once
	next     time.Time     // global theoretical arrival time
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

// Wait reserves a slot and sleeps until it comes. Chat 0 means a call that
// is not a message to a chat (answers to button presses, edits, menus).
func (l *LocalLimiter) Wait(ctx context.Context, chat int64) error {
	l.mu.Lock()
	now := l.now()
	at := now
	if l.paused.After(at) {
		at = l.paused
	}
	// Per chat: allowed once the chat's due time minus the burst allowance
	// has passed.
	tolerance := time.Duration(l.burst-1) * l.chatGap
	if chat != 0 {
		if due := l.chats[chat]; due.Add(-tolerance).After(at) {
			at = due.Add(-tolerance)
		}
	}
	if l.next.After(at) {
		at = l.next
	}
	l.next = at.Add(l.gap)
	if chat != 0 {
		due := l.chats[chat]
		if due.Before(at) {
			due = at
		}
		l.chats[chat] = due.Add(l.chatGap)
	}
	l.tidy(now)
	l.mu.Unlock()
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
