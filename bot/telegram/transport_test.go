package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

func equalButtons(a, b [][]telegramtest.Button) bool {
	return slices.EqualFunc(a, b, func(x, y []telegramtest.Button) bool { return slices.Equal(x, y) })
}

func TestDeliverKeyboard(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	o := bot.Out{Chat: 77, Text: "Is the street lit at night? https://example.org", Buttons: [][]flow.Button{
		{{Text: "Yes", Data: "q1:yes"}, {Text: "No", Data: "q1:no"}},
		{{Text: "Skip ⏭", Data: "q1:skip"}},
	}}
	if err := c.Transport().Deliver(testCtx(t), o); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	sent := srv.Sent()
	if len(sent) != 1 || sent[0].ChatID != 77 || sent[0].Text != o.Text {
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

// longText is about 10,000 characters with paragraph breaks: three parts.
func longText() string {
	var b strings.Builder
	for i := 0; b.Len() < 12000; i++ {
		b.WriteString("Kaupungin katuvalot 💡 ja pyörätiet — ")
		if i%7 == 6 {
			b.WriteString("\n\n")
		}
	}
	return string([]rune(b.String())[:10000])
}

// checkSentParts checks that the messages sent are text in order, each part
// once, with the buttons on the last part only.
func checkSentParts(t *testing.T, sent []telegramtest.Sent, text string, withButtons bool) {
	t.Helper()
	want := Split(text, flow.MaxMessageLen)
	if len(want) < 3 {
		t.Fatalf("the text splits into %d parts; the test needs 3", len(want))
	}
	got := make([]string, len(sent))
	for i, s := range sent {
		got[i] = s.Text
		if n := units(s.Text); n > flow.MaxMessageLen {
			t.Errorf("part %d has %d UTF-16 units", i, n)
		}
		last := i == len(sent)-1
		if (s.Buttons != nil) != (last && withButtons) {
			t.Errorf("part %d of %d has buttons: %v", i+1, len(sent), s.Buttons)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("sent %d parts, want each of the %d parts once, in order", len(got), len(want))
	}
	var joined strings.Builder
	for _, g := range got {
		joined.WriteString(g)
	}
	if visible(joined.String()) != visible(text) {
		t.Errorf("the parts do not add up to the text")
	}
}

func TestDeliverLongText(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	text := longText()
	if err := c.Transport().Deliver(testCtx(t), bot.Out{Chat: 77, Text: text, Buttons: buttons("OK")}); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	checkSentParts(t, srv.Sent(), text, true)
}

// TestDeliverLongTextOverBudget: a long text whose later parts meet the
// chat's limit is not sent again from the start (the courier would try
// the whole message again, repeating the parts already sent): the
// transport waits for the rest. A limit met on the first part is the
// courier's to wait out.
func TestDeliverLongTextOverBudget(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	srv.SetLimits(telegramtest.Limits{PerChat: 2})
	text := longText()
	start := time.Now()
	if err := c.Transport().Deliver(testCtx(t), bot.Out{Chat: 77, Text: text}); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	took := time.Since(start)
	checkSentParts(t, srv.Sent(), text, false)
	if st := srv.Stats(); st.Rejected429 == 0 || took < 900*time.Millisecond {
		t.Errorf("the third part met no limit (%+v, took %v): the test checks nothing", st, took)
	}

	err := c.Transport().Deliver(testCtx(t), bot.Out{Chat: 77, Text: text})
	var rl *courier.RateLimited
	if !errors.As(err, &rl) || rl.After != time.Second {
		t.Errorf("Deliver with no budget left = %v, want RateLimited after 1s", err)
	}
	if n := len(srv.Sent()); n != 3 {
		t.Errorf("%d messages sent, want the 3 parts of the first text only", n)
	}
}

func TestDeliverDocument(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	data := bytes.Repeat([]byte(`{"answer":"kyllä"}`+"\n"), 1000)
	if err := c.Transport().Deliver(testCtx(t), bot.Out{Chat: 77, File: "my-data.json", Data: data, Text: "Your data 📄"}); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	docs := srv.Documents()
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	d := docs[0]
	if d.ChatID != 77 || d.FileName != "my-data.json" || d.Caption != "Your data 📄" || !bytes.Equal(d.Data, data) {
		t.Errorf("document %q to %d, caption %q, %d bytes (want %d)", d.FileName, d.ChatID, d.Caption, len(d.Data), len(data))
	}
	if len(srv.Sent()) != 0 {
		t.Errorf("a document also sent a message: %+v", srv.Sent())
	}
}

func TestDeliverChosenMark(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	ctx := testCtx(t)
	tr := c.Transport()
	if err := tr.Deliver(ctx, bot.Out{Chat: 77, Text: "Is it safe?", Buttons: buttons("Yes", "No")}); err != nil {
		t.Fatal(err)
	}
	id := srv.Sent()[0].MessageID
	if err := tr.Deliver(ctx, bot.Out{Chat: 77, Edit: id, Text: "Yes"}); err != nil {
		t.Fatalf("Deliver the mark: %v", err)
	}
	edits := srv.Edits()
	want := [][]telegramtest.Button{{{Text: "✓ Yes", Data: bot.ChosenData}}}
	if len(edits) != 1 || edits[0].Method != "editMessageReplyMarkup" || edits[0].MessageID != id || !equalButtons(edits[0].Buttons, want) {
		t.Fatalf("edits %+v, want one markup edit to %+v", edits, want)
	}
	if edits[0].Text != "Is it safe?" {
		t.Errorf("the edit changed the text to %q", edits[0].Text)
	}
	// The same mark again: Telegram answers "message is not modified",
	// which is what was wanted.
	if err := tr.Deliver(ctx, bot.Out{Chat: 77, Edit: id, Text: "Yes"}); err != nil {
		t.Errorf("the same mark again: %v, want success", err)
	}
	calls := srv.Calls("editMessageReplyMarkup")
	if len(calls) != 2 || calls[1].Status != http.StatusBadRequest {
		t.Errorf("want a second call answered 400 (not modified), got %d calls", len(calls))
	}
	// A message that is gone: refused for good.
	if err := tr.Deliver(ctx, bot.Out{Chat: 77, Edit: 999, Text: "Yes"}); !errors.Is(err, courier.ErrPermanent) {
		t.Errorf("a mark on a missing message: %v, want ErrPermanent", err)
	}
}

// recCalls records the CallObserver's counts.
type recCalls struct {
	mu    sync.Mutex
	calls []string
}

func (r *recCalls) Call(method, result string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, method+" "+result)
}

func (r *recCalls) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return ""
	}
	return r.calls[len(r.calls)-1]
}

