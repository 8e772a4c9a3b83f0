package telegram

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// newReceiver builds a Receiver on its own client to srv, logging to the
// returned buffer, with the catalog for apologies and obs as observer.
func newReceiver(t *testing.T, srv *telegramtest.Server, inbox Inbox, obs Observer, maxWaiting int) (*Receiver, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	c := connectTo(t, srv, logs.logger())
	r := NewReceiver(c, inbox, ReceiverOptions{MaxWaiting: maxWaiting, Words: catalog(t), Logger: logs.logger(), Observer: obs})
	return r, logs
}

// poll runs r.Poll until the test ends (or stop).
func poll(t *testing.T, r *Receiver) *running { return start(t, "Poll", r.Poll) }

// work runs Workers on inbox with h until the test ends (or stop).
func work(t *testing.T, inbox Inbox, h Handler, opts WorkerOptions) (*Workers, *running) {
	w := NewWorkers(inbox, h, opts)
	return w, start(t, "Workers", w.Run)
}

// TestPollKeepsThenConfirms: an update is confirmed to Telegram once it
// is in the inbox, without waiting for it to be handled; then it is
// handled, with what the citizen sent.
func TestPollKeepsThenConfirms(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openStore(t)
	release := make(chan struct{})
	h := newHandler(func(ctx context.Context, _ bot.Inbound) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	obs := newObserver()
	r, _ := newReceiver(t, srv, st, obs, 0)
	poll(t, r)
	work(t, st, h, WorkerOptions{})

	ids := srv.PushTexts(41, 41, "fi", "yksi", "kaksi", "kolme")
	srv.WaitConfirmed(t, ids[2], wait)
	if got := h.of(41); len(got) != 0 {
		t.Fatalf("%d updates handled before the confirmation", len(got))
	}
	if n := len(st.queue(t, 41)); n != 3 {
		t.Errorf("the inbox holds %d of the chat's updates, want the 3 confirmed", n)
	}
	close(release)
	got := h.waitHandled(t, 41, 3)
	for i, in := range got {
		if in.UpdateID != ids[i] || in.ChatID != 41 || in.UserID != 41 || !in.Private || in.Lang != "fi" || in.Text != []string{"yksi", "kaksi", "kolme"}[i] || in.Received.IsZero() {
			t.Errorf("update %d handled as %+v", i, in)
		}
	}
	if n := obs.count(bot.Queued); n != 3 {
		t.Errorf("observer saw %d queued, want 3", n)
	}
}

// TestPollRecognisesResent: updates Telegram sends again (a replica
// stopped before its confirmation reached Telegram) are recognised and not
// handled twice.
func TestPollRecognisesResent(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openStore(t)
	h := newHandler(nil)
	obs := newObserver()
	r, _ := newReceiver(t, srv, st, obs, 0)
	first := poll(t, r)
	work(t, st, h, WorkerOptions{})

	ids := srv.PushTexts(42, 42, "en", "one", "two")
	h.waitHandled(t, 42, 2)
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	srv.Resend(ids[0]) // the confirmation was lost
	r2, _ := newReceiver(t, srv, st, obs, 0)
	poll(t, r2)
	srv.WaitConfirmed(t, ids[1], wait)
	eventually(t, "two duplicates", func() bool { return obs.count(bot.Duplicate) == 2 })
	if d := st.depth(t); d != 0 {
		t.Errorf("%d updates wait in the inbox after the duplicates", d)
	}
	if got := h.texts(42); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("handled %q, want each once", got)
	}
}

