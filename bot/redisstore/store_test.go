//go:build ignore

// This suite was written for an older store API (Move, Once, LastUpdate)
// and does not build on this branch; the pipeline branch replaces it with
// the rewritten contract suite (storetests). When merging, keep pipeline's
// version of this file. The cases for sessions kept per pilot and the last
// question message are in pilots_test.go.

package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// The contract suite runs every case against the embedded server, and again
// against a real Redis when REDIS_URL is set. Each case gets an empty store
// in a namespace of its own ("test-<random>"), so that packages testing in
// parallel against the same Redis database do not collide; its keys are
// deleted before and after the case (a FLUSHDB would also wipe the other
// packages' keys).

// env is what a contract case works with.
type env struct {
	s    *redisstore.Store
	rdb  redis.UniversalClient
	ns   string
	real bool
	// dead returns a store whose server is gone, and a description.
	dead func(t *testing.T) (*redisstore.Store, string)
}

type backend struct {
	name string
	open func(t *testing.T) *env
}

type contractCase struct {
	name     string
	realOnly bool
	run      func(t *testing.T, e *env)
}

func TestStoreContract(t *testing.T) {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		t.Log("REDIS_URL is not set: the store contract ran ONLY against the embedded server (miniredis); " +
			"set REDIS_URL=redis://host:port/db to run it against a real Redis too")
	}
	backends := []backend{
		{"embedded", openEmbedded},
		{"redis", func(t *testing.T) *env { return openReal(t, url) }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "redis" && url == "" {
				t.Skip("REDIS_URL is not set: no real Redis to test against")
			}
			for _, c := range contract {
				if c.realOnly && b.name != "redis" {
					t.Logf("%s: needs a real Redis (REDIS_URL), not run on %s", c.name, b.name)
					continue
				}
				t.Run(c.name, func(t *testing.T) { c.run(t, b.open(t)) })
			}
		})
	}
}

var contract = []contractCase{
	{"load and commit", false, testLoadCommit},
	{"concurrent commits", false, testConcurrentCommits},
	{"answers", false, testAnswers},
	{"counters", false, testCounters},
	{"prompts", false, testPrompts},
	{"claim due", false, testClaimDue},
	{"release", false, testRelease},
	{"concurrent claims", false, testConcurrentClaims},
	{"forget", false, testForget},
	{"once", false, testOnce},
	{"session ttl", false, testSessionTTL},
	{"memory", true, testMemory},
	{"redis down", false, testRedisDown},
}

func namespace() string { return fmt.Sprintf("test-%016x", rand.Uint64()) }

// pseudonym returns a random user pseudonym shaped like the real ones
// (32 hex digits), so that searching keys and values for it is exact.
func pseudonym() string { return fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()) }

func openEmbedded(t *testing.T) *env {
	t.Helper()
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatalf("embedded: %v", err)
	}
	t.Cleanup(stop)
	ns := namespace()
	return &env{
		s: redisstore.New(rdb, redisstore.Options{Namespace: ns}), rdb: rdb, ns: ns,
		dead: func(t *testing.T) (*redisstore.Store, string) {
			// A second embedded server, closed: its port refuses connections.
			rdb2, stop2, err := redisstore.Embedded()
			if err != nil {
				t.Fatalf("embedded: %v", err)
			}
			c2, ok := rdb2.(*redis.Client)
			if !ok {
				t.Fatalf("embedded client is a %T", rdb2)
			}
			addr := c2.Options().Addr
			stop2()
			c, err := redisstore.Open("redis://" + addr + "/0")
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { _ = c.Close() })
			return redisstore.New(c, redisstore.Options{Namespace: ns}), "embedded server closed (" + addr + ")"
		},
	}
}

