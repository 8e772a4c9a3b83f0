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
}

var (
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
)

// serveSettings are serve's settings, each a variable and a flag.
var serveSettings = []setting{
	{"TELEGRAM_BOT_TOKEN", "token", "bot token from @BotFather (prefer the variable or -token-file)"},
	{"TELEGRAM_BOT_TOKEN_FILE", "token-file", "file holding the bot token"},
	{"TELEGRAM_API_URL", "api-url", "Bot API base URL (default https://api.telegram.org)"},
	{"REDIS_URL", "redis-url", "redis:// or rediss:// URL; unset: an in-process store that forgets everything on exit"},
	{"COSIE_REDIS_PREFIX", "redis-prefix", "prefix of every Redis key, so deployments can share a Redis (default cosie)"},
	{"COSIE_FLOWS_DIR", "flows", "folder of flow files (default: the shipped flows)"},
	{"COSIE_HTTP_ADDR", "http-addr", "address for /healthz, /readyz and the webhook (default :8080)"},
	{"COSIE_WEBHOOK_URL", "webhook-url", "public HTTPS URL of the webhook; unset: long polling"},
	{"COSIE_WEBHOOK_SECRET", "webhook-secret", "secret Telegram sends with every webhook call"},
	{"COSIE_PSEUDONYM_KEY", "pseudonym-key", "HMAC key for pseudonyms (required with REDIS_URL)"},
	{"COSIE_PSEUDONYM_KEY_FILE", "pseudonym-key-file", "file holding the pseudonym key"},
	{"COSIE_LOG_FORMAT", "log-format", "text or json (default text)"},
	{"COSIE_LOG_LEVEL", "log-level", "debug, info, warn or error (default info)"},
	{"COSIE_SESSION_TTL", "session-ttl", "how long an inactive session is kept, like 90d"},
	{"COSIE_RATE_LIMIT", "rate-limit", "bulk messages (follow-ups, reminders, digests) per second for all replicas together (default 25)"},
	{"COSIE_COORDINATORS", "coordinators", "extra coordinators: pilot=id,id;pilot=id"},
	{"COSIE_SAFEGUARDING_CONTACT", "safeguarding-contact", "Telegram user ids (id,id) alerted when someone writes of a crisis before choosing a pilot (default: nobody; they still get help)"},
	{"COSIE_POLL_TIMEOUT", "poll-timeout", "long-poll length (default 50s)"},
	{"COSIE_DISPATCH_EVERY", "dispatch-every", "how often due follow-ups are sent (default 5s)"},
	{"COSIE_CLAIM_LEASE", "claim-lease", "how long a replica holds a due follow-up it is sending (default 30s)"},
	{"COSIE_CHAT_INTERVAL", "chat-interval", "spacing of messages to one chat after a burst (default 1s, Telegram's advice)"},
	{"COSIE_CHAT_BURST", "chat-burst", "messages one chat may get at once before the spacing applies (default 3)"},
	{"COSIE_CAP_REPLIES", "cap-replies", "true: replies also count against COSIE_RATE_LIMIT (default false: Telegram limits them per chat only)"},
	{"COSIE_INBOX_MAX_WAITING", "inbox-max-waiting", "updates one chat may have waiting; more are dropped and the citizen asked to slow down (default 10)"},
	{"COSIE_WORKERS", "workers", "updates this replica handles, and chats it sends to, at once (default 128)"},
	{"COSIE_UPDATE_TIMEOUT", "update-timeout", "time limit for handling one update (default 30s)"},
	{"COSIE_LEADER_TTL", "leader-ttl", "how long the replica that polls Telegram stays in charge without renewing; after a crash another takes over after it (default 10s)"},
	{"COSIE_MAX_TRIES", "max-tries", "failed tries before an update becomes a dead letter (default 8)"},
}

