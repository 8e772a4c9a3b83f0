package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
	"github.com/go-telegram/bot/models"
)

type handlerFunc func(ctx context.Context, in bot.Inbound) error

func (f handlerFunc) Handle(ctx context.Context, in bot.Inbound) error { return f(ctx, in) }

// running is an intake run by long polling.
type running struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// wait cancels the run and waits for Run to return, giving its error.
func (r *running) wait() error {
	r.once.Do(func() {
		r.cancel()
		select {
		case r.err = <-r.done:
		case <-time.After(10 * time.Second):
			r.err = errors.New("Run did not return within 10s of cancelling")
		}
	})
	return r.err
}

// run connects to srv and runs the intake by long polling until the test
// ends or it is stopped.
func run(t *testing.T, srv *telegramtest.Server, in *Intake) *running {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	c, err := Connect(ctx, Config{Token: testToken, APIURL: srv.URL(), PollTimeout: time.Second, Limiter: &recLimiter{}})
	cancel()
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx, in) }()
	t.Cleanup(func() {
		if err := r.wait(); err != nil {
			t.Errorf("Run: %v", err)
		}
		in.Close()
	})
	return r
}

// chatsOnShards returns n chat ids that land on different shards, so their
// updates can run in parallel.
func chatsOnShards(in *Intake, n int) []int64 {
	var chats []int64
	used := map[chan job]bool{}
	for c := int64(1001); len(chats) < n; c++ {
		if s := in.shard(c); !used[s] {
			used[s] = true
			chats = append(chats, c)
		}
	}
	return chats
}

// TestIntakeOrderPerChat: one chat's updates are handled one at a time in
// order; different chats at the same time.
func TestIntakeOrderPerChat(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	var (
		mu       sync.Mutex
		seen     = map[int64][]int{}
		inChat   = map[int64]int{}
		overlap  bool // two updates of one chat at once
		inflight atomic.Int32
		maxIn    atomic.Int32
		started  = make(chan int64, 16)
		allIn    = make(chan struct{})
	)
	in := NewIntake(handlerFunc(func(ctx context.Context, ib bot.Inbound) error {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			m := maxIn.Load()
			if n <= m || maxIn.CompareAndSwap(m, n) {
				break
			}
		}
		mu.Lock()
		inChat[ib.ChatID]++
		if inChat[ib.ChatID] > 1 {
			overlap = true
		}
		mu.Unlock()
		defer func() {
			mu.Lock()
			inChat[ib.ChatID]--
			mu.Unlock()
		}()
		i, _ := strconv.Atoi(ib.Text)
		if i == 0 {
			// Each chat's first update waits for the other chats' first
			// updates: this only finishes if chats run in parallel.
			started <- ib.ChatID
			select {
			case <-allIn:
			case <-time.After(wait):
				return errors.New("chats did not run in parallel")
			}
		}
		time.Sleep(time.Millisecond) // let a wrongly parallel later update overtake
		mu.Lock()
		seen[ib.ChatID] = append(seen[ib.ChatID], i)
		mu.Unlock()
		return nil
	}), IntakeOptions{Shards: 8})
	chats := chatsOnShards(in, 3)
	var last int64
	for i := range 10 {
		for _, c := range chats {
			last = srv.PushText(c, c, "en", strconv.Itoa(i))
		}
	}
	run(t, srv, in)
	for range chats {
		select {
		case <-started:
		case <-time.After(wait):
			t.Fatal("not every chat's first update started")
		}
	}
	close(allIn)
	srv.WaitConfirmed(t, last, wait)

	// A second batch continues the order.
	for i := 10; i < 15; i++ {
		for _, c := range chats {
			last = srv.PushText(c, c, "en", strconv.Itoa(i))
		}
	}
	srv.WaitConfirmed(t, last, wait)

	mu.Lock()
	defer mu.Unlock()
	want := make([]int, 15)
	for i := range want {
		want[i] = i
	}
	for _, c := range chats {
		if !slices.Equal(seen[c], want) {
			t.Errorf("chat %d handled %v, want %v", c, seen[c], want)
		}
	}
	if overlap {
		t.Errorf("two updates of one chat were handled at the same time")
	}
	if m := maxIn.Load(); m < 2 {
		t.Errorf("at most %d update(s) handled at once, want chats in parallel", m)
	}
	if got := in.Handled.Load(); got != 45 {
		t.Errorf("Handled = %d, want 45", got)
	}
}

