package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/redisstore"
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

// testDB is one test's own, empty place in a Redis: a database of the CI
// Redis, a key prefix on a Redis Cluster (which has one database), or an
// in-process server.
type testDB struct {
	url    string
	rdb    redis.UniversalClient
	prefix string // of every key; serve gets it as COSIE_REDIS_PREFIX
}

// key names a key as the store does.
func (d testDB) key(rest string) string { return d.prefix + ":" + rest }

// env adds what serve needs to use this place.
func (d testDB) env(extra map[string]string) map[string]string {
	out := map[string]string{"COSIE_REDIS_PREFIX": d.prefix}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// testRedis gives a test its own place in REDIS_URL (a single server or a
// Cluster), or an in-process server when it is unset.
func testRedis(t testing.TB, db int) testDB {
	t.Helper()
	base := os.Getenv("REDIS_URL")
	if base == "" {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { rdb.Close() })
		return testDB{url: "redis://" + mr.Addr() + "/0", rdb: rdb, prefix: "cosie"}
	}
	opts, err := redisstore.ParseURL(base)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	d := testDB{url: base, prefix: fmt.Sprintf("t%d-%x", db, rand.Uint32())}
	if !opts.IsClusterMode && len(opts.Addrs) == 1 && opts.MasterName == "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("REDIS_URL: %v", err)
		}
		u.Path = fmt.Sprintf("/%d", db)
		d.url, opts.DB = u.String(), db
	}
	d.rdb = redis.NewUniversalClient(opts)
	clean := func() {
		for _, k := range keysOf(t, d.rdb, d.prefix+":*") {
			d.rdb.Del(context.Background(), k)
		}
	}
	clean()
	t.Cleanup(func() { clean(); d.rdb.Close() })
	return d
}

// keysOf lists the keys matching pattern, on every master of a Cluster.
func keysOf(t testing.TB, rdb redis.UniversalClient, pattern string) []string {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var out []string
	scan := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for it.Next(ctx) {
			mu.Lock()
			out = append(out, it.Val())
			mu.Unlock()
		}
		return it.Err()
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, rdb)
	}
	if err != nil {
		t.Fatalf("scan keys: %v", err)
	}
	return out
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
		"COSIE_LEADER_TTL":     "1s",
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

// scanKeys lists every key of the test's place.
func (d testDB) scanKeys(t *testing.T) []string { return keysOf(t, d.rdb, d.prefix+":*") }

// answersIn reads a pilot's stored answers as json.
func (d testDB) answersIn(t *testing.T, pilot string) []string {
	t.Helper()
	var out []string
	err := redisstore.New(d.rdb, redisstore.Options{Namespace: d.prefix}).EachAnswer(context.Background(), pilot, func(r bot.Record) error {
		b, _ := json.Marshal(r)
		out = append(out, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
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

// startParts runs an app's courier, and with intake its receiver (long
// polling) and workers too, until the returned stop is called (or the test
// ends); stop waits for them.
func startParts(tb testing.TB, a *app, intake bool) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	sendCtx, stopSending := context.WithCancel(context.Background())
	if intake {
		wg.Add(2)
		go func() { defer wg.Done(); _ = a.receiver.Poll(ctx) }()
		go func() { defer wg.Done(); _ = a.workers.Run(ctx) }()
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = a.courier.Run(sendCtx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			stopSending()
			<-done
		})
	}
	tb.Cleanup(stop)
	return stop
}
