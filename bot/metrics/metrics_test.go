package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/metrics"
	"github.com/cosie/cosiebot/bot/redisstore"
)

// scrape returns the metrics page.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// observeAll calls every observer once, so that every metric has a value.
func observeAll(m *metrics.Metrics) {
	m.Received("message")
	m.Pushed(bot.Queued)
	m.Pushed(bot.Dropped)
	m.Handled(12 * time.Millisecond)
	m.Failed(false)
	m.Failed(true)
	m.Apologised()
	obs := metrics.CourierObserver{M: m}
	obs.Sent(bot.LaneReply, 300*time.Millisecond, 10*time.Millisecond)
	obs.Failed(bot.LaneBulk, "429")
	obs.Failed(bot.LaneCosmetic, "skipped")
	m.Call("sendMessage", "ok")
	m.PromptSent(flow.PromptFollowUp, 3*time.Second)
	m.Conflict()
	m.Alert("turku")
	m.Reloaded(false)
}

// TestMetrics: every observer call shows up under its documented name,
// and the queue gauges are read from the store at scrape time.
func TestMetrics(t *testing.T) {
	m := metrics.New()
	observeAll(m)

	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	store := redisstore.New(rdb, redisstore.Options{})
	ctx := context.Background()
	if _, err := store.Push(ctx, bot.InboxEntry{Update: 5, Chat: 1, Received: time.Now().Add(-time.Minute).UnixMilli()}, 10); err != nil {
		t.Fatal(err)
	}
	if err := store.Commit(ctx, &bot.Commit{Pilot: "turku", Out: []bot.Out{{Chat: 1, Lane: bot.LaneBulk, Text: "x"}, {Chat: 2, Text: "y"}}}); err != nil {
		t.Fatal(err)
	}
	m.WatchQueues(store, func() []string { return []string{"turku"} })

	page := scrape(t, m)
	for _, want := range []string{
		`cosie_updates_received_total{kind="message"} 1`,
		`cosie_inbox_pushes_total{result="dropped"} 1`,
		`cosie_updates_handled_total 1`,
		`cosie_updates_failed_total{dead="true"} 1`,
		`cosie_apologies_total 1`,
		`cosie_outbox_sends_total{lane="reply",result="sent"} 1`,
		`cosie_outbox_sends_total{lane="bulk",result="429"} 1`,
		`cosie_outbox_sends_total{lane="cosmetic",result="skipped"} 1`,
		`cosie_reply_seconds_count 1`,
		`cosie_telegram_calls_total{method="sendMessage",result="ok"} 1`,
		`cosie_prompts_sent_total{kind="followup"} 1`,
		`cosie_commit_conflicts_total 1`,
		`cosie_safeguarding_alerts_total{pilot="turku"} 1`,
		`cosie_flow_reload_last_successful 0`,
		`cosie_inbox_depth 1`,
		`cosie_outbox_depth{lane="bulk"} 1`,
		`cosie_outbox_depth{lane="reply"} 1`,
		`cosie_redis_up 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if !strings.Contains(page, "cosie_inbox_oldest_seconds 6") && !strings.Contains(page, "cosie_inbox_oldest_seconds 5") {
		t.Errorf("the inbox's oldest update is a minute old; page:\n%s", grep(page, "inbox_oldest"))
	}
	// Redis gone: the gauges say so instead of failing the scrape.
	stop()
	if page := scrape(t, m); !strings.Contains(page, "cosie_redis_up 0") {
		t.Errorf("with Redis down: %s", grep(page, "redis_up"))
	}
}

func grep(page, s string) string {
	var out []string
	for _, l := range strings.Split(page, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestDocumentedMetricsExist: every cosie_ metric the operations guide,
// the alert rules and the Grafana dashboard name is one the bot serves,
// and every metric it serves is in the guide's table.
func TestDocumentedMetricsExist(t *testing.T) {
	m := metrics.New()
	observeAll(m)
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	m.WatchQueues(redisstore.New(rdb, redisstore.Options{}), func() []string { return nil })
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, f := range families {
		served[f.GetName()] = true
	}
	name := regexp.MustCompile(`cosie_[a-z_]+`)
	guide := ""
	for _, file := range []string{"operations.md", "alerts.yml", "grafana-cosiebot.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "docs", file))
		if err != nil {
			t.Fatal(err)
		}
		if file == "operations.md" {
			guide = string(data)
		}
		for _, n := range name.FindAllString(string(data), -1) {
			base := n
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(n, suffix); ok && served[b] {
					base = b
				}
			}
			if !served[base] {
				t.Errorf("docs/%s names %s, which the bot does not serve", file, n)
			}
		}
	}
	for n := range served {
		if strings.HasPrefix(n, "cosie_") && !strings.Contains(guide, "`"+n) {
			t.Errorf("%s is served but not in docs/operations.md's metrics table", n)
		}
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	data, _ := os.ReadFile(filepath.Join("..", "..", "docs", "grafana-cosiebot.json"))
	if err := json.Unmarshal(data, &dash); err != nil || len(dash.Panels) == 0 {
		t.Fatalf("the Grafana dashboard is not valid JSON with panels: %v", err)
	}
}
