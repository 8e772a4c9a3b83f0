package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
	"github.com/cosie/cosiebot/locales"
	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"
)

// BenchmarkServeLoad drives serve's handling path (intake, service, Redis
// store, sender) with many simulated chats against the fake Bot API, and a
// minimal echo bot on the same library and fake server as the baseline.
//
//	REDIS_URL=redis://127.0.0.1:6379/0 go test ./cmd/cosiebot -run XXX -bench ServeLoad -benchtime 4000x
//
// Reported: updates/s, p50 and p99 latency (update pushed -> reply sent),
// Redis round trips per update, Redis bytes per stored session and Redis
// CPU per update (real Redis only) and the ratio to the echo bot's
// throughput.
func BenchmarkServeLoad(b *testing.B) {
	const chats = 64
	perChat := max(b.N/chats, 5)
	redisURL, rdb := benchRedis(b)

	// The echo baseline first, then cosiebot, in the same run.
	echoRate := runEcho(b, chats, perChat)

	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "load.yaml"), []byte(loadFlow), 0o600); err != nil {
		b.Fatal(err)
	}
	fake := telegramtest.New(b, testToken)
	// Throughput: no pacing of chats (a closed loop answers at once, far
	// faster than people), the intake's per-chat limits out of the way.
	cfg := &serveConfig{token: testToken, apiURL: fake.URL(), pseudonymKey: []byte(testKey), pollTimeout: 2 * time.Second,
		rate: 1e6, chatInterval: time.Microsecond, chatBurst: 1 << 20, maxWaiting: 1 << 20, workers: 128,
		updateTimeout: 30 * time.Second, maxTries: 8, leaderTTL: 10 * time.Second, httpAddr: "127.0.0.1:0"}
	counted, trips := benchClient(b, redisURL)
	words, err := locales.Default()
	if err != nil {
		b.Fatal(err)
	}
	set, err := loadFlows(source{fsys: os.DirFS(dir), dir: dir}, words, os.Stderr)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	a, err := buildApp(context.Background(), cfg, counted, words, set, log)
	if err != nil {
		b.Fatal(err)
	}
	stop := startParts(b, a, true)

	trips.Store(0)
	redisCPU := serverCPU(b, rdb)
	lat, elapsed, updates := drive(b, fake, chats, perChat, 1_000_000)
	rate := float64(updates) / elapsed.Seconds()
	stop()
	redisCPU = serverCPU(b, rdb) - redisCPU

	b.ReportMetric(rate, "updates/s")
	b.ReportMetric(echoRate, "echo-updates/s")
	b.ReportMetric(rate/echoRate, "ratio-to-echo")
	b.ReportMetric(percentile(lat, 50), "p50-ms")
	b.ReportMetric(percentile(lat, 99), "p99-ms")
	b.ReportMetric(float64(trips.Load())/float64(updates), "redis-roundtrips/update")
	if rdb != nil {
		b.ReportMetric(sessionBytes(b, rdb), "redis-bytes/session")
		b.ReportMetric(float64(redisCPU.Microseconds())/float64(updates), "redis-cpu-us/update")
	}
}

// loadFlow is a short flow that starts over at the end, so chats can go
// round it as long as the benchmark runs.
const loadFlow = `
pilot:
  id: load
  name: {en: Load}
  languages: [en]
  timezone: Europe/Helsinki
  digest: "0 9 * * MON"
  retention_days: 30
  help: {en: Help}
  reminders: {count: 1, after: 1d}
nodes:
  - id: hello
    type: consent
    text: {en: Hello}
  - id: rate
    type: rating
    result: experience
    text: {en: "How was it?"}
  - id: why
    type: choice
    result: reason
    text: {en: "Why?"}
    options:
      - id: staff
        text: {en: Staff}
      - id: time
        text: {en: Time}
  - id: idea
    type: text
    result: idea
    text: {en: "Idea?"}
  - id: bye
    type: end
    restart: true
    text: {en: Bye}
`

