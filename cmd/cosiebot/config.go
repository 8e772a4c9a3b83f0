package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// serveConfig is everything `serve` needs, from the environment with flags
// mirroring it (a flag wins over its variable).
type serveConfig struct {
	token         string
	apiURL        string
	redisURL      string
	redisPrefix   string
	flowsDir      string
	httpAddr      string
	webhookURL    string
	webhookSecret string
	pseudonymKey  []byte
	logFormat     string
	logLevel      slog.Level
	sessionTTL    time.Duration
	rate          float64
	coordinators  map[string][]int64
	// safeguardingContact gets the alert of a crisis written before any
	// pilot is chosen (Telegram user ids).
	safeguardingContact []int64
	pollTimeout         time.Duration
	dispatchEvery       time.Duration
	chatInterval        time.Duration
	chatBurst           int
	capReplies          bool
	claimLease          time.Duration
	maxWaiting          int
	workers             int
	updateTimeout       time.Duration
	maxTries            int
	leaderTTL           time.Duration
}

// setting is one configuration value: an environment variable and the
// flag that mirrors it.
type setting struct {
	env, flag, help string
	value           *string
}

var (
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
)

func parseServeConfig(e *env, args []string) (*serveConfig, error) {
	fs := newFlags(e, "serve")
	var (
		token, tokenFile, apiURL, redisURL, flowsDir, httpAddr string
		redisPrefix                                            string
		webhookURL, webhookSecret, key, keyFile, logFormat     string
		logLevel, sessionTTL, rate, coordinators, pollTimeout  string
		dispatchEvery, chatInterval, claimLease                string
		chatBurst, capReplies, maxWaiting, workers             string
		updateTimeout, maxTries, leaderTTL, contact            string
	)
	settings := []setting{
		{"TELEGRAM_BOT_TOKEN", "token", "bot token from @BotFather (prefer the variable or -token-file)", &token},
		{"TELEGRAM_BOT_TOKEN_FILE", "token-file", "file holding the bot token", &tokenFile},
		{"TELEGRAM_API_URL", "api-url", "Bot API base URL (default https://api.telegram.org)", &apiURL},
		{"REDIS_URL", "redis-url", "redis:// or rediss:// URL; unset: an in-process store that forgets everything on exit", &redisURL},
		{"COSIE_REDIS_PREFIX", "redis-prefix", "prefix of every Redis key, so deployments can share a Redis (default cosie)", &redisPrefix},
		{"COSIE_FLOWS_DIR", "flows", "folder of flow files (default: the shipped flows)", &flowsDir},
		{"COSIE_HTTP_ADDR", "http-addr", "address for /healthz, /readyz and the webhook (default :8080)", &httpAddr},
		{"COSIE_WEBHOOK_URL", "webhook-url", "public HTTPS URL of the webhook; unset: long polling", &webhookURL},
		{"COSIE_WEBHOOK_SECRET", "webhook-secret", "secret Telegram sends with every webhook call", &webhookSecret},
		{"COSIE_PSEUDONYM_KEY", "pseudonym-key", "HMAC key for pseudonyms (required with REDIS_URL)", &key},
		{"COSIE_PSEUDONYM_KEY_FILE", "pseudonym-key-file", "file holding the pseudonym key", &keyFile},
		{"COSIE_LOG_FORMAT", "log-format", "text or json (default text)", &logFormat},
		{"COSIE_LOG_LEVEL", "log-level", "debug, info, warn or error (default info)", &logLevel},
		{"COSIE_SESSION_TTL", "session-ttl", "how long an inactive session is kept, like 90d", &sessionTTL},
		{"COSIE_RATE_LIMIT", "rate-limit", "bulk messages (follow-ups, reminders, digests) per second for all replicas together (default 25)", &rate},
		{"COSIE_COORDINATORS", "coordinators", "extra coordinators: pilot=id,id;pilot=id", &coordinators},
		{"COSIE_SAFEGUARDING_CONTACT", "safeguarding-contact", "Telegram user ids (id,id) alerted when someone writes of a crisis before choosing a pilot (default: nobody; they still get help)", &contact},
		{"COSIE_POLL_TIMEOUT", "poll-timeout", "long-poll length (default 50s)", &pollTimeout},
		{"COSIE_DISPATCH_EVERY", "dispatch-every", "how often due follow-ups are sent (default 5s)", &dispatchEvery},
		{"COSIE_CLAIM_LEASE", "claim-lease", "how long a replica holds a due follow-up it is sending (default 30s)", &claimLease},
		{"COSIE_CHAT_INTERVAL", "chat-interval", "spacing of messages to one chat after a burst (default 1s, Telegram's advice)", &chatInterval},
		{"COSIE_CHAT_BURST", "chat-burst", "messages one chat may get at once before the spacing applies (default 3)", &chatBurst},
		{"COSIE_CAP_REPLIES", "cap-replies", "true: replies also count against COSIE_RATE_LIMIT (default false: Telegram limits them per chat only)", &capReplies},
		{"COSIE_INBOX_MAX_WAITING", "inbox-max-waiting", "updates one chat may have waiting; more are dropped and the citizen asked to slow down (default 10)", &maxWaiting},
		{"COSIE_WORKERS", "workers", "updates this replica handles at once (default 32)", &workers},
		{"COSIE_UPDATE_TIMEOUT", "update-timeout", "time limit for handling one update (default 30s)", &updateTimeout},
		{"COSIE_LEADER_TTL", "leader-ttl", "how long the replica that polls Telegram stays in charge without renewing; after a crash another takes over after it (default 10s)", &leaderTTL},
		{"COSIE_MAX_TRIES", "max-tries", "failed tries before an update becomes a dead letter (default 8)", &maxTries},
	}
	for _, s := range settings {
		fs.StringVar(s.value, s.flag, "", s.help+" [$"+s.env+"]")
	}
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	for _, s := range settings {
		if *s.value == "" {
			*s.value = e.getenv(s.env)
		}
	}
	if redisPrefix != "" && !prefixPattern.MatchString(redisPrefix) {
		return nil, fmt.Errorf("COSIE_REDIS_PREFIX %q: use 1 to 32 letters, digits, _ or -", redisPrefix)
	}
	c := &serveConfig{apiURL: apiURL, redisURL: redisURL, redisPrefix: redisPrefix, flowsDir: flowsDir, httpAddr: httpAddr, webhookURL: webhookURL, webhookSecret: webhookSecret}
	var err error
	if c.token, err = secret(token, tokenFile, "TELEGRAM_BOT_TOKEN"); err != nil {
		return nil, err
	}
	if c.token == "" {
		return nil, errors.New("TELEGRAM_BOT_TOKEN is not set: give the token @BotFather made for your bot (or TELEGRAM_BOT_TOKEN_FILE)")
	}
	if strings.ContainsAny(c.token, " \t\n/") {
		return nil, errors.New("TELEGRAM_BOT_TOKEN looks wrong: it has spaces or slashes; copy it again from @BotFather")
	}
	keyText, err := secret(key, keyFile, "COSIE_PSEUDONYM_KEY")
	if err != nil {
		return nil, err
	}
	switch {
	case keyText == "" && redisURL != "":
		return nil, errors.New("COSIE_PSEUDONYM_KEY is required with REDIS_URL: set at least 32 random characters (for example: openssl rand -hex 32) and keep it safe; changing it later disconnects everyone's stored answers")
	case keyText != "" && len(keyText) < 16:
		return nil, errors.New("COSIE_PSEUDONYM_KEY is too short: use at least 32 random characters")
	}
	c.pseudonymKey = []byte(keyText)
	if c.httpAddr == "" {
		c.httpAddr = ":8080"
	}
	if c.apiURL != "" && !strings.HasPrefix(c.apiURL, "http://") && !strings.HasPrefix(c.apiURL, "https://") {
		return nil, fmt.Errorf("TELEGRAM_API_URL %q must start with http:// or https://", c.apiURL)
	}
	if c.webhookURL != "" {
		if !strings.HasPrefix(c.webhookURL, "https://") && !strings.HasPrefix(c.webhookURL, "http://") {
			return nil, fmt.Errorf("COSIE_WEBHOOK_URL %q must be an https:// URL that Telegram can reach", c.webhookURL)
		}
		if !secretPattern.MatchString(c.webhookSecret) {
			return nil, errors.New("COSIE_WEBHOOK_SECRET is required with COSIE_WEBHOOK_URL: 1 to 256 characters from A-Z, a-z, 0-9, _ and -")
		}
	}
	switch logFormat {
	case "", "text", "json":
		c.logFormat = cmp.Or(logFormat, "text")
	default:
		return nil, fmt.Errorf("COSIE_LOG_FORMAT %q: use text or json", logFormat)
	}
	if logLevel != "" {
		if err := c.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
			return nil, fmt.Errorf("COSIE_LOG_LEVEL %q: use debug, info, warn or error", logLevel)
		}
	}
	if c.sessionTTL, err = duration(sessionTTL, "COSIE_SESSION_TTL", 0); err != nil {
		return nil, err
	}
	if c.pollTimeout, err = duration(pollTimeout, "COSIE_POLL_TIMEOUT", 50*time.Second); err != nil {
		return nil, err
	}
	if c.dispatchEvery, err = duration(dispatchEvery, "COSIE_DISPATCH_EVERY", 5*time.Second); err != nil {
		return nil, err
	}
	if c.chatInterval, err = duration(chatInterval, "COSIE_CHAT_INTERVAL", time.Second); err != nil {
		return nil, err
	}
	if c.claimLease, err = duration(claimLease, "COSIE_CLAIM_LEASE", 0); err != nil {
		return nil, err
	}
	if c.updateTimeout, err = duration(updateTimeout, "COSIE_UPDATE_TIMEOUT", 30*time.Second); err != nil {
		return nil, err
	}
	if c.leaderTTL, err = duration(leaderTTL, "COSIE_LEADER_TTL", 10*time.Second); err != nil {
		return nil, err
	}
	if c.chatBurst, err = count(chatBurst, "COSIE_CHAT_BURST", 3, 1, 20); err != nil {
		return nil, err
	}
	if c.maxWaiting, err = count(maxWaiting, "COSIE_INBOX_MAX_WAITING", 10, 1, 1000); err != nil {
		return nil, err
	}
	if c.workers, err = count(workers, "COSIE_WORKERS", 32, 1, 1024); err != nil {
		return nil, err
	}
	if c.maxTries, err = count(maxTries, "COSIE_MAX_TRIES", 8, 1, 100); err != nil {
		return nil, err
	}
	switch capReplies {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		c.capReplies = true
	default:
		return nil, fmt.Errorf("COSIE_CAP_REPLIES %q: use true or false", capReplies)
	}
	c.rate = 25
	if rate != "" {
		if c.rate, err = strconv.ParseFloat(rate, 64); err != nil || c.rate <= 0 || c.rate > 30 {
			return nil, fmt.Errorf("COSIE_RATE_LIMIT %q: give messages per second, above 0 and at most 30 (Telegram's limit)", rate)
		}
	}
	if c.coordinators, err = parseCoordinators(coordinators); err != nil {
		return nil, err
	}
	if c.safeguardingContact, err = parseIDs(contact, "COSIE_SAFEGUARDING_CONTACT"); err != nil {
		return nil, err
	}
	return c, nil
}

