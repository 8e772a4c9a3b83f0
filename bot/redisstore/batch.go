package redisstore

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Batcher sends the commands that goroutines issue at the same time in
// one pipeline. Each would cost a round trip of its own otherwise: a
// write, a read and a wake-up on each side, which under load cost more
// than Redis's work on the command itself. A command issued while no
// batch is on its way goes at once, so a quiet bot waits for nothing;
// under load, commands wait for a batch on its way and share the next.
// Each command keeps its own answer and error. Blocking commands,
// transactions and a connection's own setup go on their own.
type Batcher struct {
	rdb     redis.UniversalClient
	calls   chan *call
	mu      sync.RWMutex // held to queue a call; Close takes it to end the queue
	closed  bool
	senders sync.WaitGroup
}

type call struct {
	cmds []redis.Cmder
	out  chan struct{}
}

// ownBatch marks the context of a batch's own pipeline, which the hooks
// let through.
type ownBatch struct{}

// InBatch reports whether ctx is a batch's own pipeline: hooks that count
// commands see them once alone and once in their batch.
func InBatch(ctx context.Context) bool { return ctx.Value(ownBatch{}) != nil }

const (
	// batchMax bounds one pipeline: in a long one the first command
	// waits for the last.
	batchMax = 64
	// batchSenders is how many batches may be on their way at once: two,
	// so one slow Cluster node does not hold every other command; more
	// only split the batches (each wakes Redis once: 4 cost 5% more of
	// its CPU under load).
	batchSenders = 2
	// batchTimeout bounds a batch: its commands wait for it whatever
	// their callers' deadlines.
	batchTimeout = 5 * time.Second
)

// Batch makes rdb send concurrent commands in shared pipelines, until
// Close.
func Batch(rdb redis.UniversalClient) *Batcher {
	b := &Batcher{rdb: rdb, calls: make(chan *call, batchMax)}
	rdb.AddHook(b)
	for range batchSenders {
		b.senders.Add(1)
		go b.run()
	}
	return b
}

// Close sends what is queued and stops batching: later commands go one
// by one.
func (b *Batcher) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.calls)
	}
	b.mu.Unlock()
	b.senders.Wait()
}

// run sends batches: a call, and every call queued behind it.
func (b *Batcher) run() {
	defer b.senders.Done()
	batch := make([]*call, 0, batchMax)
	for c := range b.calls {
		batch = append(batch[:0], c)
	more:
		for len(batch) < batchMax {
			select {
			case c, ok := <-b.calls:
				if !ok {
					break more
				}
				batch = append(batch, c)
			default:
				break more
			}
		}
		b.send(batch)
	}
}

// send runs a batch as one pipeline and hands each call its answers.
func (b *Batcher) send(batch []*call) {
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), ownBatch{}, true), batchTimeout)
	defer cancel()
	_, _ = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range batch {
			for _, cmd := range c.cmds {
				_ = p.Process(ctx, cmd)
			}
		}
		return nil
	})
	for _, c := range batch {
		close(c.out)
	}
}

// DialHook implements redis.Hook.
func (b *Batcher) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook: a command joins the next batch,
// unless it must go alone.
func (b *Batcher) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if alone(cmd) {
			return next(ctx, cmd)
		}
		return b.join(ctx, []redis.Cmder{cmd}, func() error { return next(ctx, cmd) })
	}
}

// ProcessPipelineHook implements redis.Hook: a pipeline joins the next
// batch too, unless it is a transaction or a connection setting itself
// up (SELECT, HELLO...), which belong on their own connection.
func (b *Batcher) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if InBatch(ctx) || slices.ContainsFunc(cmds, alone) {
			return next(ctx, cmds)
		}
		return b.join(ctx, cmds, func() error { return next(ctx, cmds) })
	}
}

// join queues commands for the next batch and waits for their answers;
// once batching stopped, they go by themselves.
func (b *Batcher) join(ctx context.Context, cmds []redis.Cmder, self func() error) error {
	if err := ctx.Err(); err != nil {
		for _, cmd := range cmds {
			cmd.SetErr(err)
		}
		return err
	}
	c := &call{cmds: cmds, out: make(chan struct{})}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return self()
	}
	b.calls <- c
	b.mu.RUnlock()
	// Once queued, the commands are the batch's until it answers (within
	// batchTimeout): it writes their results.
	<-c.out
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			return err
		}
	}
	return nil
}

// alone reports whether a command must go on its own: one that may hold
// its connection (it would stall the batch), one tied to its connection
// (a transaction), and those a new connection sends to set itself up.
func alone(cmd redis.Cmder) bool {
	switch name := cmd.Name(); name {
	case "hello", "auth", "select", "client", "readonly", "readwrite", "cluster", "command",
		"wait", "watch", "unwatch", "multi", "exec", "discard":
		return true
	case "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro":
		return false
	default:
		return strings.HasPrefix(name, "b") || strings.HasPrefix(name, "xread") || strings.HasSuffix(name, "subscribe")
	}
}
