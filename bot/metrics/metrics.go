// Package metrics counts what the bot does, for Prometheus: updates in,
// handled, failed and dead-lettered; the inbox and outbox depths; reply
// times; Telegram calls and 429s; follow-ups; commit conflicts; flow
// reloads; safeguarding alerts. It has its own registry (no global state)
// and implements the small observer interfaces the other packages declare.
// docs/operations.md lists every metric.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the bot's metrics.
type Metrics struct {
	reg *prometheus.Registry

	updatesIn  *prometheus.CounterVec
	pushed     *prometheus.CounterVec
	handled    prometheus.Counter
	handleTime prometheus.Histogram
	failed     *prometheus.CounterVec
	apologies  prometheus.Counter
	sends      *prometheus.CounterVec
	replyTime  prometheus.Histogram
	outboxWait *prometheus.HistogramVec
	calls      *prometheus.CounterVec
	prompts    *prometheus.CounterVec
	promptLate *prometheus.HistogramVec
	conflicts  prometheus.Counter
	reloads    *prometheus.CounterVec
	reloadOK   prometheus.Gauge
	alerts     *prometheus.CounterVec
}

const ns = "cosie"

// New makes the metrics and registers them, with the Go runtime's and the
// process's, on a registry of their own.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := factory{m.reg}
	m.updatesIn = f.counterVec("updates_received_total", "Updates received from Telegram, by kind.", "kind")
	m.pushed = f.counterVec("inbox_pushes_total", "What the inbox did with received updates: queued, duplicate (sent again by Telegram) or dropped (the chat had too many waiting).", "result")
	m.handled = f.counter("updates_handled_total", "Updates handled.")
	m.handleTime = f.histogram("update_handle_seconds", "Time to handle one update (load, decide, commit).", prometheus.ExponentialBuckets(0.001, 2.5, 10))
	m.failed = f.counterVec("updates_failed_total", "Failed tries to handle an update; dead=\"true\" when it became a dead letter.", "dead")
	m.apologies = f.counter("apologies_total", "Citizens told the bot is back shortly while Redis was unreachable.")
	m.sends = f.counterVec("outbox_sends_total", "Messages of the outbox by lane and result: sent, 429, blocked, permanent, temporary, skipped.", "lane", "result")
	m.replyTime = f.histogram("reply_seconds", "From an update's arrival to Telegram accepting the reply.", []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30})
	m.outboxWait = f.histogramVec("outbox_wait_seconds", "Time a message waited in the outbox, by lane.", []float64{.01, .05, .1, .5, 1, 5, 15, 60, 300}, "lane")
	m.calls = f.counterVec("telegram_calls_total", "Bot API calls by method and result (ok, 429, blocked, refused, error).", "method", "result")
	m.prompts = f.counterVec("prompts_sent_total", "Follow-ups and reminders committed for sending, by kind.", "kind")
	m.promptLate = f.histogramVec("prompt_late_seconds", "How late a follow-up or reminder was committed after its due time.", []float64{1, 5, 15, 60, 300, 900, 3600, 6 * 3600}, "kind")
	m.conflicts = f.counter("commit_conflicts_total", "Commits that found the session changed by another replica and were retried.")
	m.reloads = f.counterVec("flow_reloads_total", "Flow reloads by result (ok, failed).", "result")
	m.reloadOK = f.gauge("flow_reload_last_successful", "1 if the last flow reload succeeded.")
	m.alerts = f.counterVec("safeguarding_alerts_total", "Safeguarding alerts sent to coordinators, by pilot.", "pilot")
	m.reloadOK.Set(1)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry the metrics live in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Received implements the intake's observer.
func (m *Metrics) Received(kind string) { m.updatesIn.WithLabelValues(kind).Inc() }

// Pushed implements the intake's observer.
func (m *Metrics) Pushed(r bot.PushResult) {
	name := [...]string{"queued", "duplicate", "dropped"}
	if int(r) < len(name) {
		m.pushed.WithLabelValues(name[r]).Inc()
	}
}

