package courier_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/redisstore"
)

// sent is one delivery the fake transport saw.
type sent struct {
	at  time.Time
	out bot.Out
}

// transport records deliveries and fails them as told.
type transport struct {
	mu    sync.Mutex
	log   []sent
	fails map[string][]error // by text: errors returned on the first tries
}

func (t *transport) Deliver(_ context.Context, o bot.Out) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if errs := t.fails[o.Text]; len(errs) > 0 {
		t.fails[o.Text] = errs[1:]
		return errs[0]
	}
	t.log = append(t.log, sent{time.Now(), o})
	return nil
}

func (t *transport) fail(text string, errs ...error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fails == nil {
		t.fails = map[string][]error{}
	}
	t.fails[text] = errs
}

func (t *transport) sent() []sent {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]sent(nil), t.log...)
}

// to returns what chat got, in order.
func (t *transport) to(chat int64) []sent {
	var out []sent
	for _, s := range t.sent() {
		if s.out.Chat == chat {
			out = append(out, s)
		}
	}
	return out
}

// wait waits until n messages went to chat (or fails the test).
func (t *transport) wait(tb testing.TB, chat int64, n int, within time.Duration) []sent {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		got := t.to(chat)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			tb.Fatalf("chat %d got %d messages within %v, want %d: %v", chat, len(got), within, n, texts(got))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func texts(ss []sent) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.out.Text
	}
	return out
}

type harness struct {
	store *redisstore.Store
	tr    *transport
	c     *courier.Courier
	obs   *observer
	dones atomic.Int64 // calls of the store's Done
}

// counted is the store, its Done calls counted.
type counted struct {
	*redisstore.Store
	dones *atomic.Int64
}

func (c counted) Done(ctx context.Context, ps []bot.Pending, pace time.Time, paceTTL time.Duration, next, keepUntil, leaseEnd time.Time) (*bot.Pending, error) {
	c.dones.Add(1)
	return c.Store.Done(ctx, ps, pace, paceTTL, next, keepUntil, leaseEnd)
}

// observer counts what the courier reports.
type observer struct {
	mu     sync.Mutex
	failed map[string]int
}

func (o *observer) Sent(bot.Lane, time.Duration, time.Duration) {}
func (o *observer) Failed(_ bot.Lane, why string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failed[why]++
}
func (o *observer) count(why string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.failed[why]
}