func openReal(t *testing.T, url string) *env {
	t.Helper()
	rdb, err := redisstore.Open(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("REDIS_URL is set but Redis does not answer: %v", err)
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
		s: redisstore.New(rdb, redisstore.Options{Namespace: ns}), rdb: rdb, ns: ns, real: true,
		dead: func(t *testing.T) (*redisstore.Store, string) {
			addr := closedPort(t)
			c, err := redisstore.Open("redis://" + addr + "/0")
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { _ = c.Close() })
			return redisstore.New(c, redisstore.Options{Namespace: ns}), "client pointed at a closed port (" + addr + ")"
		},
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
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
func (e *env) streamKey(pilot string) string   { return e.tag(pilot) + ":a" }
func (e *env) dayKey(pilot, day string) string { return e.tag(pilot) + ":c:" + day }
func (e *env) allKey(pilot string) string      { return e.tag(pilot) + ":c:all" }
func (e *env) dueKey(pilot string) string      { return e.tag(pilot) + ":due" }
func (e *env) promptKey(pilot string) string   { return e.tag(pilot) + ":pr" }

// snapshot reads every key of the namespace with its contents (not TTLs,
// which tick on a real Redis).
func (e *env) snapshot(t *testing.T) map[string]string {
	t.Helper()
	ctx := t.Context()
	keys, err := scanKeys(ctx, e.rdb, e.ns+":*")
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	out := map[string]string{}
	for _, k := range keys {
		typ, err := e.rdb.Type(ctx, k).Result()
		if err != nil {
			t.Fatalf("type %s: %v", k, err)
		}
		var v any
		switch typ {
		case "string":
			v, err = e.rdb.Get(ctx, k).Result()
		case "hash":
			v, err = e.rdb.HGetAll(ctx, k).Result()
		case "set":
			var m []string
			m, err = e.rdb.SMembers(ctx, k).Result()
			slices.Sort(m)
			v = m
		case "zset":
			v, err = e.rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		case "stream":
			v, err = e.rdb.XRange(ctx, k, "-", "+").Result()
		default:
			t.Fatalf("unexpected type %s of %s", typ, k)
		}
		if err != nil {
			t.Fatalf("read %s: %v", k, err)
		}
		out[k] = typ + " " + fmt.Sprint(v)
	}
	return out
}

var t0 = time.UnixMilli(1_893_456_000_000) // 2030-01-01T00:00:00Z

func session(pilot string, chat int64) *bot.Session {
	return &bot.Session{
		Pilot: pilot,
		Chat:  chat,
		Flow: flow.State{
			Node: "q_satisfaction", Version: "2030-01", Lang: "fi", Seq: 3, Run: 1,
			Answers: map[string]string{"consent": "yes", "age": "25_34"},
		},
		LastUpdate: 700_000_001,
		Created:    t0.Unix(),
		Updated:    t0.Unix() + 60,
		Rev:        -1,
	}
}

func commit(t *testing.T, s *redisstore.Store, c *bot.Commit) {
	t.Helper()
	if err := s.Commit(t.Context(), c); err != nil {
		t.Fatalf("commit %s/%s: %v", c.Pilot, c.User, err)
	}
}

func load(t *testing.T, s *redisstore.Store, user string) *bot.Session {
	t.Helper()
	sess, err := s.Load(t.Context(), user)
	if err != nil {
		t.Fatalf("load %s: %v", user, err)
	}
	return sess
}

// start commits a new session in pilot and points the user at it, as the
// service does.
func start(t *testing.T, s *redisstore.Store, user, pilot string, c *bot.Commit) *bot.Session {
	t.Helper()
	if c == nil {
		c = &bot.Commit{}
	}
	c.User, c.Pilot = user, pilot
	if c.Session == nil {
		c.Session = session(pilot, 42)
	}
	commit(t, s, c)
	if err := s.Move(t.Context(), user, pilot); err != nil {
		t.Fatalf("move: %v", err)
	}
	return c.Session
}

func copySession(s *bot.Session) *bot.Session {
	c := *s
	c.Flow.Answers = maps(s.Flow.Answers)
	return &c
}

func maps(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func testLoadCommit(t *testing.T, e *env) {
	ctx := t.Context()
	user := pseudonym()
	if sess, err := e.s.Load(ctx, user); sess != nil || err != nil {
		t.Fatalf("Load(unknown) = %+v, %v; want nil, nil", sess, err)
	}
	if recs, err := e.s.Answers(ctx, user); len(recs) != 0 || err != nil {
		t.Fatalf("Answers(unknown) = %v, %v; want none", recs, err)
	}

	first := session("turku", 4242)
	start(t, e.s, user, "turku", &bot.Commit{Session: first, TTL: time.Hour})
	got := load(t, e.s, user)
	if got == nil || got.Rev <= 0 {
		t.Fatalf("Load after the first commit = %+v; want a session with Rev > 0", got)
	}
	if got.Rev != first.Rev {
		t.Errorf("Load Rev = %d, Commit set Rev = %d", got.Rev, first.Rev)
	}
	if !reflect.DeepEqual(got, first) {
		t.Errorf("Load = %+v\nwant %+v", got, first)
	}

	// A commit with the loaded Rev succeeds and bumps it.
	rev1 := got.Rev
	got.Flow.Node = "q_next"
	got.Flow.Answers["q_satisfaction"] = "4"
	got.Updated++
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: got, TTL: time.Hour,
		Answers: []bot.Record{{User: user, Run: 1, Node: "q_satisfaction", Result: "satisfaction", Kind: flow.KindRating, Value: "4", Lang: "fi", Version: "2030-01", At: t0.UnixMilli()}},
		Day:     "2030-01-01", Counts: map[string]int64{"answers": 1},
		Prompts: []bot.Prompt{{Kind: flow.PromptReminder, Node: "q_next", Seq: 4, Due: t0.Add(time.Hour)}},
	})
	if got.Rev <= rev1 {
		t.Fatalf("Commit Rev = %d, want > %d", got.Rev, rev1)
	}
	second := load(t, e.s, user)
	if !reflect.DeepEqual(second, got) {
		t.Fatalf("Load = %+v\nwant %+v", second, got)
	}

	// Stale and zero revisions conflict and change nothing.
	before := e.snapshot(t)
	for _, rev := range []int64{rev1, 0, second.Rev + 1} {
		stale := copySession(second)
		stale.Rev = rev
		stale.Flow.Node = "q_stale"
		err := e.s.Commit(ctx, &bot.Commit{User: user, Pilot: "turku", Session: stale, TTL: time.Hour,
			Answers: []bot.Record{{User: user, Run: 1, Node: "q_stale", Result: "stale", Kind: flow.KindText, Text: "lost", Lang: "fi", At: t0.UnixMilli() + 1}},
			Day:     "2030-01-01", Counts: map[string]int64{"answers": 1, "stale": 1},
			Cancel: true, Release: []flow.PromptKind{flow.PromptReminder},
			Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q_stale", Seq: 9, Due: t0}},
		})
		if !errors.Is(err, bot.ErrConflict) {
			t.Errorf("Commit with Rev %d (current %d) = %v, want ErrConflict", rev, second.Rev, err)
		}
		if stale.Rev != rev {
			t.Errorf("a conflicting Commit changed the session's Rev from %d to %d", rev, stale.Rev)
		}
		if after := e.snapshot(t); !reflect.DeepEqual(after, before) {
			t.Errorf("a conflicting Commit with Rev %d changed the store:\nbefore %v\nafter  %v", rev, before, after)
		}
	}
	if now := load(t, e.s, user); !reflect.DeepEqual(now, second) {
		t.Errorf("Load after conflicts = %+v\nwant %+v", now, second)
	}

	// A nil session deletes it.
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku"})
	if sess := load(t, e.s, user); sess != nil {
		t.Errorf("Load after deleting = %+v, want nil", sess)
	}
}

