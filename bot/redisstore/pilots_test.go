package redisstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// The store's contract for coming back (issue 9): a citizen has a session
// per pilot, the pointer says which is current, and switching keeps the
// session left behind with its prompts; the courier's record of a chat's
// last question message is read with the session and erased with it.
// Both cases are in the contract suite (contract_test.go): embedded, real
// Redis and Cluster.

func pilotsSession(pilot string, chat int64, node string) *bot.Session {
	return &bot.Session{Pilot: pilot, Chat: chat, Flow: flow.State{Node: node, Version: "v1", Lang: "fi", Seq: 4, Run: 1}, Created: 1, Updated: 2}
}

func testSessionsPerPilot(t *testing.T, e *env) {
	ctx := t.Context()
	chat, user := citizen()
	due := time.Now().Add(14 * 24 * time.Hour).Truncate(time.Millisecond)

	// In turku, waiting for a follow-up.
	turku := pilotsSession("turku", chat, "wait")
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Point: true, Session: turku, TTL: time.Hour,
		Answers: []bot.Record{{User: user, Run: 1, Node: "q1", Result: "r1", Kind: flow.KindRating, Value: "4", Lang: "fi", At: 1}},
		Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "wait", Seq: 4, Due: due}}})
	// Then hull's link: hull becomes current.
	hull := pilotsSession("hull", chat, "welcome")
	commit(t, e.s, &bot.Commit{User: user, Pilot: "hull", Point: true, Session: hull, TTL: time.Hour})

	if got := load(t, e.s, user); got == nil || got.Pilot != "hull" {
		t.Fatalf("Load = %+v; want the hull session (current)", got)
	}
	left, err := e.s.LoadPilot(ctx, user, "turku")
	if err != nil || left == nil {
		t.Fatalf("LoadPilot(turku) = %+v, %v; want the session left behind", left, err)
	}
	if left.Rev != turku.Rev || !reflect.DeepEqual(left.Flow, turku.Flow) {
		t.Errorf("the turku session changed when the citizen left: %+v, want %+v", left, turku)
	}
	// Its follow-up is still due, in turku.
	claims, err := e.s.ClaimDue(ctx, "turku", due.Add(time.Second), time.Minute, 10)
	if err != nil || len(claims) != 1 || claims[0].User != user || claims[0].Kind != flow.PromptFollowUp {
		t.Fatalf("ClaimDue(turku) = %+v, %v; want the follow-up kept", claims, err)
	}
	if none, err := e.s.LoadPilot(ctx, user, "voru"); none != nil || err != nil {
		t.Errorf("LoadPilot of a pilot never opened = %+v, %v", none, err)
	}

	// Back to turku: its session is current again, as it was.
	left.Updated = 3
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Point: true, Session: left, TTL: time.Hour})
	if got := load(t, e.s, user); got == nil || got.Pilot != "turku" || got.Flow.Node != "wait" {
		t.Fatalf("Load after coming back = %+v", got)
	}
	if h, _ := e.s.LoadPilot(ctx, user, "hull"); h == nil || h.Flow.Node != "welcome" {
		t.Errorf("the hull session went when the citizen came back to turku: %+v", h)
	}
	// A stale copy of the session left behind conflicts, as any.
	stale := *turku
	if err := e.s.Commit(ctx, &bot.Commit{User: user, Pilot: "turku", Session: &stale, TTL: time.Hour}); err != bot.ErrConflict {
		t.Errorf("commit of a stale copy of the session left behind = %v, want ErrConflict", err)
	}

	// /forget: every pilot's session goes, with the answers.
	if err := e.s.Forget(ctx, user, ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"turku", "hull"} {
		if sess, _ := e.s.LoadPilot(ctx, user, p); sess != nil {
			t.Errorf("%s session left after /forget: %+v", p, sess)
		}
	}
	if recs, _ := e.s.Answers(ctx, user); len(recs) != 0 {
		t.Errorf("answers left after /forget: %+v", recs)
	}
	if m := e.mentions(t, user, nil); len(m) != 0 {
		t.Errorf("after /forget the store still mentions the citizen:\n  %v", m)
	}
}

