package telegram

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
)

const textUpdate = `{"update_id":31,"message":{"message_id":5,"from":{"id":77,"is_bot":false,"first_name":"Aino"},` +
	`"chat":{"id":77,"type":"private"},"date":1700000000,"text":"hello"}}`

func TestWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		method  string
		secret  string // header; "-" for none
		body    string
		fail    bool // the handler returns an error
		drain   bool
		status  int
		handled bool
	}{
		{name: "handled", method: "POST", secret: "s3cret", body: textUpdate, status: 200, handled: true},
		{name: "ignored update type", method: "POST", secret: "s3cret", body: `{"update_id":32,"inline_query":{"id":"q","from":{"id":1,"is_bot":false,"first_name":"A"},"query":"","offset":""}}`, status: 200},
		{name: "wrong secret", method: "POST", secret: "s3cret-not", body: textUpdate, status: 401},
		{name: "missing secret", method: "POST", secret: "-", body: textUpdate, status: 401},
		{name: "GET", method: "GET", secret: "s3cret", status: 405},
		{name: "handler error", method: "POST", secret: "s3cret", body: textUpdate, fail: true, status: 500, handled: true},
		{name: "bad JSON", method: "POST", secret: "s3cret", body: `{"update_id":`, status: 400},
		{name: "draining", method: "POST", secret: "s3cret", body: textUpdate, drain: true, status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var got []bot.Inbound
			in := NewIntake(handlerFunc(func(ctx context.Context, ib bot.Inbound) error {
				time.Sleep(20 * time.Millisecond) // the answer must wait for this
				mu.Lock()
				got = append(got, ib)
				mu.Unlock()
				if tt.fail {
					return errors.New("store unavailable")
				}
				return nil
			}), IntakeOptions{Shards: 2})
			defer in.Close()
			if tt.drain {
				in.Drain()
			}
			ts := httptest.NewServer(in.Webhook("s3cret"))
			defer ts.Close()
			req, err := http.NewRequest(tt.method, ts.URL+"/telegram/webhook", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.secret != "-" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", tt.secret)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			// Read what the handler did at the moment the answer came.
			mu.Lock()
			handled := len(got)
			mu.Unlock()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.handled != (handled == 1) {
				t.Errorf("handled %d times before the answer, want handled=%v", handled, tt.handled)
			}
			if tt.handled && (got[0].ChatID != 77 || got[0].Text != "hello" || got[0].UpdateID != 31) {
				t.Errorf("handled %+v", got[0])
			}
			if tt.status == 405 && resp.Header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
		})
	}
}

// TestWebhookWithoutSecret: a webhook without a configured secret accepts
// nothing, so nobody can forge updates.
func TestWebhookWithoutSecret(t *testing.T) {
	t.Parallel()
	var ran atomic.Bool
	in := NewIntake(handlerFunc(func(context.Context, bot.Inbound) error { ran.Store(true); return nil }), IntakeOptions{Shards: 1})
	defer in.Close()
	for _, header := range []string{"", "anything"} {
		req := httptest.NewRequest("POST", "/telegram/webhook", strings.NewReader(textUpdate))
		if header != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", header)
		}
		w := httptest.NewRecorder()
		in.Webhook("").ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("secret header %q: status %d, want 401", header, w.Code)
		}
	}
	if ran.Load() {
		t.Errorf("the handler ran")
	}
}

// TestWebhookOrderPerChat: concurrent webhook calls of one chat are
// handled one at a time.
func TestWebhookOrderPerChat(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	inflight, maxIn := 0, 0
	in := NewIntake(handlerFunc(func(ctx context.Context, ib bot.Inbound) error {
		mu.Lock()
		inflight++
		maxIn = max(maxIn, inflight)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inflight--
		mu.Unlock()
		return nil
	}), IntakeOptions{Shards: 4})
	defer in.Close()
	h := in.Webhook("s3cret")
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			req := httptest.NewRequest("POST", "/", strings.NewReader(textUpdate))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				t.Errorf("status %d", w.Code)
			}
		})
	}
	wg.Wait()
	if maxIn != 1 {
		t.Errorf("%d updates of one chat handled at once", maxIn)
	}
}
