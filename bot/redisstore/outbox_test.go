package redisstore_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// The outbox cases run on the wall clock: a commit queues its messages as
// due at the time it is applied.

const outLease = 30 * time.Second

func claimOut(t testing.TB, s *redisstore.Store, part string, now, dueBy time.Time, max int) ([]bot.Pending, time.Time) {
	t.Helper()
	ps, next, err := s.ClaimOut(context.Background(), part, now, dueBy, outLease, max)
	if err != nil {
		t.Fatalf("ClaimOut: %v", err)
	}
	if len(ps) > max {
		t.Fatalf("ClaimOut(max %d) returned %d", max, len(ps))
	}
	return ps, next
}

// sent marks a message as gone at now, keeping the chat while its next
// message may go by now too.
func sent(t testing.TB, s *redisstore.Store, p bot.Pending, now time.Time) *bot.Pending {
	t.Helper()
	next, err := s.Done(context.Background(), []bot.Pending{p}, time.Time{}, 0, now, now, now.Add(outLease))
	if err != nil {
		t.Fatalf("Done: %v", err)
	}
	return next
}

func byChat(ps []bot.Pending) map[string]bot.Pending {
	out := map[string]bot.Pending{}
	for _, p := range ps {
		out[p.Chat] = p
	}
	return out
}

// score reads a member's score in a sorted set: ok false when absent.
func score(t testing.TB, rdb redis.UniversalClient, key, member string) (int64, bool) {
	t.Helper()
	v, err := rdb.ZScore(context.Background(), key, member).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false
	}
	if err != nil {
		t.Fatalf("ZSCORE %s: %v", key, err)
	}
	return int64(v), true
}

func testOutboxOrder(t *testing.T, e *env) {
	a, b := int64(1001), int64(-100200300) // a private chat and a group
	ka, kb := chatKey(a), chatKey(b)
	msg := func(chat int64, text string) bot.Out { return bot.Out{Chat: chat, Text: text} }
	var wantA, wantB []string
	var outs [][]bot.Out
	for i := range 20 {
		var batch []bot.Out
		for j := range i % 4 {
			ta, tb := "a"+strconv.Itoa(i)+"."+strconv.Itoa(j), "b"+strconv.Itoa(i)+"."+strconv.Itoa(j)
			batch = append(batch, msg(a, ta), msg(b, tb))
			wantA, wantB = append(wantA, ta), append(wantB, tb)
		}
		outs = append(outs, batch)
	}
	before := time.Now()
	for _, batch := range outs {
		commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: batch})
	}
	got := map[string][]string{}
	now := time.Now()
	claims, _ := claimOut(t, e.s, "turku", now, now, 10)
	if len(claims) != 2 {
		t.Fatalf("claimed %d chats, want 2", len(claims))
	}
	for _, p := range claims {
		if want := len(wantA); p.Queued != want {
			t.Errorf("chat %.6s: first claim says %d queued, want %d", p.Chat, p.Queued, want)
		}
		for q := &p; q != nil; q = sent(t, e.s, *q, now) {
			if q.Part != "turku" || q.Chat != chatKey(q.Out.Chat) {
				t.Errorf("pending %+v: wrong partition or chat key", q)
			}
			if q.Out.Queued < before.UnixMilli() || q.Out.Queued > time.Now().UnixMilli() {
				t.Errorf("message %q queued at %d, want the commit's time", q.Out.Text, q.Out.Queued)
			}
			got[q.Chat] = append(got[q.Chat], q.Out.Text)
		}
	}
	if !slices.Equal(got[ka], wantA) || !slices.Equal(got[kb], wantB) {
		t.Errorf("messages came out as\n  %v\n  %v\nwant\n  %v\n  %v", got[ka], got[kb], wantA, wantB)
	}
	if ps, next := claimOut(t, e.s, "turku", now, now.Add(time.Hour), 10); len(ps) != 0 || !next.IsZero() {
		t.Errorf("after everything went, ClaimOut = %d, next %v; want nothing", len(ps), next)
	}
}