func testConcurrentCommits(t *testing.T, e *env) {
	user := pseudonym()
	base := start(t, e.s, user, "turku", nil)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s := copySession(base)
			s.Chat = int64(i)
			errs[i] = e.s.Commit(t.Context(), &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: time.Hour})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, bot.ErrConflict):
			t.Errorf("commit %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d commits with the same Rev succeeded, want exactly 1", won, n)
	}
	if got := load(t, e.s, user); got.Rev != base.Rev+1 {
		t.Errorf("Rev = %d, want %d", got.Rev, base.Rev+1)
	}
}

func testAnswers(t *testing.T, e *env) {
	ctx := t.Context()
	user, other := pseudonym(), pseudonym()
	at := t0.UnixMilli()
	rec := func(run int, node string, kind flow.Kind, value, text string, media *flow.Media, lang string) bot.Record {
		at += 1000
		return bot.Record{User: user, Run: run, Node: node, Result: node + "_r", Kind: kind, Value: value, Text: text,
			Media: media, Lang: lang, Version: "v" + strconv.Itoa(run), At: at}
	}
	steps := []struct {
		pilot   string
		new     bool
		answers []bot.Record
	}{
		{"turku", true, []bot.Record{
			rec(1, "consent", flow.KindConsent, "yes", "", nil, "fi"),
			rec(1, "q_rate", flow.KindRating, "5", "", nil, "fi"),
		}},
		{"turku", false, []bot.Record{rec(1, "q_text", flow.KindText, "", "Bussit myöhässä | aina \"joka\" päivä\n", nil, "fi")}},
		{"turku", false, nil},
		{"tampere", true, []bot.Record{
			rec(1, "q_voice", flow.KindText, "", "", &flow.Media{Type: "voice", FileID: "AwACAgQAAxkBAAI", Duration: 12}, "sv"),
			rec(1, "q_skip", flow.KindChoice, flow.Skipped, "", nil, "sv"),
		}},
		{"tampere", false, []bot.Record{rec(2, "q_photo", flow.KindText, "", "caption", &flow.Media{Type: "photo", FileID: "AgACAgQAAxkBAAI"}, "sv")}},
		{"turku", true, []bot.Record{rec(2, "q_num", flow.KindNumber, "42", "", nil, "en")}},
		{"turku", false, []bot.Record{rec(2, "q_yes", flow.KindYesNo, "no", "", nil, "en"), rec(2, "q_dk", flow.KindRating, flow.DontKnow, "", nil, "en")}},
	}
	var want []bot.Record
	var sess *bot.Session
	for i, st := range steps {
		if st.new {
			sess = start(t, e.s, user, st.pilot, &bot.Commit{Answers: st.answers, TTL: time.Hour})
		} else {
			sess.Updated++
			commit(t, e.s, &bot.Commit{User: user, Pilot: st.pilot, Session: sess, TTL: time.Hour, Answers: st.answers})
		}
		// Another citizen answering in between must not show up.
		commit(t, e.s, &bot.Commit{User: other, Pilot: st.pilot, Answers: []bot.Record{{User: other, Node: "x" + strconv.Itoa(i), Kind: flow.KindText, At: at}}})
		for _, r := range st.answers {
			r.Pilot = st.pilot
			want = append(want, r)
		}
	}
	got, err := e.s.Answers(ctx, user)
	if err != nil {
		t.Fatalf("Answers: %v", err)
	}
	ids := make([]string, len(got))
	for i := range got {
		ids[i] = got[i].ID
		got[i].ID = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Answers =\n%s\nwant\n%s", dump(got), dump(want))
	}
	// IDs are stream ids: increasing within a pilot, and never going back
	// in time across pilots.
	last := map[string]string{}
	prevMS := int64(0)
	for i, id := range ids {
		ms, seq, ok := parseID(id)
		if !ok {
			t.Fatalf("answer %d has id %q, want a stream id", i, id)
		}
		if p, ok := last[want[i].Pilot]; ok {
			pms, pseq, _ := parseID(p)
			if ms < pms || ms == pms && seq <= pseq {
				t.Errorf("answer %d id %s not after %s in %s", i, id, p, want[i].Pilot)
			}
		}
		if ms < prevMS {
			t.Errorf("answer %d id %s goes back in time", i, id)
		}
		last[want[i].Pilot], prevMS = id, ms
	}
	// Move dropped the session in the pilot left behind, not its answers.
	if n, err := e.rdb.Exists(ctx, e.sessionKey("tampere", user)).Result(); err != nil || n != 0 {
		t.Errorf("session in the pilot left behind: exists=%d err=%v", n, err)
	}
	if cur := load(t, e.s, user); cur == nil || cur.Pilot != "turku" {
		t.Errorf("Load = %+v, want the turku session", cur)
	}
}

