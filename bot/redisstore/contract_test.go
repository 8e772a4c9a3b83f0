package redisstore_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// The contract suite runs every case against the embedded server, again
// against a real Redis when REDIS_URL is set, and against a Redis Cluster
// when REDIS_CLUSTER_URL is set (redis://h1:p1,h2:p2,h3:p3?cluster=true):
// there every script must keep to one slot, so a key named outside its
// hash tag fails with CROSSSLOT. Each case gets an empty store in a
// namespace of its own ("test-<random>"), so that packages testing in
// parallel against the same Redis do not collide; its keys are deleted
// before and after the case (a FLUSHDB would also wipe the other
// packages' keys).

// Backend kinds. Serve batches the commands of a real Redis
// (redisstore.Batch), so the real kinds run batched; the embedded server
// runs both ways.
const (
	embedded = "embedded"
	batched  = "embedded-batched"
	single   = "redis"
	cluster  = "cluster"
)

// env is what a contract case works with.
type env struct {
	s    *redisstore.Store
	rdb  redis.UniversalClient
	ns   string
	kind string
	url  string               // REDIS_URL or REDIS_CLUSTER_URL; "" for embedded
	mr   *miniredis.Miniredis // the embedded server, to move its clock
	// dead returns a store whose server is gone, and a description.
	dead func(t *testing.T) (*redisstore.Store, string)
}

func (e *env) real() bool { return e.kind == single || e.kind == cluster }

// chatKey names a chat in the outbox and inbox keys, as the service's
// pseudonym function does; for a private chat it is the citizen's
// pseudonym.
func chatKey(chat int64) string { return bot.ChatKey(testKey, chat) }

var testKey = []byte("redisstore-test-key")

// citizen returns a new private chat id and its pseudonym.
func citizen() (int64, string) {
	chat := 5_000_000_000 + rand.Int64N(1_000_000_000)
	return chat, chatKey(chat)
}

// citizenApart returns a citizen whose chat is in another inbox shard than
// the given chat keys', so that claiming one never takes another.
func citizenApart(keys ...string) (int64, string) {
	for {
		chat, user := citizen()
		if !slices.ContainsFunc(keys, func(k string) bool { return redisstore.ShardOf(k) == redisstore.ShardOf(user) }) {
			return chat, user
		}
	}
}

// elapse lets d pass on the server's clock: the embedded server is moved
// forward, a real one is waited for.
func (e *env) elapse(d time.Duration) {
	if e.mr != nil {
		e.mr.FastForward(d)
		return
	}
	time.Sleep(d)
}

type contractCase struct {
	name     string
	realOnly bool
	run      func(t *testing.T, e *env)
}

func TestStoreContract(t *testing.T) {
	urls := map[string]string{single: os.Getenv("REDIS_URL"), cluster: os.Getenv("REDIS_CLUSTER_URL")}
	if urls[single] == "" {
		t.Log("REDIS_URL is not set: the store contract did NOT run against a real Redis; " +
			"set REDIS_URL=redis://host:port/db to run it there too")
	}
	if urls[cluster] == "" {
		t.Log("REDIS_CLUSTER_URL is not set: the store contract did NOT run against a Redis Cluster; " +
			"set REDIS_CLUSTER_URL=redis://h1:p1,h2:p2,h3:p3?cluster=true to run it there too")
	}
	for _, kind := range []string{embedded, batched, single, cluster} {
		t.Run(kind, func(t *testing.T) {
			if (kind == single || kind == cluster) && urls[kind] == "" {
				t.Skipf("no %s to test against", kind)
			}
			for _, c := range contract {
				if c.realOnly && !(kind == single || kind == cluster) {
					t.Logf("%s: needs a real Redis, not run on %s", c.name, kind)
					continue
				}
				t.Run(c.name, func(t *testing.T) { c.run(t, openEnv(t, kind, urls[kind])) })
			}
		})
	}
}