func testOutboxClaim(t *testing.T, e *env) {
	ctx := t.Context()
	chats := []int64{11, 12, 13}
	for _, c := range chats {
		commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: []bot.Out{{Chat: c, Text: "hello " + strconv.FormatInt(c, 10)}}})
	}
	commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "tampere", Out: []bot.Out{{Chat: 14, Text: "elsewhere"}}})
	now := time.Now()

	if ps, _ := claimOut(t, e.s, "turku", now, now, 0); len(ps) != 0 {
		t.Errorf("ClaimOut(max 0) = %d claims", len(ps))
	}
	first, next := claimOut(t, e.s, "turku", now, now, 2)
	if len(first) != 2 || next.IsZero() || next.After(now) {
		t.Fatalf("ClaimOut(max 2) = %d claims, next %v; want 2 and the third chat due already", len(first), next)
	}
	rest, next := claimOut(t, e.s, "turku", now, now, 10)
	if len(rest) != 1 || !next.IsZero() {
		t.Fatalf("ClaimOut after = %d claims, next %v; want the third chat and nothing after", len(rest), next)
	}
	claimed := byChat(append(first, rest...))
	if len(claimed) != 3 {
		t.Fatalf("claimed chats %v, want 3 distinct", claimed)
	}

	// Defer sends a chat back for later: only a claim due by then takes it.
	p := claimed[chatKey(11)]
	at := now.Add(time.Minute)
	if err := e.s.Defer(ctx, p, at); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.rdb.LLen(ctx, e.outKey("turku", p.Chat)).Result(); n != 1 {
		t.Errorf("Defer left %d messages, want the 1 kept", n)
	}
	ps, next := claimOut(t, e.s, "turku", now, now, 10)
	if len(ps) != 0 || next.UnixMilli() != at.UnixMilli() {
		t.Errorf("ClaimOut(due by now) after Defer = %d claims, next %v; want none, next %v", len(ps), next, at)
	}
	ps, _ = claimOut(t, e.s, "turku", now, at.Add(-time.Millisecond), 10)
	if len(ps) != 0 {
		t.Errorf("ClaimOut due by just before the deferred time took %d", len(ps))
	}
	ps, _ = claimOut(t, e.s, "turku", now, at, 10)
	if len(ps) != 1 || ps[0].Raw != p.Raw {
		t.Fatalf("ClaimOut due by the deferred time = %+v, want the deferred message", ps)
	}

	// A leased chat is not claimed by another courier until its lease
	// ends, whatever dueBy says; then it is, with the same message.
	for _, d := range []time.Duration{time.Second, outLease - time.Millisecond} {
		if ps, _ := claimOut(t, e.s, "turku", now.Add(d), now.Add(24*time.Hour), 10); len(ps) != 0 {
			t.Errorf("ClaimOut %v into the leases took %d leased chats", d, len(ps))
		}
	}
	again, _ := claimOut(t, e.s, "turku", now.Add(outLease+time.Millisecond), now.Add(outLease+time.Millisecond), 10)
	if got := byChat(again); len(got) != 3 || got[chatKey(12)].Raw != claimed[chatKey(12)].Raw {
		t.Errorf("after the leases ended ClaimOut = %v, want the 3 chats again with their messages", again)
	}
	if ps, _ := claimOut(t, e.s, "turku", now.Add(outLease+2*time.Millisecond), now.Add(time.Hour), 10); len(ps) != 0 {
		t.Errorf("ClaimOut right after a re-claim took %d", len(ps))
	}
	// The other partition was never touched.
	if ps, _ := claimOut(t, e.s, "tampere", now, now, 10); len(ps) != 1 || ps[0].Out.Text != "elsewhere" {
		t.Errorf("ClaimOut(tampere) = %+v", ps)
	}
}

