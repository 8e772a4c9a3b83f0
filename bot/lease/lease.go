// Package lease keeps a lease alive while work holds it: the inbox
// workers' leases on chats and the courier's leases on outboxes.
package lease

import (
	"context"
	"sync"
	"time"
)

// Keep calls renew every interval until the returned stop is called; stop
// cancels a renewal under way and waits for it. Between renewals nothing
// runs (a timer, not a goroutine): most holds end long before the first
// renewal, and a busy replica takes thousands a second.
func Keep(ctx context.Context, every time.Duration, renew func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	k := &keeper{}
	k.mu.Lock()
	k.t = time.AfterFunc(every, func() {
		if !k.enter() {
			return
		}
		renew(ctx)
		k.leave(every)
	})
	k.mu.Unlock()
	return func() {
		k.mu.Lock()
		k.stopped = true
		k.t.Stop()
		k.mu.Unlock()
		cancel()
		k.busy.Wait()
	}
}

type keeper struct {
	mu      sync.Mutex
	t       *time.Timer
	stopped bool
	busy    sync.WaitGroup // a renewal under way
}

// enter starts a renewal, unless the hold ended.
func (k *keeper) enter() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return false
	}
	k.busy.Add(1)
	return true
}

// leave ends a renewal and sets the next one.
func (k *keeper) leave(every time.Duration) {
	k.mu.Lock()
	if !k.stopped {
		k.t.Reset(every)
	}
	k.mu.Unlock()
	k.busy.Done()
}
