package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	tg "github.com/go-telegram/bot"
)

// brokenServers are ways reaching Telegram goes wrong. The pages echo the
// request path, as Apache's and some proxies' error pages do: the path
// holds the token.
func brokenServers(t *testing.T) map[string]string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	serve := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	return map[string]string{
		"closed port": closed,
		"500 JSON": serve(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			fmt.Fprint(w, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
		}),
		"500 HTML echoing the URL": serve(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprintf(w, "<html><body>Upstream error for %s</body></html>", r.URL.Path)
		}),
		"404 page echoing the URL": serve(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			fmt.Fprintf(w, "<p>The requested URL %s was not found on this server.</p>", r.URL.Path)
		}),
		"200 not JSON": serve(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "Welcome to nginx! You asked for %s?%s", r.URL.Path, r.URL.RawQuery)
		}),
	}
}

func noToken(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("%s: the error shows the token: %v", what, err)
	}
	// The secret half alone must not show either.
	if _, secret, _ := strings.Cut(testToken, ":"); strings.Contains(err.Error(), secret) {
		t.Errorf("%s: the error shows the token's secret: %v", what, err)
	}
}

func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	for name, url := range brokenServers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logs := &logBuffer{}
			log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			ctx := testCtx(t)

			_, err := Connect(ctx, Config{Token: testToken, APIURL: url, Logger: log})
			noToken(t, "Connect", err)

			p := &poller{base: url + "/bot" + testToken, client: &http.Client{Timeout: wait}, timeout: time.Second}
			_, err = p.getUpdates(ctx, 0)
			noToken(t, "getUpdates", err)

			// Poll logs its failures: no token there either.
			in := NewIntake(handlerFunc(func(context.Context, bot.Inbound) error { return nil }), IntakeOptions{Shards: 1, Logger: log})
			pctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- in.Poll(pctx, p) }()
			if !logs.WaitFor("getUpdates failed", wait) {
				t.Errorf("Poll did not log the failure")
			}
			cancel()
			<-done
			in.Close()

			b, err := tg.New(testToken, tg.WithServerURL(url), tg.WithSkipGetMe(),
				tg.WithErrorsHandler(func(err error) { log.Warn("telegram library", "err", err) }))
			if err != nil {
				t.Fatal(err)
			}
			s := NewSender(b, &recLimiter{}, log)
			s.retries = 1 // one retry, to see its log line
			noToken(t, "Send", s.Send(ctx, 77, flow.Message{Text: "hi", Buttons: buttons("OK")}))
			s.retries = 0 // no more waiting
			noToken(t, "Acknowledge", s.Acknowledge(ctx, "123", "ok"))
			noToken(t, "MarkChosen", s.MarkChosen(ctx, 77, 1, "OK"))
			noToken(t, "SendDocument", s.SendDocument(ctx, 77, "a.json", []byte("{}"), "data"))
			c := &Client{cfg: Config{Token: testToken}, b: b, sender: s, log: log}
			noToken(t, "SetCommands", c.SetCommands(ctx, catalog(t), nil, nil))

			if strings.Contains(logs.String(), testToken) {
				t.Errorf("the log shows the token:\n%s", logs)
			}
		})
	}
}

// TestConnectRefusedToken: a wrong token is named as the problem, without
// showing it.
func TestConnectRefusedToken(t *testing.T) {
	t.Parallel()
	srv, _ := connect(t, nil)
	_, err := Connect(testCtx(t), Config{Token: "999:" + "wrong-token-value", APIURL: srv.URL()})
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") {
		t.Errorf("Connect = %v, want an error about the token", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-token-value") {
		t.Errorf("the error shows the token: %v", err)
	}
	if _, err := Connect(testCtx(t), Config{APIURL: srv.URL()}); err == nil {
		t.Errorf("Connect without a token succeeded")
	}
}
