package redisstore_test

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
		// want is checked field by field when the URL is valid.
		want redis.UniversalOptions
		tls  bool
		// err is a part of the error message when the URL is invalid.
		err string
	}{
		{name: "plain", url: "redis://localhost:6379/0",
			want: redis.UniversalOptions{Addrs: []string{"localhost:6379"}}},
		{name: "no db", url: "redis://10.0.0.5:6380",
			want: redis.UniversalOptions{Addrs: []string{"10.0.0.5:6380"}}},
		{name: "trailing slash", url: "redis://localhost:6379/",
			want: redis.UniversalOptions{Addrs: []string{"localhost:6379"}}},
		{name: "db", url: "redis://localhost:6379/7",
			want: redis.UniversalOptions{Addrs: []string{"localhost:6379"}, DB: 7}},
		{name: "tls", url: "rediss://cache.example.com:6380/1",
			want: redis.UniversalOptions{Addrs: []string{"cache.example.com:6380"}, DB: 1}, tls: true},
		{name: "user and password", url: "redis://cosie:s3cret@localhost:6379/0",
			want: redis.UniversalOptions{Addrs: []string{"localhost:6379"}, Username: "cosie", Password: "s3cret"}},
		{name: "password only", url: "redis://:s3cret@localhost:6379",
			want: redis.UniversalOptions{Addrs: []string{"localhost:6379"}, Password: "s3cret"}},
		{name: "user only", url: "redis://cosie@localhost:6379",
			want: redis.UniversalOptions{Addrs: []string{"localhost:6379"}, Username: "cosie"}},
		{name: "escaped password", url: "rediss://default:p%40ss%2Fw%3Ard%3F%23%20+x@redis.internal:6379/2",
			want: redis.UniversalOptions{Addrs: []string{"redis.internal:6379"}, Username: "default", Password: "p@ss/w:rd?# +x", DB: 2}, tls: true},
		{name: "raw @ in password", url: "redis://u:a@b@localhost:6379",
			want: redis.UniversalOptions{Addrs: []string{"localhost:6379"}, Username: "u", Password: "a@b"}},
		{name: "missing port", url: "redis://redis.internal/3",
			want: redis.UniversalOptions{Addrs: []string{"redis.internal:6379"}, DB: 3}},
		{name: "ipv6", url: "redis://[::1]:6380/0",
			want: redis.UniversalOptions{Addrs: []string{"[::1]:6380"}}},
		{name: "ipv6 missing port", url: "redis://[::1]/0",
			want: redis.UniversalOptions{Addrs: []string{"[::1]:6379"}}},
		{name: "several hosts", url: "redis://n1:7000,n2:7001, n3 /0",
			want: redis.UniversalOptions{Addrs: []string{"n1:7000", "n2:7001", "n3:6379"}}},
		{name: "sentinel", url: "redis://:pw@s1:26379,s2:26379,s3:26379/0?master=mymaster",
			want: redis.UniversalOptions{Addrs: []string{"s1:26379", "s2:26379", "s3:26379"}, Password: "pw", MasterName: "mymaster"}},
		{name: "cluster", url: "rediss://cfg.cache.amazonaws.com:6379?cluster=true",
			want: redis.UniversalOptions{Addrs: []string{"cfg.cache.amazonaws.com:6379"}, IsClusterMode: true}, tls: true},
		{name: "cluster=1", url: "redis://node:7000/0?cluster=1",
			want: redis.UniversalOptions{Addrs: []string{"node:7000"}, IsClusterMode: true}},
		{name: "cluster=false", url: "redis://node:7000/0?cluster=false",
			want: redis.UniversalOptions{Addrs: []string{"node:7000"}}},

		{name: "bad db", url: "redis://localhost:6379/zero", err: `REDIS_URL database: after the host comes a number`},
		{name: "negative db", url: "redis://localhost:6379/-1", err: "REDIS_URL database"},
		{name: "db with more path", url: "redis://localhost:6379/0/1", err: "REDIS_URL database"},
		{name: "unknown option", url: "redis://localhost:6379/0?dial_timeout=5s", err: `REDIS_URL: unknown option "dial_timeout"`},
		{name: "bad query", url: "redis://localhost:6379/0?master=%zz", err: "REDIS_URL"},
		{name: "wrong scheme", url: "http://localhost:6379/0", err: "REDIS_URL must start with redis://"},
		{name: "no scheme", url: "localhost:6379", err: "REDIS_URL must start with redis://"},
		{name: "unix socket", url: "unix:///run/redis.sock", err: "REDIS_URL must start with redis://"},
		{name: "empty", url: "", err: "REDIS_URL"},
		{name: "no host", url: "redis:///0", err: "REDIS_URL has no host"},
		{name: "only credentials", url: "redis://u:p@/0", err: "REDIS_URL has no host"},
		{name: "bad escape in password", url: "redis://u:%zz@localhost:6379", err: "REDIS_URL password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := redisstore.ParseURL(tt.url)
			if tt.err != "" {
				if err == nil {
					t.Fatalf("ParseURL(%q) = %+v, want an error containing %q", tt.url, got, tt.err)
				}
				if !strings.Contains(err.Error(), tt.err) {
					t.Errorf("ParseURL(%q) error %q, want it to contain %q", tt.url, err, tt.err)
				}
				if strings.Contains(tt.url, "@") && strings.Contains(err.Error(), strings.Split(strings.SplitN(tt.url, "://", 2)[1], "@")[0]) {
					t.Errorf("ParseURL(%q) error %q shows the credentials", tt.url, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.url, err)
			}
			w := tt.want
			if !slices.Equal(got.Addrs, w.Addrs) {
				t.Errorf("Addrs = %q, want %q", got.Addrs, w.Addrs)
			}
			if got.Username != w.Username || got.Password != w.Password {
				t.Errorf("credentials = %q:%q, want %q:%q", got.Username, got.Password, w.Username, w.Password)
			}
			if got.DB != w.DB {
				t.Errorf("DB = %d, want %d", got.DB, w.DB)
			}
			if got.MasterName != w.MasterName {
				t.Errorf("MasterName = %q, want %q", got.MasterName, w.MasterName)
			}
			if got.IsClusterMode != w.IsClusterMode {
				t.Errorf("IsClusterMode = %v, want %v", got.IsClusterMode, w.IsClusterMode)
			}
			switch {
			case tt.tls && got.TLSConfig == nil:
				t.Error("rediss:// did not enable TLS")
			case tt.tls && got.TLSConfig.MinVersion < tls.VersionTLS12:
				t.Errorf("TLS MinVersion = %x, want at least TLS 1.2", got.TLSConfig.MinVersion)
			case !tt.tls && got.TLSConfig != nil:
				t.Error("redis:// enabled TLS")
			}
			// An outage must not hang an update: deadlines apply to commands.
			if !got.ContextTimeoutEnabled || got.DialTimeout <= 0 || got.ReadTimeout <= 0 || got.WriteTimeout <= 0 {
				t.Errorf("timeouts: context %v, dial %v, read %v, write %v; want all set",
					got.ContextTimeoutEnabled, got.DialTimeout, got.ReadTimeout, got.WriteTimeout)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	if _, err := redisstore.Open("http://localhost"); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("Open(bad URL) error = %v, want one naming REDIS_URL", err)
	}
	tests := []struct {
		url  string
		want string // the client type NewUniversalClient picks
	}{
		{"redis://localhost:6379/0", "*redis.Client"},
		{"redis://n1:7000,n2:7000", "*redis.ClusterClient"},
		{"redis://n1:7000?cluster=true", "*redis.ClusterClient"},
		{"redis://s1:26379,s2:26379?master=mymaster", "*redis.Client"}, // a failover client
	}
	for _, tt := range tests {
		rdb, err := redisstore.Open(tt.url)
		if err != nil {
			t.Errorf("Open(%q): %v", tt.url, err)
			continue
		}
		if got := typeName(rdb); got != tt.want {
			t.Errorf("Open(%q) = %s, want %s", tt.url, got, tt.want)
		}
		_ = rdb.Close()
	}
}

func typeName(rdb redis.UniversalClient) string {
	switch rdb.(type) {
	case *redis.Client:
		return "*redis.Client"
	case *redis.ClusterClient:
		return "*redis.ClusterClient"
	}
	return "other"
}

func TestEmbedded(t *testing.T) {
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("ping: %v", err)
	}
	s := redisstore.New(rdb, redisstore.Options{})
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("store ping: %v", err)
	}
	if s.Client() != rdb {
		t.Error("Client() is not the client passed to New")
	}
}
