package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

const testToken = "123456:AAE-secret_Token-do-not-leak"

const wait = 5 * time.Second

// recLimiter lets everything through and records Backoff calls.
type recLimiter struct {
	mu       sync.Mutex
	waits    int
	backoffs []time.Duration
}

func (l *recLimiter) Wait(ctx context.Context, chat int64) error {
	l.mu.Lock()
	l.waits++
	l.mu.Unlock()
	return ctx.Err()
}

func (l *recLimiter) Backoff(_ context.Context, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.backoffs = append(l.backoffs, d)
}

// connect starts a fake Bot API and connects a client to it.
func connect(t *testing.T, lim Limiter) (*telegramtest.Server, *Client) {
	t.Helper()
	srv := telegramtest.New(t, testToken)
	if lim == nil {
		lim = &recLimiter{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := Connect(ctx, Config{Token: testToken, APIURL: srv.URL() + "/", PollTimeout: time.Second, Limiter: lim})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if c.Username != telegramtest.BotUsername {
		t.Errorf("Username = %q, want %q", c.Username, telegramtest.BotUsername)
	}
	return srv, c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func buttons(labels ...string) [][]flow.Button {
	var row []flow.Button
	for _, l := range labels {
		row = append(row, flow.Button{Text: l, Data: "q:" + strings.ToLower(l)})
	}
	return [][]flow.Button{row}
}

func TestSendWithButtons(t *testing.T) {
	t.Parallel()
	srv, c := connect(t, nil)
	ctx := testCtx(t)
	m := flow.Message{Text: "Is the street lit at night? https://example.org", Buttons: [][]flow.Button{
		{{Text: "Yes", Data: "q1:yes"}, {Text: "No", Data: "q1:no"}},
		{{Text: "Skip ⏭", Data: "q1:skip"}},
	}}
	if err := c.Sender().Send(ctx, 77, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	sent := srv.Sent()
	if len(sent) != 1 || sent[0].ChatID != 77 || sent[0].Text != m.Text {
		t.Fatalf("sent %+v", sent)
	}
	want := [][]telegramtest.Button{
		{{Text: "Yes", Data: "q1:yes"}, {Text: "No", Data: "q1:no"}},
		{{Text: "Skip ⏭", Data: "q1:skip"}},
	}
	if !equalButtons(sent[0].Buttons, want) {
		t.Errorf("buttons %+v, want %+v", sent[0].Buttons, want)
	}
	form := srv.Calls("sendMessage")[0].Form
	var lp struct {
		IsDisabled bool `json:"is_disabled"`
	}
	if err := json.Unmarshal([]byte(form["link_preview_options"]), &lp); err != nil || !lp.IsDisabled {
		t.Errorf("link_preview_options = %q, want link previews disabled", form["link_preview_options"])
	}
	if strings.Contains(form["reply_markup"], "copy_text") {
		t.Errorf("reply_markup carries copy_text: %s", form["reply_markup"])
	}
}

func equalButtons(a, b [][]telegramtest.Button) bool {
	return slices.EqualFunc(a, b, func(x, y []telegramtest.Button) bool { return slices.Equal(x, y) })
}

func TestSendLongText(t *testing.T) {
	t.Parallel()
	srv, c := connect(t, nil)
	ctx := testCtx(t)
	var b strings.Builder
	for i := 0; b.Len() < 10000; i++ {
		b.WriteString("Kaupungin katuvalot 💡 ja pyörätiet — ")
		if i%7 == 6 {
			b.WriteString("\n\n")
		}
	}
	text := []rune(b.String())[:10000]
	m := flow.Message{Text: string(text), Buttons: buttons("OK")}
	if err := c.Sender().Send(ctx, 77, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	sent := srv.Sent()
	if len(sent) < 3 {
		t.Fatalf("sent %d messages for 10,000 characters, want at least 3", len(sent))
	}
	var joined strings.Builder
	for i, s := range sent {
		if n := units(s.Text); n > flow.MaxMessageLen {
			t.Errorf("part %d has %d UTF-16 units", i, n)
		}
		last := i == len(sent)-1
		if (s.Buttons != nil) != last {
			t.Errorf("part %d of %d has buttons: %v", i+1, len(sent), s.Buttons)
		}
		joined.WriteString(s.Text)
	}
	if visible(joined.String()) != visible(m.Text) {
		t.Errorf("the parts do not add up to the text")
	}
}

func TestSendRetries(t *testing.T) {
	t.Parallel()
	t.Run("429 is waited out", func(t *testing.T) {
		t.Parallel()
		lim := &recLimiter{}
		srv, c := connect(t, lim)
		srv.Fail("sendMessage", 1, telegramtest.Failure{Code: http.StatusTooManyRequests, RetryAfter: 1})
		start := time.Now()
		if err := c.Sender().Send(testCtx(t), 77, flow.Message{Text: "hello"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if took := time.Since(start); took < 900*time.Millisecond {
			t.Errorf("retried after %v, before retry_after (1s)", took)
		}
		if n := len(srv.Sent()); n != 1 {
			t.Errorf("delivered %d times, want once", n)
		}
		if n := len(srv.Calls("sendMessage")); n != 2 {
			t.Errorf("%d sendMessage calls, want 2", n)
		}
		lim.mu.Lock()
		defer lim.mu.Unlock()
		if !slices.Equal(lim.backoffs, []time.Duration{time.Second}) {
			t.Errorf("limiter backoffs %v, want [1s]: every sender must slow down", lim.backoffs)
		}
	})
	t.Run("5xx twice then success", func(t *testing.T) {
		t.Parallel()
		srv, c := connect(t, nil)
		srv.Fail("sendMessage", 2, telegramtest.Failure{Code: http.StatusInternalServerError})
		if err := c.Sender().Send(testCtx(t), 77, flow.Message{Text: "hello"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if n := len(srv.Sent()); n != 1 {
			t.Errorf("delivered %d times, want once", n)
		}
		if n := len(srv.Calls("sendMessage")); n != 3 {
			t.Errorf("%d sendMessage calls, want 3", n)
		}
	})
	t.Run("5xx beyond the retry budget", func(t *testing.T) {
		t.Parallel()
		srv, c := connect(t, nil)
		srv.Fail("sendMessage", 100, telegramtest.Failure{Code: http.StatusBadGateway})
		err := c.Sender().Send(testCtx(t), 77, flow.Message{Text: "hello"})
		if err == nil {
			t.Fatal("Send succeeded against a failing server")
		}
		if errors.Is(err, bot.ErrBlocked) {
			t.Errorf("a server error reported as a block: %v", err)
		}
		if n := len(srv.Calls("sendMessage")); n != c.Sender().retries+1 {
			t.Errorf("%d sendMessage calls, want %d", n, c.Sender().retries+1)
		}
		if len(srv.Sent()) != 0 {
			t.Errorf("delivered despite failures")
		}
	})
	t.Run("4xx is not retried", func(t *testing.T) {
		t.Parallel()
		srv, c := connect(t, nil)
		srv.Fail("sendMessage", 1, telegramtest.Failure{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"})
		if err := c.Sender().Send(testCtx(t), 77, flow.Message{Text: "hello"}); err == nil || !strings.Contains(err.Error(), "chat not found") {
			t.Errorf("Send = %v, want the bad request", err)
		}
		if n := len(srv.Calls("sendMessage")); n != 1 {
			t.Errorf("%d sendMessage calls, want 1", n)
		}
	})
	t.Run("cancelled while backing off", func(t *testing.T) {
		t.Parallel()
		srv, c := connect(t, nil)
		srv.Fail("sendMessage", 1, telegramtest.Failure{Code: http.StatusTooManyRequests, RetryAfter: 30})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := c.Sender().Send(ctx, 77, flow.Message{Text: "hello"}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want the context's error", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Send took %v after the context ended", took)
		}
	})
}

func TestSendBlocked(t *testing.T) {
	t.Parallel()
	srv, c := connect(t, nil)
	ctx := testCtx(t)
	srv.Block(77)
	if err := c.Sender().Send(ctx, 77, flow.Message{Text: "hello"}); !errors.Is(err, bot.ErrBlocked) {
		t.Errorf("Send = %v, want bot.ErrBlocked", err)
	}
	if err := c.Sender().SendDocument(ctx, 77, "data.json", []byte("{}"), ""); !errors.Is(err, bot.ErrBlocked) {
		t.Errorf("SendDocument = %v, want bot.ErrBlocked", err)
	}
	if n := len(srv.Calls("sendMessage")); n != 1 {
		t.Errorf("%d sendMessage calls, want 1 (a block is final)", n)
	}
	// Other chats are not affected.
	if err := c.Sender().Send(ctx, 78, flow.Message{Text: "hello"}); err != nil {
		t.Errorf("Send to another chat: %v", err)
	}
}

func TestAcknowledge(t *testing.T) {
	t.Parallel()
	srv, c := connect(t, nil)
	ctx := testCtx(t)
	_, id := srv.PushCallback(77, 77, "en", 1, "q1:yes")
	if err := c.Sender().Acknowledge(ctx, id, "Saved ✓"); err != nil {
		t.Fatalf("Acknowledge: %v", err)
	}
	if got := srv.CallbackAnswers(); len(got) != 1 || got[0].ID != id || got[0].Text != "Saved ✓" {
		t.Errorf("answers %+v", got)
	}
	// No id (not a button press): nothing to answer.
	if err := c.Sender().Acknowledge(ctx, "", "x"); err != nil {
		t.Errorf("Acknowledge without id: %v", err)
	}
	if n := len(srv.Calls("answerCallbackQuery")); n != 1 {
		t.Errorf("%d answerCallbackQuery calls, want 1", n)
	}
}

func TestMarkChosen(t *testing.T) {
	t.Parallel()
	srv, c := connect(t, nil)
	ctx := testCtx(t)
	if err := c.Sender().Send(ctx, 77, flow.Message{Text: "Is it safe?", Buttons: buttons("Yes", "No")}); err != nil {
		t.Fatal(err)
	}
	id := srv.Sent()[0].MessageID
	if err := c.Sender().MarkChosen(ctx, 77, id, "Yes"); err != nil {
		t.Fatalf("MarkChosen: %v", err)
	}
	edits := srv.Edits()
	want := [][]telegramtest.Button{{{Text: "✓ Yes", Data: bot.ChosenData}}}
	if len(edits) != 1 || edits[0].Method != "editMessageReplyMarkup" || edits[0].MessageID != id || !equalButtons(edits[0].Buttons, want) {
		t.Fatalf("edits %+v, want one markup edit to %+v", edits, want)
	}
	if edits[0].Text != "Is it safe?" {
		t.Errorf("the edit changed the text to %q", edits[0].Text)
	}
	// Pressing again: Telegram answers "message is not modified".
	if err := c.Sender().MarkChosen(ctx, 77, id, "Yes"); err != nil {
		t.Errorf("MarkChosen again: %v, want success", err)
	}
	calls := srv.Calls("editMessageReplyMarkup")
	if len(calls) != 2 || calls[1].Status != http.StatusBadRequest {
		t.Errorf("want a second call answered 400 (not modified), got %d calls", len(calls))
	}
	// A message that is gone is an error, not retried.
	if err := c.Sender().MarkChosen(ctx, 77, 999, "Yes"); err == nil {
		t.Errorf("MarkChosen on a missing message succeeded")
	}
	if n := len(srv.Calls("editMessageReplyMarkup")); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}

func TestSendDocument(t *testing.T) {
	t.Parallel()
	srv, c := connect(t, nil)
	data := bytes.Repeat([]byte(`{"answer":"kyllä"}`+"\n"), 1000)
	if err := c.Sender().SendDocument(testCtx(t), 77, "my-data.json", data, "Your data 📄"); err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	docs := srv.Documents()
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	d := docs[0]
	if d.ChatID != 77 || d.FileName != "my-data.json" || d.Caption != "Your data 📄" || !bytes.Equal(d.Data, data) {
		t.Errorf("document %q to %d, caption %q, %d bytes (want %d)", d.FileName, d.ChatID, d.Caption, len(d.Data), len(data))
	}
}
