package telegram

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is the limiter's `now` in tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func fakeLimiter(perSecond float64, chatGap time.Duration, burst int) (*LocalLimiter, *fakeClock) {
	clock := &fakeClock{t: t0}
	l := NewLocalLimiter(perSecond, chatGap, burst)
	l.now = clock.Now
	return l, clock
}

// offsets books a message per chat at the clock's current time and returns
// when each may go, relative to t0.
func offsets(l *LocalLimiter, chats ...int64) []time.Duration {
	out := make([]time.Duration, len(chats))
	for i, c := range chats {
		at, _ := l.reserve(c)
		out[i] = at.Sub(t0)
	}
	return out
}

// sendAll simulates one sender per call, in order: each books its message
// and the clock moves on to when it goes (as Wait would sleep).
func sendAll(l *LocalLimiter, clock *fakeClock, chats ...int64) []time.Duration {
	out := make([]time.Duration, len(chats))
	for i, c := range chats {
		at, now := l.reserve(c)
		if at.After(now) {
			clock.Set(at)
		}
		out[i] = at.Sub(t0)
	}
	return out
}

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestLimiterGlobalRate(t *testing.T) {
	l, _ := fakeLimiter(25, time.Second, 3)
	chats := make([]int64, 100)
	for i := range chats {
		chats[i] = int64(i + 1)
	}
	got := offsets(l, chats...)
	for i := 1; i < len(got); i++ {
		if d := got[i] - got[i-1]; d < 40*time.Millisecond {
			t.Fatalf("messages %d and %d only %v apart", i-1, i, d)
		}
	}
	if avg := (got[len(got)-1] - got[0]) / time.Duration(len(got)-1); avg != 40*time.Millisecond {
		t.Errorf("average spacing %v, want 40ms", avg)
	}
	if got[0] != 0 {
		t.Errorf("first message waits %v, want 0", got[0])
	}
}

func TestLimiterChatBurst(t *testing.T) {
	l, clock := fakeLimiter(25, time.Second, 3)
	// A burst of 3 (spaced by the global rate), then one per second.
	if got, want := sendAll(l, clock, 1, 1, 1, 1, 1, 1), ms(0, 40, 80, 1000, 2000, 3000); !slices.Equal(got, want) {
		t.Errorf("one chat: %v, want %v", got, want)
	}
	// After a quiet spell the burst is available again.
	clock.Set(t0.Add(10 * time.Second))
	if got, want := sendAll(l, clock, 1, 1, 1, 1), ms(10000, 10040, 10080, 11000); !slices.Equal(got, want) {
		t.Errorf("after a pause: %v, want %v", got, want)
	}
}

func TestLimiterChatsDoNotDelayEachOther(t *testing.T) {
	t.Run("concurrent", func(t *testing.T) {
		l, _ := fakeLimiter(25, time.Second, 3)
		// Six messages to chat 1 at once: three now, then 1 s apart.
		a := offsets(l, 1, 1, 1, 1, 1, 1)
		if want := ms(0, 40, 80, 1000, 2000, 3000); !slices.Equal(a, want) {
			t.Fatalf("chat 1: %v, want %v", a, want)
		}
		// Chat 2 only waits for the global rate, not for chat 1's spacing.
		if b := offsets(l, 2, 3); !slices.Equal(b, ms(120, 160)) {
			t.Errorf("chats 2 and 3: %v, want [120ms 160ms]", b)
		}
	})
	t.Run("sequential", func(t *testing.T) {
		l, clock := fakeLimiter(25, time.Second, 3)
		sendAll(l, clock, 1, 1, 1) // the burst: 0, 40, 80 ms
		clock.Set(t0.Add(90 * time.Millisecond))
		if a := offsets(l, 1); a[0] != time.Second {
			t.Fatalf("chat 1's 4th message at %v, want 1s", a[0])
		}
		clock.Set(t0.Add(100 * time.Millisecond))
		if b := offsets(l, 2); b[0] != 120*time.Millisecond {
			t.Errorf("chat 2 at %v, want 120ms (the next global slot)", b[0])
		}
	})
}