// Handled implements the intake's observer.
func (m *Metrics) Handled(took time.Duration) {
	m.handled.Inc()
	m.handleTime.Observe(took.Seconds())
}

// Failed implements the intake's observer.
func (m *Metrics) Failed(dead bool) { m.failed.WithLabelValues(strconv.FormatBool(dead)).Inc() }

// Apologised implements the intake's observer.
func (m *Metrics) Apologised() { m.apologies.Inc() }

// Sent implements the courier's observer.
func (m *Metrics) Sent(lane bot.Lane, reply, waited time.Duration) {
	m.sends.WithLabelValues(LaneName(lane), "sent").Inc()
	if reply > 0 {
		m.replyTime.Observe(reply.Seconds())
	}
	m.outboxWait.WithLabelValues(LaneName(lane)).Observe(waited.Seconds())
}

// Failed implements the courier's observer (as SendFailed: the name
// Failed belongs to the intake's).
func (m *Metrics) SendFailed(lane bot.Lane, why string) {
	m.sends.WithLabelValues(LaneName(lane), why).Inc()
}

// Call implements the Telegram transport's observer.
func (m *Metrics) Call(method, result string) { m.calls.WithLabelValues(method, result).Inc() }

// PromptSent implements the service's observer.
func (m *Metrics) PromptSent(kind flow.PromptKind, late time.Duration) {
	m.prompts.WithLabelValues(string(kind)).Inc()
	m.promptLate.WithLabelValues(string(kind)).Observe(max(late, 0).Seconds())
}

// Conflict implements the service's observer.
func (m *Metrics) Conflict() { m.conflicts.Inc() }

// Alert implements the service's observer.
func (m *Metrics) Alert(pilot string) { m.alerts.WithLabelValues(pilot).Inc() }

// Reloaded records a flow reload.
func (m *Metrics) Reloaded(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
		m.reloadOK.Set(1)
		return
	}
	m.reloads.WithLabelValues("failed").Inc()
	m.reloadOK.Set(0)
}

// LaneName names a lane in labels and logs.
func LaneName(l bot.Lane) string {
	switch l {
	case bot.LaneReply:
		return "reply"
	case bot.LaneBulk:
		return "bulk"
	case bot.LaneCosmetic:
		return "cosmetic"
	}
	return "unknown"
}

// CourierObserver adapts the metrics to the courier's observer interface.
type CourierObserver struct{ M *Metrics }

// Sent records a message that went.
func (o CourierObserver) Sent(lane bot.Lane, reply, waited time.Duration) {
	o.M.Sent(lane, reply, waited)
}

// Failed records a failed try.
func (o CourierObserver) Failed(lane bot.Lane, why string) { o.M.SendFailed(lane, why) }

// Depths reads the queue depths from the store at scrape time.
type Depths interface {
	InboxDepth(ctx context.Context) (int64, time.Time, error)
	OutboxDepth(ctx context.Context, part string) (map[bot.Lane]int64, time.Time, error)
	Partitions(ctx context.Context) ([]string, error)
	DuePrompts(ctx context.Context, pilot string, now time.Time) (int64, error)
}

// WatchQueues adds the inbox, outbox and due-prompt gauges, read from the
// store when Prometheus scrapes (pilots lists the pilots with prompts).
func (m *Metrics) WatchQueues(d Depths, pilots func() []string) {
	m.reg.MustRegister(&queues{d: d, pilots: pilots,
		inDepth:  desc("inbox_depth", "Updates waiting in the inbox."),
		inOldest: desc("inbox_oldest_seconds", "How long the chat waiting longest in the inbox has waited."),
		outDepth: desc("outbox_depth", "Messages waiting in the outbox, by lane.", "lane"),
		outOld:   desc("outbox_oldest_seconds", "How long the chat waiting longest in the outbox has been due."),
		due:      desc("prompts_due", "Follow-ups and reminders due now and not yet sent."),
		up:       desc("redis_up", "1 if Redis answered the last scrape."),
	})
}