// TestPollOneLeader: of two replicas, one polls Telegram (two pollers would
// knock each other out with 409s); when it stops, the other takes over.
func TestPollOneLeader(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openStore(t)
	h := newHandler(nil)
	work(t, st, h, WorkerOptions{})
	type replica struct {
		r    *Receiver
		logs *logBuffer
		run  *running
	}
	var rs [2]replica
	for i := range rs {
		r, logs := newReceiver(t, srv, st.replica(t), nil, 0)
		r.opts.LeaderTTL = 3 * time.Second
		rs[i] = replica{r: r, logs: logs, run: poll(t, r)}
	}
	srv.PushText(43, 43, "en", "first")
	h.waitHandled(t, 43, 1)
	// Both have tried to lead by now; the leader renews its lead meanwhile.
	time.Sleep(rs[0].r.opts.LeaderTTL)
	leading := func(rp replica) bool { return strings.Contains(rp.logs.String(), "this replica polls Telegram") }
	if leading(rs[0]) == leading(rs[1]) {
		t.Fatalf("leaders: %v and %v, want exactly one", leading(rs[0]), leading(rs[1]))
	}
	leader, other := rs[0], rs[1]
	if !leading(leader) {
		leader, other = other, leader
	}
	srv.PushText(43, 43, "en", "second")
	h.waitHandled(t, 43, 2)
	if err := leader.run.stop(); err != nil {
		t.Fatalf("the leader's Poll: %v", err)
	}
	if !other.logs.WaitFor("this replica polls Telegram", wait) {
		t.Fatalf("the other replica did not take over; its log:\n%s", other.logs)
	}
	srv.PushText(43, 43, "en", "third")
	got := h.waitHandled(t, 43, 3)
	if got[2].Text != "third" {
		t.Errorf("handled %q after the takeover", got[2].Text)
	}
	for _, c := range srv.Calls("getUpdates") {
		if c.Status == http.StatusConflict {
			t.Errorf("a getUpdates was answered 409: two replicas polled at once")
		}
	}
}

// TestPollStoreDown: while the inbox is unreachable nothing is confirmed
// and each citizen is told once, in their language, that the bot is back
// shortly, however many updates they send; once it is back, every update
// is handled, in order; the next outage is apologised for again.
func TestPollStoreDown(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openCuttable(t)
	h := newHandler(nil)
	obs := newObserver()
	r, logs := newReceiver(t, srv, st, obs, 0)
	poll(t, r)
	work(t, st, h, WorkerOptions{})
	words := catalog(t)

	srv.PushText(44, 44, "fi", "before")
	h.waitHandled(t, 44, 1)

	st.cut.Cut()
	var ids []int64
	ids = append(ids, srv.PushTexts(44, 44, "fi", "fi 1", "fi 2", "fi 3")...)
	ids = append(ids, srv.PushTexts(45, 45, "sv", "sv 1", "sv 2")...)
	ids = append(ids, srv.PushGroupText(-46, 47, "in a group"))
	id, callback := srv.PushCallback(48, 48, "et", 1, "q1:yes")
	ids = append(ids, id)
	ids = append(ids, srv.PushTexts(44, 44, "fi", "fi 4")...)

	for _, c := range []struct {
		chat int64
		lang string
	}{{44, "fi"}, {45, "sv"}, {48, "et"}} {
		sent := srv.WaitSentTo(t, c.chat, 1, wait)
		if want := words.Say(c.lang, "error.later", nil); sent[0].Text != want {
			t.Errorf("chat %d was told %q, want %q", c.chat, sent[0].Text, want)
		}
	}
	if got := srv.CallbackAnswers(); len(got) != 1 || got[0].ID != callback {
		t.Errorf("callback answers %+v, want the press answered once", got)
	}
	// Several more rounds of polling while the inbox is down.
	if !logs.WaitFor("the inbox does not take updates", wait) {
		t.Fatal("the failure to keep updates is not logged")
	}
	time.Sleep(3 * time.Second)
	if off := srv.ConfirmedOffset(); off > ids[0] {
		t.Errorf("offset %d confirmed while the inbox was down; the first update not kept is %d", off, ids[0])
	}
	if n := len(srv.Sent()); n != 3 {
		t.Errorf("%d messages sent during the outage, want one apology to each of the 3 private chats:\n%+v", n, srv.Sent())
	}
	if n := len(srv.Calls("sendMessage")); n != 3 {
		t.Errorf("%d sendMessage calls, want 3", n)
	}

	st.cut.Restore()
	srv.WaitConfirmed(t, ids[len(ids)-1], wait)
	h.waitHandled(t, 44, 5)
	if got := h.texts(44); !slices.Equal(got, []string{"before", "fi 1", "fi 2", "fi 3", "fi 4"}) {
		t.Errorf("chat 44 handled %q", got)
	}
	h.waitHandled(t, 45, 2)
	h.waitHandled(t, -46, 1)
	h.waitHandled(t, 48, 1)
	if n := obs.apologies(); n != 3 {
		t.Errorf("observer counted %d apologies, want 3", n)
	}

	// A second outage: the citizen hears it again, once.
	st.cut.Cut()
	srv.PushTexts(44, 44, "fi", "again 1", "again 2")
	srv.WaitSentTo(t, 44, 2, wait)
	time.Sleep(2 * time.Second)
	if n := len(srv.Sent()); n != 4 {
		t.Errorf("%d messages sent after the second outage began, want 4", n)
	}
	st.cut.Restore()
	h.waitHandled(t, 44, 7)
}

