package redisstore

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cosie/cosiebot/bot"
	"github.com/redis/go-redis/v9"
)

// ParseURL turns REDIS_URL into client options. Besides the usual
// redis://[user:pass@]host:port/db and rediss:// (TLS), it accepts several
// comma-separated addresses (Cluster, or Sentinel with ?master=NAME) and
// ?cluster=true for a Cluster reached through one address.
func ParseURL(raw string) (*redis.UniversalOptions, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || (scheme != "redis" && scheme != "rediss") {
		return nil, errors.New("REDIS_URL must start with redis:// or rediss://, like redis://localhost:6379/0")
	}
	rest, query, _ := strings.Cut(rest, "?")
	hosts, path, _ := strings.Cut(rest, "/")
	opts := &redis.UniversalOptions{
		// Let a context deadline interrupt a command already sent, so a
		// Redis outage cannot hang an update.
		ContextTimeoutEnabled: true,
		DialTimeout:           3 * time.Second,
		ReadTimeout:           3 * time.Second,
		WriteTimeout:          3 * time.Second,
		MaxRetries:            2,
		// Fail fast while Redis is down: the update is retried later anyway.
		DialerRetries: 2,
		// Each inbox shard's loop holds a connection while it waits for
		// news (bot.InboxShards of them); the default pool (ten per CPU)
		// would leave the workers and couriers queueing for the rest.
		PoolSize: 64 + bot.InboxShards,
	}
	if at := strings.LastIndex(hosts, "@"); at >= 0 {
		user, pass, hasPass := strings.Cut(hosts[:at], ":")
		var err error
		if opts.Username, err = url.PathUnescape(user); err != nil {
			return nil, fmt.Errorf("REDIS_URL user name: %w", err)
		}
		if hasPass {
			if opts.Password, err = url.PathUnescape(pass); err != nil {
				return nil, fmt.Errorf("REDIS_URL password: %w", err)
			}
		}
		hosts = hosts[at+1:]
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			// No port (also "[::1]", which has colons of its own).
			h = net.JoinHostPort(strings.Trim(h, "[]"), "6379")
		}
		opts.Addrs = append(opts.Addrs, h)
	}
	if len(opts.Addrs) == 0 {
		return nil, errors.New("REDIS_URL has no host, like redis://localhost:6379")
	}
	if path != "" {
		db, err := strconv.Atoi(path)
		if err != nil || db < 0 {
			return nil, errors.New("REDIS_URL database: after the host comes a number like /0 (write a / in the password as %2F)")
		}
		opts.DB = db
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL query: %w", err)
	}
	for k, v := range q {
		switch k {
		case "master":
			opts.MasterName = v[0]
		case "cluster":
			opts.IsClusterMode = v[0] == "true" || v[0] == "1"
		default:
			return nil, fmt.Errorf("REDIS_URL: unknown option %q (known: master, cluster)", k)
		}
	}
	if scheme == "rediss" {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return opts, nil
}

// Open connects to the Redis named by a REDIS_URL.
func Open(raw string) (redis.UniversalClient, error) {
	opts, err := ParseURL(raw)
	if err != nil {
		return nil, err
	}
	return redis.NewUniversalClient(opts), nil
}

// Embedded starts an in-process Redis-compatible server on loopback, so that
// `cosiebot chat` and a quick `serve` run the same store code without a
// Redis. Its data lives only as long as the process.
func Embedded() (redis.UniversalClient, func(), error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, nil, fmt.Errorf("start embedded redis: %w", err)
	}
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{m.Addr()}, ContextTimeoutEnabled: true})
	return rdb, func() { _ = rdb.Close(); m.Close() }, nil
}