// drive runs chats concurrently; each chat acts, waits for the reply, and
// acts again: the first action is /start, then it presses the first button
// of each reply or types text where there is none.
func drive(b *testing.B, fake *telegramtest.Server, chats, perChat int, base int64) (lat []float64, elapsed time.Duration, updates int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for c := range chats {
		wg.Add(1)
		go func(chat int64) {
			defer wg.Done()
			seen := 0
			var last telegramtest.Sent
			mine := make([]float64, 0, perChat)
			for i := range perChat {
				t0 := time.Now()
				switch {
				case i == 0:
					fake.PushText(chat, chat, "en", "/start load")
				case len(last.Buttons) > 0:
					fake.PushCallback(chat, chat, "en", last.MessageID, last.Buttons[0][0].Data)
				default:
					fake.PushText(chat, chat, "en", "an idea")
				}
				msgs := fake.WaitSentTo(b, chat, seen+1, 30*time.Second)
				last = msgs[len(msgs)-1]
				seen = len(msgs)
				mine = append(mine, float64(time.Since(t0).Microseconds())/1000)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(base + int64(c))
	}
	wg.Wait()
	return lat, time.Since(start), chats * perChat
}

// runEcho measures a minimal echo bot on go-telegram/bot with its own long
// polling, against its own fake server, driven by the same simulated chats.
// cosiebot does the same work plus replacing the pressed keyboard with the
// chosen option, a Redis session and a commit.
func runEcho(b *testing.B, chats, perChat int) float64 {
	fake := telegramtest.New(b, testToken)
	stop := startEcho(b, fake)
	_, elapsed, updates := drive(b, fake, chats, perChat, 2_000_000)
	stop()
	return float64(updates) / elapsed.Seconds()
}

// startEcho runs a plain echo bot on go-telegram/bot against fake (its own
// long polling, a goroutine per update): it answers each button press
// (Telegram requires it) and echoes every update, with a button on four
// replies out of five per chat, as the load flow asks four button
// questions and one typed one. stop ends it.
func startEcho(b *testing.B, fake *telegramtest.Server) (stop func()) {
	var mu sync.Mutex
	replies := map[int64]int{}
	reply := func(ctx context.Context, bt *tg.Bot, chat int64, text string) {
		mu.Lock()
		replies[chat]++
		n := replies[chat]
		mu.Unlock()
		p := &tg.SendMessageParams{ChatID: chat, Text: text}
		if n%5 != 4 {
			p.ReplyMarkup = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "again", CallbackData: "again"}}}}
		}
		_, _ = bt.SendMessage(ctx, p)
	}
	bt, err := tg.New(testToken, tg.WithServerURL(fake.URL()), tg.WithSkipGetMe(),
		tg.WithHTTPClient(2*time.Second, &http.Client{Timeout: 10 * time.Second}),
		tg.WithDefaultHandler(func(ctx context.Context, bt *tg.Bot, u *models.Update) {
			switch {
			case u.Message != nil:
				reply(ctx, bt, u.Message.Chat.ID, u.Message.Text)
			case u.CallbackQuery != nil:
				_, _ = bt.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID})
				reply(ctx, bt, u.CallbackQuery.From.ID, u.CallbackQuery.Data)
			}
		}))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bt.Start(ctx) }()
	return func() { cancel(); <-done }
}

func percentile(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// benchClient opens a client as serve does (concurrent commands share
// pipelines) and counts its round trips: a batch or a pipeline counts
// once. Hooks in first see every command before it joins a batch.
func benchClient(b *testing.B, redisURL string, first ...redis.Hook) (redis.UniversalClient, *atomic.Int64) {
	opts, err := redisstore.ParseURL(redisURL)
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewUniversalClient(opts)
	for _, h := range first {
		rdb.AddHook(h)
	}
	batch := redisstore.Batch(rdb)
	b.Cleanup(func() { batch.Close(); rdb.Close() })
	var trips atomic.Int64
	rdb.AddHook(countHook{&trips})
	return rdb, &trips
}

// countHook counts round trips: one per command sent alone, one per
// pipeline (a batch is one).
type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// benchRedis uses REDIS_URL (database 10, flushed) or an in-process server.
func benchRedis(b *testing.B) (string, *redis.Client) {
	if base := os.Getenv("REDIS_URL"); base != "" {
		opts, err := redis.ParseURL(base)
		if err != nil {
			b.Fatal(err)
		}
		opts.DB = 10
		rdb := redis.NewClient(opts)
		if err := rdb.FlushDB(context.Background()).Err(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { rdb.FlushDB(context.Background()); rdb.Close() })
		return "redis://" + opts.Addr + "/10", rdb
	}
	b.Log("REDIS_URL is not set: using an in-process Redis; no memory figures")
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	addr := rdb.(*redis.Client).Options().Addr
	if _, _, err := net.SplitHostPort(addr); err != nil {
		b.Fatal(err)
	}
	return "redis://" + addr + "/0", nil
}

// serverCPU is the CPU time the Redis server has used (user and
// system), or zero without a real server.
func serverCPU(b *testing.B, rdb *redis.Client) time.Duration {
	if rdb == nil {
		return 0
	}
	info, err := rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatalf("INFO cpu: %v", err)
	}
	var total time.Duration
	for _, line := range strings.Split(info, "\r\n") {
		name, v, ok := strings.Cut(line, ":")
		if ok && (name == "used_cpu_sys" || name == "used_cpu_user") {
			sec, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("INFO cpu %s: %v", line, err)
			}
			total += time.Duration(sec * float64(time.Second))
		}
	}
	return total
}

// sessionBytes is the average MEMORY USAGE of a session key plus the
// citizen's pointer key.
func sessionBytes(b *testing.B, rdb *redis.Client) float64 {
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "cosie:{p:load}:s:*").Result()
	if err != nil || len(keys) == 0 {
		b.Fatalf("no session keys: %v", err)
	}
	var total int64
	for _, k := range keys {
		user := k[strings.LastIndex(k, ":")+1:]
		s, err1 := rdb.MemoryUsage(ctx, k).Result()
		p, err2 := rdb.MemoryUsage(ctx, "cosie:u:{"+user+"}").Result()
		if err1 != nil || err2 != nil {
			b.Fatalf("MEMORY USAGE: %v %v", err1, err2)
		}
		total += s + p
	}
	return float64(total) / float64(len(keys))
}