func testOutboxDone(t *testing.T, e *env) {
	ctx := t.Context()
	chat := int64(77)
	key := chatKey(chat)
	commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: []bot.Out{{Chat: chat, Text: "m1"}, {Chat: chat, Text: "m2"}, {Chat: chat, Text: "m3"}, {Chat: chat, Text: "m4"}}})
	now := time.Now()
	lease := now.Add(outLease)
	ps, _ := claimOut(t, e.s, "turku", now, now, 10)
	if len(ps) != 1 || ps[0].Out.Text != "m1" || ps[0].Queued != 4 || !ps[0].Pace.IsZero() {
		t.Fatalf("claim = %+v; want m1 with 4 queued and no pacing yet", ps)
	}
	m1 := ps[0]

	// The next message may go at once: the lease is kept and renewed.
	pace := now.Add(time.Second)
	m2, err := e.s.Done(ctx, []bot.Pending{m1}, pace, 10*time.Second, now, now, lease)
	if err != nil || m2 == nil || m2.Out.Text != "m2" || m2.Queued != 3 || !m2.Pace.Equal(pace) {
		t.Fatalf("Done(m1) = %+v, %v; want m2 with 3 queued and the pacing", m2, err)
	}
	if got, ok := score(t, e.rdb, e.outLeaseKey("turku"), key); !ok || got != lease.UnixMilli() {
		t.Errorf("lease after keeping the chat = %d (%v), want %d", got, ok, lease.UnixMilli())
	}
	if v, err := e.rdb.Get(ctx, e.paceKey("turku", key)).Result(); err != nil || v != strconv.FormatInt(pace.UnixMilli(), 10) {
		t.Errorf("pacing state = %q, %v; want %d", v, err, pace.UnixMilli())
	}
	if ttl, err := e.rdb.PTTL(ctx, e.paceKey("turku", key)).Result(); err != nil || ttl <= 0 || ttl > 10*time.Second {
		t.Errorf("pacing state PTTL = %v, %v; want at most the 10s given", ttl, err)
	}

	// The next may go only later: the chat is released until then.
	pace2, later := now.Add(2*time.Second), now.Add(time.Second)
	if got, err := e.s.Done(ctx, []bot.Pending{*m2}, pace2, 10*time.Second, later, now, lease); err != nil || got != nil {
		t.Fatalf("Done(m2) with the next due later = %+v, %v; want nil", got, err)
	}
	if _, ok := score(t, e.rdb, e.outLeaseKey("turku"), key); ok {
		t.Error("the chat is still leased after Done released it")
	}
	if got, ok := score(t, e.rdb, e.outReadyKey("turku"), key); !ok || got != later.UnixMilli() {
		t.Errorf("the chat is due at %d (%v), want %d", got, ok, later.UnixMilli())
	}
	if ps, next := claimOut(t, e.s, "turku", now, now, 10); len(ps) != 0 || next.UnixMilli() != later.UnixMilli() {
		t.Errorf("ClaimOut before the next may go = %d, next %v; want none, next %v", len(ps), next, later)
	}
	ps, _ = claimOut(t, e.s, "turku", later, later, 10)
	if len(ps) != 1 || ps[0].Out.Text != "m3" || ps[0].Pace.UnixMilli() != pace2.UnixMilli() || ps[0].Queued != 2 {
		t.Fatalf("claim when the next may go = %+v; want m3 with the stored pacing", ps)
	}
	m3 := ps[0]

	// Done with no keepUntil releases the chat even if the next may go.
	if got, err := e.s.Done(ctx, []bot.Pending{m3}, time.Time{}, 0, later, time.Time{}, lease); err != nil || got != nil {
		t.Fatalf("Done(m3) without keepUntil = %+v, %v; want nil", got, err)
	}
	if v, _ := e.rdb.Get(ctx, e.paceKey("turku", key)).Result(); v != strconv.FormatInt(pace2.UnixMilli(), 10) {
		t.Errorf("a Done without pacing changed the pacing state to %q", v)
	}
	// Done again for the same message (a retry) removes nothing more.
	before := e.snapshot(t)
	if got, err := e.s.Done(ctx, []bot.Pending{m3}, time.Time{}, 0, later, time.Time{}, lease); err != nil || got != nil {
		t.Fatalf("Done(m3) again = %+v, %v", got, err)
	}
	if after := e.snapshot(t); !reflect.DeepEqual(before[e.outKey("turku", key)], after[e.outKey("turku", key)]) ||
		!reflect.DeepEqual(before[e.outCountKey("turku")], after[e.outCountKey("turku")]) {
		t.Errorf("a repeated Done changed the outbox:%s", diff(before, after))
	}
	ps, _ = claimOut(t, e.s, "turku", later, later, 10)
	if len(ps) != 1 || ps[0].Out.Text != "m4" {
		t.Fatalf("claim after m3 = %+v; want m4", ps)
	}
	if got := sent(t, e.s, ps[0], later); got != nil {
		t.Errorf("Done(last) = %+v, want nil", got)
	}
	if n, _ := e.rdb.Exists(ctx, e.outKey("turku", key)).Result(); n != 0 {
		t.Error("the chat's list outlived its last message")
	}
	for _, k := range []string{e.outReadyKey("turku"), e.outLeaseKey("turku")} {
		if _, ok := score(t, e.rdb, k, key); ok {
			t.Errorf("the chat stays in %s with nothing to send", k)
		}
	}
}

