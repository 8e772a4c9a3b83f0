package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// The store's contract for coming back (issue 9): a citizen has a session
// per pilot, the pointer says which is current, and switching keeps the
// session left behind with its prompts; the courier's record of a chat's
// last question message is read with the session and erased with it.
// Each case runs on the embedded server, and on a real Redis when
// REDIS_URL is set, in a namespace of its own.

var pilotsKey = []byte("redisstore-pilots-test-key")

// pilotsStores opens a store per backend, each in a fresh namespace.
func pilotsStores(t *testing.T) map[string]*redisstore.Store {
	t.Helper()
	out := map[string]*redisstore.Store{}
	open := func(name string, rdb redis.UniversalClient) {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		ns := "test-pilots-" + hex.EncodeToString(b)
		t.Cleanup(func() {
			ctx := context.Background()
			keys, _ := rdb.Keys(ctx, ns+":*").Result()
			for _, k := range keys {
				rdb.Del(ctx, k)
			}
		})
		out[name] = redisstore.New(rdb, redisstore.Options{Namespace: ns, ChatKey: func(chat int64) string { return bot.ChatKey(pilotsKey, chat) }})
	}
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	open("embedded", rdb)
	if url := os.Getenv("REDIS_URL"); url != "" {
		real, err := redisstore.Open(url)
		if err != nil {
			t.Fatalf("REDIS_URL: %v", err)
		}
		t.Cleanup(func() { _ = real.Close() })
		open("redis", real)
	} else {
		t.Log("REDIS_URL is not set: these cases did NOT run against a real Redis")
	}
	return out
}

func pilotsSession(pilot string, chat int64, node string) *bot.Session {
	return &bot.Session{Pilot: pilot, Chat: chat, Flow: flow.State{Node: node, Version: "v1", Lang: "fi", Seq: 4, Run: 1}, Created: 1, Updated: 2}
}

func pilotsCommit(t *testing.T, s *redisstore.Store, c *bot.Commit) {
	t.Helper()
	if err := s.Commit(context.Background(), c); err != nil {
		t.Fatalf("commit %s: %v", c.Pilot, err)
	}
}

func TestSessionsPerPilot(t *testing.T) {
	for name, s := range pilotsStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			chat := int64(5_100_000_001)
			user := bot.ChatKey(pilotsKey, chat)
			due := time.Now().Add(14 * 24 * time.Hour).Truncate(time.Millisecond)

			// In turku, waiting for a follow-up.
			turku := pilotsSession("turku", chat, "wait")
			pilotsCommit(t, s, &bot.Commit{User: user, Pilot: "turku", Point: true, Session: turku, TTL: time.Hour,
				Answers: []bot.Record{{User: user, Run: 1, Node: "q1", Result: "r1", Kind: flow.KindRating, Value: "4", Lang: "fi", At: 1}},
				Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "wait", Seq: 4, Due: due}}})
			// Then hull's link: hull becomes current.
			hull := pilotsSession("hull", chat, "welcome")
			pilotsCommit(t, s, &bot.Commit{User: user, Pilot: "hull", Point: true, Session: hull, TTL: time.Hour})

			got, err := s.Load(ctx, user)
			if err != nil || got == nil || got.Pilot != "hull" {
				t.Fatalf("Load = %+v, %v; want the hull session (current)", got, err)
			}
			left, err := s.LoadPilot(ctx, user, "turku")
			if err != nil || left == nil {
				t.Fatalf("LoadPilot(turku) = %+v, %v; want the session left behind", left, err)
			}
			if left.Rev != turku.Rev || !reflect.DeepEqual(left.Flow, turku.Flow) {
				t.Errorf("the turku session changed when the citizen left: %+v, want %+v", left, turku)
			}
			// Its follow-up is still due, in turku.
			claims, err := s.ClaimDue(ctx, "turku", due.Add(time.Second), time.Minute, 10)
			if err != nil || len(claims) != 1 || claims[0].User != user || claims[0].Kind != flow.PromptFollowUp {
				t.Fatalf("ClaimDue(turku) = %+v, %v; want the follow-up kept", claims, err)
			}
			if none, _ := s.LoadPilot(ctx, user, "voru"); none != nil {
				t.Errorf("LoadPilot of a pilot never opened = %+v", none)
			}

			// Back to turku: its session is current again, as it was.
			left.Updated = 3
			pilotsCommit(t, s, &bot.Commit{User: user, Pilot: "turku", Point: true, Session: left, TTL: time.Hour})
			if got, _ := s.Load(ctx, user); got == nil || got.Pilot != "turku" || got.Flow.Node != "wait" {
				t.Fatalf("Load after coming back = %+v", got)
			}
			if h, _ := s.LoadPilot(ctx, user, "hull"); h == nil || h.Flow.Node != "welcome" {
				t.Errorf("the hull session went when the citizen came back to turku: %+v", h)
			}

			// /forget: every pilot's session goes, with the answers.
			if err := s.Forget(ctx, user, ""); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"turku", "hull"} {
				if sess, _ := s.LoadPilot(ctx, user, p); sess != nil {
					t.Errorf("%s session left after /forget: %+v", p, sess)
				}
			}
			if recs, _ := s.Answers(ctx, user); len(recs) != 0 {
				t.Errorf("answers left after /forget: %+v", recs)
			}
		})
	}
}

