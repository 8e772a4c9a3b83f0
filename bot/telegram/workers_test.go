package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// rig is the fake Bot API and a store, with a Receiver polling updates
// into the inbox; tests add Workers.
type rig struct {
	srv *telegramtest.Server
	st  *testStore
	obs *recObserver
}

func newRig(t *testing.T, maxWaiting int) *rig {
	t.Helper()
	return newRigOn(t, openStore(t), maxWaiting)
}

func newRigOn(t *testing.T, st *testStore, maxWaiting int) *rig {
	t.Helper()
	g := &rig{srv: telegramtest.New(t, testToken), st: st, obs: newObserver()}
	r, _ := newReceiver(t, g.srv, g.st, g.obs, maxWaiting)
	poll(t, r)
	return g
}

// sameShard returns n chats from first on whose updates share a shard.
func sameShard(first int64, n int) []int64 {
	out := []int64{first}
	for c := first + 1; len(out) < n; c++ {
		if shardOf(c) == shardOf(first) {
			out = append(out, c)
		}
	}
	return out
}

// sleepy makes a handler that takes up to max per update.
func sleepy(max time.Duration) func(context.Context, bot.Inbound) error {
	return func(context.Context, bot.Inbound) error {
		time.Sleep(rand.N(max))
		return nil
	}
}

// TestWorkersOneChatInOrder: a chat's updates are handled one at a time,
// in the order they came.
func TestWorkersOneChatInOrder(t *testing.T) {
	t.Parallel()
	g := newRig(t, 100)
	h := newHandler(sleepy(2 * time.Millisecond))
	work(t, g.st, h, WorkerOptions{})
	want := texts("m", 60)
	g.srv.PushTexts(51, 51, "en", want...)
	h.waitHandled(t, 51, 60)
	if got := h.texts(51); !slices.Equal(got, want) {
		t.Errorf("handled out of order: %q", got)
	}
	if n := h.maxOverlap(); n != 1 {
		t.Errorf("%d updates of one chat handled at once", n)
	}
}

// TestWorkersChatsInParallel: different chats, in one shard or in
// several, are handled at the same time.
func TestWorkersChatsInParallel(t *testing.T) {
	t.Parallel()
	g := newRig(t, 0)
	chats := append(sameShard(52, 4), 1052, 2052, 3052, 4052)
	var arrived atomic.Int32
	all := make(chan struct{})
	h := newHandler(func(ctx context.Context, in bot.Inbound) error {
		if int(arrived.Add(1)) == len(chats) {
			close(all)
		}
		select { // hold until every chat is in flight
		case <-all:
		case <-time.After(5 * time.Second):
		}
		return nil
	})
	work(t, g.st, h, WorkerOptions{})
	for _, c := range chats {
		g.srv.PushText(c, c, "en", "hello")
	}
	for _, c := range chats {
		h.waitHandled(t, c, 1)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.chatsMax != len(chats) {
		t.Errorf("at most %d chats handled at once, want all %d", h.chatsMax, len(chats))
	}
}

// TestWorkersFairness: a chat with 300 updates waiting does not hold up
// another chat of its shard, even with a single worker.
func TestWorkersFairness(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 32} {
		g := newRig(t, 1000)
		h := newHandler(func(context.Context, bot.Inbound) error {
			time.Sleep(3 * time.Millisecond)
			return nil
		})
		work(t, g.st, h, WorkerOptions{Workers: workers})
		chats := sameShard(int64(53+workers*1000), 2)
		flood, other := chats[0], chats[1]
		ids := g.srv.PushTexts(flood, flood, "en", texts("flood", 300)...)
		g.srv.WaitConfirmed(t, ids[299], wait) // all 300 wait in the inbox
		h.waitHandled(t, flood, 20)
		pushed := time.Now()
		id := g.srv.PushText(other, other, "en", "just one")
		got := h.waitHandled(t, other, 1)[0]
		began := h.triesOf(id)[0]
		// Handled before it: the flooding chat's updates that began after
		// it was kept (at most the one in hand should).
		var overtook int
		for _, in := range h.of(flood) {
			if h.triesOf(in.UpdateID)[0].After(got.Received) && h.triesOf(in.UpdateID)[0].Before(began) {
				overtook++
			}
		}
		handled := len(h.of(flood))
		h.waitHandled(t, flood, 300)
		t.Logf("workers %d: the single update waited %v from Telegram (%v in the inbox); %d of the flooding chat's updates began meanwhile, %d of 300 done",
			workers, began.Sub(pushed).Round(100*time.Microsecond), began.Sub(got.Received).Round(time.Millisecond), overtook, handled)
		if overtook > 2 {
			t.Errorf("workers %d: %d of the flooding chat's updates went before the single one once it was kept, want at most the one in hand", workers, overtook)
		}
	}
}

