package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Budget is the bulk lane's share of Telegram's global rate, shared by
// every replica: the generic cell rate algorithm on Redis's own clock (so
// skewed clocks agree), where replies use capacity without ever waiting
// and bulk messages take only what replies leave.
type Budget struct {
	rdb      redis.UniversalClient
	key      string
	pause    string
	interval time.Duration // between messages at the cap
	burst    int
}

// NewBudget allows perSecond messages overall, in bursts of up to burst.
func (s *Store) NewBudget(perSecond float64, burst int) *Budget {
	return &Budget{rdb: s.rdb, key: s.ns + ":{rl}:bulk", pause: s.ns + ":{rl}:pause",
		interval: time.Duration(float64(time.Second) / perSecond), burst: max(burst, 1)}
}

// budgetScript reserves a bulk slot or records replies. KEYS: state,
// pause. ARGV: interval µs, tolerance µs, mode ("take" or "use"), count
// (use), most the state may run ahead of now µs. take returns 0 when a
// slot was reserved, else the µs to wait before asking again.
var budgetScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tol = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local ttl = math.floor((tat - now) / 1000) + 60000
if ARGV[3] == 'use' then
  tat = math.min(tat + tonumber(ARGV[4]) * interval, now + tonumber(ARGV[5]))
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', ttl + math.floor(tonumber(ARGV[5]) / 1000))
  return 0
end
local at = tat - tol
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > at then at = pause end
if at > now then return at - now end
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', ttl + 1000)
return 0
`)

// Take reserves a bulk slot: zero when one was reserved, else how long to
// wait before asking again.
func (b *Budget) Take(ctx context.Context) (time.Duration, error) {
	tol := time.Duration(b.burst-1) * b.interval
	us, err := budgetScript.Run(ctx, b.rdb, []string{b.key, b.pause}, b.interval.Microseconds(), tol.Microseconds(), "take", 0, 0).Int64()
	if err != nil {
		return 0, fmt.Errorf("bulk budget: %w", err)
	}
	return time.Duration(us) * time.Microsecond, nil
}

// Use records n messages sent outside the bulk lane (replies), so bulk
// only uses the capacity they leave. The state never runs more than ten
// seconds ahead: a burst of replies delays bulk, it does not starve it.
func (b *Budget) Use(ctx context.Context, n int) error {
	if n <= 0 {
		return nil
	}
	err := budgetScript.Run(ctx, b.rdb, []string{b.key, b.pause}, b.interval.Microseconds(), 0, "use", n, (10 * time.Second).Microseconds()).Err()
	if err != nil {
		return fmt.Errorf("bulk budget: %w", err)
	}
	return nil
}

// Pause holds the bulk lane of every replica for d: Telegram answered a
// bulk message with 429.
func (b *Budget) Pause(ctx context.Context, d time.Duration) error {
	if err := pauseScript.Run(ctx, b.rdb, []string{b.pause}, d.Microseconds()).Err(); err != nil {
		return fmt.Errorf("bulk pause: %w", err)
	}
	return nil
}

// pauseScript pushes the pause forward. KEYS: pause. ARGV: µs.
// ("until" is a Lua keyword: a variable of that name does not compile.)
var pauseScript = redis.NewScript(`
local t = redis.call('TIME')
local upto = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if upto > cur then redis.call('SET', KEYS[1], string.format('%.0f', upto), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000) end
return 1
`)