// TestIntakeAtLeastOnce: an update whose handling fails is not confirmed,
// comes again and is handled once the handler succeeds, before the later
// updates of its chat; other chats go on meanwhile.
func TestIntakeAtLeastOnce(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	const a, b = 501, 502
	type event struct {
		chat      int64
		text      string
		err       bool
		confirmed int64 // the server's confirmed offset when handled
		at        time.Time
	}
	var (
		mu       sync.Mutex
		events   []event
		failLeft = 1
	)
	in := NewIntake(handlerFunc(func(ctx context.Context, ib bot.Inbound) error {
		mu.Lock()
		defer mu.Unlock()
		e := event{chat: ib.ChatID, text: ib.Text, confirmed: srv.ConfirmedOffset(), at: time.Now()}
		if ib.Text == "a2" && failLeft > 0 {
			failLeft--
			e.err = true
			events = append(events, e)
			return errors.New("store unavailable")
		}
		events = append(events, e)
		return nil
	}), IntakeOptions{Shards: 8})
	srv.PushText(a, a, "en", "a1")
	srv.PushText(b, b, "en", "b1")
	a2 := srv.PushText(a, a, "en", "a2")
	srv.PushText(b, b, "en", "b2")
	a3 := srv.PushText(a, a, "en", "a3")
	run(t, srv, in)
	srv.WaitConfirmed(t, a3, wait)

	mu.Lock()
	defer mu.Unlock()
	var chatA []string
	firstFail, retry, b2 := -1, -1, -1
	for i, e := range events {
		switch {
		case e.chat == a && e.err:
			firstFail = i
		case e.chat == a:
			chatA = append(chatA, e.text)
			if e.text == "a2" {
				retry = i
				if e.confirmed > a2 {
					t.Errorf("update %d was confirmed (offset %d) before it was handled", a2, e.confirmed)
				}
			}
		case e.text == "b2" && b2 < 0:
			b2 = i
		}
	}
	if !slices.Equal(chatA, []string{"a1", "a2", "a3"}) {
		t.Errorf("chat a handled %v, want [a1 a2 a3] (a3 not before a2)", chatA)
	}
	if firstFail < 0 || retry < firstFail {
		t.Fatalf("events %+v: want a2 failing, then handled again", events)
	}
	if b2 < 0 || b2 > retry {
		t.Errorf("events %+v: chat b's update in the failed batch waited for chat a", events)
	}
	// No getUpdates before a2 was handled moved the offset past it.
	for _, c := range srv.Calls("getUpdates") {
		off, _ := strconv.ParseInt(c.Form["offset"], 10, 64)
		if c.At.Before(events[retry].at) && off > a2 {
			t.Errorf("getUpdates with offset %d (past update %d) before it was handled", off, a2)
		}
	}
	if got := in.Failed.Load(); got != 1 {
		t.Errorf("Failed = %d, want 1", got)
	}
}