// secret reads a value given directly or in a file, never both.
func secret(value, file, name string) (string, error) {
	if value != "" && file != "" {
		return "", fmt.Errorf("both %s and %s_FILE are set: use one", name, name)
	}
	if file == "" {
		return strings.TrimSpace(value), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(data)), nil
}

func duration(s, name string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := parseAnyDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s %q: give a duration like 30s, 5m, 2h or 90d", name, s)
	}
	return d, nil
}

// count reads a whole number in [lo, hi], or def when s is empty.
func count(s, name string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s %q: give a whole number from %d to %d", name, s, lo, hi)
	}
	return n, nil
}

// parseCoordinators reads "turku=123,456;hull=789".
func parseCoordinators(s string) (map[string][]int64, error) {
	out := map[string][]int64{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		pilot, ids, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(pilot) == "" {
			return nil, fmt.Errorf("COSIE_COORDINATORS %q: write pilot=id,id;pilot=id", part)
		}
		list, err := parseIDs(ids, "COSIE_COORDINATORS")
		if err != nil {
			return nil, err
		}
		out[strings.TrimSpace(pilot)] = append(out[strings.TrimSpace(pilot)], list...)
	}
	return out, nil
}

// parseIDs reads Telegram user ids separated by commas ("" is none).
func parseIDs(s, name string) ([]int64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int64
	for _, id := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s: %q is not a Telegram user id (a number; /whoami shows it)", name, id)
		}
		out = append(out, n)
	}
	return out, nil
}

// newLogger builds the process logger. The bot never logs message texts or
// Telegram ids at info level.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseAnyDuration takes flow-style durations ("90d", "2w") and Go ones
// ("1m30s", "500ms").
func parseAnyDuration(s string) (time.Duration, error) {
	if d, err := flow.ParseDuration(s); err == nil {
		return d, nil
	}
	return time.ParseDuration(s)
}
