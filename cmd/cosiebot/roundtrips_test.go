package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// commandHook counts Redis commands by name (scripts by the first bytes
// of their hash, a pipeline of the code's own as one), so a benchmark can
// say what an update asks of Redis. Added before redisstore.Batch, it sees
// each command before it joins a batch.
type commandHook struct {
	mu *sync.Mutex
	n  map[string]int
}

func newCommandHook() commandHook { return commandHook{&sync.Mutex{}, map[string]int{}} }

func (h commandHook) add(name string) {
	h.mu.Lock()
	h.n[name]++
	h.mu.Unlock()
}

func (h commandHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h commandHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		name := cmd.Name()
		if a := cmd.Args(); (name == "evalsha" || name == "eval") && len(a) > 1 {
			name += ":" + fmt.Sprint(a[1])[:8]
		}
		h.add(name)
		return next(ctx, cmd)
	}
}

func (h commandHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !redisstore.InBatch(ctx) { // its commands were counted alone
			h.add("pipeline")
		}
		return next(ctx, cmds)
	}
}

// per lists the counts per update, most first.
func (h commandHook) per(updates int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	names := make([]string, 0, len(h.n))
	for k := range h.n {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return h.n[b] - h.n[a] })
	var out []string
	for _, k := range names {
		out = append(out, fmt.Sprintf("%s %.2f", k, float64(h.n[k])/float64(max(updates, 1))))
	}
	return strings.Join(out, ", ")
}