// TestWorkersRetryThenDeadLetter: an update that keeps failing is tried
// again later and later, then kept as a dead letter; meanwhile other chats
// go on, and its own chat goes on after it.
func TestWorkersRetryThenDeadLetter(t *testing.T) {
	t.Parallel()
	g := newRig(t, 0)
	h := newHandler(func(_ context.Context, in bot.Inbound) error {
		if in.Text == "poison" {
			return errors.New("store unavailable")
		}
		return nil
	})
	work(t, g.st, h, WorkerOptions{MaxTries: 3, Observer: g.obs})
	ids := g.srv.PushTexts(54, 54, "en", "poison", "after 1", "after 2")
	g.srv.PushTexts(55, 55, "en", "other 1", "other 2")
	h.waitHandled(t, 55, 2)
	// Under load the other chat may even go first; it must not wait for
	// the failing update's later tries.
	if n := len(h.triesOf(ids[0])); n > 1 {
		t.Errorf("the other chat waited for %d tries of the failing update", n)
	}
	got := h.waitHandled(t, 54, 2)
	tries := h.triesOf(ids[0])
	if len(tries) != 3 {
		t.Fatalf("the failing update was tried %d times, want 3 (MaxTries)", len(tries))
	}
	gaps := []time.Duration{tries[1].Sub(tries[0]), tries[2].Sub(tries[1])}
	t.Logf("tries %v apart", gaps)
	if gaps[0] < time.Second || gaps[1] < 2*time.Second {
		t.Errorf("tries %v apart, want at least 1s then 2s (backoff)", gaps)
	}
	if got[0].Text != "after 1" || got[1].Text != "after 2" || h.triesOf(ids[1])[0].Before(tries[2]) {
		t.Errorf("the chat went on with %q before its first update was given up", h.texts(54))
	}
	dead, err := g.st.DeadLetters(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Entry.Update != ids[0] || dead[0].Tries != 3 || dead[0].Error != "store unavailable" {
		t.Errorf("dead letters %+v, want the failing update after 3 tries", dead)
	}
	g.obs.mu.Lock()
	defer g.obs.mu.Unlock()
	if g.obs.failed != 3 || g.obs.dead != 1 {
		t.Errorf("observer: %d failed tries, %d dead, want 3 and 1", g.obs.failed, g.obs.dead)
	}
}

// TestWorkersPanic: a panic in the handler counts as a failed try; the
// workers carry on.
func TestWorkersPanic(t *testing.T) {
	t.Parallel()
	g := newRig(t, 0)
	h := newHandler(func(_ context.Context, in bot.Inbound) error {
		if in.Text == "crash" {
			panic("nil map")
		}
		return nil
	})
	work(t, g.st, h, WorkerOptions{MaxTries: 2})
	ids := g.srv.PushTexts(56, 56, "en", "crash", "fine")
	h.waitHandled(t, 56, 1)
	if n := len(h.triesOf(ids[0])); n != 2 {
		t.Errorf("the panicking update was tried %d times, want 2", n)
	}
	dead, err := g.st.DeadLetters(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Entry.Update != ids[0] || !strings.Contains(dead[0].Error, "panic: nil map") {
		t.Errorf("dead letters %+v, want the panic", dead)
	}
	g.srv.PushText(57, 57, "en", "still there?")
	h.waitHandled(t, 57, 1)
}

// TestWorkersSkipUnreadable: an update the bot cannot use is removed
// without handling; the chat goes on.
func TestWorkersSkipUnreadable(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	ctx := testCtx(t)
	for i, raw := range []string{`{"update_id":5,"poll_answer":{"poll_id":"1"}}`, `{}`, `[1,2]`} {
		if _, err := st.Push(ctx, bot.InboxEntry{Update: int64(5 + i), Chat: 58, Raw: json.RawMessage(raw)}, 10); err != nil {
			t.Fatal(err)
		}
	}
	good := textUpdate(9, 58, "en", "readable")
	if _, err := st.Push(ctx, bot.InboxEntry{Update: 9, Chat: 58, Raw: json.RawMessage(good)}, 10); err != nil {
		t.Fatal(err)
	}
	h := newHandler(nil)
	work(t, st, h, WorkerOptions{})
	if got := h.waitHandled(t, 58, 1); got[0].UpdateID != 9 || len(h.triesOf(5))+len(h.triesOf(6))+len(h.triesOf(7)) != 0 {
		t.Errorf("handled %+v", got)
	}
	eventually(t, "an empty inbox", func() bool { return st.depth(t) == 0 })
}

// TestWorkersStoreBlip: Redis goes away while an update is in hand and
// comes back a second later: the update is acknowledged then, once, and
// its chat goes on at once, not after its lease (a minute).
func TestWorkersStoreBlip(t *testing.T) {
	t.Parallel()
	g := newRigOn(t, openCuttable(t), 0)
	h := newHandler(func(_ context.Context, in bot.Inbound) error {
		if in.Text == "cut" {
			g.st.cut.Cut()
			time.AfterFunc(time.Second, g.st.cut.Restore)
		}
		return nil
	})
	work(t, g.st, h, WorkerOptions{})
	ids := g.srv.PushTexts(61, 61, "en", "cut", "next")
	start := time.Now()
	h.waitHandled(t, 61, 2)
	t.Logf("the chat went on %v after the cut", time.Since(start).Round(10*time.Millisecond))
	if got := h.texts(61); !slices.Equal(got, []string{"cut", "next"}) || len(h.triesOf(ids[0])) != 1 {
		t.Errorf("handled %q, the first %d times; want each once", got, len(h.triesOf(ids[0])))
	}
}

// TestWorkersTwoReplicas: two replicas' workers on one inbox never handle
// one chat at once, and together handle every update exactly once, in
// order.
func TestWorkersTwoReplicas(t *testing.T) {
	t.Parallel()
	g := newRig(t, 100)
	h := newHandler(sleepy(2 * time.Millisecond))
	var byReplica [2]atomic.Int32
	for i, inbox := range []Inbox{g.st, g.st.replica(t)} {
		counted := handlerFunc(func(ctx context.Context, in bot.Inbound) error {
			byReplica[i].Add(1)
			return h.Handle(ctx, in)
		})
		work(t, inbox, counted, WorkerOptions{Workers: 8})
	}
	const chats, each = 16, 20
	want := texts("u", each)
	var all, ids []int64
	for c := range int64(chats) {
		all = append(all, 600+c)
		ids = append(ids, g.srv.PushTexts(600+c, 600+c, "en", want...)...)
	}
	h.checkOnceInOrder(t, all, want, ids)
	t.Logf("replica 1 handled %d, replica 2 %d", byReplica[0].Load(), byReplica[1].Load())
}

// checkOnceInOrder waits until each chat had the texts want handled, and
// checks they came in order, each update (ids) exactly once, one update of
// a chat at a time.
func (h *recHandler) checkOnceInOrder(t *testing.T, chats []int64, want []string, ids []int64) {
	t.Helper()
	for _, c := range chats {
		h.waitHandled(t, c, len(want))
		if got := h.texts(c); !slices.Equal(got, want) {
			t.Errorf("chat %d handled %q", c, got)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		if n := h.times[id]; n != 1 {
			t.Errorf("update %d handled %d times", id, n)
		}
	}
	if h.overlap != 1 {
		t.Errorf("%d updates of one chat handled at once", h.overlap)
	}
}

type handlerFunc func(ctx context.Context, in bot.Inbound) error

func (f handlerFunc) Handle(ctx context.Context, in bot.Inbound) error { return f(ctx, in) }

// TestWorkersSlowDown: a chat that floods the bot has MaxWaiting updates
// kept and gets one note asking to slow down, however long it floods.
func TestWorkersSlowDown(t *testing.T) {
	t.Parallel()
	g := newRig(t, 5)
	release := make(chan struct{})
	var once sync.Once
	h := newHandler(func(context.Context, bot.Inbound) error {
		once.Do(func() { <-release }) // the first update waits for the whole flood
		return nil
	})
	work(t, g.st, h, WorkerOptions{})
	ids := g.srv.PushTexts(59, 59, "fi", texts("flood", 300)...)
	g.srv.WaitConfirmed(t, ids[299], wait)
	close(release)
	got := h.waitHandled(t, 59, 6)
	for i, in := range got[:5] {
		if in.Text != texts("flood", 5)[i] || in.Other != "" {
			t.Errorf("handled #%d: %+v, want the first updates", i, in)
		}
	}
	if s := got[5]; s.Other != bot.OtherSlowDown || s.ChatID != 59 || !s.Private {
		t.Errorf("the sixth handled is %+v, want the slow-down note", s)
	}
	if q, d := g.obs.count(bot.Queued), g.obs.count(bot.Dropped); q != 5 || d != 295 {
		t.Errorf("%d kept and %d dropped, want 5 and 295", q, d)
	}
	// Flooding again soon after: no second note.
	more := g.srv.PushTexts(59, 59, "fi", texts("again", 100)...)
	g.srv.WaitConfirmed(t, more[99], wait)
	eventually(t, "an empty inbox", func() bool { return g.st.depth(t) == 0 })
	notes := 0
	for _, in := range h.of(59) {
		if in.Other == bot.OtherSlowDown {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("%d slow-down notes, want 1", notes)
	}
}

// TestWorkersStop: stopping lets the update in hand finish, with a live
// context, and leaves the chat's other updates in the inbox for the next
// run, which handles each once.
func TestWorkersStop(t *testing.T) {
	t.Parallel()
	g := newRig(t, 100)
	var cut atomic.Int32 // updates whose context ended while in hand
	h := newHandler(func(ctx context.Context, _ bot.Inbound) error {
		time.Sleep(200 * time.Millisecond)
		if ctx.Err() != nil {
			cut.Add(1)
		}
		return nil
	})
	_, run := work(t, g.st, h, WorkerOptions{})
	ids := g.srv.PushTexts(60, 60, "en", texts("u", 20)...)
	h.waitHandled(t, 60, 2)
	h.waitFor(t, "the third update in hand", func() bool { return len(h.tries[ids[2]]) == 1 })
	start := time.Now()
	if err := run.stop(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	handled := len(h.of(60))
	t.Logf("stopped in %v with %d handled", took.Round(time.Millisecond), handled)
	if handled != 3 || cut.Load() != 0 {
		t.Errorf("%d handled on stopping (%d cut short), want the update in hand finished: 3", handled, cut.Load())
	}
	if left := g.st.depth(t); left != 17 {
		t.Errorf("%d updates left in the inbox, want 17", left)
	}
	work(t, g.st, h, WorkerOptions{})
	h.waitHandled(t, 60, 20)
	if got := h.texts(60); !slices.Equal(got, texts("u", 20)) {
		t.Errorf("handled %q", got)
	}
}

// pushCounter counts the updates the inbox leased at intake.
type pushCounter struct {
	Inbox
	claimed atomic.Int64
}

func (p *pushCounter) PushAll(ctx context.Context, es []bot.InboxEntry, maxWaiting, claim int, leaseEnd time.Time) ([]bot.PushResult, []bot.InboxClaim, error) {
	res, claims, err := p.Inbox.PushAll(ctx, es, maxWaiting, claim, leaseEnd)
	p.claimed.Add(int64(len(claims)))
	return res, claims, err
}

// TestWorkersTakeUpdatesAtIntake: the receiver hands the updates of idle
// chats straight to its replica's workers; beside a second replica whose
// workers only claim, every update is still handled exactly once, in
// order, one at a time per chat.
func TestWorkersTakeUpdatesAtIntake(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openStore(t)
	h := newHandler(sleepy(2 * time.Millisecond))
	here, _ := work(t, st, h, WorkerOptions{Workers: 8})
	work(t, st.replica(t), h, WorkerOptions{Workers: 8})
	in := &pushCounter{Inbox: st}
	r := NewReceiver(connectTo(t, srv, nil), in, ReceiverOptions{MaxWaiting: 100, Workers: here, Words: catalog(t)})
	poll(t, r)
	chats := append(sameShard(700, 3), 801, 802, 803)
	const each = 15
	want := texts("u", each)
	var ids []int64
	for _, text := range want {
		for _, c := range chats {
			ids = append(ids, srv.PushText(c, c, "en", text))
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.checkOnceInOrder(t, chats, want, ids)
	if in.claimed.Load() == 0 {
		t.Error("no update was handed over at intake")
	}
	t.Logf("%d of %d updates handed over at intake", in.claimed.Load(), len(ids))
}

// TestWorkersChatDueAMomentAhead: a chat due a moment after the worker's
// clock says (another replica's clock, or a claim that waited behind
// other commands) is handled when its time comes, not after Redis's
// shortest blocking wait of a second.
func TestWorkersChatDueAMomentAhead(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	h := newHandler(nil)
	work(t, st, h, WorkerOptions{})
	time.Sleep(100 * time.Millisecond) // the shard loops wait for news
	at := time.Now().Add(150 * time.Millisecond)
	raw := textUpdate(3, 91, "en", "hello")
	if _, err := st.Push(testCtx(t), bot.InboxEntry{Update: 3, Chat: 91, Received: at.UnixMilli(), Raw: json.RawMessage(raw)}, 10); err != nil {
		t.Fatal(err)
	}
	h.waitHandled(t, 91, 1)
	if late := time.Since(at); late > 600*time.Millisecond {
		t.Errorf("handled %v after the chat fell due", late.Round(time.Millisecond))
	}
}