var contract = []contractCase{
	{"load and commit", false, testLoadCommit},
	{"concurrent commits", false, testConcurrentCommits},
	{"answers", false, testAnswers},
	{"pilot answers", false, testPilotAnswers},
	{"counters", false, testCounters},
	{"prompts", false, testPrompts},
	{"claim due", false, testClaimDue},
	{"release", false, testRelease},
	{"concurrent claims", false, testConcurrentClaims},
	{"forget", false, testForget},
	{"sessions per pilot", false, testSessionsPerPilot},
	{"asked message", false, testAskedMessage},
	{"purge", false, testPurge},
	{"once", false, testOnce},
	{"alerts", false, testAlerts},
	{"session ttl", false, testSessionTTL},
	{"commit validation", false, testCommitValidation},
	{"hostile values", false, testHostileValues},
	{"outbox order", false, testOutboxOrder},
	{"outbox claim", false, testOutboxClaim},
	{"outbox done", false, testOutboxDone},
	{"outbox mark and reply", false, testOutboxPair},
	{"outbox while leased", false, testOutboxWhileLeased},
	{"outbox lanes", false, testOutboxLanes},
	{"partitions", false, testPartitions},
	{"inbox dedupe", false, testInboxDedupe},
	{"inbox cap", false, testInboxCap},
	{"inbox fairness", false, testInboxFairness},
	{"inbox one worker per chat", false, testInboxOneWorker},
	{"inbox concurrent workers", false, testInboxConcurrentWorkers},
	{"inbox ack", false, testInboxAck},
	{"inbox push claims", false, testInboxPushClaims},
	{"inbox failures", false, testInboxFail},
	{"inbox dead letters", false, testDeadLetters},
	{"inbox depth", false, testInboxDepth},
	{"leadership", false, testLead},
	{"budget take", false, testBudgetTake},
	{"budget use", false, testBudgetUse},
	{"budget pause", false, testBudgetPause},
	{"memory", true, testMemory},
	{"redis down", false, testRedisDown},
}

func namespace() string { return fmt.Sprintf("test-%016x", rand.Uint64()) }

// pseudonym returns a random pseudonym shaped like the real ones (32 hex
// digits), so that searching keys and values for it is exact.
func pseudonym() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return hex.EncodeToString(b[:])
}

func newStore(rdb redis.UniversalClient, ns string) *redisstore.Store {
	return redisstore.New(rdb, redisstore.Options{Namespace: ns, ChatKey: chatKey})
}

func openEnv(t *testing.T, kind, url string) *env {
	t.Helper()
	var e *env
	if kind == embedded || kind == batched {
		e = openEmbedded(t)
		e.kind = kind
	} else {
		e = openReal(t, kind, url)
	}
	if kind != embedded {
		b := redisstore.Batch(e.rdb)
		t.Cleanup(b.Close) // before the client closes
	}
	return e
}

// openEmbedded starts the embedded server as redisstore.Embedded does,
// keeping a handle on it to move its clock.
func openEmbedded(t *testing.T) *env {
	t.Helper()
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatalf("embedded: %v", err)
	}
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{m.Addr()}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close(); m.Close() })
	ns := namespace()
	return &env{
		s: newStore(rdb, ns), rdb: rdb, ns: ns, kind: embedded, mr: m,
		dead: func(t *testing.T) (*redisstore.Store, string) {
			// A second embedded server, closed: its port refuses connections.
			m2 := miniredis.NewMiniRedis()
			if err := m2.StartAddr("127.0.0.1:0"); err != nil {
				t.Fatalf("embedded: %v", err)
			}
			addr := m2.Addr()
			m2.Close()
			c, err := redisstore.Open("redis://" + addr + "/0")
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { _ = c.Close() })
			return newStore(c, ns), "embedded server closed (" + addr + ")"
		},
	}
}

func openReal(t *testing.T, kind, url string) *env {
	t.Helper()
	rdb, err := redisstore.Open(url)
	if err != nil {
		t.Fatalf("%s URL: %v", kind, err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	if _, ok := rdb.(*redis.ClusterClient); (kind == cluster) != ok {
		t.Fatalf("the %s URL %q opens a %T: REDIS_URL must name a single server, REDIS_CLUSTER_URL a Cluster (add ?cluster=true)", kind, url, rdb)
	}
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("the %s URL is set but Redis does not answer: %v", kind, err)
	}
	ns := namespace()
	clean := func() {
		// t.Context is done during cleanup.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		keys, err := scanKeys(ctx, rdb, ns+":*")
		if err != nil {
			t.Errorf("clean %s: %v", ns, err)
			return
		}
		for _, k := range keys {
			if err := rdb.Del(ctx, k).Err(); err != nil {
				t.Errorf("clean %s: %v", k, err)
			}
		}
	}
	clean()
	t.Cleanup(clean)
	return &env{
		s: newStore(rdb, ns), rdb: rdb, ns: ns, kind: kind, url: url,
		dead: func(t *testing.T) (*redisstore.Store, string) {
			addr := closedPort(t)
			u := "redis://" + addr + "/0"
			if kind == cluster {
				u = "redis://" + addr + "?cluster=true"
			}
			c, err := redisstore.Open(u)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { _ = c.Close() })
			return newStore(c, ns), "client pointed at a closed port (" + u + ")"
		},
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// scanKeys lists the keys matching pattern, on every master of a Cluster.
func scanKeys(ctx context.Context, rdb redis.UniversalClient, pattern string) ([]string, error) {
	var out []string
	var mu sync.Mutex
	scan := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for it.Next(ctx) {
			mu.Lock()
			out = append(out, it.Val())
			mu.Unlock()
		}
		return it.Err()
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, rdb)
	}
	slices.Sort(out)
	return slices.Compact(out), err
}

