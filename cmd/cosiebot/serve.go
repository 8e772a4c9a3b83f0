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
	"sync"
	"syscall"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/bot/schedule"
	"github.com/cosie/cosiebot/bot/telegram"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
	"github.com/redis/go-redis/v9"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	cfg, err := parseServeConfig(e, args)
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg.logFormat, cfg.logLevel)
	src := flowSource(cfg.flowsDir, e)
	words, err := loadWords(e, src)
	if err != nil {
		return err
	}
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
	defer a.intake.Close()
	store, client, svc, intake := a.store, a.client, a.svc, a.intake
	log.Info("cosiebot started", "bot", client.Username, "pilots", len(set.List()), "flows", src.name(), "mode", mode(cfg))
	coordinators := map[int64]string{}
	for _, f := range set.List() {
		for _, id := range svc.Coordinators(f.Pilot.ID) {
			coordinators[id] = f.DefaultLanguage()
		}
	}
	if err := client.SetCommands(ctx, words, pilotLanguages(set), coordinators); err != nil {
		log.Warn("could not set the command menu", "err", err)
	}
	rl := &reloader{src: src, words: words, svc: svc, log: log}

	srv := &http.Server{Addr: cfg.httpAddr, Handler: routes(cfg, store, svc, intake), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return fmt.Errorf("COSIE_HTTP_ADDR %s: %w", cfg.httpAddr, err)
	}
	fmt.Fprintf(e.stderr, "listening on %s\n", ln.Addr())

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	spawn := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				stop()
			}
		}()
	}
	spawn("http", func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	spawn("telegram", func() error { return client.Run(runCtx, intake) })
	sched := schedule.New(svc, store, schedule.Options{DispatchEvery: cfg.dispatchEvery, Logger: log})
	if err := sched.Start(runCtx); err != nil {
		return err
	}
	rl.onReload = func() {
		if err := sched.Reload(); err != nil {
			log.Error("digest schedules after reload", "err", err)
		}
	}
	spawn("reload", func() error { rl.watch(runCtx); return nil })

	<-runCtx.Done()
	log.Info("stopping: finishing the updates in hand")
	intake.Drain()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	sched.Stop(sctx)
	wg.Wait()
	close(errs)
	log.Info("stopped")
	return <-errs
}

// app is the bot's parts, wired the way serve runs them; the load
// benchmark builds the same.
type app struct {
	store  *redisstore.Store
	client *telegram.Client
	svc    *bot.Service
	intake *telegram.Intake
}

func buildApp(ctx context.Context, cfg *serveConfig, rdb redis.UniversalClient, words *locales.Catalog, set *bot.Flows, log *slog.Logger) (*app, error) {
	store := redisstore.New(rdb, redisstore.Options{})
	// With a shared Redis, replicas share one rate budget; a local limiter
	// takes over while Redis is down.
	var limiter telegram.Limiter = telegram.NewLocalLimiter(cfg.rate, cfg.chatInterval, 4)
	if cfg.redisURL != "" {
		key := cfg.pseudonymKey
		chatKey := func(chat int64) string { return bot.ChatKey(key, chat) }
		limiter = telegram.Fallback{Primary: store.NewLimiter(cfg.rate, cfg.chatInterval, 4, chatKey), Backup: limiter}
	}
	client, err := telegram.Connect(ctx, telegram.Config{
		Token: cfg.token, APIURL: cfg.apiURL, WebhookURL: cfg.webhookURL, WebhookSecret: cfg.webhookSecret,
		PollTimeout: cfg.pollTimeout, Limiter: limiter, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	svc, err := bot.New(bot.Config{
		Store: store, Sender: client.Sender(), Words: words, Flows: set, Logger: log,
		PseudonymKey: cfg.pseudonymKey, SessionTTL: cfg.sessionTTL, Coordinators: cfg.coordinators, ClaimLease: cfg.claimLease,
	})
	if err != nil {
		return nil, err
	}
	intake := telegram.NewIntake(svc, telegram.IntakeOptions{Logger: log})
	return &app{store: store, client: client, svc: svc, intake: intake}, nil
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
	return rdb, func() { _ = rdb.Close() }, nil
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

// routes serves health checks and, in webhook mode, the webhook.
func routes(cfg *serveConfig, store *redisstore.Store, svc *bot.Service, intake *telegram.Intake) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := map[string]any{"flows": len(svc.Flows().List()), "redis": "ok",
			"handled": intake.Handled.Load(), "failed": intake.Failed.Load(), "panics": intake.Panics.Load()}
		code := http.StatusOK
		if err := store.Ping(ctx); err != nil {
			status["redis"] = "unreachable"
			code = http.StatusServiceUnavailable
		}
		if len(svc.Flows().List()) == 0 {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(status)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if intake.Draining() {
			http.Error(w, "stopping", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if cfg.webhookURL != "" {
		path := "/telegram/webhook"
		if u, err := url.Parse(cfg.webhookURL); err == nil && u.Path != "" && u.Path != "/" {
			path = u.Path
		}
		mux.Handle(path, intake.Webhook(cfg.webhookSecret))
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
	onReload func() // after a successful swap
}

func (rl *reloader) reload() bool {
	fl, diags, err := flows.Load(rl.src.fsys, rl.src.dir, flow.Options{Languages: rl.words.Languages()})
	if err != nil {
		rl.log.Error("flow reload failed; keeping the running flows", "err", err)
		return false
	}
	if diags.HasErrors() {
		for _, d := range diags.Errors() {
			rl.log.Error("flow reload failed; keeping the running flows", "problem", d.String())
		}
		return false
	}
	rl.svc.SetFlows(bot.NewFlows(fl...))
	rl.log.Info("flows reloaded", "pilots", len(fl))
	if rl.onReload != nil {
		rl.onReload()
	}
	return true
}

// watch reloads on SIGHUP, and when a file in the flows folder changes
// (checked every 2 seconds: cheap, and needs no file-system events).
func (rl *reloader) watch(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	last := fingerprint(rl.src.fsys)
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
