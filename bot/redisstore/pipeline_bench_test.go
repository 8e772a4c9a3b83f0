package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/redis/go-redis/v9"
)

// The pipeline benchmarks measure what each step of handling an update
// costs in Redis round trips and time: a commit, a push into the inbox, a
// worker's claim and acknowledgement, a courier's claim and Done.
//
//	REDIS_URL=redis://127.0.0.1:6379/0 go test ./bot/redisstore -run XXX -bench 'Commit|Push|Inbox|Outbox' -benchtime 5000x
//
// With REDIS_URL, database 13 is flushed and used; without it the
// embedded server runs them (its times say little about Redis).

// roundTrips counts the commands and pipelines a client sends: each is
// one round trip.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

// benchStore returns a store on the benchmark database and a counter of
// its round trips, reset when the timer is.
func benchStore(b *testing.B) (*Store, *roundTrips) {
	rdb, _ := claimBenchRedis(b)
	rt := &roundTrips{}
	rdb.AddHook(rt)
	return New(rdb, Options{Namespace: fmt.Sprintf("bench%d", time.Now().UnixNano())}), rt
}

// measure runs the timed part and reports round trips per operation.
func measure(b *testing.B, rt *roundTrips, ops func() int) {
	b.Helper()
	rt.n.Store(0)
	b.ResetTimer()
	n := ops()
	b.StopTimer()
	if n == 0 {
		b.Fatal("no operation ran")
	}
	b.ReportMetric(float64(rt.n.Load())/float64(n), "roundtrips/op")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/op")
}

func benchTurn(user string, i int, sess *bot.Session) *bot.Commit {
	now := time.Now()
	return &bot.Commit{User: user, Pilot: "bench", Session: sess, TTL: bot.DefaultSessionTTL, Keep: 365 * 24 * time.Hour,
		Answers: []bot.Record{{User: user, Run: 1, Node: "q" + strconv.Itoa(i%9), Result: "r", Kind: flow.KindRating, Value: "4", Lang: "fi", Version: "v1", At: now.UnixMilli()}},
		Day:     now.Format(time.DateOnly), Counts: map[string]int64{"answered:q": 1, "v:r:4": 1, "sum:r": 4000, "n:r": 1},
		Release: []flow.PromptKind{flow.PromptReminder},
		Prompts: []bot.Prompt{{Kind: flow.PromptReminder, Node: "q", Seq: i, Due: now.Add(24 * time.Hour)}},
		Out:     []bot.Out{{Chat: int64(i % 1000), Text: "Thanks! Next question: how was the bus today?", Since: now.UnixMilli()}},
	}
}

