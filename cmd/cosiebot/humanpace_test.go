package main

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
	"github.com/cosie/cosiebot/locales"
)

// BenchmarkHumanPace puts citizens at human pace on serve's wiring, beside
// a plain go-telegram/bot echo bot in the same run, both against a fake
// Bot API that enforces Telegram's limits (a burst of 3 then 1/s per chat,
// edits included; 30/s across chats). Each citizen acts, waits for the
// reply, thinks for an exponentially distributed time (mean 5 s) and acts
// again, for the whole run. It ignores b.N: run it once.
//
//	REDIS_URL=redis://127.0.0.1:6379/0 go test ./cmd/cosiebot -run XXX -bench HumanPace -benchtime 1x
//
// COSIE_LOAD_CITIZENS (default 100) and COSIE_LOAD_SECONDS (default 60)
// change the size. Reported: replies/s of each bot, their ratio, p50 and
// p99 reply time, 429s, Redis round trips per update, and CPU per update
// (this process: the bot and the fake together; the echo run measured the
// same way).
func BenchmarkHumanPace(b *testing.B) {
	citizens := envInt("COSIE_LOAD_CITIZENS", 100)
	secs := envInt("COSIE_LOAD_SECONDS", 60)
	run := time.Duration(secs) * time.Second

	echo := paceEcho(b, citizens, run)
	bot := paceCosie(b, citizens, run)

	b.ReportMetric(bot.rate, "replies/s")
	b.ReportMetric(echo.rate, "echo-replies/s")
	b.ReportMetric(bot.rate/echo.rate, "ratio-to-echo")
	b.ReportMetric(percentile(bot.lat, 50), "p50-ms")
	b.ReportMetric(percentile(bot.lat, 99), "p99-ms")
	b.ReportMetric(percentile(echo.lat, 99), "echo-p99-ms")
	b.ReportMetric(float64(bot.rejected), "429s")
	b.Logf("cosiebot 429s by method: %v; echo: %v", bot.by, echo.by)
	b.ReportMetric(float64(echo.rejected), "echo-429s")
	b.ReportMetric(float64(bot.lost), "unanswered")
	b.ReportMetric(float64(echo.lost), "echo-unanswered")
	b.ReportMetric(bot.trips, "redis-roundtrips/update")
	b.ReportMetric(bot.cpu, "cpu-ms/update")
	b.ReportMetric(echo.cpu, "echo-cpu-ms/update")
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// paceResult is one bot's run.
type paceResult struct {
	rate     float64   // replies per second
	lat      []float64 // ms from an update to its first reply
	rejected int       // 429s
	lost     int       // citizens who got no reply within 30 s
	by       map[string]int
	trips    float64 // Redis round trips per update
	cpu      float64 // CPU ms per update
}

// citizensAt drives citizens at human pace until run ends: each acts
// (/start first, then presses the first button of the last reply, or types
// where there is none), waits for a reply, thinks, and acts again.
func citizensAt(b *testing.B, fake *telegramtest.Server, citizens int, run time.Duration, base int64) (lat []float64, replies, lost int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	end := time.Now().Add(run)
	for c := range citizens {
		wg.Go(func() {
			chat := base + int64(c)
			rng := rand.New(rand.NewPCG(uint64(chat), 7))
			// Start at a random moment of the first think time, as people do.
			time.Sleep(time.Duration(rng.ExpFloat64() * float64(5*time.Second)))
			seen := 0
			var last telegramtest.Sent
			var mine []float64
			for i := 0; time.Now().Before(end); i++ {
				t0 := time.Now()
				switch {
				case i == 0:
					fake.PushText(chat, chat, "en", "/start load")
				case len(last.Buttons) > 0:
					fake.PushCallback(chat, chat, "en", last.MessageID, last.Buttons[0][0].Data)
				default:
					fake.PushText(chat, chat, "en", "an idea")
				}
				if !waitReply(fake, chat, seen, 30*time.Second) {
					mu.Lock()
					lost++
					mu.Unlock()
					return // this citizen gives up, as people do
				}
				mine = append(mine, float64(time.Since(t0).Microseconds())/1000)
				// The rest of the turn's messages, if any, come at once.
				time.Sleep(50 * time.Millisecond)
				msgs := sentTo(fake, chat)
				last, seen = msgs[len(msgs)-1], len(msgs)
				time.Sleep(time.Duration(rng.ExpFloat64() * float64(5*time.Second)))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return lat, len(lat), lost
}

// waitReply waits until chat has more than seen messages.
func waitReply(fake *telegramtest.Server, chat int64, seen int, within time.Duration) bool {
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if len(sentTo(fake, chat)) > seen {
			return true
		}
	}
	return false
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// paceEcho runs the plain echo bot (startEcho) against its own limited
// fake.
func paceEcho(b *testing.B, citizens int, run time.Duration) paceResult {
	fake := telegramtest.New(b, testToken)
	fake.SetLimits(telegramtest.TelegramLimits())
	stop := startEcho(b, fake)
	cpu := cpuTime()
	lat, replies, lost := citizensAt(b, fake, citizens, run, 3_000_000)
	cpu = cpuTime() - cpu
	stop()
	return paceResult{rate: float64(replies) / run.Seconds(), lat: lat, rejected: fake.Stats().Rejected429, by: fake.Stats().Rejected429By, lost: lost,
		cpu: float64(cpu.Microseconds()) / 1000 / float64(max(replies, 1))}
}

// paceCosie runs serve's wiring with its real settings (per-chat pace 1/s
// after a burst of 3, bulk cap 25/s) against its own limited fake.
func paceCosie(b *testing.B, citizens int, run time.Duration) paceResult {
	redisURL, _ := benchRedis(b)
	fake := telegramtest.New(b, testToken)
	fake.SetLimits(telegramtest.TelegramLimits())
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "load.yaml"), []byte(loadFlow), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg := &serveConfig{token: testToken, apiURL: fake.URL(), pseudonymKey: []byte(testKey), pollTimeout: 2 * time.Second,
		rate: 25, chatInterval: time.Second, chatBurst: 3, maxWaiting: 10, workers: 128, updateTimeout: 30 * time.Second,
		maxTries: 8, leaderTTL: 10 * time.Second, httpAddr: "127.0.0.1:0"}
	byCommand := newCommandHook()
	counted, trips := benchClient(b, redisURL, byCommand)
	words, err := locales.Default()
	if err != nil {
		b.Fatal(err)
	}
	set, err := loadFlows(source{fsys: os.DirFS(dir), dir: dir}, words, os.Stderr)
	if err != nil {
		b.Fatal(err)
	}
	a, err := buildApp(context.Background(), cfg, counted, words, set, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	stop := startParts(b, a, true)
	trips.Store(0)
	cpu := cpuTime()
	lat, replies, lost := citizensAt(b, fake, citizens, run, 4_000_000)
	cpu = cpuTime() - cpu
	n := trips.Load()
	stop()
	b.Logf("Redis commands per update, by name (scripts by hash; a pipeline of its own counts once): %s", byCommand.per(replies))
	log429s(b, fake)
	return paceResult{rate: float64(replies) / run.Seconds(), lat: lat, rejected: fake.Stats().Rejected429, by: fake.Stats().Rejected429By, lost: lost,
		trips: float64(n) / float64(max(replies, 1)), cpu: float64(cpu.Microseconds()) / 1000 / float64(max(replies, 1))}
}

// log429s shows each 429 with the calls to its chat around it, to see
// what pacing missed.
func log429s(b *testing.B, fake *telegramtest.Server) {
	calls := append(fake.Calls("sendMessage"), fake.Calls("editMessageReplyMarkup")...)
	for _, c := range calls {
		if c.Status != 429 {
			continue
		}
		chat := c.Form["chat_id"]
		for _, d := range calls {
			if d.Form["chat_id"] == chat && d.At.After(c.At.Add(-5*time.Second)) && d.At.Before(c.At.Add(2*time.Second)) {
				b.Logf("429 in chat %s: %s at %s answered %d", chat, d.Method, d.At.Format("15:04:05.000"), d.Status)
			}
		}
	}
}
