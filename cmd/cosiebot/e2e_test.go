package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
	"github.com/redis/go-redis/v9"
)

// End-to-end tests run `serve` through run(), its own wiring, against the
// fake Bot API and a Redis: the real one when REDIS_URL is set (CI), else an
// in-process one in the test.

const (
	testToken = "123456:TESTTOKEN-never-in-logs"
	testKey   = "e2e-pseudonym-key-0123456789abcdef"
	wait      = 10 * time.Second
)

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testRedis returns a Redis URL for one test, empty and its own: a database
// of the CI Redis, or an in-process server.
func testRedis(t *testing.T, db int) (string, *redis.Client) {
	t.Helper()
	if base := os.Getenv("REDIS_URL"); base != "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("REDIS_URL: %v", err)
		}
		u.Path = fmt.Sprintf("/%d", db)
		rdb := redis.NewClient(&redis.Options{Addr: u.Host, DB: db})
		if err := rdb.FlushDB(context.Background()).Err(); err != nil {
			t.Fatalf("flush test database: %v", err)
		}
		t.Cleanup(func() { rdb.FlushDB(context.Background()); rdb.Close() })
		return u.String(), rdb
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return "redis://" + mr.Addr() + "/0", rdb
}

// server is one `cosiebot serve` run inside the test process.
type server struct {
	t      *testing.T
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
	addr   string
}

func serveEnv(fake *telegramtest.Server, redisURL string, extra map[string]string) map[string]string {
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN":   testToken,
		"TELEGRAM_API_URL":     fake.URL(),
		"REDIS_URL":            redisURL,
		"COSIE_PSEUDONYM_KEY":  testKey,
		"COSIE_FLOWS_DIR":      "testdata/flows",
		"COSIE_HTTP_ADDR":      "127.0.0.1:0",
		"COSIE_POLL_TIMEOUT":   "2s",
		"COSIE_DISPATCH_EVERY": "200ms",
		"COSIE_LOG_LEVEL":      "debug",
		"COSIE_CHAT_INTERVAL":  "20ms",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func startServe(t *testing.T, env map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, logs: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &bytes.Buffer{}, s.logs)
	}()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if i := strings.Index(s.logs.String(), "listening on "); i >= 0 {
			line := s.logs.String()[i+len("listening on "):]
			s.addr = strings.TrimSpace(strings.SplitN(line, "\n", 2)[0])
			break
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve stopped at start: %v\n%s", err, s.logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if s.addr == "" {
		t.Fatalf("serve did not start:\n%s", s.logs)
	}
	t.Cleanup(func() {
		s.stop()
		if strings.Contains(s.logs.String(), testToken) || strings.Contains(s.logs.String(), "TESTTOKEN") {
			t.Errorf("the bot token appeared in the logs:\n%s", s.logs)
		}
	})
	return s
}

func (s *server) stop() error {
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // keep it for a second stop
		return err
	case <-time.After(wait):
		s.t.Fatalf("serve did not stop within %v:\n%s", wait, s.logs)
	}
	return nil
}

// citizen talks to the bot through the fake Bot API.
type citizen struct {
	t    *testing.T
	fake *telegramtest.Server
	chat int64
	lang string
	seen int // messages to this chat already read
}

func newCitizen(t *testing.T, fake *telegramtest.Server, chat int64, lang string) *citizen {
	return &citizen{t: t, fake: fake, chat: chat, lang: lang}
}

func (c *citizen) say(text string) int64 { return c.fake.PushText(c.chat, c.chat, c.lang, text) }

// expect waits for the next message to this chat and checks it contains text.
func (c *citizen) expect(text string) telegramtest.Sent {
	c.t.Helper()
	msgs := c.fake.WaitSentTo(c.t, c.chat, c.seen+1, wait)
	m := msgs[c.seen]
	c.seen++
	if !strings.Contains(m.Text, text) {
		c.t.Fatalf("chat %d: next message %q does not contain %q", c.chat, m.Text, text)
	}
	return m
}

// press presses the button labelled label (or containing it) of the most
// recent message with buttons.
func (c *citizen) press(label string) (updateID int64, callbackID string) {
	c.t.Helper()
	msgs := sentTo(c.fake, c.chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Buttons {
			for _, b := range row {
				if b.Text == label || strings.Contains(b.Text, label) {
					return c.fake.PushCallback(c.chat, c.chat, c.lang, msgs[i].MessageID, b.Data)
				}
			}
		}
		if len(msgs[i].Buttons) > 0 {
			c.t.Fatalf("chat %d: no button %q in %+v", c.chat, label, msgs[i].Buttons)
		}
	}
	c.t.Fatalf("chat %d: no message with buttons", c.chat)
	return 0, ""
}

// pressData presses a button by its raw data on message id.
func (c *citizen) pressData(messageID int, data string) (int64, string) {
	return c.fake.PushCallback(c.chat, c.chat, c.lang, messageID, data)
}

func sentTo(fake *telegramtest.Server, chat int64) []telegramtest.Sent {
	var out []telegramtest.Sent
	for _, m := range fake.Sent() {
		if m.ChatID == chat {
			out = append(out, m)
		}
	}
	return out
}

// scanKeys lists every key in the test database.
func scanKeys(t *testing.T, rdb *redis.Client) []string {
	t.Helper()
	keys, err := rdb.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// answersIn reads the answers stream of a pilot as result -> values.
func answersIn(t *testing.T, rdb *redis.Client, pilot string) []string {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), "cosie:{p:"+pilot+"}:a", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Values["j"].(string))
	}
	return out
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