// BenchmarkCommit: one answered question (session, an answer, four
// counters, a prompt, a reply); "first" also points a new citizen at the
// pilot; "turn" is what handling an update costs: Load, then Commit.
func BenchmarkCommit(b *testing.B) {
	b.Run("answer", func(b *testing.B) {
		s, rt := benchStore(b)
		ctx := context.Background()
		const users = 1000
		sess := make([]*bot.Session, users)
		for i := range users {
			sess[i] = &bot.Session{Pilot: "bench", Chat: int64(i), Flow: flow.State{Node: "q", Lang: "fi"}}
			if err := s.Commit(ctx, &bot.Commit{User: strconv.Itoa(i), Pilot: "bench", Point: true, Session: sess[i]}); err != nil {
				b.Fatal(err)
			}
		}
		measure(b, rt, func() int {
			for i := range b.N {
				if err := s.Commit(ctx, benchTurn(strconv.Itoa(i%users), i, sess[i%users])); err != nil {
					b.Fatal(err)
				}
			}
			return b.N
		})
	})
	b.Run("first", func(b *testing.B) {
		s, rt := benchStore(b)
		ctx := context.Background()
		measure(b, rt, func() int {
			for i := range b.N {
				c := benchTurn(fmt.Sprintf("new%d", i), i, &bot.Session{Pilot: "bench", Chat: int64(i)})
				c.Point = true
				if err := s.Commit(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
			return b.N
		})
	})
	b.Run("turn", func(b *testing.B) {
		s, rt := benchStore(b)
		ctx := context.Background()
		const users = 1000
		for i := range users {
			if err := s.Commit(ctx, &bot.Commit{User: strconv.Itoa(i), Pilot: "bench", Point: true, Session: &bot.Session{Pilot: "bench"}}); err != nil {
				b.Fatal(err)
			}
		}
		measure(b, rt, func() int {
			for i := range b.N {
				user := strconv.Itoa(i % users)
				sess, err := s.Load(ctx, user)
				if err != nil || sess == nil {
					b.Fatal(sess, err)
				}
				if err := s.Commit(ctx, benchTurn(user, i, sess)); err != nil {
					b.Fatal(err)
				}
			}
			return b.N
		})
	})
}

func benchUpdate(i int, chat int64) bot.InboxEntry {
	raw := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"first_name":"Aino"},"chat":{"id":%d,"type":"private"},"date":1893456000,"text":"Bussi oli myöhässä"}}`, i, i, chat, chat)
	return bot.InboxEntry{Update: int64(i) + 1, Chat: chat, Received: time.Now().UnixMilli(), Raw: []byte(raw)}
}

// BenchmarkPush: intake keeping one update (dedupe, queue, wake-up).
func BenchmarkPush(b *testing.B) {
	s, rt := benchStore(b)
	ctx := context.Background()
	measure(b, rt, func() int {
		for i := range b.N {
			if _, err := s.Push(ctx, benchUpdate(i, int64(i%10000)), 1<<30); err != nil {
				b.Fatal(err)
			}
		}
		return b.N
	})
}

// chatsInShard returns n chats whose keys fall in one inbox shard.
func chatsInShard(s *Store, n int) ([]int64, int) {
	by := map[int][]int64{}
	for c := int64(1); ; c++ {
		k := ShardOf(s.keyOf(c))
		if by[k] = append(by[k], c); len(by[k]) == n {
			return by[k], k
		}
	}
}

// BenchmarkInbox: a worker handling updates, per update. "chats=100": the
// shard always has other chats waiting, so every update is a claim and an
// acknowledgement; "chats=1": one chat's backlog, where the
// acknowledgement hands over the next update.
func BenchmarkInbox(b *testing.B) {
	for _, nChats := range []int{100, 1} {
		b.Run(fmt.Sprintf("chats=%d", nChats), func(b *testing.B) {
			s, rt := benchStore(b)
			ctx := context.Background()
			chats, shard := chatsInShard(s, nChats)
			for i := range b.N {
				if _, err := s.Push(ctx, benchUpdate(i, chats[i%nChats]), 1<<30); err != nil {
					b.Fatal(err)
				}
			}
			measure(b, rt, func() int {
				handled := 0
				for handled < b.N {
					now := time.Now()
					cs, _, err := s.ClaimIn(ctx, shard, now, time.Minute, 1)
					if err != nil || len(cs) == 0 {
						b.Fatalf("claim: %v, %d after %d handled", err, len(cs), handled)
					}
					for c := &cs[0]; c != nil; {
						handled++
						if c, err = s.AckIn(ctx, *c, now, now.Add(time.Minute), true); err != nil {
							b.Fatal(err)
						}
					}
				}
				return handled
			})
		})
	}
}

// BenchmarkOutbox: a courier sending messages to 100 chats, per message.
// "keep": Done hands over the chat's next message (replies that may go at
// once); "release": every message is claimed on its own (paced chats,
// where the next may only go later).
func BenchmarkOutbox(b *testing.B) {
	for _, keep := range []bool{true, false} {
		name := map[bool]string{true: "keep", false: "release"}[keep]
		b.Run(name, func(b *testing.B) {
			s, rt := benchStore(b)
			ctx := context.Background()
			const perCommit, chats = 100, 100
			for i := 0; i < b.N; i += perCommit {
				c := &bot.Commit{User: "u", Pilot: "bench"}
				for j := i; j < min(i+perCommit, b.N); j++ {
					c.Out = append(c.Out, bot.Out{Chat: int64(j % chats), Text: "Muistutus: kysely on vielä kesken. Vastaa tähän, kun ehdit."})
				}
				if err := s.Commit(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
			measure(b, rt, func() int {
				sent := 0
				for sent < b.N {
					now := time.Now()
					ps, _, err := s.ClaimOut(ctx, "bench", now, now, time.Minute, 1)
					if err != nil || len(ps) == 0 {
						b.Fatalf("claim: %v, %d after %d sent", err, len(ps), sent)
					}
					keepUntil := time.Time{}
					if keep {
						keepUntil = now
					}
					for p := &ps[0]; p != nil; {
						sent++
						if p, err = s.Done(ctx, []bot.Pending{*p}, now.Add(time.Second), time.Second, now, keepUntil, now.Add(time.Minute)); err != nil {
							b.Fatal(err)
						}
					}
				}
				return sent
			})
		})
	}
}
