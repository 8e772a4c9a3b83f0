package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// counterBound is the store's bound on every counter (2^62): far above
// any real count, and far enough below int64's limit that no increment
// within it can overflow half way through a commit.
const counterBound = int64(1) << 62

// fullCommit touches everything a commit can write, so that a failed one
// shows any write it made.
func fullCommit(user string, rev int64) *bot.Commit {
	s := session("turku", 4242)
	s.Rev = rev
	return &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: time.Hour, Keep: time.Hour,
		Answers: []bot.Record{
			{User: user, Node: "q1", Kind: flow.KindText, Text: "first words", At: t0.UnixMilli()},
			{User: user, Node: "q2", Kind: flow.KindRating, Value: "4", At: t0.UnixMilli()},
		},
		Day: "2030-01-01", Counts: map[string]int64{"answers": 2, "x": 10},
		CohortDay: "2029-12-30", Cohort: map[string]int64{"completed_of_started": 1},
		Cancel: true, Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q2", Seq: 2, Due: t0.Add(time.Hour)}},
		Out:  []bot.Out{{Chat: 4242, Text: "thanks"}},
		Once: "validation", OnceTTL: time.Hour,
	}
}

func testCommitValidation(t *testing.T, e *env) {
	ctx := t.Context()
	tests := []struct {
		name string
		// corrupt changes the stored state (as a bug, an operator or an
		// older version might) before the commit.
		corrupt func(t *testing.T, user string)
		// change makes the commit itself bad.
		change func(c *bot.Commit)
	}{
		{name: "increment above the bound", change: func(c *bot.Commit) { c.Counts["x"] = counterBound + 1 }},
		{name: "increment below the bound", change: func(c *bot.Commit) { c.Counts["x"] = -counterBound - 1 }},
		{name: "cohort increment above the bound", change: func(c *bot.Commit) { c.Cohort["y"] = math.MaxInt64 }},
		{name: "stored all-time counter near the bound", corrupt: hset(e, e.allKey("turku"), "x", strconv.FormatInt(counterBound-5, 10))},
		{name: "stored day counter near the bound", corrupt: hset(e, e.dayKey("turku", "2030-01-01"), "x", strconv.FormatInt(counterBound-5, 10))},
		{name: "stored counter near the negative bound", corrupt: hset(e, e.allKey("turku"), "x", strconv.FormatInt(-counterBound, 10)),
			change: func(c *bot.Commit) { c.Counts["x"] = -1 }},
		{name: "count and cohort together past the bound on one day",
			change: func(c *bot.Commit) {
				c.CohortDay = c.Day
				c.Counts["x"], c.Cohort["x"] = counterBound, counterBound
			}},
		{name: "stored counter not a number", corrupt: hset(e, e.dayKey("turku", "2030-01-01"), "answers", "many")},
		{name: "stored counter a fraction", corrupt: hset(e, e.allKey("turku"), "answers", "1.5")},
		{name: "stored counter with a space", corrupt: hset(e, e.allKey("turku"), "answers", " 12")},
		{name: "stored counter in hex", corrupt: hset(e, e.allKey("turku"), "answers", "0x10")},
		{name: "stored counter with an exponent", corrupt: hset(e, e.allKey("turku"), "answers", "1e3")},
		{name: "stored counter out of int64", corrupt: hset(e, e.allKey("turku"), "answers", "99999999999999999999")},
		{name: "stored cohort counter not a number", corrupt: hset(e, e.dayKey("turku", "2029-12-30"), "completed_of_started", "x")},
		{name: "counters of a day not a hash", corrupt: func(t *testing.T, _ string) {
			if err := e.rdb.Set(ctx, e.dayKey("turku", "2030-01-01"), "oops", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "answer numbering not a number", corrupt: func(t *testing.T, user string) { hset(e, e.answersKey("turku", user), "n", "x")(t, user) }},
		{name: "answer numbering a fraction", corrupt: func(t *testing.T, user string) { hset(e, e.answersKey("turku", user), "n", "2.5")(t, user) }},
		{name: "answer numbering at the bound", corrupt: func(t *testing.T, user string) {
			hset(e, e.answersKey("turku", user), "n", strconv.FormatInt(counterBound, 10))(t, user)
		}},
		{name: "answer numbering behind the answers", corrupt: func(t *testing.T, user string) {
			// Answer 2 exists but the number says 1: the next answer would
			// overwrite it.
			hset(e, e.answersKey("turku", user), "n", "1")(t, user)
		}},
		{name: "answer sequence not a number", corrupt: func(t *testing.T, _ string) {
			if err := e.rdb.Set(ctx, e.tag("turku")+":aseq", "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(func() { cleanNamespace(t, e, e.ns) }) // the corruption too
			user := pseudonym()
			sess := start(t, e.s, user, "turku", &bot.Commit{TTL: time.Hour,
				Answers: []bot.Record{{User: user, Node: "q0", At: t0.UnixMilli()}, {User: user, Node: "q0b", At: t0.UnixMilli()}}})
			if tt.corrupt != nil {
				tt.corrupt(t, user)
			}
			c := fullCommit(user, sess.Rev)
			if tt.change != nil {
				tt.change(c)
			}
			before := e.snapshot(t)
			err := e.s.Commit(ctx, c)
			if err == nil || errors.Is(err, bot.ErrConflict) || errors.Is(err, bot.ErrDone) {
				t.Fatalf("Commit = %v, want it refused", err)
			}
			t.Logf("refused: %v", err)
			if c.Session.Rev != sess.Rev {
				t.Errorf("a refused commit changed the session's Rev to %d", c.Session.Rev)
			}
			if after := e.snapshot(t); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused commit wrote:%s", diff(before, after))
			}
		})
	}
}

func hset(e *env, key, field, value string) func(t *testing.T, user string) {
	return func(t *testing.T, _ string) {
		t.Helper()
		if err := e.rdb.HSet(context.Background(), key, field, value).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// hostile are values a citizen (or a flow author) may send, each stored
// once and read back as it was.
var hostile = []string{
	"9223372036854770", "-1e18", "1e18", "NaN", "nan", "-Infinity", "inf", "0x10", "-0", "00042",
	"", " ", "\x00", "\x00\x01\x02\x1b[31mred\x1b[0m\r\n\t\v\f\x7f",
	"👩🏽‍🚒🇫🇮 ❤️ 𝕳𝖊𝖑𝖑𝖔", "مرحبا بالعالم \u202eabc\u202c שלום", "\u200b\u200d\ufeff",
	"%d+ .* [^]] %% %s", `"},{"x":1,"n":"9"}`, "1\n{\"p\":\"x\"}", "a|b|c", "\\", "<script>alert(1)</script>",
	"redis.call('FLUSHALL')", "' or 1=1 --",
	strings.Repeat("ä", 1<<19),           // 1 MB of two-byte letters
	strings.Repeat("x", 1<<20),           // 1 MB
	strings.Repeat("🙂\u202e\x00", 1<<17), // 1 MB mixed
}

func testHostileValues(t *testing.T, e *env) {
	ctx := t.Context()
	user := pseudonym()
	chat := int64(math.MaxInt64)
	s := session("turku", chat)
	s.Flow.Name = hostile[14]
	s.Flow.Answers = map[string]string{}
	for i, h := range hostile {
		s.Flow.Answers["k"+strconv.Itoa(i)] = h
	}
	start(t, e.s, user, "turku", &bot.Commit{Session: s, TTL: time.Hour})
	var want []bot.Record
	ats := []int64{9223372036854770, -1e18, 0, t0.UnixMilli(), math.MaxInt64, math.MinInt64}
	for i, h := range hostile {
		r := bot.Record{User: user, Run: i, Node: "q" + strconv.Itoa(i), Result: h, Kind: flow.KindText, Value: h, Text: h,
			Media: &flow.Media{Type: "voice", FileID: h}, Lang: h, Version: h, At: ats[i%len(ats)]}
		want = append(want, r)
	}
	counts := map[string]int64{"big": 9223372036854770, "negative": -1e18, "one": 1}
	for _, h := range hostile[:25] { // not the 1 MB ones
		counts["v:"+h] = 1
	}
	out := []bot.Out{{Chat: chat, Text: hostile[len(hostile)-1]}, {Chat: chat, Text: hostile[13]}}
	s = load(t, e.s, user)
	s.Flow.Node = hostile[16]
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: time.Hour, Answers: want,
		Day: "2030-01-01", Counts: counts, CohortDay: "2029-01-01", Cohort: counts, Out: out})

	if got := load(t, e.s, user); !reflect.DeepEqual(got, s) {
		t.Errorf("the session came back different")
	}
	got, err := e.s.Answers(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	byNode := map[string]bot.Record{}
	for _, r := range got {
		if _, dup := byNode[r.Node]; dup {
			t.Errorf("answer %s stored twice", r.Node)
		}
		r.ID, r.Pilot = "", ""
		byNode[r.Node] = r
	}
	for _, w := range want {
		if g, ok := byNode[w.Node]; !ok {
			t.Errorf("answer %s (%.20q) missing", w.Node, w.Text)
		} else if !reflect.DeepEqual(g, w) {
			t.Errorf("answer %s came back as %.60q, want %.60q", w.Node, g.Text, w.Text)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d answers stored, want %d", len(got), len(want))
	}
	seen := map[string]int{}
	if err := e.s.EachAnswer(ctx, "turku", func(r bot.Record) error { seen[r.Node]++; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if seen[w.Node] != 1 {
			t.Errorf("EachAnswer gave answer %s %d times", w.Node, seen[w.Node])
		}
	}
	for _, days := range [][]string{nil, {"2030-01-01"}, {"2029-01-01"}} {
		c, err := e.s.Counters(ctx, "turku", days)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c, counts) {
			t.Errorf("counters %v came back different", days)
		}
	}
	now := time.Now()
	ps, _ := claimOut(t, e.s, "turku", now, now, 10)
	if len(ps) != 1 {
		t.Fatalf("claimed %d chats", len(ps))
	}
	if ps[0].Out.Text != out[0].Text || ps[0].Out.Chat != chat {
		t.Errorf("the 1 MB message came back different")
	}
	if next := sent(t, e.s, ps[0], now); next == nil || next.Out.Text != out[1].Text {
		t.Errorf("the control characters came back different")
	}

	// Large increments add up exactly until a counter would pass the bound.
	for i := int64(2); ; i++ {
		err := e.s.Commit(ctx, &bot.Commit{User: user, Pilot: "turku", Day: "2030-01-01", Counts: map[string]int64{"negative": -1e18}})
		c, _ := e.s.Counters(ctx, "turku", nil)
		if i*1e18 > counterBound {
			if err == nil || c["negative"] != -(i-1)*1e18 {
				t.Errorf("commit %d of -1e18: %v, counter %d; want it refused at %d", i, err, c["negative"], -(i-1)*1e18)
			}
			break
		}
		if err != nil || c["negative"] != -i*1e18 {
			t.Fatalf("commit %d of -1e18: %v, counter %d", i, err, c["negative"])
		}
	}
}

// FuzzCommit drives Commit with generated answers and counters against
// the embedded server, or the Redis at REDIS_URL when set: every answer is
// stored exactly once, or the commit failed and wrote nothing. It runs its
// seeds with go test; go test -fuzz FuzzCommit ./bot/redisstore explores.
func FuzzCommit(f *testing.F) {
	for _, h := range hostile[:len(hostile)-3] {
		f.Add(h, h, int64(1), int64(0), uint8(2), t0.UnixMilli())
	}
	f.Add("big", "9223372036854770", int64(9223372036854770), int64(9223372036854770), uint8(1), int64(9223372036854770))
	f.Add("neg", "-1e18", int64(-1e18), int64(-1e18), uint8(3), int64(-1e18))
	f.Add("over", "x", counterBound, int64(1), uint8(1), int64(0))
	f.Add("under", "x", -counterBound, int64(-1), uint8(1), int64(0))
	f.Add("edge", "x", counterBound, int64(0), uint8(1), int64(0))
	f.Add("max", "x", int64(math.MaxInt64), int64(math.MinInt64), uint8(5), int64(math.MaxInt64))
	f.Add(strings.Repeat("x", 1<<20), "", int64(0), int64(0), uint8(1), int64(0))
	f.Add("bad utf-8 \xff\xfe", "\xc3", int64(7), int64(-7), uint8(4), int64(1))

	rdb, ns := fuzzRedis(f)
	s := newStore(rdb, ns)
	f.Fuzz(func(t *testing.T, text, value string, incr, base int64, n uint8, at int64) {
		ctx := context.Background()
		pilot := fmt.Sprintf("f%x", rand.Uint64())
		user := pseudonym()
		// The counter holds base first, when base may be stored at all.
		if err := s.Commit(ctx, &bot.Commit{User: user, Pilot: pilot, Point: true, Counts: map[string]int64{"c": base}}); (err == nil) != inBound(base) {
			t.Fatalf("storing counter %d: %v", base, err)
		}
		if !inBound(base) {
			base = 0
		}
		var answers []bot.Record
		for i := range int(n % 6) {
			answers = append(answers, bot.Record{User: user, Node: "q" + strconv.Itoa(i), Kind: flow.KindText,
				Text: text + strconv.Itoa(i), Value: value, Media: &flow.Media{Type: "photo", FileID: value + text}, At: at})
		}
		t.Cleanup(func() {
			keys, _ := scanKeys(ctx, rdb, ns+":{p:"+pilot+"}*")
			for _, k := range append(keys, ns+":u:{"+user+"}") {
				rdb.Del(ctx, k)
			}
		})
		scope := func() map[string]string {
			m := snapshotOf(t, rdb, ns+":{p:"+pilot+"}*")
			for k, v := range snapshotOf(t, rdb, ns+":u:{"+user+"}") {
				m[k] = v
			}
			return m
		}
		before := scope()
		c := &bot.Commit{User: user, Pilot: pilot, Session: &bot.Session{Pilot: pilot, Chat: at, Flow: flow.State{Node: text}},
			Answers: answers, Day: "2030-01-01", Counts: map[string]int64{"c": incr, "d": 1}}
		err := s.Commit(ctx, c)
		// base and incr within the bound cannot overflow int64 but at 2^63,
		// which is out of bounds too.
		if ok := inBound(incr) && inBound(base+incr); ok != (err == nil) {
			t.Fatalf("Commit(counter %d + %d) = %v, want ok=%v", base, incr, err, ok)
		}
		if err != nil {
			if after := scope(); !reflect.DeepEqual(after, before) {
				t.Fatalf("a failed commit (%v) wrote:%s", err, diff(before, after))
			}
			return
		}
		got, err := s.Answers(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			got[i].ID, got[i].Pilot = "", ""
		}
		if want := roundTrip(t, answers); !reflect.DeepEqual(got, want) {
			t.Fatalf("Answers =\n%.500s\nwant\n%.500s", dump(got), dump(want))
		}
		each := 0
		if err := s.EachAnswer(ctx, pilot, func(bot.Record) error { each++; return nil }); err != nil || each != len(answers) {
			t.Fatalf("EachAnswer gave %d answers, %v; want %d", each, err, len(answers))
		}
		counts, err := s.Counters(ctx, pilot, nil)
		if err != nil || counts["c"] != base+incr || counts["d"] != 1 {
			t.Fatalf("counters = %v, %v; want c=%d d=1", counts, err, base+incr)
		}
		if n := rdb.HGet(ctx, ns+":{p:"+pilot+"}:h:"+user, "n").Val(); len(answers) > 0 && n != strconv.Itoa(len(answers)) {
			t.Fatalf("answer numbering %q, want %d", n, len(answers))
		}
	})
}

func inBound(v int64) bool { return v >= -counterBound && v <= counterBound }

// roundTrip is what encoding/json makes of records (invalid UTF-8 becomes
// U+FFFD): what any JSON store gives back.
func roundTrip(t *testing.T, rs []bot.Record) []bot.Record {
	t.Helper()
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	var out []bot.Record
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(out, func(a, b bot.Record) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	return out
}

// fuzzRedis returns the embedded server, or REDIS_URL's Redis with a fresh
// namespace that is deleted afterwards.
func fuzzRedis(f *testing.F) (redis.UniversalClient, string) {
	ns := namespace()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			f.Fatal(err)
		}
		rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{m.Addr()}})
		f.Cleanup(func() { _ = rdb.Close(); m.Close() })
		return rdb, ns
	}
	rdb, err := redisstore.Open(url)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		keys, _ := scanKeys(ctx, rdb, ns+":*")
		for _, k := range keys {
			rdb.Del(ctx, k)
		}
		_ = rdb.Close()
	})
	return rdb, ns
}
