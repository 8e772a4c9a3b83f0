package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/metrics"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/bot/schedule"
	"github.com/cosie/cosiebot/bot/telegram"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	cfg, err := parseServeConfig(e, args)
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg.logFormat, cfg.logLevel)
	src := flowSource(cfg.flowsDir, e)
	src.coordinators = cfg.coordinators // the flag wins over the variable
	words, err := loadWords(e, src)
	if err != nil {
		return err
	}
	// The files as they are before the first load: an edit made while the
	// bot starts is picked up by the watch.
	before := fingerprint(src.fsys)
	set, err := loadFlows(src, words, e.stderr)
	if err != nil {
		return err
	}
	rdb, closeRedis, err := openRedis(cfg, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	a, err := buildApp(ctx, cfg, rdb, words, set, log)
	if err != nil {
		return err
	}
	warnSafeguarding(log, a.svc, cfg.safeguardingContact)
	ln, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return fmt.Errorf("COSIE_HTTP_ADDR %s: %w", cfg.httpAddr, err)
	}
	fmt.Fprintf(e.stderr, "listening on %s\n", ln.Addr())
	log.Info("cosiebot started", "bot", a.client.Username, "pilots", len(set.List()), "flows", src.name(), "mode", mode(cfg))
	a.setCommands(ctx, words)
	rl := &reloader{src: src, words: words, svc: a.svc, log: log, metrics: a.metrics, loaded: before,
		onReload: func() { warnSafeguarding(log, a.svc, cfg.safeguardingContact) }}
	return a.run(ctx, ln, rl)
}

// app is the bot's parts, wired the way serve runs them; the tests and the
// load benchmark build the same.
type app struct {
	cfg      *serveConfig
	log      *slog.Logger
	store    *redisstore.Store
	client   *telegram.Client
	svc      *bot.Service
	metrics  *metrics.Metrics
	courier  *courier.Courier
	receiver *telegram.Receiver
	workers  *telegram.Workers
	sched    *schedule.Scheduler
}

func buildApp(ctx context.Context, cfg *serveConfig, rdb redis.UniversalClient, words *locales.Catalog, set *bot.Flows, log *slog.Logger) (*app, error) {
	m := metrics.New()
	key := cfg.pseudonymKey
	store := redisstore.New(rdb, redisstore.Options{Namespace: cfg.redisPrefix, Retention: pointerRetention(set),
		ChatKey: func(chat int64) string { return bot.ChatKey(key, chat) }})
	client, err := telegram.Connect(ctx, telegram.Config{
		Token: cfg.token, APIURL: cfg.apiURL, PollTimeout: cfg.pollTimeout, Logger: log, Calls: m,
	})
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: store, client: client, metrics: m}
	a.courier = courier.New(store, client.Transport(), courier.Options{
		ChatInterval: cfg.chatInterval, ChatBurst: cfg.chatBurst, CapReplies: cfg.capReplies, Workers: cfg.workers,
		Budget: store.NewBudget(cfg.rate, 1), Parts: a.partitions, Blocked: a.blocked,
		Logger: log, Observer: metrics.CourierObserver{M: m},
	})
	a.svc, err = bot.New(bot.Config{
		Store: store, Acker: client.Transport(), Courier: a.courier, Observer: m, Words: words, Flows: set, Logger: log,
		PseudonymKey: cfg.pseudonymKey, SessionTTL: cfg.sessionTTL, Coordinators: cfg.coordinators, ClaimLease: cfg.claimLease,
		BotUsername:         client.Username,
		SafeguardingContact: cfg.safeguardingContact,
	})
	if err != nil {
		return nil, err
	}
	a.workers = telegram.NewWorkers(store, a.svc, telegram.WorkerOptions{Workers: cfg.workers, Timeout: cfg.updateTimeout, MaxTries: cfg.maxTries, Logger: log, Observer: m})
	a.receiver = telegram.NewReceiver(client, store, telegram.ReceiverOptions{MaxWaiting: cfg.maxWaiting, LeaderTTL: cfg.leaderTTL, Workers: a.workers, Words: words, Logger: log, Observer: m})
	a.sched = schedule.New(a.svc, store, schedule.Options{DispatchEvery: cfg.dispatchEvery, Logger: log})
	m.WatchQueues(store, a.pilots)
	return a, nil
}

// pointerRetention is how long a citizen's pointer to their pilots lives
// without activity: as long as the longest retention of any pilot and a
// margin, so /forget finds every answer still kept (the purge removes
// pointers with nothing left behind them sooner).
func pointerRetention(set *bot.Flows) time.Duration {
	days := 0
	for _, f := range set.List() {
		days = max(days, f.Pilot.RetentionDays)
	}
	return time.Duration(days+30) * 24 * time.Hour
}

