package metrics

import (
	"context"
	"slices"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/prometheus/client_golang/prometheus"
)

// factory registers metrics under the project's namespace.
type factory struct{ reg prometheus.Registerer }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: name, Help: help, Buckets: buckets})
	f.reg.MustRegister(h)
	return h
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(ns, "", name), help, labels, nil)
}

// queues reads the queue gauges from Redis when Prometheus scrapes.
type queues struct {
	d                                        Depths
	pilots                                   func() []string
	inDepth, inOldest, outDepth, outOld, due *prometheus.Desc
	up                                       *prometheus.Desc
}

func (q *queues) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{q.inDepth, q.inOldest, q.outDepth, q.outOld, q.due, q.up} {
		ch <- d
	}
}

func (q *queues) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	now := time.Now()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	n, oldest, err := q.d.InboxDepth(ctx)
	if err != nil {
		gauge(q.up, 0)
		return
	}
	gauge(q.up, 1)
	gauge(q.inDepth, float64(n))
	gauge(q.inOldest, age(now, oldest))
	parts, err := q.d.Partitions(ctx)
	if err != nil {
		return
	}
	for _, p := range q.pilots() {
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	byLane := map[bot.Lane]int64{}
	var outOldest time.Time
	for _, p := range parts {
		lanes, old, err := q.d.OutboxDepth(ctx, p)
		if err != nil {
			return
		}
		for l, v := range lanes {
			byLane[l] += v
		}
		if !old.IsZero() && (outOldest.IsZero() || old.Before(outOldest)) {
			outOldest = old
		}
	}
	for _, l := range []bot.Lane{bot.LaneReply, bot.LaneBulk, bot.LaneCosmetic} {
		gauge(q.outDepth, float64(byLane[l]), LaneName(l))
	}
	gauge(q.outOld, age(now, outOldest))
	var due int64
	for _, p := range q.pilots() {
		n, err := q.d.DuePrompts(ctx, p, now)
		if err != nil {
			return
		}
		due += n
	}
	gauge(q.due, float64(due))
}

func age(now, t time.Time) float64 {
	if t.IsZero() || t.After(now) {
		return 0
	}
	return now.Sub(t).Seconds()
}
