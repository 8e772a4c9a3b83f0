package telegram

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// textUpdate is a private text update as Telegram posts it.
func textUpdate(id int64, chat int64, lang, text string) string {
	c := strconv.FormatInt(chat, 10)
	return `{"update_id":` + strconv.FormatInt(id, 10) + `,"message":{"message_id":` + strconv.FormatInt(id+5, 10) +
		`,"from":{"id":` + c + `,"is_bot":false,"first_name":"Aino","language_code":"` + lang + `"},` +
		`"chat":{"id":` + c + `,"type":"private"},"date":1700000000,"text":"` + text + `"}}`
}

// post sends a webhook call and returns the status.
func post(t *testing.T, h http.Handler, method, secret, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/telegram/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestWebhookAnswers: 200 means the update is in the inbox; anything else
// keeps it with Telegram (or refuses a caller who is not Telegram).
func TestWebhookAnswers(t *testing.T) {
	t.Parallel()
	good := textUpdate(31, 77, "fi", "hello")
	tests := []struct {
		name    string
		method  string
		secret  string // header; "" for none
		conf    string // the configured secret
		body    string
		drain   bool
		status  int
		inInbox bool
	}{
		{name: "kept", method: "POST", secret: "s3cret", conf: "s3cret", body: good, status: 200, inInbox: true},
		{name: "an update the bot ignores is kept too", method: "POST", secret: "s3cret", conf: "s3cret", status: 200,
			body: `{"update_id":32,"inline_query":{"id":"q","from":{"id":77,"is_bot":false,"first_name":"A"},"query":"","offset":""}}`},
		{name: "wrong secret", method: "POST", secret: "s3cret-not", conf: "s3cret", body: good, status: 401},
		{name: "missing secret", method: "POST", conf: "s3cret", body: good, status: 401},
		{name: "no secret configured", method: "POST", secret: "anything", body: good, status: 401},
		{name: "no secret configured nor sent", method: "POST", body: good, status: 401},
		{name: "GET", method: "GET", secret: "s3cret", conf: "s3cret", status: 405},
		{name: "PUT", method: "PUT", secret: "s3cret", conf: "s3cret", body: good, status: 405},
		{name: "not JSON", method: "POST", secret: "s3cret", conf: "s3cret", body: `{"update_id":`, status: 400},
		{name: "a JSON array", method: "POST", secret: "s3cret", conf: "s3cret", body: `[` + good + `]`, status: 400},
		{name: "no update_id", method: "POST", secret: "s3cret", conf: "s3cret", body: `{"message":{"text":"hi"}}`, status: 400},
		{name: "empty", method: "POST", secret: "s3cret", conf: "s3cret", status: 400},
		{name: "draining", method: "POST", secret: "s3cret", conf: "s3cret", body: good, drain: true, status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := telegramtest.New(t, testToken)
			st := openStore(t)
			r, _ := newReceiver(t, srv, st, nil, 0)
			if tt.drain {
				r.Drain()
			}
			w := post(t, r.Webhook(tt.conf), tt.method, tt.secret, tt.body)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			if tt.status == 405 && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q", w.Header().Get("Allow"))
			}
			// Read the inbox the moment the answer came.
			q := st.queue(t, 77)
			if tt.inInbox != (len(q) == 1) {
				t.Errorf("the inbox holds %d updates of the chat after the answer, want kept=%v", len(q), tt.inInbox)
			}
			if tt.inInbox && (q[0].Update != 31 || q[0].Chat != 77 || string(q[0].Raw) != good) {
				t.Errorf("kept %+v", q[0])
			}
			if tt.status != 200 && st.depth(t) != 0 {
				t.Errorf("%d updates kept after answering %d", st.depth(t), tt.status)
			}
		})
	}
}

// TestWebhookResent: an update Telegram posts again is answered 200 and
// kept once.
func TestWebhookResent(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openStore(t)
	obs := newObserver()
	r, _ := newReceiver(t, srv, st, obs, 0)
	h := r.Webhook("s3cret")
	body := textUpdate(50, 78, "en", "hello")
	for range 2 {
		if w := post(t, h, "POST", "s3cret", body); w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
	}
	if q := st.queue(t, 78); len(q) != 1 {
		t.Errorf("kept %d times", len(q))
	}
	if obs.count(bot.Queued) != 1 || obs.count(bot.Duplicate) != 1 {
		t.Errorf("observer: %d queued, %d duplicates", obs.count(bot.Queued), obs.count(bot.Duplicate))
	}
}

// TestWebhookStoreDown: while the inbox is unreachable the webhook answers
// 503 (Telegram posts the update again later) and logs why, and the
// citizen is told once that the bot is back shortly.
func TestWebhookStoreDown(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openCuttable(t)
	obs := newObserver()
	r, logs := newReceiver(t, srv, st, obs, 0)
	hook := r.Webhook("s3cret")
	st.cut.Cut()
	for i := range 3 {
		if w := post(t, hook, "POST", "s3cret", textUpdate(int64(60+i), 79, "sv", "hej")); w.Code != 503 {
			t.Errorf("update %d: status %d while the inbox is down, want 503", i, w.Code)
		}
	}
	if !strings.Contains(logs.String(), "webhook: an update could not be kept") {
		t.Errorf("the failure is not logged:\n%s", logs)
	}
	sent := srv.Sent()
	if len(sent) != 1 || sent[0].ChatID != 79 || sent[0].Text != catalog(t).Say("sv", "error.later", nil) {
		t.Errorf("sent %+v, want one apology in Swedish", sent)
	}
	st.cut.Restore()
	for i := range 3 {
		if w := post(t, hook, "POST", "s3cret", textUpdate(int64(60+i), 79, "sv", "hej")); w.Code != 200 {
			t.Errorf("update %d: status %d once the inbox is back", i, w.Code)
		}
	}
	if q := st.queue(t, 79); len(q) != 3 {
		t.Errorf("%d updates kept, want 3", len(q))
	}
	if n := len(srv.Sent()); n != 1 {
		t.Errorf("%d messages sent, want the one apology", n)
	}
}

// TestWebhookParallelOneChat: updates of one chat posted at once are all
// kept and handled one at a time, in the order the inbox holds them.
func TestWebhookParallelOneChat(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, testToken)
	st := openStore(t)
	r, _ := newReceiver(t, srv, st, nil, 100)
	hook := r.Webhook("s3cret")
	ts := httptest.NewServer(hook)
	defer ts.Close()
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", ts.URL, strings.NewReader(textUpdate(int64(100+i), 80, "en", "m"+strconv.Itoa(i))))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	q := st.queue(t, 80)
	if len(q) != n {
		t.Fatalf("the inbox holds %d updates, want %d", len(q), n)
	}
	h := newHandler(nil)
	work(t, st, h, WorkerOptions{})
	got := h.waitHandled(t, 80, n)
	for i, in := range got {
		if in.UpdateID != q[i].Update {
			t.Fatalf("handled #%d is update %d, the inbox had %d there", i, in.UpdateID, q[i].Update)
		}
	}
	if n := h.maxOverlap(); n != 1 {
		t.Errorf("%d updates of the chat handled at once", n)
	}
}