// TestLimiterNeverExceedsRate books many messages at random times and
// checks that no two sends are closer than the global gap and no chat gets
// more than its burst within a chat interval.
func TestLimiterNeverExceedsRate(t *testing.T) {
	l, clock := fakeLimiter(25, time.Second, 3)
	rng := rand.New(rand.NewPCG(3, 4))
	var all []time.Duration
	perChat := map[int64][]time.Duration{}
	for i := 0; i < 2000; i++ {
		clock.Advance(time.Duration(rng.IntN(60)) * time.Millisecond)
		c := int64(1 + rng.IntN(20)) // chat 0 is "no chat": global rate only
		at := offsets(l, c)[0]
		if now := clock.Now().Sub(t0); at < now {
			t.Fatalf("booked %v, before now %v", at, now)
		}
		all = append(all, at)
		perChat[c] = append(perChat[c], at)
	}
	slices.Sort(all)
	for i := 1; i < len(all); i++ {
		if all[i]-all[i-1] < 40*time.Millisecond {
			t.Fatalf("two sends %v apart at %v", all[i]-all[i-1], all[i])
		}
	}
	for c, ts := range perChat {
		slices.Sort(ts)
		for i := 3; i < len(ts); i++ {
			// GCRA: the 4th message comes at least 3 intervals minus the
			// burst allowance (2 intervals) after the first of the 4.
			if ts[i]-ts[i-3] < time.Second {
				t.Fatalf("chat %d got 4 messages within %v", c, ts[i]-ts[i-3])
			}
		}
	}
	if len(l.slots) > 2000 {
		t.Errorf("%d booked slots kept", len(l.slots))
	}
}

func TestLimiterBackoff(t *testing.T) {
	l, clock := fakeLimiter(25, time.Second, 3)
	ctx := context.Background()
	offsets(l, 1)
	clock.Set(t0.Add(100 * time.Millisecond))
	l.Backoff(ctx, 2*time.Second)
	l.Backoff(ctx, time.Second) // a shorter pause does not shorten it
	if got, want := offsets(l, 1, 2, 3), ms(2100, 2140, 2180); !slices.Equal(got, want) {
		t.Errorf("after Backoff(2s): %v, want %v", got, want)
	}
	// Once the pause is over, sends go at once again.
	clock.Set(t0.Add(10 * time.Second))
	if got := offsets(l, 4); got[0] != 10*time.Second {
		t.Errorf("after the pause: %v, want 10s", got[0])
	}
}

func TestLimiterForgetsIdleChats(t *testing.T) {
	l, clock := fakeLimiter(1000, time.Second, 3)
	for c := int64(0); c < 1000; c++ {
		offsets(l, c)
	}
	clock.Advance(2 * time.Minute)
	offsets(l, 5000)
	if len(l.chats) != 1 || len(l.slots) != 1 {
		t.Errorf("after 2 idle minutes the limiter keeps %d chats and %d slots, want 1 and 1", len(l.chats), len(l.slots))
	}
}

// TestLimiterWait uses the real clock with short intervals.
func TestLimiterWait(t *testing.T) {
	t.Parallel()
	t.Run("sleeps until the slot", func(t *testing.T) {
		t.Parallel()
		l := NewLocalLimiter(1000, 60*time.Millisecond, 1)
		ctx := context.Background()
		start := time.Now()
		for range 3 {
			if err := l.Wait(ctx, 7); err != nil {
				t.Fatal(err)
			}
		}
		if took := time.Since(start); took < 110*time.Millisecond || took > 5*time.Second {
			t.Errorf("3 messages to one chat 60 ms apart took %v", took)
		}
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		t.Parallel()
		l := NewLocalLimiter(25, time.Hour, 1)
		if err := l.Wait(context.Background(), 7); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		if err := l.Wait(ctx, 7); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait = %v, want context.Canceled", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("cancelled Wait took %v", took)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		l := NewLocalLimiter(25, time.Hour, 1)
		_ = l.Wait(context.Background(), 7)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := l.Wait(ctx, 7); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("already cancelled books nothing", func(t *testing.T) {
		t.Parallel()
		l, _ := fakeLimiter(25, time.Second, 1)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for range 5 {
			if err := l.Wait(ctx, 7); !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait = %v, want context.Canceled", err)
			}
		}
		if got := offsets(l, 7); got[0] != 0 {
			t.Errorf("cancelled Waits delayed the next message by %v", got[0])
		}
	})
}

// TestLimiterChatZeroIsGlobalOnly: button answers and edits (chat 0) are
// spaced by the global rate only, never by a per-chat interval.
func TestLimiterChatZeroIsGlobalOnly(t *testing.T) {
	l, _ := fakeLimiter(25, time.Second, 3)
	got := offsets(l, 0, 0, 0, 0, 0, 0)
	for i, at := range got {
		if want := time.Duration(i) * 40 * time.Millisecond; at != want {
			t.Fatalf("call %d of chat 0 at %v, want %v (global spacing only)", i, at, want)
		}
	}
}