func parseID(id string) (ms, seq int64, ok bool) {
	a, b, ok := strings.Cut(id, "-")
	if !ok {
		return 0, 0, false
	}
	ms, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	return ms, seq, err1 == nil && err2 == nil
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func testCounters(t *testing.T, e *env) {
	ctx := t.Context()
	u1, u2 := pseudonym(), pseudonym()
	commit(t, e.s, &bot.Commit{User: u1, Pilot: "turku", Day: "2030-01-01", Counts: map[string]int64{"starts": 1, "answers": 3}})
	commit(t, e.s, &bot.Commit{User: u2, Pilot: "turku", Day: "2030-01-01", Counts: map[string]int64{"answers": 2, "done": 1}})
	commit(t, e.s, &bot.Commit{User: u1, Pilot: "turku", Day: "2030-01-02", Counts: map[string]int64{"answers": 1, "skips": -1}})
	commit(t, e.s, &bot.Commit{User: u1, Pilot: "tampere", Day: "2030-01-02", Counts: map[string]int64{"starts": 1}})
	tests := []struct {
		key  string
		want map[string]string
		ttl  bool
	}{
		{e.dayKey("turku", "2030-01-01"), map[string]string{"starts": "1", "answers": "5", "done": "1"}, true},
		{e.dayKey("turku", "2030-01-02"), map[string]string{"answers": "1", "skips": "-1"}, true},
		{e.allKey("turku"), map[string]string{"starts": "1", "answers": "6", "done": "1", "skips": "-1"}, false},
		{e.dayKey("tampere", "2030-01-02"), map[string]string{"starts": "1"}, true},
		{e.allKey("tampere"), map[string]string{"starts": "1"}, false},
	}
	for _, tt := range tests {
		got, err := e.rdb.HGetAll(ctx, tt.key).Result()
		if err != nil {
			t.Fatalf("HGETALL %s: %v", tt.key, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.key, got, tt.want)
		}
		if tt.ttl {
			if ttl, err := e.rdb.PTTL(ctx, tt.key).Result(); err != nil || ttl <= 0 {
				t.Errorf("PTTL %s = %v, %v; want a TTL on a day's counters", tt.key, ttl, err)
			}
		}
	}
}

// promptState reads the raw prompt keys of a pilot: member -> payload and
// member -> score.
func (e *env) promptState(t *testing.T, pilot string) (map[string]string, map[string]float64) {
	t.Helper()
	ctx := t.Context()
	pr, err := e.rdb.HGetAll(ctx, e.promptKey(pilot)).Result()
	if err != nil {
		t.Fatalf("HGETALL: %v", err)
	}
	zs, err := e.rdb.ZRangeWithScores(ctx, e.dueKey(pilot), 0, -1).Result()
	if err != nil {
		t.Fatalf("ZRANGE: %v", err)
	}
	due := map[string]float64{}
	for _, z := range zs {
		due[z.Member.(string)] = z.Score
	}
	return pr, due
}

func payload(p bot.Prompt) string {
	return p.Node + "|" + strconv.Itoa(p.Seq) + "|" + strconv.FormatInt(p.Due.UnixMilli(), 10)
}

func testPrompts(t *testing.T, e *env) {
	fu := func(node string, seq int, d time.Duration) bot.Prompt {
		return bot.Prompt{Kind: flow.PromptFollowUp, Node: node, Seq: seq, Due: t0.Add(d)}
	}
	rem := func(node string, seq int, d time.Duration) bot.Prompt {
		return bot.Prompt{Kind: flow.PromptReminder, Node: node, Seq: seq, Due: t0.Add(d)}
	}
	tests := []struct {
		name   string
		before []bot.Prompt // scheduled first
		commit bot.Commit   // then this commit (User, Pilot filled in)
		want   []bot.Prompt
	}{
		{"schedule", nil, bot.Commit{Prompts: []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)}},
			[]bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)}},
		{"same kind replaces", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Prompts: []bot.Prompt{fu("q2", 2, 2*time.Hour)}},
			[]bot.Prompt{fu("q2", 2, 2*time.Hour), rem("q1", 1, 24*time.Hour)}},
		{"same kind twice in one commit", nil, bot.Commit{Prompts: []bot.Prompt{rem("q1", 1, time.Hour), rem("q2", 2, 3*time.Hour)}},
			[]bot.Prompt{rem("q2", 2, 3*time.Hour)}},
		{"cancel", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Cancel: true}, nil},
		{"cancel before new prompts", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Cancel: true, Prompts: []bot.Prompt{rem("q3", 3, 48*time.Hour)}},
			[]bot.Prompt{rem("q3", 3, 48*time.Hour)}},
		{"release one kind", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Release: []flow.PromptKind{flow.PromptFollowUp}},
			[]bot.Prompt{rem("q1", 1, 24*time.Hour)}},
		{"release both kinds", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Release: []flow.PromptKind{flow.PromptFollowUp, flow.PromptReminder}}, nil},
		{"release before new prompts", []bot.Prompt{fu("q1", 1, time.Hour)},
			bot.Commit{Release: []flow.PromptKind{flow.PromptFollowUp}, Prompts: []bot.Prompt{fu("q2", 2, 2*time.Hour)}},
			[]bot.Prompt{fu("q2", 2, 2*time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pilot := "p" + strconv.FormatUint(rand.Uint64(), 36)
			user, other := pseudonym(), pseudonym()
			otherPrompts := []bot.Prompt{fu("o1", 7, time.Minute), rem("o1", 7, time.Hour)}
			commit(t, e.s, &bot.Commit{User: other, Pilot: pilot, Prompts: otherPrompts})
			if tt.before != nil {
				commit(t, e.s, &bot.Commit{User: user, Pilot: pilot, Prompts: tt.before})
			}
			c := tt.commit
			c.User, c.Pilot = user, pilot
			commit(t, e.s, &c)
			wantPr, wantDue := map[string]string{}, map[string]float64{}
			for _, x := range []struct {
				u  string
				ps []bot.Prompt
			}{{user, tt.want}, {other, otherPrompts}} {
				for _, p := range x.ps {
					m := x.u + "|" + string(p.Kind)
					wantPr[m], wantDue[m] = payload(p), float64(p.Due.UnixMilli())
				}
			}
			pr, due := e.promptState(t, pilot)
			if !reflect.DeepEqual(pr, wantPr) {
				t.Errorf("prompt hash = %v\nwant %v", pr, wantPr)
			}
			if !reflect.DeepEqual(due, wantDue) {
				t.Errorf("due set = %v\nwant %v", due, wantDue)
			}
		})
	}
}

func claim(t *testing.T, s *redisstore.Store, pilot string, now time.Time, lease time.Duration, max int) []bot.Due {
	t.Helper()
	got, err := s.ClaimDue(t.Context(), pilot, now, lease, max)
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	if len(got) > max {
		t.Fatalf("ClaimDue(max %d) returned %d", max, len(got))
	}
	return got
}

