package lease

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeepRenewsUntilStopped(t *testing.T) {
	var n atomic.Int32
	stop := Keep(context.Background(), 10*time.Millisecond, func(context.Context) { n.Add(1) })
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	got := n.Load()
	if got < 3 {
		t.Fatalf("renewed %d times in 5s, want at least 3", got)
	}
	time.Sleep(50 * time.Millisecond)
	if after := n.Load(); after != got {
		t.Fatalf("renewed %d times after stop", after-got)
	}
}

// TestStopWaitsForRenewal: once stop returns, no renewal is running, and
// the one under way saw its context cancelled.
func TestStopWaitsForRenewal(t *testing.T) {
	started := make(chan struct{})
	var running, cancelled atomic.Bool
	stop := Keep(context.Background(), time.Millisecond, func(ctx context.Context) {
		if running.Swap(true) {
			return
		}
		close(started)
		<-ctx.Done()
		cancelled.Store(true)
	})
	<-started
	stop()
	if !cancelled.Load() {
		t.Fatal("stop returned before the renewal under way ended")
	}
}

func TestStopBeforeFirstRenewal(t *testing.T) {
	var n atomic.Int32
	stop := Keep(context.Background(), 20*time.Millisecond, func(context.Context) { n.Add(1) })
	stop()
	time.Sleep(60 * time.Millisecond)
	if n.Load() != 0 {
		t.Fatalf("renewed %d times after an early stop", n.Load())
	}
}
