package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/redisstore"
)

const inLease = time.Minute

func push(t testing.TB, s *redisstore.Store, e bot.InboxEntry, maxWaiting int) bot.PushResult {
	t.Helper()
	r, err := s.Push(context.Background(), e, maxWaiting)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	return r
}

func claimIn(t testing.TB, s *redisstore.Store, shard int, now time.Time, lease time.Duration, max int) []bot.InboxClaim {
	t.Helper()
	cs, _, err := s.ClaimIn(context.Background(), shard, now, lease, max)
	if err != nil {
		t.Fatalf("ClaimIn: %v", err)
	}
	if len(cs) > max {
		t.Fatalf("ClaimIn(max %d) returned %d", max, len(cs))
	}
	return cs
}

func ack(t testing.TB, s *redisstore.Store, c bot.InboxClaim, now time.Time, keep bool) *bot.InboxClaim {
	t.Helper()
	next, err := s.AckIn(context.Background(), c, now, now.Add(inLease), keep)
	if err != nil {
		t.Fatalf("AckIn: %v", err)
	}
	return next
}

// sameShard returns n private chats whose keys share an inbox shard.
func sameShard(n int) ([]int64, int) {
	byShard := map[int][]int64{}
	for chat := int64(7_000_000_000); ; chat++ {
		k := redisstore.ShardOf(chatKey(chat))
		byShard[k] = append(byShard[k], chat)
		if len(byShard[k]) == n {
			return byShard[k], k
		}
	}
}

func entry(chat, update int64, at time.Time) bot.InboxEntry {
	return bot.InboxEntry{Update: update, Chat: chat, Received: at.UnixMilli(),
		Raw: json.RawMessage(fmt.Sprintf(`{"update_id":%d,"message":{"chat":{"id":%d},"text":"u%d"}}`, update, chat, update))}
}

// drain handles a shard as one worker does (claim a chat, handle and
// acknowledge its updates while it may keep it) and returns the update
// ids in the order handled.
func drain(t testing.TB, s *redisstore.Store, shard int, now time.Time) []int64 {
	t.Helper()
	var out []int64
	for range 10_000 {
		now = now.Add(time.Millisecond)
		cs := claimIn(t, s, shard, now, inLease, 1)
		if len(cs) == 0 {
			return out
		}
		for c := &cs[0]; c != nil; c = ack(t, s, *c, now, true) {
			out = append(out, c.Entry.Update)
		}
	}
	t.Fatal("the inbox never emptied")
	return nil
}

func testInboxDedupe(t *testing.T, e *env) {
	chat, user := citizen()
	shard := redisstore.ShardOf(user)
	now := time.Now()
	arrivals := []struct {
		id   int64
		want bot.PushResult
	}{
		{5, bot.Queued}, {3, bot.Queued}, {9, bot.Queued}, {3, bot.Duplicate}, {5, bot.Duplicate},
		{10, bot.Queued}, {9, bot.Duplicate}, {0, bot.Queued}, {0, bot.Queued},
		{65535, bot.Queued}, {65536, bot.Queued}, {5 + 1<<40, bot.Queued}, {65536, bot.Duplicate}, {5 + 1<<40, bot.Duplicate},
	}
	var want []int64
	for _, a := range arrivals {
		if got := push(t, e.s, entry(chat, a.id, now), 100); got != a.want {
			t.Errorf("Push(update %d) = %d, want %d", a.id, got, a.want)
		}
		if a.want == bot.Queued {
			want = append(want, a.id)
		}
	}
	if got := drain(t, e.s, shard, now); !slices.Equal(got, want) {
		t.Errorf("handled %v, want %v (arrival order, each once)", got, want)
	}
	// Handled updates are still recognised when Telegram sends them again.
	for _, id := range []int64{3, 5, 65536} {
		if got := push(t, e.s, entry(chat, id, now), 100); got != bot.Duplicate {
			t.Errorf("Push(handled update %d) = %d, want Duplicate", id, got)
		}
	}
	keys, err := scanKeys(t.Context(), e.rdb, e.inTag(user)+":seen:*")
	if err != nil || len(keys) == 0 {
		t.Fatalf("seen keys: %v, %v", keys, err)
	}
	for _, k := range keys {
		if ttl, err := e.rdb.PTTL(t.Context(), k).Result(); err != nil || ttl < 47*time.Hour || ttl > 48*time.Hour {
			t.Errorf("PTTL %s = %v, %v; want about 48h", k, ttl, err)
		}
	}
}