// sameDue compares claimed prompts by value, ignoring time zones.
func sameDue(got, want []bot.Due) bool {
	if len(got) != len(want) {
		return false
	}
	key := func(d bot.Due) string {
		return fmt.Sprintf("%s|%s|%s|%d|%d", d.User, d.Kind, d.Node, d.Seq, d.Due.UnixMilli())
	}
	a, b := make([]string, len(got)), make([]string, len(want))
	for i := range got {
		a[i], b[i] = key(got[i]), key(want[i])
	}
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func fmtDue(ds []bot.Due) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %s %s %s/%d at %s", d.User[:6], d.Kind, d.Node, d.Seq, d.Due.UTC().Format(time.RFC3339Nano))
	}
	return b.String()
}

func testClaimDue(t *testing.T, e *env) {
	now := t0
	const lease = time.Minute
	u := make([]string, 7)
	for i := range u {
		u[i] = pseudonym()
	}
	due := func(user string, kind flow.PromptKind, node string, seq int, d time.Duration) bot.Due {
		return bot.Due{User: user, Prompt: bot.Prompt{Kind: kind, Node: node, Seq: seq, Due: now.Add(d)}}
	}
	var (
		d0 = due(u[0], flow.PromptFollowUp, "q1", 1, -10*time.Minute)
		d1 = due(u[1], flow.PromptReminder, "q2", 5, -5*time.Minute)
		d2 = due(u[2], flow.PromptFollowUp, "q3", 2, 0) // due exactly now
		d3 = due(u[3], flow.PromptFollowUp, "q4", 3, time.Millisecond)
		d4 = due(u[4], flow.PromptReminder, "q5", 4, time.Hour)
		d5 = due(u[5], flow.PromptReminder, "q6", 6, -time.Hour) // another pilot
		d6 = due(u[6], flow.PromptReminder, "q7", 7, 30*time.Second)
	)
	for _, d := range []bot.Due{d4, d3, d2, d1, d0, d6} {
		commit(t, e.s, &bot.Commit{User: d.User, Pilot: "turku", Prompts: []bot.Prompt{d.Prompt}})
	}
	commit(t, e.s, &bot.Commit{User: d5.User, Pilot: "tampere", Prompts: []bot.Prompt{d5.Prompt}})

	steps := []struct {
		name string
		now  time.Time
		max  int
		want []bot.Due
	}{
		{"earliest first, at most max", now, 2, []bot.Due{d0, d1}},
		{"due exactly now, never future ones", now, 100, []bot.Due{d2}},
		{"claimed ones stay hidden", now, 100, nil},
		{"zero max", now.Add(time.Hour), 0, nil},
		{"before the lease ends", now.Add(lease - time.Millisecond), 100, []bot.Due{d3, d6}},
		{"after the lease ends", now.Add(lease + time.Millisecond), 100, []bot.Due{d0, d1, d2}},
		{"leased again", now.Add(lease + time.Millisecond), 100, nil},
		{"much later", now.Add(2 * time.Hour), 100, []bot.Due{d0, d1, d2, d3, d4, d6}},
	}
	for _, st := range steps {
		got := claim(t, e.s, "turku", st.now, lease, max(st.max, 0))
		if !sameDue(got, st.want) {
			t.Errorf("%s: ClaimDue(now%+v, max %d) =%s\nwant%s", st.name, st.now.Sub(now), st.max, fmtDue(got), fmtDue(st.want))
		}
	}
	if got := claim(t, e.s, "tampere", now, lease, 10); !sameDue(got, []bot.Due{d5}) {
		t.Errorf("ClaimDue(tampere) =%s\nwant%s", fmtDue(got), fmtDue([]bot.Due{d5}))
	}
	if got := claim(t, e.s, "nowhere", now, lease, 10); len(got) != 0 {
		t.Errorf("ClaimDue(empty pilot) =%s", fmtDue(got))
	}
}

func testRelease(t *testing.T, e *env) {
	ctx := t.Context()
	now := t0
	a, b, c := pseudonym(), pseudonym(), pseudonym()
	sa := start(t, e.s, a, "turku", &bot.Commit{TTL: time.Hour, Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: now.Add(-time.Minute)}}})
	sb := start(t, e.s, b, "turku", &bot.Commit{TTL: time.Hour, Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: now.Add(-time.Minute)}}})
	_ = start(t, e.s, c, "turku", &bot.Commit{TTL: time.Hour, Prompts: []bot.Prompt{
		{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: now.Add(-time.Minute)},
		{Kind: flow.PromptReminder, Node: "q1", Seq: 1, Due: now.Add(time.Hour)},
	}})
	claimed := claim(t, e.s, "turku", now, time.Minute, 10)
	if len(claimed) != 3 {
		t.Fatalf("claimed %d, want 3:%s", len(claimed), fmtDue(claimed))
	}
	byUser := map[string]bot.Due{}
	for _, d := range claimed {
		byUser[d.User] = d
	}

	// b's prompt is rescheduled by a commit after the claim.
	sb.Flow.Seq = 2
	resched := bot.Prompt{Kind: flow.PromptFollowUp, Node: "q2", Seq: 2, Due: now.Add(10 * time.Minute)}
	commit(t, e.s, &bot.Commit{User: b, Pilot: "turku", Session: sb, TTL: time.Hour, Release: []flow.PromptKind{flow.PromptFollowUp}, Prompts: []bot.Prompt{resched}})
	// a's is cancelled and c's due prompt released by commits.
	commit(t, e.s, &bot.Commit{User: a, Pilot: "turku", Session: sa, TTL: time.Hour, Cancel: true})

	for _, u := range []string{a, b, c} {
		if err := e.s.Release(ctx, "turku", byUser[u]); err != nil {
			t.Fatalf("Release: %v", err)
		}
	}
	pr, due := e.promptState(t, "turku")
	wantPr := map[string]string{
		b + "|followup": payload(resched),
		c + "|reminder": payload(bot.Prompt{Node: "q1", Seq: 1, Due: now.Add(time.Hour)}),
	}
	wantDue := map[string]float64{
		b + "|followup": float64(resched.Due.UnixMilli()),
		c + "|reminder": float64(now.Add(time.Hour).UnixMilli()),
	}
	if !reflect.DeepEqual(pr, wantPr) {
		t.Errorf("prompt hash after Release = %v\nwant %v", pr, wantPr)
	}
	if !reflect.DeepEqual(due, wantDue) {
		t.Errorf("due set after Release = %v\nwant %v", due, wantDue)
	}
	// The rescheduled prompt fires at its new time with its new payload.
	got := claim(t, e.s, "turku", resched.Due, time.Minute, 10)
	if want := []bot.Due{{User: b, Prompt: resched}}; !sameDue(got, want) {
		t.Errorf("ClaimDue after Release =%s\nwant%s", fmtDue(got), fmtDue(want))
	}
	// Releasing something already gone is harmless.
	if err := e.s.Release(ctx, "turku", byUser[a]); err != nil {
		t.Errorf("Release again: %v", err)
	}
}