// testOutboxPair: a claim carries the message behind the head, so a
// keyboard mark and the reply after it go on one claim and are removed by
// one Done, the reply's question recorded; a repeat removes nothing.
func testOutboxPair(t *testing.T, e *env) {
	ctx := t.Context()
	chat := int64(77)
	user := chatKey(chat)
	start(t, e.s, user, "turku", nil)
	mark := bot.Out{Chat: chat, Lane: bot.LaneCosmetic, Edit: 5, Text: "✓ Good"}
	question := bot.Out{Chat: chat, Text: "Why?", Question: "why"}
	commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: []bot.Out{mark, question, {Chat: chat, Text: "last"}}})
	now := time.Now()
	ps, _ := claimOut(t, e.s, "turku", now, now, 10)
	if len(ps) != 1 || ps[0].Out.Text != mark.Text || ps[0].Queued != 3 {
		t.Fatalf("claim = %+v; want the mark with 3 queued", ps)
	}
	q := ps[0].Behind
	if q == nil || q.Out.Text != question.Text || q.Out.Question != "why" || q.Queued != 2 || q.Behind != nil || q.Chat != ps[0].Chat {
		t.Fatalf("behind the mark = %+v; want the question, 2 queued", q)
	}
	q.Sent = 9
	pair := []bot.Pending{ps[0], *q}
	next, err := e.s.Done(ctx, pair, now.Add(time.Second), time.Second, now, now, now.Add(outLease))
	if err != nil || next == nil || next.Out.Text != "last" || next.Queued != 1 || next.Behind != nil {
		t.Fatalf("Done(mark, question) = %+v, %v; want the last message, alone", next, err)
	}
	byLane, _, err := e.s.OutboxDepth(ctx, "turku")
	if err != nil || byLane[bot.LaneCosmetic] != 0 || byLane[bot.LaneReply] != 1 {
		t.Errorf("depth after the pair = %v, %v; want one reply", byLane, err)
	}
	sess, err := e.s.Load(ctx, user)
	if err != nil || sess == nil || sess.Asked != (bot.Asked{Question: "why", Message: 9}) {
		t.Errorf("asked after the pair = %+v, %v; want the question's message", sess, err)
	}
	before := e.snapshot(t)
	if _, err := e.s.Done(ctx, pair, now.Add(time.Second), time.Second, now, now, now.Add(outLease)); err != nil {
		t.Fatal(err)
	}
	if after := e.snapshot(t); !reflect.DeepEqual(before[e.outKey("turku", user)], after[e.outKey("turku", user)]) ||
		!reflect.DeepEqual(before[e.outCountKey("turku")], after[e.outCountKey("turku")]) {
		t.Errorf("a repeated Done of the pair changed the outbox:%s", diff(before, after))
	}
}

func testOutboxWhileLeased(t *testing.T, e *env) {
	for _, keep := range []bool{false, true} {
		t.Run("keep="+strconv.FormatBool(keep), func(t *testing.T) {
			chat := int64(500)
			if keep {
				chat = 501
			}
			key := chatKey(chat)
			commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: []bot.Out{{Chat: chat, Text: "first"}}})
			now := time.Now()
			ps, _ := claimOut(t, e.s, "turku", now, now, 10)
			if len(ps) != 1 {
				t.Fatalf("claimed %d", len(ps))
			}
			commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: []bot.Out{{Chat: chat, Text: "second"}}})
			if _, ok := score(t, e.rdb, e.outReadyKey("turku"), key); ok {
				t.Error("a commit made a leased chat ready")
			}
			if ps2, _ := claimOut(t, e.s, "turku", now.Add(time.Second), now.Add(time.Hour), 10); len(ps2) != 0 {
				t.Fatalf("another courier claimed a leased chat: %+v", ps2)
			}
			keepUntil := time.Time{}
			if keep {
				keepUntil = now
			}
			next, err := e.s.Done(t.Context(), []bot.Pending{ps[0]}, time.Time{}, 0, now, keepUntil, now.Add(outLease))
			if err != nil {
				t.Fatal(err)
			}
			if keep {
				if next == nil || next.Out.Text != "second" {
					t.Errorf("Done with keep = %+v, want the message committed meanwhile", next)
				}
				return
			}
			if next != nil {
				t.Errorf("Done without keep = %+v", next)
			}
			ps, _ = claimOut(t, e.s, "turku", now, now, 10)
			if len(ps) != 1 || ps[0].Out.Text != "second" {
				t.Errorf("after Done, ClaimOut = %+v; want the message committed meanwhile", ps)
			}
		})
	}
}

