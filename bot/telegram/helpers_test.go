package telegram

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
	"github.com/redis/go-redis/v9"
)

const testToken = "123456:AAE-secret_Token-do-not-leak"

// wait bounds every wait for something that should happen soon.
const wait = 15 * time.Second

// connect starts a fake Bot API and connects a client to it (1 s long
// polls).
func connect(t *testing.T) (*telegramtest.Server, *Client) {
	t.Helper()
	srv := telegramtest.New(t, testToken)
	return srv, connectTo(t, srv, nil)
}

func connectTo(t testing.TB, srv *telegramtest.Server, log *slog.Logger) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := Connect(ctx, Config{Token: testToken, APIURL: srv.URL() + "/", PollTimeout: time.Second, Logger: log})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if c.Username != telegramtest.BotUsername {
		t.Errorf("Username = %q, want %q", c.Username, telegramtest.BotUsername)
	}
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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

// texts makes n numbered texts.
func texts(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + " " + strconv.Itoa(i)
	}
	return out
}

// --- the store ---

// testStore is an empty inbox in a namespace of its own: on the Redis
// named by REDIS_URL when it is set, else on an embedded server. Chat keys
// are readable ("c<id>"), so tests can find a chat's shard and queue.
type testStore struct {
	*redisstore.Store
	rdb  redis.UniversalClient
	ns   string
	url  string // how to reach it (through the cutter when there is one)
	real bool
	cut  *cutter // nil unless opened with openCuttable
}

func chatKey(chat int64) string { return "c" + strconv.FormatInt(chat, 10) }

// shardOf is the inbox shard of a chat.
func shardOf(chat int64) int { return redisstore.ShardOf(chatKey(chat)) }

// openStore opens an empty store; see testStore.
func openStore(t testing.TB) *testStore { return open(t, false) }

// openCuttable opens an empty store reached through a proxy that can cut
// it off, as a Redis outage would.
func openCuttable(t *testing.T) *testStore { return open(t, true) }

func open(t testing.TB, cuttable bool) *testStore {
	t.Helper()
	s := &testStore{ns: "tgtest-" + randomHex(6), url: os.Getenv("REDIS_URL"), real: true}
	if cuttable && s.url != "" {
		// An outage is made by a proxy in front of one server; on a
		// Cluster, such tests use the embedded server instead.
		if opts, err := redisstore.ParseURL(s.url); err == nil && (len(opts.Addrs) != 1 || opts.IsClusterMode || opts.MasterName != "") {
			t.Logf("REDIS_URL names several servers: the outage runs on the embedded server")
			s.url = ""
		}
	}
	if s.url == "" {
		s.real = false
		rdb, stop, err := redisstore.Embedded()
		if err != nil {
			t.Fatalf("embedded redis: %v", err)
		}
		t.Cleanup(stop)
		c, ok := rdb.(*redis.Client)
		if !ok {
			t.Fatalf("embedded client is a %T", rdb)
		}
		s.url = "redis://" + c.Options().Addr + "/0"
	}
	if cuttable {
		opts, err := redisstore.ParseURL(s.url)
		if err != nil {
			t.Fatal(err)
		}
		if len(opts.Addrs) != 1 || opts.IsClusterMode || opts.MasterName != "" {
			t.Fatalf("an outage can only be made for a single Redis server, not %v", opts.Addrs)
		}
		s.cut = newCutter(t, opts.Addrs[0])
		s.url = strings.Replace(s.url, opts.Addrs[0], s.cut.addr(), 1)
	}
	s.rdb = s.client(t)
	s.Store = redisstore.New(s.rdb, redisstore.Options{Namespace: s.ns, ChatKey: chatKey})
	if err := s.rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("redis %s does not answer: %v", s.url, err)
	}
	if s.real {
		t.Cleanup(func() { s.clean(t) })
	}
	return s
}