func testConcurrentClaims(t *testing.T, e *env) {
	const users, replicas = 300, 3
	now := t0
	want := map[string]bool{}
	for i := range users {
		u := pseudonym()
		want[u] = true
		commit(t, e.s, &bot.Commit{User: u, Pilot: "turku", Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q", Seq: i, Due: now.Add(-time.Duration(i) * time.Second)}}})
	}
	got := make([][]bot.Due, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for r := range replicas {
		wg.Go(func() {
			<-begin
			// Bounded, so that a store handing out prompts again and again
			// fails the test instead of hanging it.
			for range users {
				ds, err := e.s.ClaimDue(t.Context(), "turku", now, time.Hour, 7)
				if err != nil {
					errs[r] = err
					return
				}
				if len(ds) == 0 {
					return
				}
				got[r] = append(got[r], ds...)
			}
		})
	}
	close(begin)
	wg.Wait()
	seen := map[string]int{}
	for r := range replicas {
		if errs[r] != nil {
			t.Fatalf("replica %d: %v", r, errs[r])
		}
		for _, d := range got[r] {
			if seen[d.User] != 0 {
				t.Errorf("prompt of %s claimed by replicas %d and %d", d.User[:6], seen[d.User]-1, r)
			}
			seen[d.User] = r + 1
		}
	}
	for u := range want {
		if seen[u] == 0 {
			t.Errorf("prompt of %s never claimed", u[:6])
		}
	}
	if len(seen) != users {
		t.Errorf("claimed %d distinct prompts, want %d", len(seen), users)
	}
	t.Logf("replicas claimed %d, %d and %d prompts", len(got[0]), len(got[1]), len(got[2]))
}

func testForget(t *testing.T, e *env) {
	ctx := t.Context()
	// history gives a user a realistic past: answers, counters and prompts
	// in turku, then in tampere (the current pilot).
	history := func(t *testing.T, user string) {
		t.Helper()
		rec := func(node string) bot.Record {
			return bot.Record{User: user, Run: 1, Node: node, Result: node, Kind: flow.KindText, Text: "about " + user[:4], Lang: "fi", Version: "v1", At: t0.UnixMilli()}
		}
		s := start(t, e.s, user, "turku", &bot.Commit{TTL: time.Hour, Day: "2030-01-01", Counts: map[string]int64{"starts": 1},
			Answers: []bot.Record{rec("consent"), rec("q1")},
			Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: t0.Add(time.Hour)}}})
		commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: time.Hour, Day: "2030-01-01", Counts: map[string]int64{"answers": 1},
			Answers: []bot.Record{rec("q2")},
			Prompts: []bot.Prompt{{Kind: flow.PromptReminder, Node: "q2", Seq: 2, Due: t0.Add(2 * time.Hour)}}})
		s = start(t, e.s, user, "tampere", &bot.Commit{TTL: time.Hour, Day: "2030-01-02", Counts: map[string]int64{"starts": 1},
			Answers: []bot.Record{rec("consent")},
			Prompts: []bot.Prompt{
				{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: t0.Add(-time.Hour)},
				{Kind: flow.PromptReminder, Node: "q1", Seq: 1, Due: t0.Add(time.Hour)},
			}})
		commit(t, e.s, &bot.Commit{User: user, Pilot: "tampere", Session: s, TTL: time.Hour, Answers: []bot.Record{rec("q1")}})
		// Old turku prompts were dropped by Move; schedule one there again,
		// as a late commit of the old pilot might.
		commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: nil, Prompts: []bot.Prompt{{Kind: flow.PromptReminder, Node: "q9", Seq: 9, Due: t0}}})
		if _, err := e.s.Once(ctx, "welcome:"+user[:8], time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	// userData is what the store's API says about a user.
	type userData struct {
		sess    *bot.Session
		answers []bot.Record
	}
	read := func(t *testing.T, user string) userData {
		t.Helper()
		recs, err := e.s.Answers(ctx, user)
		if err != nil {
			t.Fatalf("Answers: %v", err)
		}
		return userData{load(t, e.s, user), recs}
	}
	// mentions lists what still mentions user: keys, stream entries,
	// prompt members.
	// With several pilots it looks at every key (SCAN MATCH *), with one
	// only at that pilot's keys.
	mentions := func(t *testing.T, user string, pilots ...string) []string {
		t.Helper()
		var out []string
		keys, err := scanKeys(ctx, e.rdb, "*")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if strings.Contains(k, user) && (len(pilots) > 1 || strings.HasPrefix(k, e.tag(pilots[0]))) {
				out = append(out, "key "+k)
			}
		}
		for _, p := range pilots {
			msgs, err := e.rdb.XRange(ctx, e.streamKey(p), "-", "+").Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				var r struct {
					U string `json:"u"`
				}
				j, _ := m.Values["j"].(string)
				if err := json.Unmarshal([]byte(j), &r); err != nil {
					t.Fatalf("stream entry %s: %v", m.ID, err)
				}
				if r.U == user || strings.Contains(j, user) {
					out = append(out, "answer "+p+" "+m.ID)
				}
			}
			pr, due := e.promptState(t, p)
			for m := range pr {
				if strings.Contains(m, user) {
					out = append(out, "prompt "+p+" "+m)
				}
			}
			for m := range due {
				if strings.Contains(m, user) {
					out = append(out, "due "+p+" "+m)
				}
			}
		}
		return out
	}
	counters := func(t *testing.T) map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, k := range []string{e.dayKey("turku", "2030-01-01"), e.dayKey("tampere", "2030-01-02"), e.allKey("turku"), e.allKey("tampere")} {
			m, err := e.rdb.HGetAll(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			out[k] = fmt.Sprint(m)
		}
		return out
	}

	t.Run("everywhere", func(t *testing.T) {
		user, other := pseudonym(), pseudonym()
		history(t, user)
		history(t, other)
		if m := mentions(t, user, "turku", "tampere"); len(m) == 0 {
			t.Fatal("the history left no trace to forget")
		}
		otherBefore := read(t, other)
		countersBefore := counters(t)
		if err := e.s.Forget(ctx, user, ""); err != nil {
			t.Fatalf("Forget: %v", err)
		}
		if m := mentions(t, user, "turku", "tampere"); len(m) != 0 {
			t.Errorf("after Forget(user, \"\") the store still mentions the user:\n  %s", strings.Join(m, "\n  "))
		}
		if got := read(t, user); got.sess != nil || len(got.answers) != 0 {
			t.Errorf("after Forget: session %+v, %d answers", got.sess, len(got.answers))
		}
		if got := read(t, other); !reflect.DeepEqual(got, otherBefore) {
			t.Errorf("Forget changed another user's data:\n%s\nwant\n%s", dump(got), dump(otherBefore))
		}
		if len(mentions(t, other, "turku", "tampere")) == 0 {
			t.Error("Forget removed another user's traces")
		}
		if got := counters(t); !reflect.DeepEqual(got, countersBefore) {
			t.Errorf("Forget changed the counters: %v, want %v", got, countersBefore)
		}
		// Forgetting twice, or someone unknown, is harmless.
		if err := e.s.Forget(ctx, user, ""); err != nil {
			t.Errorf("Forget again: %v", err)
		}
		if err := e.s.Forget(ctx, pseudonym(), ""); err != nil {
			t.Errorf("Forget unknown: %v", err)
		}
	})

	tests := []struct {
		name  string
		order []string // pilots forgotten one by one; tampere is current
	}{
		{"old pilot then current", []string{"turku", "tampere"}},
		{"current pilot then old", []string{"tampere", "turku"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, other := pseudonym(), pseudonym()
			history(t, user)
			history(t, other)
			full := read(t, user)
			otherBefore := read(t, other)
			gone := map[string]bool{}
			for i, p := range tt.order {
				if err := e.s.Forget(ctx, user, p); err != nil {
					t.Fatalf("Forget(%s): %v", p, err)
				}
				gone[p] = true
				if m := mentions(t, user, p); len(m) != 0 {
					t.Errorf("after Forget(user, %s) the pilot still mentions the user:\n  %s", p, strings.Join(m, "\n  "))
				}
				got := read(t, user)
				var wantAnswers []bot.Record
				for _, r := range full.answers {
					if !gone[r.Pilot] {
						wantAnswers = append(wantAnswers, r)
					}
				}
				if !reflect.DeepEqual(got.answers, wantAnswers) {
					t.Errorf("after forgetting %v, Answers =\n%s\nwant\n%s", tt.order[:i+1], dump(got.answers), dump(wantAnswers))
				}
				wantSess := full.sess
				if gone["tampere"] {
					wantSess = nil
				}
				if !reflect.DeepEqual(got.sess, wantSess) {
					t.Errorf("after forgetting %v, Load = %+v, want %+v", tt.order[:i+1], got.sess, wantSess)
				}
				ptr, err := e.rdb.HGetAll(ctx, e.pointerKey(user)).Result()
				if err != nil {
					t.Fatal(err)
				}
				wantPtr := map[string]string{}
				for _, q := range []string{"turku", "tampere"} {
					if !gone[q] {
						wantPtr["p:"+q] = "1"
					}
				}
				if !gone["tampere"] {
					wantPtr["pilot"] = "tampere"
				}
				if !reflect.DeepEqual(ptr, wantPtr) {
					t.Errorf("after forgetting %v, pointer = %v, want %v", tt.order[:i+1], ptr, wantPtr)
				}
			}
			if m := mentions(t, user, "turku", "tampere"); len(m) != 0 {
				t.Errorf("after forgetting every pilot the store still mentions the user:\n  %s", strings.Join(m, "\n  "))
			}
			if n, _ := e.rdb.Exists(ctx, e.pointerKey(user)).Result(); n != 0 {
				t.Error("the pointer outlived the last pilot")
			}
			if got := read(t, other); !reflect.DeepEqual(got, otherBefore) {
				t.Errorf("Forget changed another user's data")
			}
		})
	}
}

