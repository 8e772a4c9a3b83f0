package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/bot/studio"
)

func cmdStudio(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "studio")
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on; any other than 127.0.0.1 or localhost requires a Telegram login [$COSIE_STUDIO_ADDR]")
	dir := fs.String("flows", "", "folder of flow files to edit (default: $COSIE_FLOWS_DIR, else the shipped flows, read only)")
	botName := fs.String("bot", "", "the bot's username, for the Telegram login (default: asked from Telegram with $TELEGRAM_BOT_TOKEN)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *addr == "127.0.0.1:8090" && e.getenv("COSIE_STUDIO_ADDR") != "" {
		*addr = e.getenv("COSIE_STUDIO_ADDR")
	}
	cfg, closeAll, err := studioConfig(ctx, e, *dir, *addr, *botName)
	if err != nil {
		return err
	}
	defer closeAll()
	srv, err := studio.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("studio: listen on %s: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(e.stdout, "cosiebot studio: open http://%s/ in your browser (Ctrl+C stops it)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("studio: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("studio: stop: %w", err)
	}
	return nil
}

// studioConfig gathers what the studio needs from the flags and the
// environment: the flows and words as `check` loads them, the answers
// store as `digest` opens it, and who may log in.
func studioConfig(ctx context.Context, e *env, dir, addr, botName string) (studio.Config, func(), error) {
	src := flowSource(dir, e)
	words, err := loadWords(e, src)
	if err != nil {
		return studio.Config{}, nil, err
	}
	cfg := studio.Config{Dir: src.dir, FS: src.fsys, Words: words, NewSimStore: newSimStore,
		Logger: newLogger(e.stderr, "text", 0)}
	closeAll := func() {}
	if url := e.getenv("REDIS_URL"); url != "" {
		rdb, err := redisstore.Open(url)
		if err != nil {
			return studio.Config{}, nil, err
		}
		cfg.Reports = redisstore.New(rdb, redisstore.Options{Namespace: e.getenv("COSIE_REDIS_PREFIX")})
		key, err := secret(e.getenv("COSIE_PSEUDONYM_KEY"), e.getenv("COSIE_PSEUDONYM_KEY_FILE"), "COSIE_PSEUDONYM_KEY")
		if err != nil || len(key) < 16 {
			rdb.Close()
			return studio.Config{}, nil, errors.New("COSIE_PSEUDONYM_KEY (or _FILE) is needed with REDIS_URL: the answers export uses the bot's pseudonyms per pilot")
		}
		cfg.PseudonymKey = []byte(key)
		closeAll = func() { rdb.Close() }
	} else {
		fmt.Fprintln(e.stderr, "REDIS_URL is not set: the results pages have no answers to show")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		closeAll()
		return studio.Config{}, nil, usageErr("--addr %q: give host:port, like 127.0.0.1:8090", addr)
	}
	cfg.Access.Local = host == "localhost" || (net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback())
	if cfg.Access.Local {
		return cfg, closeAll, nil
	}
	if err := remoteAccess(ctx, e, &cfg.Access, botName); err != nil {
		closeAll()
		return studio.Config{}, nil, err
	}
	return cfg, closeAll, nil
}

// remoteAccess sets up the Telegram login of a studio reachable from other
// computers: the bot's token and username, and the extra coordinators.
func remoteAccess(ctx context.Context, e *env, a *studio.Access, botName string) error {
	token, err := secret(e.getenv("TELEGRAM_BOT_TOKEN"), e.getenv("TELEGRAM_BOT_TOKEN_FILE"), "TELEGRAM_BOT_TOKEN")
	if err != nil {
		return err
	}
	if token == "" {
		return usageErr("a studio on another address than 127.0.0.1 lets only coordinators in, logged in with Telegram: set TELEGRAM_BOT_TOKEN (the bot's token) and link the studio's domain to the bot with /setdomain at @BotFather")
	}
	if a.BotUsername, err = botUsername(ctx, e, botName); err != nil {
		return err
	}
	a.BotToken = token
	if a.Coordinators, err = parseCoordinators(e.getenv("COSIE_COORDINATORS")); err != nil {
		return err
	}
	if ttl := e.getenv("COSIE_STUDIO_SESSION_TTL"); ttl != "" {
		if a.SessionTTL, err = duration(ttl, "COSIE_STUDIO_SESSION_TTL", 0); err != nil {
			return err
		}
	}
	return nil
}

// newSimStore gives a simulated chat its own in-process store, as
// `cosiebot chat` has.
func newSimStore() (studio.SimStore, func(), error) {
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		return nil, nil, err
	}
	return redisstore.New(rdb, redisstore.Options{}), stop, nil
}
