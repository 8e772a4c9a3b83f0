package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// pipelines counts the batches a client sends.
type pipelines struct{ n atomic.Int64 }

func (p *pipelines) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (p *pipelines) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (p *pipelines) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		// Not a new connection's own setup, sent in the batch's context.
		if ctx.Value(ownBatch{}) != nil && !slices.ContainsFunc(cmds, alone) {
			p.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

func embeddedClient(t *testing.T, db int) redis.UniversalClient {
	t.Helper()
	m := miniredis.RunT(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{m.Addr()}, DB: db, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// TestBatchSharesOnePipeline queues commands of many goroutines before a
// sender runs: they go in one pipeline, and each gets its own answer or
// error, as it would alone.
func TestBatchSharesOnePipeline(t *testing.T) {
	ctx := context.Background()
	rdb := embeddedClient(t, 0)
	if err := rdb.Set(ctx, "text", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	b := &Batcher{rdb: rdb, calls: make(chan *call, batchMax)}
	rdb.AddHook(b)
	var sent pipelines
	rdb.AddHook(&sent)

	const n = 40
	type answer struct {
		incr  int64
		get   error
		wrong error
		pipe  []string
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("k%d", i)
			a := &answers[i]
			switch i % 4 {
			case 0:
				a.incr, _ = rdb.IncrBy(ctx, key, int64(i)).Result()
			case 1:
				a.get = rdb.Get(ctx, "missing").Err()
			case 2:
				a.wrong = rdb.LPush(ctx, "text", "y").Err()
			case 3:
				cmds, _ := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
					p.Set(ctx, key, i, 0)
					p.Get(ctx, key)
					return nil
				})
				a.pipe = []string{cmds[0].(*redis.StatusCmd).Val(), cmds[1].(*redis.StringCmd).Val()}
			}
		})
	}
	for len(b.calls) < n {
		time.Sleep(time.Millisecond)
	}
	b.senders.Add(1)
	go b.run()
	wg.Wait()
	b.Close()

	if got := sent.n.Load(); got != 1 {
		t.Errorf("%d commands queued together went in %d pipelines, want 1", n, got)
	}
	for i, a := range answers {
		switch i % 4 {
		case 0:
			if a.incr != int64(i) {
				t.Errorf("INCRBY k%d %d = %d", i, i, a.incr)
			}
		case 1:
			if !errors.Is(a.get, redis.Nil) {
				t.Errorf("GET of a missing key: %v, want redis.Nil", a.get)
			}
		case 2:
			if a.wrong == nil {
				t.Errorf("LPUSH on a string: no error")
			}
		case 3:
			if want := []string{"OK", fmt.Sprint(i)}; fmt.Sprint(a.pipe) != fmt.Sprint(want) {
				t.Errorf("pipeline %d answered %v, want %v", i, a.pipe, want)
			}
		}
	}
}

// TestBatchLeavesConnectionsTheirOwn: a new connection selects its
// database in a pipeline of its own; were that batched, it would go on
// another connection and this one would stay in database 0. Blocking
// commands, which open such connections here, must see what batched
// commands wrote.
func TestBatchLeavesConnectionsTheirOwn(t *testing.T) {
	ctx := context.Background()
	rdb := embeddedClient(t, 3)
	b := Batch(rdb)
	defer b.Close()
	const n = 12
	var wg sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		wg.Go(func() {
			v, err := rdb.BLPop(ctx, 5*time.Second, fmt.Sprintf("list%d", i)).Result()
			if err == nil {
				got[i] = v[1]
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	for i := range n {
		if err := rdb.RPush(ctx, fmt.Sprintf("list%d", i), i).Err(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for i, v := range got {
		if v != fmt.Sprint(i) {
			t.Errorf("BLPOP list%d got %q, want %d", i, v, i)
		}
	}
	// A transaction stays on its connection too.
	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "tx")
		p.Incr(ctx, "tx")
		return nil
	})
	if err != nil || cmds[1].(*redis.IntCmd).Val() != 2 {
		t.Errorf("MULTI/EXEC through the batcher: %v, %v", cmds, err)
	}
}

// TestBatchClose: what is queued is sent, and commands after Close go by
// themselves.
func TestBatchClose(t *testing.T) {
	ctx := context.Background()
	rdb := embeddedClient(t, 0)
	b := Batch(rdb)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			if err := rdb.Incr(ctx, "n").Err(); err != nil {
				t.Errorf("INCR %d: %v", i, err)
			}
		})
	}
	b.Close()
	wg.Wait()
	b.Close() // twice is harmless
	if n, err := rdb.Get(ctx, "n").Int(); n != 100 || err != nil {
		t.Errorf("after Close: n = %d, %v; want 100", n, err)
	}
}

// TestBatchCancelled: a command whose context ended is not sent.
func TestBatchCancelled(t *testing.T) {
	rdb := embeddedClient(t, 0)
	b := Batch(rdb)
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rdb.Set(ctx, "k", 1, 0).Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("SET with a cancelled context: %v", err)
	}
	if n := rdb.Exists(context.Background(), "k").Val(); n != 0 {
		t.Errorf("the cancelled SET was sent")
	}
}