func testOnce(t *testing.T, e *env) {
	ctx := t.Context()
	tests := []struct {
		key  string
		want bool
	}{
		{"group:-100123", true},
		{"group:-100123", false},
		{"group:-100456", true},
		{"group:-100123", false},
	}
	for i, tt := range tests {
		got, err := e.s.Once(ctx, tt.key, time.Hour)
		if err != nil || got != tt.want {
			t.Errorf("%d: Once(%q) = %v, %v; want %v", i, tt.key, got, err, tt.want)
		}
	}
	if ttl, err := e.rdb.PTTL(ctx, e.ns+":once:group:-100123").Result(); err != nil || ttl <= 0 || ttl > time.Hour {
		t.Errorf("PTTL of the once marker = %v, %v; want about an hour", ttl, err)
	}
}

func testSessionTTL(t *testing.T, e *env) {
	ctx := t.Context()
	user := pseudonym()
	tests := []struct {
		ttl, want time.Duration
	}{
		{36 * time.Hour, 36 * time.Hour},
		{90 * time.Second, 90 * time.Second},
		{0, bot.DefaultSessionTTL},
	}
	var s *bot.Session
	for i, tt := range tests {
		if i == 0 {
			s = start(t, e.s, user, "turku", &bot.Commit{TTL: tt.ttl})
		} else {
			commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: tt.ttl})
		}
		got, err := e.rdb.PTTL(ctx, e.sessionKey("turku", user)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got > tt.want || got < tt.want-5*time.Second {
			t.Errorf("TTL %v: session PTTL = %v, want about %v", tt.ttl, got, tt.want)
		}
	}
}