// start runs a courier on a fresh embedded store until the test ends.
func start(t *testing.T, opts courier.Options) *harness {
	t.Helper()
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	h := &harness{store: redisstore.New(rdb, redisstore.Options{}), tr: &transport{}, obs: &observer{failed: map[string]int{}}}
	opts.Parts = func() []string { return []string{"p"} }
	opts.Observer = h.obs
	if opts.Sweep == 0 {
		opts.Sweep = 20 * time.Millisecond
	}
	h.c = courier.New(counted{h.store, &h.dones}, h.tr, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// queue commits messages to the outbox, as a turn does, and kicks.
func (h *harness) queue(t *testing.T, outs ...bot.Out) {
	t.Helper()
	if err := h.store.Commit(context.Background(), &bot.Commit{Pilot: "p", Out: outs}); err != nil {
		t.Fatal(err)
	}
	h.c.Kick("p")
}

func msg(chat int64, text string) bot.Out { return bot.Out{Chat: chat, Text: text} }

func TestOrderPerChat(t *testing.T) {
	h := start(t, courier.Options{ChatInterval: 5 * time.Millisecond, ChatBurst: 2})
	var outs []bot.Out
	for i := range 12 {
		outs = append(outs, msg(1, fmt.Sprint(i)))
	}
	h.queue(t, outs...)
	got := h.tr.wait(t, 1, 12, 5*time.Second)
	for i, s := range got {
		if s.out.Text != fmt.Sprint(i) {
			t.Fatalf("order %v", texts(got))
		}
	}
}

// TestPacing: per chat a burst, then one per interval (Telegram's limit);
// another chat is not held up by the first one's spacing.
func TestPacing(t *testing.T) {
	const gap = 80 * time.Millisecond
	h := start(t, courier.Options{ChatInterval: gap, ChatBurst: 3})
	var outs []bot.Out
	for i := range 6 {
		outs = append(outs, msg(1, fmt.Sprint(i)))
	}
	h.queue(t, outs...)
	h.queue(t, msg(2, "other chat"))
	got := h.tr.wait(t, 1, 6, 5*time.Second)
	first := got[0].at
	if d := got[2].at.Sub(first); d > gap/2 {
		t.Errorf("the burst of 3 took %v", d)
	}
	// After the burst, one per interval: message i may go (i-2) intervals
	// after the first. That is the limit, not the gap between two
	// messages: one sent late (the machine was busy) leaves the next its
	// own time, as Telegram's rate allows.
	for i := 3; i < 6; i++ {
		if d, want := got[i].at.Sub(first), time.Duration(i-2)*gap; d < want-10*time.Millisecond {
			t.Errorf("message %d came %v after the first, want at least %v (%d intervals)", i, d, want, i-2)
		}
	}
	other := h.tr.wait(t, 2, 1, time.Second)
	if d := other[0].at.Sub(first); d > gap {
		t.Errorf("another chat's reply waited %v behind the first chat's spacing", d)
	}
}

// TestCosmetic: a keyboard mark goes when it and what follows may go now,
// and is skipped (never delaying a question) when the chat's budget is
// spent.
func TestCosmetic(t *testing.T) {
	const gap = 200 * time.Millisecond
	h := start(t, courier.Options{ChatInterval: gap, ChatBurst: 3})
	mark := bot.Out{Chat: 1, Lane: bot.LaneCosmetic, Edit: 7, Text: "✓ Good"}
	h.queue(t, mark, msg(1, "q2"))
	got := h.tr.wait(t, 1, 2, time.Second)
	if got[0].out.Edit != 7 || got[1].out.Text != "q2" {
		t.Fatalf("with budget to spare: %v", texts(got))
	}
	// The budget is now nearly spent: a press right away skips its mark,
	// and its question comes without waiting for it.
	before := time.Now()
	h.queue(t, bot.Out{Chat: 1, Lane: bot.LaneCosmetic, Edit: 8, Text: "✓ Staff"}, msg(1, "q3"))
	got = h.tr.wait(t, 1, 3, time.Second)
	if got[2].out.Text != "q3" {
		t.Fatalf("after the skip: %v", texts(got))
	}
	if d := got[2].at.Sub(before); d > gap/2 {
		t.Errorf("the question waited %v", d)
	}
	if n := h.obs.count("skipped"); n != 1 {
		t.Errorf("%d marks skipped, want 1", n)
	}
	// A third press at once: its mark is skipped too, and its question
	// still keeps the chat's pace (the budget is spent).
	h.queue(t, bot.Out{Chat: 1, Lane: bot.LaneCosmetic, Edit: 9, Text: "✓ Yes"}, msg(1, "q4"))
	got = h.tr.wait(t, 1, 4, 2*time.Second)
	if got[3].out.Text != "q4" || got[3].at.Sub(got[2].at) < gap*3/4 {
		t.Errorf("q4 came %v after q3, want about %v (the chat's pace)", got[3].at.Sub(got[2].at), gap)
	}
}

// TestMarkAndReply: a keyboard mark and the reply behind it go on one
// claim and leave the outbox with one Done; when the reply then fails,
// the mark is done and the reply is dealt with as if alone (dropped for
// good, or sent later), the mark never sent twice.
func TestMarkAndReply(t *testing.T) {
	h := start(t, courier.Options{ChatInterval: time.Millisecond, ChatBurst: 3})
	// empty waits for the outbox to be empty (a Done follows the send).
	empty := func(t *testing.T) {
		t.Helper()
		waitFor(t, "the outbox to empty", func() bool {
			byLane, _, err := h.store.OutboxDepth(context.Background(), "p")
			return err == nil && byLane[bot.LaneReply]+byLane[bot.LaneCosmetic] == 0
		})
	}
	h.queue(t, bot.Out{Chat: 1, Lane: bot.LaneCosmetic, Edit: 7, Text: "✓ Good"}, msg(1, "q2"))
	got := h.tr.wait(t, 1, 2, time.Second)
	if got[0].out.Edit != 7 || got[1].out.Text != "q2" {
		t.Fatalf("sent %v, want the mark then the question", texts(got))
	}
	empty(t)
	if n := h.dones.Load(); n != 1 {
		t.Errorf("the pair took %d Done calls, want 1", n)
	}

	h.tr.fail("refused", fmt.Errorf("bad request: %w", courier.ErrPermanent))
	h.queue(t, bot.Out{Chat: 1, Lane: bot.LaneCosmetic, Edit: 8, Text: "✓ Staff"}, msg(1, "refused"))
	h.tr.wait(t, 1, 3, time.Second)
	waitFor(t, "the refused reply to be counted", func() bool { return h.obs.count("permanent") == 1 })
	empty(t)

	h.tr.fail("busy", &courier.RateLimited{After: 10 * time.Millisecond})
	h.queue(t, bot.Out{Chat: 1, Lane: bot.LaneCosmetic, Edit: 9, Text: "✓ Yes"}, msg(1, "busy"))
	got = h.tr.wait(t, 1, 5, 3*time.Second)
	if got[3].out.Edit != 9 || got[4].out.Text != "busy" {
		t.Fatalf("sent %v, want the mark once, then the question after its 429", texts(got))
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.tr.to(1)); n != 5 {
		t.Errorf("chat got %d messages, want 5: %v", n, texts(h.tr.to(1)))
	}
	empty(t)
}

// waitFor polls cond for a few seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 3s for %s", what)
		}
	}
}

