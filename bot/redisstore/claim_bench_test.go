package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// BenchmarkClaimDue measures what finding and claiming 100 due prompts
// costs when 10,000 and when 1,000,000 prompts are scheduled: the claim
// script reads by score with a LIMIT and re-scores what it takes, so the
// cost per claimed prompt should be about the same at both sizes (log N).
//
//	REDIS_URL=redis://127.0.0.1:6379/0 go test ./bot/redisstore -run XXX -bench ClaimDue -benchtime 20x
//
// With REDIS_URL, database 13 is flushed and used. Without it the embedded
// server (miniredis) runs it, whose sorted sets sort every member on each
// range query: there the large case is cut to 100,000 (logged, and the
// "scheduled" metric says the real size).
func BenchmarkClaimDue(b *testing.B) {
	rdb, isReal := claimBenchRedis(b)
	for _, c := range []struct {
		name string
		size int
	}{{"scheduled=10k", 10_000}, {"scheduled=1M", 1_000_000}} {
		b.Run(c.name, func(b *testing.B) {
			size := c.size
			if !isReal && size > claimBenchEmbeddedMax {
				size = claimBenchEmbeddedMax
				b.Logf("REDIS_URL is not set: the embedded server sorts the whole set on every claim, so %s holds only %d prompts here; set REDIS_URL for the real 1M case", c.name, size)
			}
			benchClaim(b, rdb, size)
		})
	}
}

const (
	claimBenchPilot       = "bench"
	claimBenchMax         = 100   // what FireDue claims at once (bot.claimBatch)
	claimBenchDue         = 1_000 // prompts due at any time; the rest are in the future
	claimBenchEmbeddedMax = 100_000
)

func benchClaim(b *testing.B, rdb redis.UniversalClient, size int) {
	ctx := context.Background()
	s := New(rdb, Options{Namespace: "claimbench"})
	dueKey, prKey := s.dueKey(claimBenchPilot), s.promptKey(claimBenchPilot)
	// The framework calls this once with b.N = 1 and then with the real
	// b.N: the set left by the first call (the same, see below) is reused.
	if n := rdb.ZCard(ctx, dueKey).Val(); n != int64(size) {
		fillClaimBench(b, rdb, dueKey, prKey, size)
	}

	b.ResetTimer()
	claimed := 0
	for range b.N {
		got, err := s.ClaimDue(ctx, claimBenchPilot, time.Now(), 30*time.Second, claimBenchMax)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != claimBenchMax {
			b.Fatalf("claimed %d prompts, want %d", len(got), claimBenchMax)
		}
		claimed += len(got)

		// Put the claimed prompts back as due, so every claim finds the same
		// set: same size, same supply of due prompts.
		b.StopTimer()
		zs := make([]redis.Z, len(got))
		for i, d := range got {
			if d.Node == "" || d.Due.IsZero() {
				b.Fatalf("claimed prompt without its payload: %+v", d)
			}
			zs[i] = redis.Z{Score: float64(d.Due.UnixMilli()), Member: d.User + "|" + string(d.Kind)}
		}
		if err := rdb.ZAdd(ctx, dueKey, zs...).Err(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	if n := rdb.ZCard(ctx, dueKey).Val(); n != int64(size) {
		b.Fatalf("%d prompts scheduled after the run, want %d", n, size)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(claimed), "ns/claim")
	b.ReportMetric(float64(size), "scheduled")
}

// fillClaimBench schedules size prompts: mostly future ones (up to 30 days
// ahead) plus claimBenchDue due ones, in pipelined chunks of ZADD and HSET.
func fillClaimBench(b *testing.B, rdb redis.UniversalClient, dueKey, prKey string, size int) {
	ctx := context.Background()
	if err := rdb.Del(ctx, dueKey, prKey).Err(); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	now := t0.UnixMilli()
	const chunk = 10_000
	rng := rand.New(rand.NewPCG(1, 2))
	for from := 0; from < size; from += chunk {
		to := min(from+chunk, size)
		zs := make([]redis.Z, 0, to-from)
		hs := make([]any, 0, 2*(to-from))
		for i := from; i < to; i++ {
			var due int64
			if i < claimBenchDue {
				due = now - 3_600_000 + int64(i) // due within the last hour
			} else {
				due = now + 3_600_000 + rng.Int64N(30*24*3_600_000)
			}
			m := claimBenchMember(i)
			zs = append(zs, redis.Z{Score: float64(due), Member: m})
			hs = append(hs, m, "ask|"+strconv.Itoa(i%7+1)+"|"+strconv.FormatInt(due, 10))
		}
		if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.ZAdd(ctx, dueKey, zs...)
			p.HSet(ctx, prKey, hs...)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if n := rdb.ZCard(ctx, dueKey).Val(); n != int64(size) {
		b.Fatalf("filled %d prompts, want %d", n, size)
	}
	b.Logf("filled %d prompts (%d due) in %v", size, claimBenchDue, time.Since(t0).Round(time.Millisecond))
}

// claimBenchMember is a "<user>|followup" member with a pseudonym-shaped
// user (32 hex digits).
func claimBenchMember(i int) string {
	return fmt.Sprintf("%016x%016x|followup", uint64(i)*0x9E3779B97F4A7C15, uint64(i))
}

// claimBenchRedis returns REDIS_URL's database 13, flushed, or the embedded
// server; isReal says which.
func claimBenchRedis(b *testing.B) (rdb redis.UniversalClient, isReal bool) {
	if url := os.Getenv("REDIS_URL"); url != "" {
		opts, err := ParseURL(url)
		if err != nil {
			b.Fatal(err)
		}
		opts.DB = 13
		c := redis.NewUniversalClient(opts)
		if err := c.FlushDB(context.Background()).Err(); err != nil {
			b.Fatalf("flush database 13: %v", err)
		}
		b.Cleanup(func() { c.FlushDB(context.Background()); c.Close() })
		return c, true
	}
	b.Log("REDIS_URL is not set: using the embedded server (miniredis)")
	c, stop, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	return c, false
}