// testAskedMessage: the courier's Done records the id Telegram gave a
// question; the session is read with it; other messages leave it alone;
// /forget erases it, and a question still in the outbox then leaves none.
func testAskedMessage(t *testing.T, e *env) {
	ctx := t.Context()
	chat, user := citizen()
	sess := pilotsSession("turku", chat, "q1")
	// send commits a message and delivers it, Telegram giving it id sent.
	send := func(o bot.Out, sent int, c *bot.Commit) {
		t.Helper()
		o.Chat = chat
		if c != nil {
			c.Out = []bot.Out{o}
			commit(t, e.s, c)
		}
		now := time.Now()
		claims, _ := claimOut(t, e.s, "turku", now, now.Add(time.Hour), 10)
		if len(claims) != 1 {
			t.Fatalf("ClaimOut = %+v", claims)
		}
		p := claims[0]
		p.Sent = sent
		if _, err := e.s.Done(ctx, []bot.Pending{p}, time.Time{}, 0, now, time.Time{}, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	turn := func() *bot.Commit {
		return &bot.Commit{User: user, Pilot: "turku", Point: true, Session: sess, TTL: time.Hour}
	}
	asked := func() bot.Asked {
		t.Helper()
		got, err := e.s.LoadPilot(ctx, user, "turku")
		if err != nil || got == nil {
			t.Fatalf("LoadPilot = %+v, %v", got, err)
		}
		if cur := load(t, e.s, user); cur == nil || cur.Asked != got.Asked {
			t.Errorf("Load and LoadPilot read different questions: %+v, %+v", cur, got)
		}
		return got.Asked
	}

	commit(t, e.s, turn())
	if a := asked(); a != (bot.Asked{}) {
		t.Fatalf("before any question: %+v", a)
	}
	send(bot.Out{Text: "Question 1?", Question: "q1|4"}, 7001, turn())
	if a := asked(); a != (bot.Asked{Question: "q1|4", Message: 7001}) {
		t.Fatalf("after question 1 went: %+v", a)
	}
	// A plain message, a question whose id is unknown: no change.
	send(bot.Out{Text: "Thank you!"}, 7002, turn())
	send(bot.Out{Text: "Question 2?", Question: "q2|5"}, 0, turn())
	if a := asked(); a != (bot.Asked{Question: "q1|4", Message: 7001}) {
		t.Fatalf("changed by messages that are not a known question: %+v", a)
	}
	send(bot.Out{Text: "Question 2?", Question: "q2|5"}, 7004, turn())
	if a := asked(); a != (bot.Asked{Question: "q2|5", Message: 7004}) {
		t.Fatalf("after question 2 went: %+v", a)
	}
	if ttl := e.rdb.PTTL(ctx, e.tag("turku")+":q:"+user).Val(); ttl <= 0 {
		t.Errorf("the question record has no expiry (PTTL %v)", ttl)
	}

	// A question waits in the outbox when the citizen sends /forget: it
	// still goes, and leaves no record.
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: sess, TTL: time.Hour,
		Out: []bot.Out{{Chat: chat, Text: "Question 3?", Question: "q3|6"}}})
	if err := e.s.Forget(ctx, user, ""); err != nil {
		t.Fatal(err)
	}
	send(bot.Out{}, 7006, nil)
	keys, err := scanKeys(ctx, e.rdb, e.ns+":*:q:"+user)
	if err != nil || len(keys) != 0 {
		t.Fatalf("question records left after /forget: %v (%v)", keys, err)
	}
	if m := e.mentions(t, user, nil); len(m) != 0 {
		t.Errorf("after /forget and the last message the store still mentions the citizen:\n  %v", m)
	}
}