// client opens a connection pool of its own, configured as serve's.
func (s *testStore) client(t testing.TB) redis.UniversalClient {
	t.Helper()
	rdb, err := redisstore.Open(s.url)
	if err != nil {
		t.Fatalf("open %s: %v", s.url, err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// replica is the same store as another replica sees it: its own clients.
func (s *testStore) replica(t *testing.T) *redisstore.Store {
	return redisstore.New(s.client(t), redisstore.Options{Namespace: s.ns, ChatKey: chatKey})
}

// queue is what a chat has waiting in the inbox, oldest first.
func (s *testStore) queue(t *testing.T, chat int64) []bot.InboxEntry {
	t.Helper()
	key := s.ns + ":{in:" + strconv.Itoa(shardOf(chat)) + "}:q:" + chatKey(chat)
	raws, err := s.rdb.LRange(t.Context(), key, 0, -1).Result()
	if err != nil {
		t.Fatalf("read the inbox: %v", err)
	}
	out := make([]bot.InboxEntry, len(raws))
	for i, r := range raws {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			t.Fatalf("inbox entry %q: %v", r, err)
		}
	}
	return out
}

// depth is how many updates wait in the inbox.
func (s *testStore) depth(t *testing.T) int64 {
	t.Helper()
	n, _, err := s.InboxDepth(t.Context())
	if err != nil {
		t.Fatalf("inbox depth: %v", err)
	}
	return n
}

// clean deletes the namespace's keys from a shared Redis.
func (s *testStore) clean(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rdb, err := redisstore.Open(os.Getenv("REDIS_URL"))
	if err != nil {
		return
	}
	defer rdb.Close()
	var keys []string
	iter := rdb.Scan(ctx, 0, s.ns+":*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	for _, k := range keys {
		if err := rdb.Del(ctx, k).Err(); err != nil {
			t.Errorf("clean %s: %v", k, err)
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// cutter is a TCP proxy to Redis that can cut it off: while cut, every
// connection is closed at once, as when Redis is down.
type cutter struct {
	ln      net.Listener
	backend string
	mu      sync.Mutex
	down    bool
	conns   map[net.Conn]bool
}

func newCutter(t testing.TB, backend string) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, backend: backend, conns: map[net.Conn]bool{}}
	go c.serve()
	t.Cleanup(func() { _ = ln.Close(); c.Cut() })
	return c
}

func (c *cutter) addr() string { return c.ln.Addr().String() }

func (c *cutter) serve() {
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			return
		}
		if !c.track(conn) {
			continue
		}
		go c.pipe(conn)
	}
}

// track remembers a connection, or closes it while cut.
func (c *cutter) track(conn net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		_ = conn.Close()
		return false
	}
	c.conns[conn] = true
	return true
}

func (c *cutter) pipe(front net.Conn) {
	back, err := net.DialTimeout("tcp", c.backend, 3*time.Second)
	if err != nil || !c.track(back) {
		_ = front.Close()
		return
	}
	go func() {
		_, _ = io.Copy(back, front)
		_ = back.Close()
	}()
	_, _ = io.Copy(front, back)
	_ = front.Close()
}

// Cut makes Redis unreachable.
func (c *cutter) Cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = true
	for conn := range c.conns {
		_ = conn.Close()
	}
	clear(c.conns)
}

// Restore makes Redis reachable again.
func (c *cutter) Restore() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = false
}

// --- the handler ---

// recHandler records what it handles, per chat and in order, and how many
// updates of a chat it handles at once. fn, if set, runs while the update
// is in flight; its error (or panic) fails the update.
type recHandler struct {
	fn func(ctx context.Context, in bot.Inbound) error

	mu       sync.Mutex
	changed  chan struct{}
	handled  map[int64][]bot.Inbound // per chat, successful handles in order
	times    map[int64]int           // per update id, successful handles
	tries    map[int64][]time.Time   // per update id, when each try began
	inflight map[int64]int           // per chat
	overlap  int                     // most updates of one chat in flight at once
	chatsMax int                     // most chats in flight at once
}