// TestIntakePanic: a panicking handler is recovered and counted; the update
// is not delivered again and later updates are handled.
func TestIntakePanic(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	var mu sync.Mutex
	var handled []string
	in := NewIntake(handlerFunc(func(ctx context.Context, ib bot.Inbound) error {
		if ib.Text == "boom" {
			panic("a handler bug")
		}
		mu.Lock()
		handled = append(handled, ib.Text)
		mu.Unlock()
		return nil
	}), IntakeOptions{Shards: 4})
	srv.PushText(7, 7, "en", "before")
	boom := srv.PushText(7, 7, "en", "boom")
	run(t, srv, in)
	srv.WaitConfirmed(t, boom, wait)
	last := srv.PushText(7, 7, "en", "after")
	other := srv.PushText(8, 8, "en", "other chat")
	srv.WaitConfirmed(t, max(last, other), wait)

	if got := in.Panics.Load(); got != 1 {
		t.Errorf("Panics = %d, want 1", got)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(handled)
	if want := []string{"after", "before", "other chat"}; !slices.Equal(handled, want) {
		t.Errorf("handled %v, want %v", handled, want)
	}
}

// TestIntakeUnreadableUpdate: an update the library cannot decode (a newer
// Bot API type) must not stall polling.
func TestIntakeUnreadableUpdate(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	got := make(chan string, 4)
	in := NewIntake(handlerFunc(func(ctx context.Context, ib bot.Inbound) error {
		got <- ib.Text
		return nil
	}), IntakeOptions{Shards: 4})
	m := &models.Message{ID: 1, Date: 1, Chat: models.Chat{ID: 7, Type: models.ChatTypePrivate},
		PaidMedia: &models.PaidMediaInfo{StarCount: 1, PaidMedia: []models.PaidMedia{{Type: "hologram"}}}}
	srv.PushUpdate(models.Update{Message: m})
	last := srv.PushText(7, 7, "en", "hello")
	run(t, srv, in)
	srv.WaitConfirmed(t, last, wait)
	select {
	case text := <-got:
		if text != "hello" {
			t.Errorf("handled %q", text)
		}
	default:
		t.Errorf("the update after the unreadable one was not handled")
	}
}

// TestIntakeStop: cancelling while a batch is in hand lets it finish and
// confirms it, so a restarted bot does not get it again.
func TestIntakeStop(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	inHand := make(chan struct{})
	release := make(chan struct{})
	var ctxErr atomic.Value
	var handled atomic.Int32
	in := NewIntake(handlerFunc(func(ctx context.Context, ib bot.Inbound) error {
		if ib.Text == "slow" {
			close(inHand)
			<-release
			ctxErr.Store(fmt.Sprint(ctx.Err()))
		}
		handled.Add(1)
		return nil
	}), IntakeOptions{Shards: 4})
	srv.PushText(7, 7, "en", "slow")
	last := srv.PushText(8, 8, "en", "quick")
	r := run(t, srv, in)
	select {
	case <-inHand:
	case <-time.After(wait):
		t.Fatal("the update was not handled")
	}
	r.cancel() // stop while the batch is in hand
	close(release)
	if err := r.wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := ctxErr.Load(); got != "<nil>" {
		t.Errorf("the handler's context ended while stopping: %v", got)
	}
	if got := handled.Load(); got != 2 {
		t.Errorf("handled %d updates, want 2", got)
	}
	if off := srv.ConfirmedOffset(); off != last+1 {
		t.Errorf("confirmed offset %d when Run returned, want %d", off, last+1)
	}
	calls := srv.Calls("getUpdates")
	if f := calls[len(calls)-1].Form; f["timeout"] != "0" {
		t.Errorf("the confirming getUpdates long-polled (timeout %s)", f["timeout"])
	}
	if !in.Draining() {
		t.Errorf("not draining after Poll returned")
	}

	// A fresh poller (a restarted bot) gets nothing.
	srv.WaitPolling(t, false, wait)
	p := &poller{base: srv.URL() + "/bot" + testToken, client: &http.Client{Timeout: wait}}
	ups, err := p.getUpdates(testCtx(t), 0)
	if err != nil || len(ups) != 0 {
		t.Errorf("a fresh poll got %d updates (err %v), want none", len(ups), err)
	}
}

// TestIntakeRefusedToken: Poll gives up on 401 instead of retrying forever.
func TestIntakeRefusedToken(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	in := NewIntake(handlerFunc(func(context.Context, bot.Inbound) error { return nil }), IntakeOptions{Shards: 1})
	defer in.Close()
	p := &poller{base: srv.URL() + "/bot" + "999:wrong", client: &http.Client{Timeout: wait}, timeout: time.Second}
	done := make(chan error, 1)
	go func() { done <- in.Poll(testCtx(t), p) }()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("Poll = nil, want an error about the token")
		}
	case <-time.After(wait):
		t.Fatal("Poll kept retrying a refused token")
	}
}

// TestRunWebhookMode: with a webhook URL, Run sets the webhook (with the
// secret and the update types) instead of polling.
func TestRunWebhookMode(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	logs := &logBuffer{}
	c, err := Connect(ctx, Config{Token: testToken, APIURL: srv.URL(), WebhookURL: "https://bot.example.org/telegram/webhook", WebhookSecret: "s3cret",
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	in := NewIntake(handlerFunc(func(context.Context, bot.Inbound) error { return nil }), IntakeOptions{Shards: 1})
	defer in.Close()
	rctx, rcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx, in) }()
	if !logs.WaitFor("receiving updates by webhook", wait) {
		t.Fatalf("Run did not start receiving by webhook; log:\n%s", logs)
	}
	rcancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	calls := srv.Calls("setWebhook")
	if len(calls) != 1 {
		t.Fatalf("%d setWebhook calls", len(calls))
	}
	f := calls[0].Form
	if f["url"] != "https://bot.example.org/telegram/webhook" || f["secret_token"] != "s3cret" {
		t.Errorf("setWebhook form %v", f)
	}
	var allowed []string
	if err := json.Unmarshal([]byte(f["allowed_updates"]), &allowed); err != nil || !slices.Equal(allowed, allowedUpdates) {
		t.Errorf("allowed_updates %s, want %v", f["allowed_updates"], allowedUpdates)
	}
	if n := len(srv.Calls("getUpdates")); n != 0 {
		t.Errorf("%d getUpdates calls in webhook mode", n)
	}
}

// logBuffer collects log output; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor waits until the log contains s.
func (b *logBuffer) WaitFor(s string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(b.String(), s) {
			return true
		}
	}
	return false
}
