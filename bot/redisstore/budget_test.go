package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/redisstore"
)

// The budget runs on the server's clock (TIME), so these cases wait for
// real; the rates are chosen so that a slow machine only makes the waits
// it reports shorter, never wrong.

func take(t *testing.T, b *redisstore.Budget) time.Duration {
	t.Helper()
	wait, err := b.Take(context.Background())
	if err != nil {
		t.Fatalf("Take: %v", err)
	}
	return wait
}

// within checks a reported wait against what it should be, less what the
// test itself may have taken since.
func within(t *testing.T, what string, got, want time.Duration) {
	t.Helper()
	if got > want || got < want-want/4 {
		t.Errorf("%s: wait %v, want about %v (at most, and more than %v)", what, got, want, want-want/4)
	}
}

func testBudgetTake(t *testing.T, e *env) {
	// One a second, bursts of three: three at once, then one a second.
	b := e.s.NewBudget(1, 3)
	for i := range 3 {
		if wait := take(t, b); wait != 0 {
			t.Fatalf("Take %d of a burst of 3 = wait %v, want a slot", i+1, wait)
		}
	}
	within(t, "the fourth Take", take(t, b), time.Second)
	// Asking again does not reserve anything.
	within(t, "the fourth Take asked again", take(t, b), time.Second)

	// Slots are spaced at the rate: 6 slots at 20 a second, burst 1, take
	// at least 5 intervals however fast the caller asks.
	fast := redisstore.New(e.rdb, redisstore.Options{Namespace: e.ns + "-fast"}).NewBudget(20, 1)
	begin := time.Now()
	got := 0
	for got < 6 {
		wait, err := fast.Take(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if wait == 0 {
			got++
			continue
		}
		if wait > 50*time.Millisecond {
			t.Fatalf("Take at 20/s asked to wait %v, more than one interval", wait)
		}
		time.Sleep(wait)
	}
	if took := time.Since(begin); took < 5*50*time.Millisecond-5*time.Millisecond {
		t.Errorf("6 slots at 20/s with no burst took %v, want at least 250ms", took)
	}
	cleanNamespace(t, e, e.ns+"-fast")
}

func testBudgetUse(t *testing.T, e *env) {
	b := e.s.NewBudget(1, 3)
	// Five replies use five seconds of capacity; bulk may run two slots
	// (its burst) ahead, so it waits about three.
	if err := b.Use(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
	within(t, "Take after 5 replies", take(t, b), 3*time.Second)
	if err := b.Use(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	within(t, "Take after no more replies", take(t, b), 3*time.Second)
	// A flood of replies delays bulk by at most ten seconds, less its burst.
	if err := b.Use(t.Context(), 1000); err != nil {
		t.Fatal(err)
	}
	within(t, "Take after 1000 replies", take(t, b), 8*time.Second)
}

func testBudgetPause(t *testing.T, e *env) {
	b := e.s.NewBudget(100, 10)
	if err := b.Pause(t.Context(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	within(t, "Take during a pause", take(t, b), 2*time.Second)
	// A shorter pause does not cut a longer one short.
	if err := b.Pause(t.Context(), 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	within(t, "Take after a shorter pause", take(t, b), 2*time.Second)
	// When the pause ends, the burst is there.
	time.Sleep(take(t, b) + 50*time.Millisecond)
	for i := range 10 {
		if wait := take(t, b); wait != 0 {
			t.Fatalf("Take %d after the pause = wait %v, want a slot", i+1, wait)
		}
	}
}

// cleanNamespace deletes the keys of an extra namespace a case used.
func cleanNamespace(t *testing.T, e *env, ns string) {
	t.Helper()
	ctx := context.Background()
	keys, err := scanKeys(ctx, e.rdb, ns+":*")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		e.rdb.Del(ctx, k)
	}
}