// partitions are the outbox partitions the courier always looks at.
func (a *app) partitions() []string { return append(a.pilots(), bot.Lobby) }

func (a *app) pilots() []string {
	var out []string
	for _, f := range a.svc.Flows().List() {
		out = append(out, f.Pilot.ID)
	}
	return out
}

func (a *app) blocked(ctx context.Context, chat int64) error { return a.svc.Blocked(ctx, chat) }

func (a *app) setCommands(ctx context.Context, words *locales.Catalog) {
	coordinators := map[int64]string{}
	for _, f := range a.svc.Flows().List() {
		for _, id := range a.svc.Coordinators(f.Pilot.ID) {
			coordinators[id] = f.DefaultLanguage()
		}
	}
	if err := a.client.SetCommands(ctx, words, pilotLanguages(a.svc.Flows()), coordinators); err != nil {
		a.log.Warn("could not set the command menu", "err", err)
	}
	// What citizens see before pressing Start: name and descriptions from
	// the flow files (about:, short_about:), only where they changed.
	if err := a.client.SetProfile(ctx, telegram.Profiles(a.svc.Flows().List())); err != nil {
		a.log.Warn("could not set the bot's name and description", "err", err)
	}
}

// run runs every part until ctx ends or one of them fails, then stops them
// in order: intake first, then the workers finish the updates in hand, then
// the courier sends what they committed.
func (a *app) run(ctx context.Context, ln net.Listener, rl *reloader) error {
	srv := &http.Server{Handler: routes(a), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	g, gctx := errgroup.WithContext(ctx)
	sendCtx, stopSending := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSending()
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		a.log.Info("stopping: finishing the updates in hand")
		a.receiver.Drain()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		a.sched.Stop(sctx)
		return srv.Shutdown(sctx)
	})
	g.Go(func() error {
		if a.cfg.webhookURL != "" {
			return a.receiver.Serve(gctx, a.cfg.webhookURL, a.cfg.webhookSecret)
		}
		return a.receiver.Poll(gctx)
	})
	g.Go(func() error {
		defer stopSending() // the courier sends what the last updates committed
		return a.workers.Run(gctx)
	})
	g.Go(func() error { return a.courier.Run(sendCtx) })
	if err := a.sched.Start(gctx); err != nil {
		stopSending()
		return errors.Join(err, g.Wait())
	}
	rl.onReload = func() {
		if err := a.sched.Reload(); err != nil {
			a.log.Error("digest schedules after reload", "err", err)
		}
	}
	g.Go(func() error { rl.watch(gctx); return nil })
	err := g.Wait()
	a.log.Info("stopped")
	return err
}

func mode(cfg *serveConfig) string {
	if cfg.webhookURL != "" {
		return "webhook"
	}
	return "polling"
}

func openRedis(cfg *serveConfig, log *slog.Logger) (redis.UniversalClient, func(), error) {
	if cfg.redisURL == "" {
		rdb, stop, err := redisstore.Embedded()
		if err != nil {
			return nil, nil, err
		}
		log.Warn("REDIS_URL is not set: using an in-process store. NOTHING IS DURABLE: every answer is lost when the bot stops. Set REDIS_URL for real use.")
		if len(cfg.pseudonymKey) == 0 {
			cfg.pseudonymKey = []byte("embedded-store-only-pseudonym-key")
		}
		return rdb, stop, nil
	}
	rdb, err := redisstore.Open(cfg.redisURL)
	if err != nil {
		return nil, nil, err
	}
	pctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		// Keep going: citizens are told the bot is back shortly, and
		// intake waits until Redis answers again.
		log.Error("Redis does not answer yet; the bot will retry", "err", err)
	}
	batch := redisstore.Batch(rdb)
	return rdb, func() { batch.Close(); _ = rdb.Close() }, nil
}