// TestAskedMessage: the courier's Done records the id Telegram gave a
// question; the session is read with it; other messages leave it alone;
// /forget erases it.
func TestAskedMessage(t *testing.T) {
	for name, s := range pilotsStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			chat := int64(5_100_000_002)
			user := bot.ChatKey(pilotsKey, chat)
			sess := pilotsSession("turku", chat, "q1")
			send := func(o bot.Out, sent int) {
				t.Helper()
				o.Chat = chat
				pilotsCommit(t, s, &bot.Commit{User: user, Pilot: "turku", Point: true, Session: sess, TTL: time.Hour, Out: []bot.Out{o}})
				now := time.Now()
				claims, _, err := s.ClaimOut(ctx, "turku", now, now.Add(time.Hour), time.Minute, 10)
				if err != nil || len(claims) != 1 {
					t.Fatalf("ClaimOut = %+v, %v", claims, err)
				}
				p := claims[0]
				p.Sent = sent
				if _, err := s.Done(ctx, p, time.Time{}, 0, now, time.Time{}, now.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			asked := func() bot.Asked {
				t.Helper()
				got, err := s.LoadPilot(ctx, user, "turku")
				if err != nil || got == nil {
					t.Fatalf("LoadPilot = %+v, %v", got, err)
				}
				if cur, _ := s.Load(ctx, user); cur == nil || cur.Asked != got.Asked {
					t.Errorf("Load and LoadPilot read different questions: %+v, %+v", cur, got)
				}
				return got.Asked
			}

			pilotsCommit(t, s, &bot.Commit{User: user, Pilot: "turku", Point: true, Session: sess, TTL: time.Hour})
			if a := asked(); a != (bot.Asked{}) {
				t.Fatalf("before any question: %+v", a)
			}
			send(bot.Out{Text: "Question 1?", Question: "q1|4"}, 7001)
			if a := asked(); a != (bot.Asked{Question: "q1|4", Message: 7001}) {
				t.Fatalf("after question 1 went: %+v", a)
			}
			// A plain message, a question whose id is unknown: no change.
			send(bot.Out{Text: "Thank you!"}, 7002)
			send(bot.Out{Text: "Question 2?", Question: "q2|5"}, 0)
			if a := asked(); a != (bot.Asked{Question: "q1|4", Message: 7001}) {
				t.Fatalf("changed by messages that are not a known question: %+v", a)
			}
			send(bot.Out{Text: "Question 2?", Question: "q2|5"}, 7004)
			if a := asked(); a != (bot.Asked{Question: "q2|5", Message: 7004}) {
				t.Fatalf("after question 2 went: %+v", a)
			}
			if err := s.Forget(ctx, user, ""); err != nil {
				t.Fatal(err)
			}
			keys, err := s.Client().Keys(ctx, "*:q:"+user).Result()
			if err != nil || len(keys) != 0 {
				t.Fatalf("question records left after /forget: %v (%v)", keys, err)
			}
		})
	}
}