// TestPollRefusedToken: a token Telegram refuses stops Poll with an error
// that says what to fix, instead of retrying forever.
func TestPollRefusedToken(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	r, _ := newReceiver(t, srv, openStore(t), nil, 0)
	srv.Fail("getUpdates", 1, telegramtest.Failure{Code: http.StatusUnauthorized})
	done := make(chan error, 1)
	go func() { done <- r.Poll(testCtx(t)) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") {
			t.Errorf("Poll = %v, want an error about the token", err)
		}
	case <-time.After(wait):
		t.Fatal("Poll kept retrying a refused token")
	}
}

// TestPollConfirmsOnStop: updates kept but not yet confirmed (the
// confirming getUpdates failed) are confirmed when Poll stops, so a
// restart does not get them again.
func TestPollConfirmsOnStop(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openStore(t)
	obs := newObserver()
	r, _ := newReceiver(t, srv, st, obs, 0)
	run := poll(t, r)
	srv.WaitPolling(t, true, wait)
	srv.Fail("getUpdates", 1, telegramtest.Failure{Code: http.StatusBadGateway})
	ids := srv.PushTexts(49, 49, "en", "a", "b")
	waitStatus(t, srv, "getUpdates", http.StatusBadGateway)
	if off := srv.ConfirmedOffset(); off > ids[1] {
		t.Fatalf("offset %d confirmed; the test needs the confirmation to have failed", off)
	}
	if err := run.stop(); err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if off := srv.ConfirmedOffset(); off != ids[1]+1 {
		t.Errorf("after stopping, confirmed offset %d, want %d", off, ids[1]+1)
	}
	calls := srv.Calls("getUpdates")
	if last := calls[len(calls)-1]; last.Form["timeout"] != "0" {
		t.Errorf("the last getUpdates waited (timeout %q): not the confirmation on stop", last.Form["timeout"])
	}
	if n := obs.count(bot.Queued); n != 2 {
		t.Errorf("%d kept, want 2", n)
	}
}

// waitStatus waits for a call of method answered with status.
func waitStatus(t *testing.T, srv *telegramtest.Server, method string, status int) {
	t.Helper()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		for _, c := range srv.Calls(method) {
			if c.Status == status {
				return
			}
		}
	}
	t.Fatalf("no %s answered %d", method, status)
}

// TestServeRegistersWebhook: webhook mode registers the URL with the secret
// and the update types, polls nothing, and drains when stopped.
func TestServeRegistersWebhook(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	r, logs := newReceiver(t, srv, openStore(t), nil, 0)
	run := start(t, "Serve", func(ctx context.Context) error {
		return r.Serve(ctx, "https://bot.example.org/telegram/webhook", "s3cret")
	})
	if !logs.WaitFor("receiving updates by webhook", wait) {
		t.Fatalf("Serve did not start; log:\n%s", logs)
	}
	if r.Draining() {
		t.Errorf("draining while serving")
	}
	if err := run.stop(); err != nil {
		t.Errorf("Serve: %v", err)
	}
	if !r.Draining() {
		t.Errorf("not draining after Serve returned")
	}
	calls := srv.Calls("setWebhook")
	if len(calls) != 1 {
		t.Fatalf("%d setWebhook calls", len(calls))
	}
	f := calls[0].Form
	if f["url"] != "https://bot.example.org/telegram/webhook" || f["secret_token"] != "s3cret" ||
		!strings.Contains(f["allowed_updates"], "callback_query") || !strings.Contains(f["allowed_updates"], "my_chat_member") {
		t.Errorf("setWebhook form %v", f)
	}
	if n := len(srv.Calls("getUpdates")); n != 0 {
		t.Errorf("%d getUpdates calls in webhook mode", n)
	}
	srv.Fail("setWebhook", 1, telegramtest.Failure{Code: 400, Description: "Bad Request: bad webhook: HTTPS URL must be provided for webhook"})
	if err := r.Serve(testCtx(t), "http://insecure", "s3cret"); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("Serve with a refused webhook = %v, want the refusal", err)
	}
}