// parseServeConfig reads serve's settings from its flags, else the
// environment, and checks them.
func parseServeConfig(e *env, args []string) (*serveConfig, error) {
	fs := newFlags(e, "serve")
	flags := map[string]*string{}
	for _, s := range serveSettings {
		flags[s.env] = fs.String(s.flag, "", s.help+" [$"+s.env+"]")
	}
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	v := map[string]string{}
	for env, f := range flags {
		v[env] = cmp.Or(*f, e.getenv(env))
	}
	c := &serveConfig{apiURL: v["TELEGRAM_API_URL"], redisURL: v["REDIS_URL"], redisPrefix: v["COSIE_REDIS_PREFIX"],
		flowsDir: v["COSIE_FLOWS_DIR"], httpAddr: cmp.Or(v["COSIE_HTTP_ADDR"], ":8080"),
		webhookURL: v["COSIE_WEBHOOK_URL"], webhookSecret: v["COSIE_WEBHOOK_SECRET"]}
	for _, read := range []func(map[string]string) error{c.readSecrets, c.readEndpoints, c.readLogging, c.readPacing, c.readPeople} {
		if err := read(v); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readSecrets reads the bot token and the pseudonym key.
func (c *serveConfig) readSecrets(v map[string]string) error {
	var err error
	if c.token, err = secret(v["TELEGRAM_BOT_TOKEN"], v["TELEGRAM_BOT_TOKEN_FILE"], "TELEGRAM_BOT_TOKEN"); err != nil {
		return err
	}
	if c.token == "" {
		return errors.New("TELEGRAM_BOT_TOKEN is not set: give the token @BotFather made for your bot (or TELEGRAM_BOT_TOKEN_FILE)")
	}
	if strings.ContainsAny(c.token, " \t\n/") {
		return errors.New("TELEGRAM_BOT_TOKEN looks wrong: it has spaces or slashes; copy it again from @BotFather")
	}
	keyText, err := secret(v["COSIE_PSEUDONYM_KEY"], v["COSIE_PSEUDONYM_KEY_FILE"], "COSIE_PSEUDONYM_KEY")
	if err != nil {
		return err
	}
	switch {
	case keyText == "" && c.redisURL != "":
		return errors.New("COSIE_PSEUDONYM_KEY is required with REDIS_URL: set at least 32 random characters (for example: openssl rand -hex 32) and keep it safe; changing it later disconnects everyone's stored answers")
	case keyText != "" && len(keyText) < 16:
		return errors.New("COSIE_PSEUDONYM_KEY is too short: use at least 32 random characters")
	}
	c.pseudonymKey = []byte(keyText)
	return nil
}

// readEndpoints checks the addresses: Redis's key prefix, the Bot API
// and the webhook.
func (c *serveConfig) readEndpoints(map[string]string) error {
	if c.redisPrefix != "" && !prefixPattern.MatchString(c.redisPrefix) {
		return fmt.Errorf("COSIE_REDIS_PREFIX %q: use 1 to 32 letters, digits, _ or -", c.redisPrefix)
	}
	if c.apiURL != "" && !strings.HasPrefix(c.apiURL, "http://") && !strings.HasPrefix(c.apiURL, "https://") {
		return fmt.Errorf("TELEGRAM_API_URL %q must start with http:// or https://", c.apiURL)
	}
	if c.webhookURL == "" {
		return nil
	}
	if !strings.HasPrefix(c.webhookURL, "https://") && !strings.HasPrefix(c.webhookURL, "http://") {
		return fmt.Errorf("COSIE_WEBHOOK_URL %q must be an https:// URL that Telegram can reach", c.webhookURL)
	}
	if !secretPattern.MatchString(c.webhookSecret) {
		return errors.New("COSIE_WEBHOOK_SECRET is required with COSIE_WEBHOOK_URL: 1 to 256 characters from A-Z, a-z, 0-9, _ and -")
	}
	return nil
}

// readLogging reads the log format and level.
func (c *serveConfig) readLogging(v map[string]string) error {
	switch f := v["COSIE_LOG_FORMAT"]; f {
	case "", "text", "json":
		c.logFormat = cmp.Or(f, "text")
	default:
		return fmt.Errorf("COSIE_LOG_FORMAT %q: use text or json", f)
	}
	if l := v["COSIE_LOG_LEVEL"]; l != "" {
		if err := c.logLevel.UnmarshalText([]byte(l)); err != nil {
			return fmt.Errorf("COSIE_LOG_LEVEL %q: use debug, info, warn or error", l)
		}
	}
	return nil
}

// readPacing reads the times, counts and rates of the pipeline.
func (c *serveConfig) readPacing(v map[string]string) error {
	for _, d := range []struct {
		to  *time.Duration
		env string
		def time.Duration
	}{
		{&c.sessionTTL, "COSIE_SESSION_TTL", 0},
		{&c.pollTimeout, "COSIE_POLL_TIMEOUT", 50 * time.Second},
		{&c.dispatchEvery, "COSIE_DISPATCH_EVERY", 5 * time.Second},
		{&c.chatInterval, "COSIE_CHAT_INTERVAL", time.Second},
		{&c.claimLease, "COSIE_CLAIM_LEASE", 0},
		{&c.updateTimeout, "COSIE_UPDATE_TIMEOUT", 30 * time.Second},
		{&c.leaderTTL, "COSIE_LEADER_TTL", 10 * time.Second},
	} {
		var err error
		if *d.to, err = duration(v[d.env], d.env, d.def); err != nil {
			return err
		}
	}
	for _, n := range []struct {
		to          *int
		env         string
		def, lo, hi int
	}{
		{&c.chatBurst, "COSIE_CHAT_BURST", 3, 1, 20},
		{&c.maxWaiting, "COSIE_INBOX_MAX_WAITING", 10, 1, 1000},
		{&c.workers, "COSIE_WORKERS", 128, 1, 1024},
		{&c.maxTries, "COSIE_MAX_TRIES", 8, 1, 100},
	} {
		var err error
		if *n.to, err = count(v[n.env], n.env, n.def, n.lo, n.hi); err != nil {
			return err
		}
	}
	switch capReplies := v["COSIE_CAP_REPLIES"]; capReplies {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		c.capReplies = true
	default:
		return fmt.Errorf("COSIE_CAP_REPLIES %q: use true or false", capReplies)
	}
	c.rate = 25
	if rate := v["COSIE_RATE_LIMIT"]; rate != "" {
		var err error
		if c.rate, err = strconv.ParseFloat(rate, 64); err != nil || c.rate <= 0 || c.rate > 30 {
			return fmt.Errorf("COSIE_RATE_LIMIT %q: give messages per second, above 0 and at most 30 (Telegram's limit)", rate)
		}
	}
	return nil
}

// readPeople reads the coordinators and the safeguarding contact.
func (c *serveConfig) readPeople(v map[string]string) error {
	var err error
	if c.coordinators, err = parseCoordinators(v["COSIE_COORDINATORS"]); err != nil {
		return err
	}
	c.safeguardingContact, err = parseIDs(v["COSIE_SAFEGUARDING_CONTACT"], "COSIE_SAFEGUARDING_CONTACT")
	return err
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