// testMemory measures what a session costs in a real Redis.
func testMemory(t *testing.T, e *env) {
	ctx := t.Context()
	const n = 1000
	users := make([]string, n)
	for i := range n {
		users[i] = pseudonym()
		now := t0.Add(time.Duration(i) * time.Minute).Unix()
		s := &bot.Session{
			Pilot: "turku",
			Chat:  5_000_000_000 + int64(i)*7919,
			Flow: flow.State{
				Node: "q_transport_satisfaction", Version: "2030-01-15.2", Lang: "fi", Seq: 9, Run: 1,
				Answers: map[string]string{
					"consent":   "yes",
					"age":       "25_34",
					"district":  "keskusta",
					"transport": "+",
				},
			},
			LastUpdate: 712_345_678 + int64(i)*3,
			Created:    now - 600,
			Updated:    now,
			Rev:        -1,
		}
		start(t, e.s, users[i], "turku", &bot.Commit{Session: s, TTL: bot.DefaultSessionTTL})
	}
	var sessTotal, ptrTotal int64
	for _, u := range users {
		a, err := e.rdb.MemoryUsage(ctx, e.sessionKey("turku", u), 0).Result()
		if err != nil {
			t.Fatalf("MEMORY USAGE: %v", err)
		}
		b, err := e.rdb.MemoryUsage(ctx, e.pointerKey(u), 0).Result()
		if err != nil {
			t.Fatalf("MEMORY USAGE: %v", err)
		}
		sessTotal += a
		ptrTotal += b
	}
	raw, _ := e.rdb.Get(ctx, e.sessionKey("turku", users[0])).Result()
	avg := float64(sessTotal+ptrTotal) / n
	t.Logf("MEMORY USAGE over %d sessions: session key %.0f B, pointer key %.0f B, together %.0f B per citizen (session value %d B: %q)",
		n, float64(sessTotal)/n, float64(ptrTotal)/n, avg, len(raw), raw)
	if avg > 1024 {
		t.Errorf("a session with its pointer takes %.0f bytes on average, want at most 1024", avg)
	}
}

func testRedisDown(t *testing.T, e *env) {
	dead, what := e.dead(t)
	stores := []struct {
		name    string
		s       *redisstore.Store
		timeout time.Duration
	}{
		{what, dead, 5 * time.Second},
		{"closed client", closedClient(t, e), 5 * time.Second},
		{"server that never answers", silentServer(t), time.Second},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ops := []struct {
				name string
				do   func(ctx context.Context) error
			}{
				{"Load", func(ctx context.Context) error {
					s, err := st.s.Load(ctx, pseudonym())
					if s != nil {
						t.Errorf("Load returned a session: %+v", s)
					}
					return err
				}},
				{"Commit", func(ctx context.Context) error {
					return st.s.Commit(ctx, &bot.Commit{User: pseudonym(), Pilot: "turku", Session: session("turku", 1), TTL: time.Hour,
						Day: "2030-01-01", Counts: map[string]int64{"a": 1}})
				}},
				{"ClaimDue", func(ctx context.Context) error {
					ds, err := st.s.ClaimDue(ctx, "turku", t0, time.Minute, 10)
					if len(ds) != 0 {
						t.Errorf("ClaimDue returned prompts: %v", ds)
					}
					return err
				}},
			}
			// The operations run at once, so that a hanging server costs one
			// timeout, not three.
			var wg sync.WaitGroup
			for _, op := range ops {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(t.Context(), st.timeout)
					defer cancel()
					begin := time.Now()
					err := op.do(ctx)
					took := time.Since(begin)
					if err == nil {
						t.Errorf("%s succeeded without a server", op.name)
					} else if errors.Is(err, bot.ErrConflict) {
						t.Errorf("%s = %v, want a connection error, not a conflict", op.name, err)
					}
					if took > st.timeout+time.Second {
						t.Errorf("%s took %v, want at most about %v", op.name, took, st.timeout)
					}
					t.Logf("%s: %v after %v", op.name, err, took.Round(time.Millisecond))
				})
			}
			wg.Wait()
		})
	}
}

// closedClient returns a store whose client was closed.
func closedClient(t *testing.T, e *env) *redisstore.Store {
	t.Helper()
	var rdb redis.UniversalClient
	if e.real {
		var err error
		if rdb, err = redisstore.Open(os.Getenv("REDIS_URL")); err != nil {
			t.Fatal(err)
		}
	} else {
		r, stop, err := redisstore.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		rdb = r
	}
	_ = rdb.Close()
	return redisstore.New(rdb, redisstore.Options{Namespace: e.ns})
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) *redisstore.Store {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	rdb, err := redisstore.Open("redis://" + l.Addr().String() + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rdb.Close()
		_ = l.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	return redisstore.New(rdb, redisstore.Options{})
}