// Raw keys, as documented in the package doc.
func (e *env) pointerKey(user string) string { return e.ns + ":u:{" + user + "}" }
func (e *env) tag(pilot string) string       { return e.ns + ":{p:" + pilot + "}" }
func (e *env) sessionKey(pilot, user string) string {
	return e.tag(pilot) + ":s:" + user
}
func (e *env) answersKey(pilot, user string) string { return e.tag(pilot) + ":h:" + user }
func (e *env) indexKey(pilot string) string         { return e.tag(pilot) + ":at" }
func (e *env) dayKey(pilot, day string) string      { return e.tag(pilot) + ":c:" + day }
func (e *env) allKey(pilot string) string           { return e.tag(pilot) + ":c:all" }
func (e *env) dueKey(pilot string) string           { return e.tag(pilot) + ":due" }
func (e *env) promptKey(pilot string) string        { return e.tag(pilot) + ":pr" }
func (e *env) outKey(pilot, chat string) string     { return e.tag(pilot) + ":o:" + chat }
func (e *env) outReadyKey(pilot string) string      { return e.tag(pilot) + ":or" }
func (e *env) outLeaseKey(pilot string) string      { return e.tag(pilot) + ":ol" }
func (e *env) paceKey(pilot, chat string) string    { return e.tag(pilot) + ":ot:" + chat }
func (e *env) outCountKey(pilot string) string      { return e.tag(pilot) + ":on" }
func (e *env) inTag(chat string) string {
	return fmt.Sprintf("%s:{in:%d}", e.ns, redisstore.ShardOf(chat))
}

// snapshot reads every key of the namespace with its contents (not TTLs,
// which tick on a real Redis).
func (e *env) snapshot(t testing.TB) map[string]string {
	t.Helper()
	return snapshotOf(t, e.rdb, e.ns+":*")
}

func snapshotOf(t testing.TB, rdb redis.UniversalClient, pattern string) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := scanKeys(ctx, rdb, pattern)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	out := map[string]string{}
	for _, k := range keys {
		typ, err := rdb.Type(ctx, k).Result()
		if err != nil {
			t.Fatalf("type %s: %v", k, err)
		}
		var v any
		switch typ {
		case "none":
			continue // expired meanwhile
		case "string":
			v, err = rdb.Get(ctx, k).Result()
		case "hash":
			v, err = rdb.HGetAll(ctx, k).Result()
		case "list":
			v, err = rdb.LRange(ctx, k, 0, -1).Result()
		case "set":
			var m []string
			m, err = rdb.SMembers(ctx, k).Result()
			slices.Sort(m)
			v = m
		case "zset":
			v, err = rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		default:
			t.Fatalf("unexpected type %s of %s", typ, k)
		}
		if err != nil && err != redis.Nil {
			t.Fatalf("read %s: %v", k, err)
		}
		out[k] = typ + " " + fmt.Sprint(v)
	}
	return out
}

// diff describes how two snapshots differ, key by key.
func diff(before, after map[string]string) string {
	var b strings.Builder
	for k, v := range before {
		if w, ok := after[k]; !ok {
			fmt.Fprintf(&b, "\n  deleted %s (was %.200s)", k, v)
		} else if w != v {
			fmt.Fprintf(&b, "\n  changed %s:\n    was %.300s\n    now %.300s", k, v, w)
		}
	}
	for k, v := range after {
		if _, ok := before[k]; !ok {
			fmt.Fprintf(&b, "\n  added %s = %.300s", k, v)
		}
	}
	return b.String()
}

// mentions lists the keys of the namespace that name s or hold it.
func (e *env) mentions(t testing.TB, s string, keep func(key string) bool) []string {
	t.Helper()
	var out []string
	for k, v := range e.snapshot(t) {
		if (keep == nil || keep(k)) && (strings.Contains(k, s) || strings.Contains(v, s)) {
			out = append(out, fmt.Sprintf("%s = %.200s", k, v))
		}
	}
	slices.Sort(out)
	return out
}