// TestDeliverErrors: every failure says what it means to the courier.
func TestDeliverErrors(t *testing.T) {
	t.Parallel()
	type want int
	const (
		temporary want = iota
		rateLimited
		blocked
		permanent
	)
	tests := []struct {
		name    string
		setup   func(t *testing.T, srv *telegramtest.Server, tr *Transport)
		out     bot.Out
		want    want
		after   time.Duration // for rateLimited
		mention string        // in the error
		result  string        // told to the CallObserver
	}{
		{name: "429 injected", want: rateLimited, after: 7 * time.Second, result: "sendMessage 429",
			setup: func(_ *testing.T, srv *telegramtest.Server, _ *Transport) {
				srv.Fail("sendMessage", 1, telegramtest.Failure{Code: 429, RetryAfter: 7})
			}},
		{name: "429 without retry_after", want: rateLimited, after: time.Second, result: "sendMessage 429",
			setup: func(_ *testing.T, srv *telegramtest.Server, _ *Transport) {
				srv.Fail("sendMessage", 1, telegramtest.Failure{Code: 429})
			}},
		{name: "429 by the chat's budget", want: rateLimited, after: time.Second, result: "sendMessage 429",
			setup: func(t *testing.T, srv *telegramtest.Server, tr *Transport) {
				srv.SetLimits(telegramtest.Limits{PerChat: 1})
				_ = tr.Deliver(testCtx(t), bot.Out{Chat: 77, Text: "first"})
			}},
		{name: "an edit over the chat's budget", want: rateLimited, after: time.Second, result: "editMessageReplyMarkup 429",
			out: bot.Out{Chat: 77, Edit: 1, Text: "Yes"},
			setup: func(t *testing.T, srv *telegramtest.Server, tr *Transport) {
				srv.SetLimits(telegramtest.Limits{PerChat: 1})
				_ = tr.Deliver(testCtx(t), bot.Out{Chat: 77, Text: "question", Buttons: buttons("Yes")})
			}},
		{name: "blocked", want: blocked, result: "sendMessage blocked",
			setup: func(_ *testing.T, srv *telegramtest.Server, _ *Transport) { srv.Block(77) }},
		{name: "blocked, a document", want: blocked, result: "sendDocument blocked", out: bot.Out{Chat: 77, File: "a.json", Data: []byte("{}")},
			setup: func(_ *testing.T, srv *telegramtest.Server, _ *Transport) { srv.Block(77) }},
		{name: "bad request", want: permanent, mention: "chat not found", result: "sendMessage refused",
			setup: func(_ *testing.T, srv *telegramtest.Server, _ *Transport) {
				srv.Fail("sendMessage", 1, telegramtest.Failure{Code: 400, Description: "Bad Request: chat not found"})
			}},
		{name: "group upgraded to a supergroup", want: permanent, mention: "upgraded", result: "sendMessage refused",
			setup: func(_ *testing.T, srv *telegramtest.Server, _ *Transport) {
				srv.Fail("sendMessage", 1, telegramtest.Failure{Code: 400, Description: "Bad Request: group chat was upgraded to a supergroup chat", MigrateToChatID: -1001234})
			}},
		{name: "500", want: temporary, mention: "500", result: "sendMessage error",
			setup: func(_ *testing.T, srv *telegramtest.Server, _ *Transport) {
				srv.Fail("sendMessage", 1, telegramtest.Failure{Code: 500})
			}},
		{name: "502, a document", want: temporary, mention: "502", result: "sendDocument error", out: bot.Out{Chat: 77, File: "a.json", Data: []byte("{}")},
			setup: func(_ *testing.T, srv *telegramtest.Server, _ *Transport) {
				srv.Fail("sendDocument", 1, telegramtest.Failure{Code: 502})
			}},
		{name: "timeout", want: temporary, mention: "deadline", result: "sendMessage error",
			setup: func(_ *testing.T, srv *telegramtest.Server, tr *Transport) {
				tr.timeout = 200 * time.Millisecond
				srv.Fail("sendMessage", 1, telegramtest.Failure{Delay: 3 * time.Second})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := connect(t)
			calls := &recCalls{}
			tr := NewTransport(c.b, nil, calls)
			tt.setup(t, srv, tr)
			out := tt.out
			if out.Chat == 0 {
				out = bot.Out{Chat: 77, Text: "hello"}
			}
			err := tr.Deliver(testCtx(t), out)
			if err == nil {
				t.Fatal("Deliver succeeded")
			}
			var rl *courier.RateLimited
			var got want
			switch {
			case errors.As(err, &rl):
				got = rateLimited
			case errors.Is(err, bot.ErrBlocked):
				got = blocked
			case errors.Is(err, courier.ErrPermanent):
				got = permanent
			}
			if got != tt.want {
				t.Errorf("Deliver = %v: kind %d, want %d", err, got, tt.want)
			}
			if tt.want == rateLimited && rl != nil && rl.After != tt.after {
				t.Errorf("retry after %v, want %v", rl.After, tt.after)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Deliver = %v, want it to mention %q", err, tt.mention)
			}
			if calls.last() != tt.result {
				t.Errorf("observer told %q, want %q", calls.last(), tt.result)
			}
		})
	}
}

// TestAcknowledge: button presses are answered, never limited.
func TestAcknowledge(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	srv.SetLimits(telegramtest.TelegramLimits())
	ctx := testCtx(t)
	var ids []string
	for range 10 {
		_, id := srv.PushCallback(77, 77, "en", 1, "q1:yes")
		ids = append(ids, id)
		if err := c.Transport().Acknowledge(ctx, id, "Saved ✓"); err != nil {
			t.Fatalf("Acknowledge: %v", err)
		}
	}
	got := srv.CallbackAnswers()
	if len(got) != 10 || got[0].ID != ids[0] || got[0].Text != "Saved ✓" {
		t.Errorf("answers %+v", got)
	}
	// No id (not a button press): nothing to answer.
	if err := c.Transport().Acknowledge(ctx, "", "x"); err != nil {
		t.Errorf("Acknowledge without id: %v", err)
	}
	if n := len(srv.Calls("answerCallbackQuery")); n != 10 {
		t.Errorf("%d answerCallbackQuery calls, want 10", n)
	}
}