// budget is a fake global cap: n slots per period.
type budget struct {
	mu     sync.Mutex
	period time.Duration
	next   time.Time
	used   int
	pauses []time.Duration
}

func (b *budget) Take(context.Context) (time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.next.After(now) {
		return b.next.Sub(now), nil
	}
	b.next = now.Add(b.period)
	return 0, nil
}
func (b *budget) Use(_ context.Context, n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used += n
	return nil
}
func (b *budget) paused() []time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]time.Duration(nil), b.pauses...)
}

func (b *budget) Pause(_ context.Context, d time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pauses = append(b.pauses, d)
	b.next = time.Now().Add(d)
	return nil
}

// TestBulkLane: bulk messages share the global cap; replies do not wait for
// it but are counted against it.
func TestBulkLane(t *testing.T) {
	b := &budget{period: 50 * time.Millisecond}
	h := start(t, courier.Options{ChatInterval: time.Millisecond, Budget: b})
	var outs []bot.Out
	for i := range 10 {
		outs = append(outs, bot.Out{Chat: int64(100 + i), Lane: bot.LaneBulk, Text: "follow-up"})
	}
	start := time.Now()
	h.queue(t, outs...)
	h.queue(t, msg(1, "reply"))
	reply := h.tr.wait(t, 1, 1, time.Second)
	if d := reply[0].at.Sub(start); d > 100*time.Millisecond {
		t.Errorf("a reply waited %v behind the bulk lane", d)
	}
	var last time.Time
	for i := range 10 {
		got := h.tr.wait(t, int64(100+i), 1, 3*time.Second)
		if got[0].at.After(last) {
			last = got[0].at
		}
	}
	if d := last.Sub(start); d < 9*b.period-20*time.Millisecond {
		t.Errorf("10 bulk messages at one per %v took only %v", b.period, d)
	}
	time.Sleep(150 * time.Millisecond) // the courier tells the budget every 100 ms
	b.mu.Lock()
	used := b.used
	b.mu.Unlock()
	if used != 1 {
		t.Errorf("the budget was told of %d replies, want 1", used)
	}
}

