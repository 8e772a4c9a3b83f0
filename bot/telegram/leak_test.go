package telegram

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
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
			_, err = p.poll(ctx, 0, time.Second)
			noToken(t, "getUpdates", err)

			b, err := tg.New(testToken, tg.WithServerURL(url), tg.WithSkipGetMe(),
				tg.WithErrorsHandler(func(err error) { log.Warn("telegram library", "err", err) }))
			if err != nil {
				t.Fatal(err)
			}
			tr := NewTransport(b, log, nil)
			noToken(t, "Deliver", tr.Deliver(ctx, bot.Out{Chat: 77, Text: "hi", Buttons: buttons("OK")}))
			noToken(t, "Deliver a long text", tr.Deliver(ctx, bot.Out{Chat: 77, Text: strings.Repeat("long ", 2000)}))
			noToken(t, "Acknowledge", tr.Acknowledge(ctx, "123", "ok"))
			noToken(t, "Deliver a mark", tr.Deliver(ctx, bot.Out{Chat: 77, Edit: 1, Text: "OK"}))
			noToken(t, "Deliver a document", tr.Deliver(ctx, bot.Out{Chat: 77, File: "a.json", Data: []byte("{}"), Text: "data"}))
			c := &Client{cfg: Config{Token: testToken}, b: b, poll: p, transport: tr, log: log}
			noToken(t, "SetCommands", c.SetCommands(ctx, catalog(t), nil, nil))
			noToken(t, "SetWebhook", c.SetWebhook(ctx, "https://bot.example.org/hook", "s3cret"))

			// Poll logs its failures: no token there either.
			r := NewReceiver(c, openStore(t), ReceiverOptions{Logger: log, Words: catalog(t)})
			run := start(t, "Poll", r.Poll)
			if !logs.WaitFor("getUpdates failed", wait) {
				t.Errorf("Poll did not log the failure")
			}
			_ = run.stop() // its error is checked at cleanup

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
	srv, _ := connect(t)
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