func testInboxCap(t *testing.T, e *env) {
	ctx := t.Context()
	chat, user := citizen()
	shard := redisstore.ShardOf(user)
	now := time.Now()
	queue := func(t *testing.T) []bot.InboxEntry {
		t.Helper()
		raw, err := e.rdb.LRange(ctx, e.inTag(user)+":q:"+user, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		out := make([]bot.InboxEntry, len(raw))
		for i, r := range raw {
			if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	notes := func(q []bot.InboxEntry) int {
		n := 0
		for _, e := range q {
			if e.SlowDown {
				n++
				if e.Chat != chat || e.Update != 0 {
					t.Errorf("slow-down note %+v: want the chat and no update id", e)
				}
			}
		}
		return n
	}
	for i := range int64(3) {
		if got := push(t, e.s, entry(chat, 100+i, now), 3); got != bot.Queued {
			t.Errorf("Push %d under the cap = %d", i, got)
		}
	}
	for i := range int64(5) {
		if got := push(t, e.s, entry(chat, 200+i, now), 3); got != bot.Dropped {
			t.Errorf("Push %d over the cap = %d, want Dropped", i, got)
		}
	}
	q := queue(t)
	if len(q) != 4 || notes(q) != 1 || !q[3].SlowDown {
		t.Fatalf("queue after 5 drops = %+v; want the 3 updates and one slow-down note", q)
	}
	slow := e.inTag(user) + ":slow:" + user
	if ttl, err := e.rdb.PTTL(ctx, slow).Result(); err != nil || ttl < 9*time.Minute || ttl > 10*time.Minute {
		t.Errorf("slow-down marker PTTL = %v, %v; want about 10 minutes", ttl, err)
	}
	// Ten minutes later the next drop adds one more note.
	if err := e.rdb.PExpire(ctx, slow, time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	e.elapse(10 * time.Millisecond)
	for i := range int64(3) {
		push(t, e.s, entry(chat, 300+i, now), 3)
	}
	if q := queue(t); len(q) != 5 || notes(q) != 2 {
		t.Errorf("queue after the marker lapsed and 3 more drops = %d entries, %d notes; want 5 and 2", len(q), notes(q))
	}
	// Handling makes room again.
	got := drain(t, e.s, shard, now)
	if want := []int64{100, 101, 102, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("handled %v, want %v", got, want)
	}
	// Arrivals are paced too: a burst of the cap, then one a second.
	if got := push(t, e.s, entry(chat, 400, now), 3); got != bot.Dropped {
		t.Errorf("Push right after a burst = %d, want Dropped (arrivals paced)", got)
	}
	later := now.Add(time.Second)
	if got := push(t, e.s, entry(chat, 401, later), 3); got != bot.Queued {
		t.Errorf("Push a second later, the queue empty = %d, want Queued", got)
	}
	if got := push(t, e.s, entry(chat, 402, later), 3); got != bot.Dropped {
		t.Errorf("a second Push in that second = %d, want Dropped", got)
	}
}

func testInboxFairness(t *testing.T, e *env) {
	chats, shard := sameShard(3)
	flood, quiet, late := chats[0], chats[1], chats[2]
	now := time.Now()
	for i := range int64(300) {
		push(t, e.s, entry(flood, 1000+i, now), 1000)
	}
	push(t, e.s, entry(quiet, 1, now.Add(time.Millisecond)), 1000)
	got := drain(t, e.s, shard, now.Add(2*time.Millisecond))
	if len(got) != 301 {
		t.Fatalf("handled %d updates, want 301", len(got))
	}
	if i := slices.Index(got, 1); i > 1 {
		t.Errorf("the quiet chat's update was handled after %d of the flood's, want at most 1", i)
	}
	floodOrder := slices.DeleteFunc(slices.Clone(got), func(id int64) bool { return id < 1000 })
	if !slices.IsSorted(floodOrder) {
		t.Errorf("the flooding chat's updates came out of order: %v", floodOrder)
	}

	// A chat arriving while a worker is going through a flood waits at
	// most one more of the flood's updates.
	for i := range int64(50) {
		push(t, e.s, entry(flood, 2000+i, now), 1000)
	}
	clock := now.Add(time.Second)
	cs := claimIn(t, e.s, shard, clock, inLease, 1)
	c := &cs[0]
	var order []int64
	for range 10 {
		order = append(order, c.Entry.Update)
		c = ack(t, e.s, *c, clock, true)
		if c == nil {
			t.Fatal("the worker gave up a chat with more updates while no other chat waited")
		}
	}
	push(t, e.s, entry(late, 9, clock), 1000)
	order = append(order, c.Entry.Update)
	if next := ack(t, e.s, *c, clock.Add(time.Millisecond), true); next != nil {
		t.Errorf("AckIn kept the flooding chat while another waited: %+v", next)
	}
	cs = claimIn(t, e.s, shard, clock.Add(2*time.Millisecond), inLease, 1)
	if len(cs) != 1 || cs[0].Entry.Update != 9 {
		t.Errorf("after the flood's turn ClaimIn = %+v, want the chat that arrived", cs)
	}
	if want := []int64{2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2010}; !slices.Equal(order, want) {
		t.Errorf("flood handled %v, want %v", order, want)
	}
}

func testInboxOneWorker(t *testing.T, e *env) {
	chat, user := citizen()
	shard := redisstore.ShardOf(user)
	now := time.Now()
	push(t, e.s, entry(chat, 1, now), 10)
	push(t, e.s, entry(chat, 2, now), 10)
	w1 := claimIn(t, e.s, shard, now, inLease, 10)
	if len(w1) != 1 || w1[0].Entry.Update != 1 || w1[0].Chat != user || w1[0].Shard != shard {
		t.Fatalf("first claim = %+v", w1)
	}
	if w2 := claimIn(t, e.s, shard, now, inLease, 10); len(w2) != 0 {
		t.Errorf("a second worker claimed a leased chat: %+v", w2)
	}
	push(t, e.s, entry(chat, 3, now), 10)
	if w2 := claimIn(t, e.s, shard, now.Add(inLease-time.Millisecond), inLease, 10); len(w2) != 0 {
		t.Errorf("a second worker claimed a leased chat after an update arrived: %+v", w2)
	}
	// The first worker crashed: after its lease the chat comes back, with
	// the update it had not acknowledged.
	end := now.Add(inLease + time.Millisecond)
	w2 := claimIn(t, e.s, shard, end, inLease, 10)
	if len(w2) != 1 || w2[0].Raw != w1[0].Raw || w2[0].Tries != 0 {
		t.Fatalf("claim after the lease ended = %+v, want update 1 again", w2)
	}
	var got []int64
	for c := &w2[0]; c != nil; c = ack(t, e.s, *c, end, true) {
		got = append(got, c.Entry.Update)
	}
	if want := []int64{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("the second worker handled %v, want %v", got, want)
	}
}

// testInboxConcurrentWorkers runs workers side by side on one shard: no
// chat is ever handled by two at once, and every update is handled once,
// in its chat's order.
func testInboxConcurrentWorkers(t *testing.T, e *env) {
	const nChats, perChat, workers = 12, 8, 6
	chats, shard := sameShard(nChats)
	now := time.Now()
	for i := range int64(perChat) {
		for _, c := range chats {
			push(t, e.s, entry(c, c*100+i, now), 100)
		}
	}
	var mu sync.Mutex
	busy := map[string]bool{}
	handled := map[string][]int64{}
	total := 0
	var errs []error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	// handle is one worker's turn with a chat: its updates while it may
	// keep it.
	handle := func(c *bot.InboxClaim) error {
		for c != nil {
			mu.Lock()
			if busy[c.Chat] {
				errs = append(errs, fmt.Errorf("chat %.6s handled by two workers at once", c.Chat))
			}
			busy[c.Chat] = true
			handled[c.Chat] = append(handled[c.Chat], c.Entry.Update)
			total++
			mu.Unlock()
			time.Sleep(100 * time.Microsecond)
			mu.Lock()
			busy[c.Chat] = false
			mu.Unlock()
			var err error
			if c, err = e.s.AckIn(context.Background(), *c, time.Now(), time.Now().Add(inLease), true); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for idle := 0; idle < 1000; idle++ {
				cs, _, err := e.s.ClaimIn(context.Background(), shard, time.Now(), inLease, 1)
				if err != nil {
					fail(err)
					return
				}
				if len(cs) > 0 {
					idle = 0
					if err := handle(&cs[0]); err != nil {
						fail(err)
						return
					}
					continue
				}
				mu.Lock()
				finished := total == nChats*perChat
				mu.Unlock()
				if finished {
					return
				}
				time.Sleep(time.Millisecond)
			}
			fail(errors.New("a worker found nothing to do for a second while updates were left"))
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	for _, c := range chats {
		got := handled[chatKey(c)]
		want := make([]int64, perChat)
		for i := range want {
			want[i] = c*100 + int64(i)
		}
		if !slices.Equal(got, want) {
			t.Errorf("chat %d handled %v, want %v", c, got, want)
		}
	}
	if n, _, err := e.s.InboxDepth(t.Context()); err != nil || n != 0 {
		t.Errorf("InboxDepth after the workers = %d, %v", n, err)
	}
}

func testInboxAck(t *testing.T, e *env) {
	ctx := t.Context()
	chats, shard := sameShard(2)
	a, b := chats[0], chats[1]
	ka := chatKey(a)
	now := time.Now()
	push(t, e.s, entry(a, 1, now), 10)
	push(t, e.s, entry(a, 2, now), 10)
	push(t, e.s, entry(b, 3, now.Add(time.Millisecond)), 10)
	cs := claimIn(t, e.s, shard, now.Add(2*time.Millisecond), inLease, 1)
	if len(cs) != 1 || cs[0].Entry.Update != 1 {
		t.Fatalf("claim = %+v", cs)
	}
	// Another chat waits: the worker lets this one go to the back.
	if next := ack(t, e.s, cs[0], now.Add(3*time.Millisecond), true); next != nil {
		t.Errorf("AckIn(keep) while another chat waits = %+v, want nil", next)
	}
	if _, ok := score(t, e.rdb, e.inTag(ka)+":lease", ka); ok {
		t.Error("the chat stays leased after AckIn let it go")
	}
	cs = claimIn(t, e.s, shard, now.Add(4*time.Millisecond), inLease, 1)
	if len(cs) != 1 || cs[0].Entry.Update != 3 {
		t.Fatalf("claim after the turn = %+v, want the waiting chat", cs)
	}
	if next := ack(t, e.s, cs[0], now.Add(5*time.Millisecond), true); next != nil {
		t.Errorf("AckIn(keep) of a chat with nothing more = %+v", next)
	}
	// No other chat waits: the worker keeps the chat, lease renewed.
	push(t, e.s, entry(a, 4, now), 10)
	cs = claimIn(t, e.s, shard, now.Add(6*time.Millisecond), inLease, 1)
	if len(cs) != 1 || cs[0].Entry.Update != 2 {
		t.Fatalf("claim = %+v, want update 2", cs)
	}
	at := now.Add(7 * time.Millisecond)
	next := ack(t, e.s, cs[0], at, true)
	if next == nil || next.Entry.Update != 4 || next.Chat != ka || next.Shard != shard {
		t.Fatalf("AckIn(keep) with nobody waiting = %+v, want update 4", next)
	}
	if got, ok := score(t, e.rdb, e.inTag(ka)+":lease", ka); !ok || got != at.Add(inLease).UnixMilli() {
		t.Errorf("lease after keeping = %d (%v), want %d", got, ok, at.Add(inLease).UnixMilli())
	}
	// Acknowledging the same update twice removes nothing more.
	push(t, e.s, entry(a, 5, now), 10)
	if again := ack(t, e.s, cs[0], at, false); again != nil {
		t.Errorf("a repeated AckIn(no keep) = %+v", again)
	}
	if n, _, err := e.s.InboxDepth(ctx); err != nil || n != 2 {
		t.Errorf("InboxDepth after a repeated AckIn = %d, %v; want 2", n, err)
	}
	// Without keep the chat goes back in line even when nobody waits.
	cs = claimIn(t, e.s, shard, at, inLease, 1)
	if len(cs) != 1 || cs[0].Entry.Update != 4 {
		t.Fatalf("claim = %+v, want update 4", cs)
	}
	if next := ack(t, e.s, cs[0], at, false); next != nil {
		t.Errorf("AckIn without keep = %+v, want nil", next)
	}
	if cs = claimIn(t, e.s, shard, at, inLease, 1); len(cs) != 1 || cs[0].Entry.Update != 5 {
		t.Errorf("claim = %+v, want update 5", cs)
	}
}

func testInboxFail(t *testing.T, e *env) {
	ctx := t.Context()
	chat, user := citizen()
	shard := redisstore.ShardOf(user)
	// Whole milliseconds: a retry time is kept rounded up to one
	// (TestCeilMilli), a claim's time rounded down.
	now := time.Now().Truncate(time.Millisecond)
	push(t, e.s, entry(chat, 1, now), 10)
	push(t, e.s, entry(chat, 2, now), 10)
	const maxTries = 3
	clock := now
	for try := range maxTries {
		cs := claimIn(t, e.s, shard, clock, inLease, 1)
		if len(cs) != 1 || cs[0].Entry.Update != 1 || cs[0].Tries != try {
			t.Fatalf("try %d: claim = %+v, want update 1 with %d tries", try+1, cs, try)
		}
		retry := clock.Add(5 * time.Second)
		dead, err := e.s.FailIn(ctx, cs[0], "handler broke", maxTries, clock, retry)
		if err != nil || dead != (try == maxTries-1) {
			t.Fatalf("try %d: FailIn = %v, %v", try+1, dead, err)
		}
		if dead {
			break
		}
		// Not before the retry time, and the chat's later update waits too.
		got, next, err := e.s.ClaimIn(ctx, shard, retry.Add(-time.Millisecond), inLease, 1)
		if err != nil || len(got) != 0 || next.UnixMilli() != retry.UnixMilli() {
			t.Errorf("try %d: ClaimIn before the retry = %+v, next %v, %v; want none, next %v", try+1, got, next, err, retry)
		}
		clock = retry
	}
	cs := claimIn(t, e.s, shard, clock, inLease, 1)
	if len(cs) != 1 || cs[0].Entry.Update != 2 || cs[0].Tries != 0 {
		t.Fatalf("after the dead letter, claim = %+v; want update 2 with no tries", cs)
	}
	ds, err := e.s.DeadLetters(ctx)
	if err != nil || len(ds) != 1 {
		t.Fatalf("DeadLetters = %+v, %v", ds, err)
	}
	d := ds[0]
	if d.Entry.Update != 1 || d.Entry.Chat != chat || d.Error != "handler broke" || d.Tries != maxTries || !d.At.Equal(clock) || d.ID == "" {
		t.Errorf("dead letter = %+v", d)
	}
	if !sameJSON(t, d.Entry.Raw, entry(chat, 1, now).Raw) {
		t.Errorf("dead letter keeps %s, want the update", d.Entry.Raw)
	}
}

// sameJSON compares two JSON documents by meaning, numbers digit for
// digit and [] apart from {}.
func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	decode := func(raw []byte) any {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}

func testDeadLetters(t *testing.T, e *env) {
	ctx := t.Context()
	chat, user := citizen()
	shard := redisstore.ShardOf(user)
	now := time.Now()
	kill := func(t *testing.T, at time.Time) bot.DeadLetter {
		t.Helper()
		cs := claimIn(t, e.s, shard, at, inLease, 1)
		if len(cs) != 1 {
			t.Fatalf("claimed %d", len(cs))
		}
		if dead, err := e.s.FailIn(ctx, cs[0], "poison", 1, at, at); err != nil || !dead {
			t.Fatalf("FailIn = %v, %v", dead, err)
		}
		ds, err := e.s.DeadLetters(ctx)
		if err != nil || len(ds) == 0 {
			t.Fatalf("DeadLetters = %v, %v", ds, err)
		}
		return ds[len(ds)-1]
	}
	// An update as Telegram sends it: empty arrays, large numbers, escapes.
	odd := bot.InboxEntry{Update: 1, Chat: chat, Received: now.UnixMilli(), Raw: json.RawMessage(
		`{"update_id":1,"message":{"message_id":12345678901234567,"chat":{"id":-1001234567890123},"date":1893456000,` +
			`"entities":[],"photo":[{"file_id":"AgAC\/x","width":0.5}],"text":"\u00e4 \"quoted\" <b>&","reply_markup":{}}}`)}
	push(t, e.s, odd, 10)
	push(t, e.s, entry(chat, 2, now), 10)
	d := kill(t, now)
	if !strings.HasPrefix(d.ID, fmt.Sprint(shard)+"/"+user+"|1|") {
		t.Errorf("dead letter id %q, want <shard>/<chat>|<update>|<ms>", d.ID)
	}

	// Replay puts it back before the chat's other updates, unchanged.
	if ok, err := e.s.Replay(ctx, d.ID, now); err != nil || !ok {
		t.Fatalf("Replay = %v, %v", ok, err)
	}
	if ds, _ := e.s.DeadLetters(ctx); len(ds) != 0 {
		t.Errorf("dead letters after Replay = %+v", ds)
	}
	if ok, err := e.s.Replay(ctx, d.ID, now); err != nil || ok {
		t.Errorf("Replay again = %v, %v; want false", ok, err)
	}
	cs := claimIn(t, e.s, shard, now, inLease, 1)
	if len(cs) != 1 || cs[0].Entry.Update != 1 {
		t.Fatalf("claim after Replay = %+v, want the replayed update first", cs)
	}
	if got, want := cs[0].Entry, odd; got.Chat != want.Chat || got.Received != want.Received || !sameJSON(t, got.Raw, want.Raw) {
		t.Errorf("replayed update = %+v\n  raw %s\nwant %+v\n  raw %s", got, got.Raw, want, want.Raw)
	}

	// A replay while a worker holds the chat goes right after the update
	// in hand, which is still the one its acknowledgement removes.
	if next := ack(t, e.s, cs[0], now, true); next == nil || next.Entry.Update != 2 {
		t.Fatalf("ack of the replayed update gave %+v, want update 2", next)
	}
	push(t, e.s, entry(chat, 3, now), 10)
	d2 := kill(t, now.Add(2*inLease)) // update 2, in hand since the ack, fails for good
	cs = claimIn(t, e.s, shard, now.Add(3*inLease), inLease, 1)
	if len(cs) != 1 || cs[0].Entry.Update != 3 {
		t.Fatalf("claim = %+v, want update 3", cs)
	}
	if ok, err := e.s.Replay(ctx, d2.ID, now.Add(3*inLease)); err != nil || !ok {
		t.Fatalf("Replay while leased = %v, %v", ok, err)
	}
	if others := claimIn(t, e.s, shard, now.Add(3*inLease), inLease, 1); len(others) != 0 {
		t.Errorf("a replay made a leased chat claimable: %+v", others)
	}
	next := ack(t, e.s, cs[0], now.Add(3*inLease), true)
	if next == nil || next.Entry.Update != 2 {
		t.Fatalf("after a replay while leased, AckIn(3) = %+v; want the replayed update 2 next", next)
	}
	if last := ack(t, e.s, *next, now.Add(3*inLease), true); last != nil {
		t.Errorf("after the replayed update, AckIn = %+v; want nothing (update 3 was handled once)", last)
	}

	// DropDead deletes it for good.
	push(t, e.s, entry(chat, 4, now), 10)
	d4 := kill(t, now.Add(5*inLease))
	if ok, err := e.s.DropDead(ctx, d4.ID); err != nil || !ok {
		t.Fatalf("DropDead = %v, %v", ok, err)
	}
	if ok, err := e.s.DropDead(ctx, d4.ID); err != nil || ok {
		t.Errorf("DropDead again = %v, %v; want false", ok, err)
	}
	if ds, _ := e.s.DeadLetters(ctx); len(ds) != 0 {
		t.Errorf("dead letters after DropDead = %+v", ds)
	}
	if cs := claimIn(t, e.s, shard, now.Add(10*inLease), inLease, 1); len(cs) != 0 {
		t.Errorf("a dropped dead letter came back: %+v", cs)
	}
	for _, bad := range []string{"", "nonsense", "99/ab|1|2", "-1/ab|1|2", "3/ab", "x/ab|1|2"} {
		if _, err := e.s.Replay(ctx, bad, now); err == nil || !strings.Contains(err.Error(), "is not a dead letter id") {
			t.Errorf("Replay(%q) = %v, want an error that says what an id looks like", bad, err)
		}
		if _, err := e.s.DropDead(ctx, bad); err == nil {
			t.Errorf("DropDead(%q) succeeded", bad)
		}
	}
	if n, _, err := e.s.InboxDepth(ctx); err != nil || n != 0 {
		t.Errorf("InboxDepth at the end = %d, %v; want 0", n, err)
	}
}

func testInboxDepth(t *testing.T, e *env) {
	ctx := t.Context()
	if n, oldest, err := e.s.InboxDepth(ctx); err != nil || n != 0 || !oldest.IsZero() {
		t.Errorf("InboxDepth of an empty inbox = %d, %v, %v", n, oldest, err)
	}
	a, ka := citizen()
	b, kb := citizen()
	t1 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	t2 := t1.Add(10 * time.Second)
	for i := range int64(3) {
		push(t, e.s, entry(a, 10+i, t1.Add(time.Duration(i)*time.Second)), 10)
	}
	push(t, e.s, entry(b, 20, t2), 10)
	push(t, e.s, entry(b, 21, t2), 10)
	if n, oldest, err := e.s.InboxDepth(ctx); err != nil || n != 5 || !oldest.Equal(t1) {
		t.Errorf("InboxDepth = %d, %v, %v; want 5 since %v", n, oldest, err, t1)
	}
	now := time.Now()
	cs := claimIn(t, e.s, redisstore.ShardOf(ka), now, inLease, 1)
	if len(cs) != 1 || cs[0].Chat != ka {
		t.Fatalf("claim = %+v", cs)
	}
	// The chat being handled no longer waits; its updates still count.
	if n, oldest, err := e.s.InboxDepth(ctx); err != nil || n != 5 || !oldest.Equal(t2) {
		t.Errorf("InboxDepth while a is handled = %d, %v, %v; want 5 since %v", n, oldest, err, t2)
	}
	ack(t, e.s, cs[0], now, false)
	if n, _, err := e.s.InboxDepth(ctx); err != nil || n != 4 {
		t.Errorf("InboxDepth after one ack = %d, %v; want 4", n, err)
	}
	drain(t, e.s, redisstore.ShardOf(ka), now)
	drain(t, e.s, redisstore.ShardOf(kb), now)
	if n, oldest, err := e.s.InboxDepth(ctx); err != nil || n != 0 || !oldest.IsZero() {
		t.Errorf("InboxDepth after handling everything = %d, %v, %v", n, oldest, err)
	}
}

func testLead(t *testing.T, e *env) {
	ctx := t.Context()
	const ttl = 300 * time.Millisecond
	lead := func(token string) bool {
		t.Helper()
		ok, err := e.s.Lead(ctx, "poller", token, ttl)
		if err != nil {
			t.Fatalf("Lead: %v", err)
		}
		return ok
	}
	if !lead("a") {
		t.Fatal("the first replica did not get the leadership")
	}
	if lead("b") {
		t.Error("a second replica got the leadership while it was held")
	}
	e.elapse(ttl / 2)
	if !lead("a") {
		t.Error("the leader could not renew")
	}
	e.elapse(ttl / 2)
	if lead("b") {
		t.Error("the leadership lapsed although it was renewed")
	}
	if err := e.s.Resign(ctx, "poller", "b"); err != nil {
		t.Fatal(err)
	}
	if lead("b") {
		t.Error("a replica that does not lead resigned for the leader")
	}
	// The leader stops renewing (crashed): another takes over after ttl.
	e.elapse(ttl + 50*time.Millisecond)
	if !lead("b") {
		t.Error("no takeover after the leader stopped renewing")
	}
	if lead("a") {
		t.Error("the old leader got the leadership back")
	}
	if err := e.s.Resign(ctx, "poller", "b"); err != nil {
		t.Fatal(err)
	}
	if !lead("a") {
		t.Error("no takeover after the leader resigned")
	}
	if ok, err := e.s.Lead(ctx, "other", "b", ttl); err != nil || !ok {
		t.Errorf("another leadership = %v, %v; want it free", ok, err)
	}
}

// testInboxPushClaims: an update whose chat is idle is leased to the
// replica that pushed it, when it asks; any other waits for a worker's
// claim, in order.
func testInboxPushClaims(t *testing.T, e *env) {
	ctx := t.Context()
	chats, shard := sameShard(4)
	a, b, c, d := chats[0], chats[1], chats[2], chats[3]
	now := time.Now()
	pushAll := func(claim int, es ...bot.InboxEntry) ([]bot.PushResult, []bot.InboxClaim) {
		t.Helper()
		res, claims, err := e.s.PushAll(ctx, es, 10, claim, now.Add(inLease))
		if err != nil {
			t.Fatalf("PushAll: %v", err)
		}
		return res, claims
	}
	// Two idle chats and one claim to spare: the first is leased at once,
	// with exactly what a worker's claim would return.
	res, claims := pushAll(1, entry(a, 1, now), entry(b, 2, now))
	if fmt.Sprint(res) != fmt.Sprint([]bot.PushResult{bot.Queued, bot.Queued}) || len(claims) != 1 {
		t.Fatalf("PushAll = %v, %d claims; want both queued, one claim", res, len(claims))
	}
	got := claims[0]
	if got.Chat != chatKey(a) || got.Shard != shard || got.Entry.Update != 1 || got.Tries != 0 {
		t.Fatalf("claim at push = %+v", got)
	}
	if lease, ok := score(t, e.rdb, e.inTag(got.Chat)+":lease", got.Chat); !ok || lease != now.Add(inLease).UnixMilli() {
		t.Errorf("lease of the chat claimed at push = %d (%v)", lease, ok)
	}
	// A worker's claim finds only the other chat.
	cs := claimIn(t, e.s, shard, now.Add(time.Millisecond), inLease, 4)
	if len(cs) != 1 || cs[0].Entry.Update != 2 {
		t.Fatalf("claim beside a chat leased at push = %+v, want update 2 only", cs)
	}
	// Leased chats are not claimed again at push; their updates wait for
	// the acknowledgement, which hands them over.
	if _, claims = pushAll(2, entry(a, 3, now), entry(b, 4, now)); len(claims) != 0 {
		t.Fatalf("claims for leased chats: %+v", claims)
	}
	if next := ack(t, e.s, got, now, true); next == nil || next.Entry.Update != 3 {
		t.Fatalf("ack after a push claim = %+v, want update 3", next)
	}
	// A chat with an update waiting is not idle: the next update queues
	// behind it. A duplicate is never claimed.
	push(t, e.s, entry(c, 5, now), 10)
	if res, claims = pushAll(2, entry(c, 6, now), entry(a, 3, now)); len(claims) != 0 || res[1] != bot.Duplicate {
		t.Fatalf("PushAll behind a waiting update and of a duplicate = %v, %+v", res, claims)
	}
	// Without a claim to spare nothing is leased.
	if _, claims = pushAll(0, entry(d, 7, now)); len(claims) != 0 {
		t.Fatalf("claims without asking: %+v", claims)
	}
	if n, _, err := e.s.InboxDepth(ctx); err != nil || n != 6 {
		t.Errorf("InboxDepth = %d, %v; want 6 (updates 2, 3, 4, 5, 6, 7)", n, err)
	}
}
