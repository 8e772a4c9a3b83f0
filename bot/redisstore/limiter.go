package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter spaces outgoing messages for every replica sharing one Redis: one
// global rate (Telegram allows about 30 messages a second per bot), a
// per-chat spacing after a small burst, and a common pause after a 429. It
// uses the generic cell rate algorithm on Redis's own clock, so replicas
// with skewed clocks still agree. Each message costs one round trip.
type Limiter struct {
	rdb     redis.UniversalClient
	ns      string
	gap     time.Duration // between messages overall
	chatGap time.Duration
	burst   int
	keyOf   func(chat int64) string // keeps Telegram ids out of key names
}

// NewLimiter allows perSecond messages overall; per chat, burst messages
// then one per chatGap. keyOf names a chat in Redis (a pseudonym).
func (s *Store) NewLimiter(perSecond float64, chatGap time.Duration, burst int, keyOf func(chat int64) string) *Limiter {
	return &Limiter{rdb: s.rdb, ns: s.ns, gap: time.Duration(float64(time.Second) / perSecond), chatGap: chatGap, burst: max(burst, 1), keyOf: keyOf}
}

// limitScript reserves a send slot. KEYS: global, chat (may be unused),
// pause. ARGV: gap µs, chat gap µs, chat tolerance µs, use chat (1/0).
// Returns {wait µs, reserved 1/0}: when the chat's own spacing is the
// limit, nothing is reserved and the caller asks again after the wait, so
// one busy chat never holds up the others.
var limitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local gap, cgap, tol = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local at = now
local pause = tonumber(redis.call('GET', KEYS[3]) or '0')
if pause > at then at = pause end
if ARGV[4] == '1' then
  local ctat = tonumber(redis.call('GET', KEYS[2]) or '0')
  if ctat - tol > at then return {ctat - tol - now, 0} end
end
local gtat = tonumber(redis.call('GET', KEYS[1]) or '0')
if gtat > at then at = gtat end
redis.call('SET', KEYS[1], at + gap, 'PX', math.floor(gap / 1000) + 60000)
if ARGV[4] == '1' then
  local ctat = tonumber(redis.call('GET', KEYS[2]) or '0')
  if ctat < at then ctat = at end
  redis.call('SET', KEYS[2], ctat + cgap, 'PX', math.floor((cgap + tol) / 1000) + 60000)
end
return {at - now, 1}
`)

// pauseScript pushes the common pause forward. KEYS: pause. ARGV: µs.
// ("until" is a Lua keyword: a variable of that name does not compile.)
var pauseScript = redis.NewScript(`
local t = redis.call('TIME')
local upto = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if upto > cur then redis.call('SET', KEYS[1], upto, 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000) end
return 1
`)

// Wait blocks until a message to chat may go (chat 0: global rate only).
func (l *Limiter) Wait(ctx context.Context, chat int64) error {
	tag := l.ns + ":{rl}:"
	chatKey, useChat := tag+"c:-", "0"
	if chat != 0 {
		chatKey, useChat = tag+"c:"+l.keyOf(chat), "1"
	}
	tol := time.Duration(l.burst-1) * l.chatGap
	for {
		res, err := limitScript.Run(ctx, l.rdb, []string{tag + "g", chatKey, tag + "pause"},
			l.gap.Microseconds(), l.chatGap.Microseconds(), tol.Microseconds(), useChat).Int64Slice()
		if err != nil {
			return fmt.Errorf("rate limit: %w", err)
		}
		wait := time.Duration(res[0]) * time.Microsecond
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if res[1] == 1 {
			return nil
		}
	}
}

// Backoff makes every replica wait d: Telegram answered 429.
func (l *Limiter) Backoff(ctx context.Context, d time.Duration) {
	_ = pauseScript.Run(ctx, l.rdb, []string{l.ns + ":{rl}:pause"}, d.Microseconds()).Err()
}
