package bot_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// The co-creation benchmarks run on the embedded server, or on a real
// Redis when REDIS_URL is set (the figures in docs/cocreation.md are from
// a real Redis). Each builds a pilot through the store's own commits.

// benchStore opens a store in a namespace of its own.
func benchStore(b *testing.B) (*redisstore.Store, func()) {
	b.Helper()
	var rdb redis.UniversalClient
	stop := func() {}
	if url := os.Getenv("REDIS_URL"); url != "" {
		c, err := redisstore.Open(url)
		if err != nil {
			b.Fatal(err)
		}
		rdb, stop = c, func() { _ = c.Close() }
	} else {
		c, s, err := redisstore.Embedded()
		if err != nil {
			b.Fatal(err)
		}
		rdb, stop = c, s
	}
	ns := fmt.Sprintf("bench-%x", rand.Uint64())
	clean := func() {
		ctx := context.Background()
		it := rdb.Scan(ctx, 0, ns+":*", 1000).Iterator()
		for it.Next(ctx) {
			rdb.Del(ctx, it.Val())
		}
	}
	return redisstore.New(rdb, redisstore.Options{Namespace: ns}), func() { clean(); stop() }
}

var benchWords = strings.Fields("youth centre library park bus waste housing job training evening weekend sport music " +
	"quiet room computers wifi kitchen garden bike repair cafe football basketball skate dance art games homework " +
	"help advice counselling night opening hours free cheaper tickets transport lights benches toilets water clean safe")

func benchIdea(rng *rand.Rand) string {
	n := 5 + rng.IntN(8)
	w := make([]string, n)
	for i := range w {
		w[i] = benchWords[rng.IntN(len(benchWords))]
	}
	return strings.Join(w, " ")
}

// benchBoard puts n approved ideas in pilot "bench" (language en) and
// votes votes on them, spread over citizens of 50 votes each, the less
// voted ideas getting fewer votes.
func benchBoard(b *testing.B, st *redisstore.Store, n, votes int) []string {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, n)
	approve := &bot.Commit{User: "coord", Pilot: "bench"}
	for a := 0; a*10 < n; a++ {
		c := &bot.Commit{User: fmt.Sprintf("author%05d", a), Pilot: "bench"}
		for k := a * 10; k < min(n, a*10+10); k++ {
			ids[k] = fmt.Sprintf("b%05d", k)
			c.Ideas = append(c.Ideas, bot.IdeaOp{Op: bot.OpPropose, ID: ids[k], Text: benchIdea(rng), Lang: "en", Status: bot.IdeaPending, At: 1})
			approve.Ideas = append(approve.Ideas, bot.IdeaOp{Op: bot.OpApprove, ID: ids[k]})
		}
		if err := st.Commit(ctx, c); err != nil {
			b.Fatal(err)
		}
		if len(approve.Ideas) >= 1000 || (a+1)*10 >= n {
			if err := st.Commit(ctx, approve); err != nil {
				b.Fatal(err)
			}
			approve.Ideas = nil
		}
	}
	vs := []string{"a", "d", "p"}
	for u := 0; u*50 < votes; u++ {
		c := &bot.Commit{User: fmt.Sprintf("voter%05d", u), Pilot: "bench"}
		seen := map[int]bool{}
		for len(c.Ideas) < min(50, votes-u*50) {
			k := int(float64(n) * rng.Float64() * rng.Float64()) // skewed: early ideas get more votes
			if !seen[k] {
				seen[k] = true
				c.Ideas = append(c.Ideas, bot.IdeaOp{Op: bot.OpVote, ID: ids[k], Vote: vs[rng.IntN(3)]})
			}
		}
		if err := st.Commit(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// BenchmarkNextIdea: choosing the next idea for a citizen in a pilot with
// 10,000 ideas and 100,000 votes, with the store reads (candidates a page
// at a time, the idea's text). Target 5 ms.
func BenchmarkNextIdea(b *testing.B) {
	st, done := benchStore(b)
	defer done()
	ids := benchBoard(b, st, 10_000, 100_000)
	board := bot.NewBoard(st, 0)
	ctx, now := context.Background(), time.Now()
	for _, seen := range []int{0, 50, 2000} {
		user := fmt.Sprintf("citizen-seen-%d", seen)
		c := &bot.Commit{User: user, Pilot: "bench"}
		for k := range seen {
			// The least voted ideas are the ones seen: the worst case.
			c.Ideas = append(c.Ideas, bot.IdeaOp{Op: bot.OpSeen, ID: ids[len(ids)-1-k]})
		}
		if err := st.Commit(ctx, c); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("seen=%d", seen), func(b *testing.B) {
			for b.Loop() {
				card, ok, err := board.Next(ctx, "bench", user, "en", now)
				if err != nil || !ok || card.Text == "" {
					b.Fatalf("next: %+v %v %v", card, ok, err)
				}
			}
		})
	}
}

// BenchmarkSimilarIdeas: the similar-idea check among 10,000 approved
// ideas, as a turn makes it: the board's version read from the store
// (every time, the worst case), then the lookup in the index. Target 10 ms.
func BenchmarkSimilarIdeas(b *testing.B) {
	st, done := benchStore(b)
	defer done()
	benchBoard(b, st, 10_000, 0)
	ctx, now := context.Background(), time.Now()
	b.Run("rebuild", func(b *testing.B) {
		for b.Loop() {
			board := bot.NewBoard(st, -1)
			if _, err := board.Similar(ctx, "bench", "citizen", "en", "longer opening hours", 3, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	board := bot.NewBoard(st, -1)
	texts := []string{"longer opening hours in the evening", "a quiet room for homework with wifi", "cheaper bus tickets for young people"}
	b.Run("lookup", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := board.Similar(ctx, "bench", "citizen", "en", texts[i%len(texts)], 3, now); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