func testOutboxLanes(t *testing.T, e *env) {
	ctx := t.Context()
	depth := func(t *testing.T) map[bot.Lane]int64 {
		t.Helper()
		byLane, _, err := e.s.OutboxDepth(ctx, "turku")
		if err != nil {
			t.Fatal(err)
		}
		for l, n := range byLane {
			if n == 0 {
				delete(byLane, l)
			}
		}
		return byLane
	}
	if d := depth(t); len(d) != 0 {
		t.Errorf("empty outbox depth = %v", d)
	}
	before := time.Now()
	commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: []bot.Out{
		{Chat: 1, Text: "r1"}, {Chat: 1, Text: "c1", Lane: bot.LaneCosmetic}, {Chat: 2, Text: "b1", Lane: bot.LaneBulk},
	}})
	commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: []bot.Out{{Chat: 2, Text: "r2"}}})
	if d, want := depth(t), map[bot.Lane]int64{bot.LaneReply: 2, bot.LaneBulk: 1, bot.LaneCosmetic: 1}; !reflect.DeepEqual(d, want) {
		t.Errorf("depth after commits = %v, want %v", d, want)
	}
	_, oldest, err := e.s.OutboxDepth(ctx, "turku")
	if err != nil || oldest.Before(before.Add(-time.Millisecond)) || oldest.After(time.Now()) {
		t.Errorf("oldest due = %v, %v; want the first commit's time", oldest, err)
	}
	now := time.Now()
	ps, _ := claimOut(t, e.s, "turku", now, now, 10)
	want := map[bot.Lane]int64{bot.LaneReply: 2, bot.LaneBulk: 1, bot.LaneCosmetic: 1}
	for _, p := range ps {
		for q := &p; q != nil; {
			again := *q
			q = sent(t, e.s, *q, now)
			want[again.Out.Lane]--
			if want[again.Out.Lane] == 0 {
				delete(want, again.Out.Lane)
			}
			if d := depth(t); !reflect.DeepEqual(d, want) {
				t.Errorf("depth after sending %q = %v, want %v", again.Out.Text, d, want)
			}
			sent(t, e.s, again, now) // a repeat counts nothing
			if d := depth(t); !reflect.DeepEqual(d, want) {
				t.Errorf("depth after a repeated Done of %q = %v, want %v", again.Out.Text, d, want)
			}
		}
	}
	// A count that drifted low (lost, or older data) never goes below 0.
	commit(t, e.s, &bot.Commit{User: pseudonym(), Pilot: "turku", Out: []bot.Out{{Chat: 3, Text: "r3"}}})
	if err := e.rdb.HSet(ctx, e.outCountKey("turku"), strconv.Itoa(int(bot.LaneReply)), 0).Err(); err != nil {
		t.Fatal(err)
	}
	ps, _ = claimOut(t, e.s, "turku", now, time.Now(), 10)
	if len(ps) != 1 {
		t.Fatalf("claimed %d", len(ps))
	}
	sent(t, e.s, ps[0], time.Now())
	byLane, _, err := e.s.OutboxDepth(ctx, "turku")
	if err != nil || byLane[bot.LaneReply] != 0 {
		t.Errorf("reply count after Done on a zero count = %d, %v; want 0", byLane[bot.LaneReply], err)
	}
}

func testPartitions(t *testing.T, e *env) {
	parts, err := e.s.Partitions(t.Context())
	if err != nil || !slices.Equal(parts, []string{bot.Lobby}) {
		t.Errorf("Partitions of an empty store = %q, %v; want the lobby", parts, err)
	}
	u1, u2 := pseudonym(), pseudonym()
	start(t, e.s, u1, "turku", nil)
	start(t, e.s, u2, "tampere", nil)
	start(t, e.s, u1, "tampere", nil)
	commit(t, e.s, &bot.Commit{User: u2, Pilot: bot.Lobby, Out: []bot.Out{{Chat: 1, Text: "menu"}}})
	parts, err = e.s.Partitions(t.Context())
	if want := []string{bot.Lobby, "tampere", "turku"}; err != nil || !slices.Equal(parts, want) {
		t.Errorf("Partitions = %q, %v; want %q", parts, err, want)
	}
	// Forgetting everyone does not forget that a pilot had data: its
	// outbox may still hold messages.
	for _, u := range []string{u1, u2} {
		if err := e.s.Forget(t.Context(), u, ""); err != nil {
			t.Fatal(err)
		}
	}
	if parts, _ = e.s.Partitions(t.Context()); len(parts) != 3 {
		t.Errorf("Partitions after Forget = %q", parts)
	}
}