// pilotLanguages lists the pilots' languages that Telegram can set a command
// menu for: it takes only two-letter codes (not prs, say; a Dari speaker's
// app reports fa or en anyway).
func pilotLanguages(set *bot.Flows) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range set.List() {
		for _, l := range f.Pilot.Languages {
			if !seen[l] && len(l) == 2 {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	return out
}

// routes serves health checks, metrics and, in webhook mode, the webhook.
func routes(a *app) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := map[string]any{"flows": len(a.svc.Flows().List()), "redis": "ok"}
		code := http.StatusOK
		if n, oldest, err := a.store.InboxDepth(ctx); err != nil {
			status["redis"] = "unreachable"
			code = http.StatusServiceUnavailable
		} else {
			status["inbox"] = n
			if !oldest.IsZero() {
				status["inbox_oldest_seconds"] = int(max(time.Since(oldest), 0).Seconds())
			}
		}
		if len(a.svc.Flows().List()) == 0 {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(status)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if a.receiver.Draining() {
			http.Error(w, "stopping", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", a.metrics.Handler())
	if a.cfg.webhookURL != "" {
		path := "/telegram/webhook"
		if u, err := url.Parse(a.cfg.webhookURL); err == nil && u.Path != "" && u.Path != "/" {
			path = u.Path
		}
		mux.Handle(path, a.receiver.Webhook(a.cfg.webhookSecret))
	}
	return mux
}

// reloader re-reads the flow files on SIGHUP and when they change. A broken
// edit keeps the running flows and logs every problem.
type reloader struct {
	src      source
	words    *locales.Catalog
	svc      *bot.Service
	log      *slog.Logger
	metrics  *metrics.Metrics // may be nil
	onReload func()           // after a successful swap
	loaded   string           // the files' fingerprint when the running flows were read
}

func (rl *reloader) reload() bool {
	fl, diags, err := flows.Load(rl.src.fsys, rl.src.dir, rl.src.options(rl.words))
	if err != nil {
		rl.log.Error("flow reload failed; keeping the running flows", "err", err)
		rl.reloaded(false)
		return false
	}
	if diags.HasErrors() {
		for _, d := range diags.Errors() {
			rl.log.Error("flow reload failed; keeping the running flows", "problem", d.String())
		}
		rl.reloaded(false)
		return false
	}
	rl.svc.SetFlows(bot.NewFlows(fl...))
	rl.reloaded(true)
	rl.log.Info("flows reloaded", "pilots", len(fl))
	if rl.onReload != nil {
		rl.onReload()
	}
	return true
}

func (rl *reloader) reloaded(ok bool) {
	if rl.metrics != nil {
		rl.metrics.Reloaded(ok)
	}
}

// watch reloads on SIGHUP, and when a file in the flows folder changes
// (checked every 2 seconds: cheap, and needs no file-system events).
func (rl *reloader) watch(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	last := rl.loaded
	if last == "" {
		last = fingerprint(rl.src.fsys)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			rl.log.Info("SIGHUP: reloading flows")
			rl.reload()
			last = fingerprint(rl.src.fsys)
		case <-tick.C:
			if rl.src.dir == "" {
				continue // the shipped flows never change
			}
			if fp := fingerprint(rl.src.fsys); fp != last {
				last = fp
				rl.log.Info("flow files changed: reloading")
				rl.reload()
			}
		}
	}
}

// fingerprint summarises names, sizes and times of the flow files.
func fingerprint(fsys fs.FS) string {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return "error: " + err.Error()
	}
	h := ""
	for _, en := range entries {
		if !flows.IsFlow(en.Name()) {
			continue
		}
		info, err := en.Info()
		if err != nil {
			continue
		}
		h += fmt.Sprintf("%s:%d:%d;", en.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return h
}

// warnSafeguarding says loudly, at start-up and after a reload, when
// safeguarding alerts would reach nobody: an error for a pilot whose texts
// promise citizens that staff are told (alerts: true), a warning for the
// others and for a crisis written before any pilot is chosen. Citizens get
// the help text either way.
func warnSafeguarding(log *slog.Logger, svc *bot.Service, contact []int64) {
	list := svc.Flows().List()
	for _, f := range list {
		if len(svc.Coordinators(f.Pilot.ID)) > 0 {
			continue
		}
		if f.Pilot.Safeguarding.Alerts {
			log.Error("SAFEGUARDING ALERTS REACH NOBODY: this pilot tells citizens that staff are told of a crisis (alerts: true), but it has no coordinators; "+
				"add them under coordinators: in its flow file or in COSIE_COORDINATORS, or remove alerts: true and the promise from its texts", "pilot", f.Pilot.ID)
			continue
		}
		log.Warn("safeguarding alerts of this pilot reach nobody: it has no coordinators (flow file or COSIE_COORDINATORS); citizens in crisis still get the help text", "pilot", f.Pilot.ID)
	}
	if len(list) > 1 && len(contact) == 0 {
		log.Warn("COSIE_SAFEGUARDING_CONTACT is not set: a crisis written before a pilot is chosen alerts nobody; citizens still get the help text")
	}
}