// Test429: a reply's 429 holds only its chat; a bulk message's pauses the
// bulk lane everywhere. Both are sent after the wait.
func Test429(t *testing.T) {
	b := &budget{period: time.Millisecond}
	h := start(t, courier.Options{ChatInterval: time.Millisecond, Budget: b})
	h.tr.fail("slow down", &courier.RateLimited{After: 300 * time.Millisecond})
	start := time.Now()
	h.queue(t, msg(1, "slow down"), msg(1, "after"))
	h.queue(t, msg(2, "unaffected"))
	if got := h.tr.wait(t, 2, 1, time.Second); got[0].at.Sub(start) > 100*time.Millisecond {
		t.Errorf("another chat waited %v for a 429 that was not its own", got[0].at.Sub(start))
	}
	got := h.tr.wait(t, 1, 2, 2*time.Second)
	if d := got[0].at.Sub(start); d < 250*time.Millisecond {
		t.Errorf("the chat was retried after %v, before its retry_after", d)
	}
	if got[0].out.Text != "slow down" || got[1].out.Text != "after" {
		t.Errorf("order after a 429: %v", texts(got))
	}
	if p := b.paused(); len(p) != 0 {
		t.Errorf("a reply's 429 paused the bulk lane: %v", p)
	}
	h.tr.fail("bulk", &courier.RateLimited{After: 2 * time.Second})
	h.queue(t, bot.Out{Chat: 3, Lane: bot.LaneBulk, Text: "bulk"})
	deadline := time.Now().Add(time.Second)
	for len(b.paused()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if p := b.paused(); len(p) != 1 || p[0] != 2*time.Second {
		t.Errorf("a bulk message's 429 paused the lane %v, want once for 2s", p)
	}
}

// TestFailures: a blocked citizen is reported and their message dropped;
// a refused message is dropped and the next one goes; a failure worth
// trying again keeps the message.
func TestFailures(t *testing.T) {
	var mu sync.Mutex
	var blocked []int64
	h := start(t, courier.Options{ChatInterval: time.Millisecond, Blocked: func(_ context.Context, chat int64) error {
		mu.Lock()
		defer mu.Unlock()
		blocked = append(blocked, chat)
		return nil
	}})
	h.tr.fail("to a blocker", fmt.Errorf("sendMessage: %w", bot.ErrBlocked))
	h.tr.fail("bad", fmt.Errorf("sendMessage: %w: message is too long", courier.ErrPermanent))
	h.queue(t, msg(1, "to a blocker"))
	h.queue(t, msg(2, "bad"), msg(2, "next"))
	got := h.tr.wait(t, 2, 1, time.Second)
	if got[0].out.Text != "next" {
		t.Errorf("after a refused message: %v", texts(got))
	}
	deadline := time.Now().Add(time.Second)
	for {
		mu.Lock()
		n := len(blocked)
		mu.Unlock()
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	if len(blocked) != 1 || blocked[0] != 1 {
		t.Errorf("blocked reported for %v, want chat 1", blocked)
	}
	mu.Unlock()
	if len(h.tr.to(1)) != 0 {
		t.Errorf("the blocked chat got %v", texts(h.tr.to(1)))
	}
	if h.obs.count("blocked") != 1 || h.obs.count("permanent") != 1 {
		t.Errorf("observed %v", h.obs.failed)
	}
	h.tr.fail("flaky", errors.New("502 bad gateway"))
	h.queue(t, msg(3, "flaky"))
	got = h.tr.wait(t, 3, 1, 8*time.Second) // tried again after 5 s
	if got[0].out.Text != "flaky" || h.obs.count("temporary") != 1 {
		t.Errorf("a temporary failure: %v, %v", texts(got), h.obs.failed)
	}
}

// TestLeaseTakeover: a courier that claimed a chat and died holds it for
// its lease; then another courier sends the message.
func TestLeaseTakeover(t *testing.T) {
	h := start(t, courier.Options{ChatInterval: time.Millisecond, Lease: 300 * time.Millisecond})
	ctx := context.Background()
	if err := h.store.Commit(ctx, &bot.Commit{Pilot: "p", Out: []bot.Out{msg(1, "orphan")}}); err != nil {
		t.Fatal(err)
	}
	// A courier that crashes right after its claim.
	now := time.Now()
	claims, _, err := h.store.ClaimOut(ctx, "p", now, now, 300*time.Millisecond, 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("claim: %v %v", claims, err)
	}
	got := h.tr.wait(t, 1, 1, 2*time.Second)
	if d := got[0].at.Sub(now); d < 250*time.Millisecond {
		t.Errorf("taken over after %v, before the lease ended", d)
	}
}

// TestStopSendsWhatIsDue: a stopping courier still sends what the last
// commits put in the outbox, paced, within its grace.
func TestStopSendsWhatIsDue(t *testing.T) {
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	store := redisstore.New(rdb, redisstore.Options{})
	tr := &transport{}
	c := courier.New(store, tr, courier.Options{ChatInterval: 100 * time.Millisecond, ChatBurst: 1,
		Parts: func() []string { return []string{"p"} }})
	if err := store.Commit(context.Background(), &bot.Commit{Pilot: "p", Out: []bot.Out{msg(1, "a"), msg(1, "b"), msg(1, "c")}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop before it ever ran
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tr.to(1); len(got) != 3 {
		t.Fatalf("a stopping courier sent %v, want all three", texts(got))
	}
}