func newHandler(fn func(ctx context.Context, in bot.Inbound) error) *recHandler {
	return &recHandler{fn: fn, changed: make(chan struct{}), handled: map[int64][]bot.Inbound{},
		times: map[int64]int{}, tries: map[int64][]time.Time{}, inflight: map[int64]int{}}
}

func (h *recHandler) Handle(ctx context.Context, in bot.Inbound) error {
	h.enter(in)
	ok := false // stays false on a panic, which goes on up
	defer func() { h.leave(in, ok) }()
	if h.fn != nil {
		if err := h.fn(ctx, in); err != nil {
			return err
		}
	}
	ok = true
	return nil
}

func (h *recHandler) enter(in bot.Inbound) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tries[in.UpdateID] = append(h.tries[in.UpdateID], time.Now())
	h.inflight[in.ChatID]++
	h.overlap = max(h.overlap, h.inflight[in.ChatID])
	h.chatsMax = max(h.chatsMax, len(h.inflight))
	h.broadcastLocked()
}

func (h *recHandler) leave(in bot.Inbound, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.inflight[in.ChatID]--; h.inflight[in.ChatID] == 0 {
		delete(h.inflight, in.ChatID)
	}
	if ok {
		h.handled[in.ChatID] = append(h.handled[in.ChatID], in)
		h.times[in.UpdateID]++
	}
	h.broadcastLocked()
}

func (h *recHandler) broadcastLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// waitFor waits until cond, called with h.mu held, is true.
func (h *recHandler) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		h.mu.Lock()
		ok := cond()
		ch := h.changed
		h.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("timed out after %v waiting for %s", wait, what)
		}
	}
}

// waitHandled waits until chat has n updates handled and returns them.
func (h *recHandler) waitHandled(t *testing.T, chat int64, n int) []bot.Inbound {
	t.Helper()
	h.waitFor(t, strconv.Itoa(n)+" updates of chat "+strconv.FormatInt(chat, 10)+" handled", func() bool { return len(h.handled[chat]) >= n })
	return h.of(chat)
}

// of returns what chat had handled.
func (h *recHandler) of(chat int64) []bot.Inbound {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bot.Inbound(nil), h.handled[chat]...)
}

// maxOverlap is the most updates of one chat that were in flight at once.
func (h *recHandler) maxOverlap() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.overlap
}

func (h *recHandler) triesOf(update int64) []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Time(nil), h.tries[update]...)
}

// texts lists the texts handled in chat.
func (h *recHandler) texts(chat int64) []string {
	var out []string
	for _, in := range h.of(chat) {
		out = append(out, in.Text)
	}
	return out
}

// eventually waits until cond is true, checking every few milliseconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(wait); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", wait, what)
		}
	}
}

// --- the observer ---

type recObserver struct {
	mu         sync.Mutex
	pushed     map[bot.PushResult]int
	failed     int
	dead       int
	handled    int
	apologised int
}

func newObserver() *recObserver { return &recObserver{pushed: map[bot.PushResult]int{}} }

func (o *recObserver) Received(string) {}
func (o *recObserver) Pushed(r bot.PushResult) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pushed[r]++
}
func (o *recObserver) Handled(time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.handled++
}
func (o *recObserver) Failed(dead bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failed++
	if dead {
		o.dead++
	}
}
func (o *recObserver) Apologised() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.apologised++
}

func (o *recObserver) apologies() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.apologised
}

func (o *recObserver) count(r bot.PushResult) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pushed[r]
}

// --- running ---

// running is something run until its context ends.
type running struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// start runs fn until stop (or the end of the test).
func start(t *testing.T, name string, fn func(ctx context.Context) error) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- fn(ctx) }()
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	})
	return r
}

// stop cancels the run and waits for it to return, giving its error.
func (r *running) stop() error {
	r.once.Do(func() {
		r.cancel()
		select {
		case r.err = <-r.done:
		case <-time.After(wait):
			r.err = errors.New("did not return within " + wait.String() + " of stopping")
		}
	})
	return r.err
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

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
