package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/redis/go-redis/v9"
)

// The inbox keeps every update from the moment Telegram handed it over
// until it is handled. Updates are split over bot.InboxShards shards by chat,
// each shard under its own hash tag {in:<k>}:
//
//	<ns>:{in:<k>}:q:<chat>      list: the chat's updates, in arrival order
//	<ns>:{in:<k>}:ready         sorted set: chat -> when it may be handled (ms)
//	<ns>:{in:<k>}:lease         sorted set: chat -> end of a worker's lease (ms)
//	<ns>:{in:<k>}:seen:<b>      bitmap of update ids b*65536.. seen (dedupe), 48 h
//	<ns>:{in:<k>}:tries         hash: chat -> failed tries of its first update
//	<ns>:{in:<k>}:dead          hash: "<chat>|<update>" -> dead letter json
//	<ns>:{in:<k>}:slow:<chat>   the chat was asked to slow down (10 min)
//	<ns>:{in:<k>}:rate:<chat>   the chat's arrival pace (expires by itself)
//	<ns>:{in:<k>}:n             number of updates waiting in the shard
//	<ns>:{in:<k>}:wake          list of wake-up tokens for idle workers
//
// A chat is in ready or in lease, never both, while it has updates: one
// worker at a time handles a chat, across every replica; the ready set
// serves chats in turn, so a flooding chat waits its turn like any other.

// seenTTL is how long update ids are remembered: Telegram keeps an update
// for at most 24 hours.
const seenTTL = 48 * time.Hour

func (s *Store) inTag(k int) string { return s.ns + ":{in:" + strconv.Itoa(k) + "}" }

// ShardOf names the shard of a chat key.
func ShardOf(chat string) int {
	var h uint32 = 2166136261
	for i := 0; i < len(chat); i++ {
		h = (h ^ uint32(chat[i])) * 16777619
	}
	return int(h % bot.InboxShards)
}

// pushScript adds an update to its chat's queue, unless it was seen before
// or the chat has cap updates waiting; the first refusal in a while adds
// a note asking the citizen to slow down instead. KEYS: queue, ready,
// lease, seen, wake, slow, count, rate. ARGV: update id (0: none), bit,
// entry, now ms, cap, slow-down ttl ms, chat, slow-down entry, arrival
// pace ms, lease end ms (0: the caller takes no update).
var pushScript = redis.NewScript(`
if ARGV[1] ~= '0' then
  if redis.call('SETBIT', KEYS[4], ARGV[2], 1) == 1 then return 1 end
  redis.call('PEXPIRE', KEYS[4], 172800000)
end
local entry, res = ARGV[3], 0
-- Arrivals are paced too (a burst of cap, then one a second): a chat that
-- floods is answered a few times, not once per message.
local now, every = tonumber(ARGV[4]), tonumber(ARGV[9])
local tat = tonumber(redis.call('GET', KEYS[8]) or '0')
if tat < now then tat = now end
local over = tat - (tonumber(ARGV[5]) - 1) * every > now
if over or redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[5]) then
  if not redis.call('SET', KEYS[6], '1', 'NX', 'PX', ARGV[6]) then return 2 end
  entry, res = ARGV[8], 2
end
if not over then
  -- Kept only while it matters: once its time has passed, no state is
  -- the same as this state.
  redis.call('SET', KEYS[8], string.format('%.0f', tat + every), 'PX', string.format('%.0f', tat + every - now))
end
local queued = redis.call('RPUSH', KEYS[1], entry)
redis.call('INCR', KEYS[7])
-- A worker holds the chat: it finds this update when it acknowledges.
if redis.call('ZSCORE', KEYS[3], ARGV[7]) then return res end
if res == 0 and ARGV[10] ~= '0' and queued == 1 then
  -- An idle chat, and the caller has a free worker: leased to it at once.
  redis.call('ZREM', KEYS[2], ARGV[7])
  redis.call('ZADD', KEYS[3], ARGV[10], ARGV[7])
  return 3
end
redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[7])
redis.call('RPUSH', KEYS[5], '1')
redis.call('LTRIM', KEYS[5], -64, -1)
return res
`)

// claimedAtPush is what pushScript answers for an update leased to the
// caller.
const claimedAtPush = 3

// arrivalEvery paces what one chat may add to the inbox after a burst:
// about as fast as Telegram lets the bot answer one chat.
const arrivalEvery = time.Second

// Push adds an update to the inbox. maxWaiting bounds what one chat may
// have waiting, and how many may arrive at once (then one a second); more
// are dropped (Dropped), and the first drop in ten minutes adds a note
// asking the citizen to slow down.
func (s *Store) Push(ctx context.Context, e bot.InboxEntry, maxWaiting int) (bot.PushResult, error) {
	p, err := s.pushArgs(e, maxWaiting, time.Time{})
	if err != nil {
		return 0, err
	}
	n, err := pushScript.Run(ctx, s.rdb, p.keys, p.args...).Int()
	if err != nil {
		return 0, fmt.Errorf("inbox push: %w", err)
	}
	return bot.PushResult(n), nil
}

// PushAll adds a batch of updates in one round trip (a pipeline; the
// updates of one chat keep their order). Each of the first claim updates
// whose chat is idle is also leased to the caller until leaseEnd and
// returned as a claim, so the caller handles it at once instead of waiting
// for a worker loop to claim it. On an error, the first len(results)
// updates were kept and the rest were not.
func (s *Store) PushAll(ctx context.Context, es []bot.InboxEntry, maxWaiting, claim int, leaseEnd time.Time) ([]bot.PushResult, []bot.InboxClaim, error) {
	out, claims, err := s.pushAll(ctx, es, maxWaiting, claim, leaseEnd)
	if err != nil && strings.Contains(err.Error(), "NOSCRIPT") {
		// The server forgot the script (a restart): load it and go on
		// from the first update not kept.
		if lerr := pushScript.Load(ctx, s.rdb).Err(); lerr != nil {
			return out, claims, fmt.Errorf("inbox push: %w", lerr)
		}
		more, moreClaims, err := s.pushAll(ctx, es[len(out):], maxWaiting, claim-len(out), leaseEnd)
		return append(out, more...), append(claims, moreClaims...), err
	}
	return out, claims, err
}

func (s *Store) pushAll(ctx context.Context, es []bot.InboxEntry, maxWaiting, claim int, leaseEnd time.Time) ([]bot.PushResult, []bot.InboxClaim, error) {
	ps := make([]pushed, len(es))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, e := range es {
			var until time.Time
			if i < claim {
				until = leaseEnd
			}
			var err error
			if ps[i], err = s.pushArgs(e, maxWaiting, until); err != nil {
				return err
			}
			ps[i].cmd = pushScript.EvalSha(ctx, p, ps[i].keys, ps[i].args...)
		}
		return nil
	})
	out := make([]bot.PushResult, 0, len(es))
	var claims []bot.InboxClaim
	for i, c := range ps {
		if c.cmd == nil {
			break
		}
		n, cerr := c.cmd.Int()
		if cerr != nil {
			return out, claims, fmt.Errorf("inbox push: %w", cerr)
		}
		if n == claimedAtPush {
			claims = append(claims, bot.InboxClaim{Shard: c.shard, Chat: c.chat, Raw: c.raw, Entry: es[i]})
			n = int(bot.Queued)
		}
		out = append(out, bot.PushResult(n))
	}
	if err != nil && len(out) < len(es) {
		return out, claims, fmt.Errorf("inbox push: %w", err)
	}
	return out, claims, nil
}

// pushed is one update's call of pushScript, and what makes its claim.
type pushed struct {
	keys  []string
	args  []any
	cmd   *redis.Cmd
	shard int
	chat  string
	raw   string
}

func (s *Store) pushArgs(e bot.InboxEntry, maxWaiting int, leaseEnd time.Time) (pushed, error) {
	chat := s.keyOf(e.Chat)
	shard := ShardOf(chat)
	tag := s.inTag(shard)
	raw, err := json.Marshal(e)
	if err != nil {
		return pushed{}, fmt.Errorf("inbox push: %w", err)
	}
	slow, _ := json.Marshal(bot.InboxEntry{Chat: e.Chat, Received: e.Received, SlowDown: true})
	bucket, bit := e.Update>>16, e.Update&0xffff
	until := int64(0)
	if !leaseEnd.IsZero() {
		until = leaseEnd.UnixMilli()
	}
	keys := []string{tag + ":q:" + chat, tag + ":ready", tag + ":lease", tag + ":seen:" + strconv.FormatInt(bucket, 10),
		tag + ":wake", tag + ":slow:" + chat, tag + ":n", tag + ":rate:" + chat}
	args := []any{e.Update, bit, string(raw), e.Received, max(maxWaiting, 1), (10 * time.Minute).Milliseconds(), chat, string(slow),
		arrivalEvery.Milliseconds(), until}
	return pushed{keys: keys, args: args, shard: shard, chat: chat, raw: string(raw)}, nil
}

// claimInScript leases chats that may be handled now; chats whose lease
// ended (a worker crashed) come back first. Queues, tries are named from
// ARGV[4]. KEYS: ready, lease, tries, wake. ARGV: now ms, lease end ms, max,
// prefix. Returns (chat, entry, tries) triples, then the next time a chat
// falls due (ms, or -1).
var claimInScript = redis.NewScript(`
local now = tonumber(ARGV[1])
for _, c in ipairs(redis.call('ZRANGE', KEYS[2], '-inf', now, 'BYSCORE')) do
  redis.call('ZREM', KEYS[2], c)
  if redis.call('LLEN', ARGV[4] .. 'q:' .. c) > 0 then redis.call('ZADD', KEYS[1], 'NX', now, c) end
end
local out = {}
for _, c in ipairs(redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0, ARGV[3])) do
  redis.call('ZREM', KEYS[1], c)
  local head = redis.call('LINDEX', ARGV[4] .. 'q:' .. c, 0)
  if head then
    redis.call('ZADD', KEYS[2], ARGV[2], c)
    out[#out + 1] = c
    out[#out + 1] = head
    out[#out + 1] = redis.call('HGET', KEYS[3], c) or '0'
  end
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
-- No chat waits at all: wake-ups left by earlier pushes are stale, and
-- would only send the shard's loop round for nothing. (A chat due later
-- keeps them: its time may be a moment ahead of this clock.)
if not nxt[2] then redis.call('DEL', KEYS[4]) end
if nxt[2] then out[#out + 1] = nxt[2] else out[#out + 1] = '-1' end
return out
`)

// ClaimIn leases up to max chats of a shard that may be handled at now
// and returns each one's first update. next is when the next chat of the
// shard falls due (zero: none waiting).
func (s *Store) ClaimIn(ctx context.Context, shard int, now time.Time, lease time.Duration, max int) ([]bot.InboxClaim, time.Time, error) {
	tag := s.inTag(shard)
	res, err := claimInScript.Run(ctx, s.rdb, []string{tag + ":ready", tag + ":lease", tag + ":tries", tag + ":wake"},
		now.UnixMilli(), now.Add(lease).UnixMilli(), max, tag+":").StringSlice()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("inbox claim: %w", err)
	}
	if len(res) == 0 {
		return nil, time.Time{}, errors.New("inbox claim: empty answer")
	}
	var next time.Time
	if n, _ := strconv.ParseFloat(res[len(res)-1], 64); n >= 0 {
		next = time.UnixMilli(int64(n))
	}
	var out []bot.InboxClaim
	for i := 0; i+2 < len(res); i += 3 {
		c := bot.InboxClaim{Shard: shard, Chat: res[i], Raw: res[i+1]}
		c.Tries, _ = strconv.Atoi(res[i+2])
		if err := json.Unmarshal([]byte(c.Raw), &c.Entry); err != nil {
			c.Entry = bot.InboxEntry{} // handled as an undecodable update
		}
		out = append(out, c)
	}
	return out, next, nil
}

// ackInScript removes a handled update. If the chat has more and no other
// chat of the shard is waiting, the worker keeps the chat (lease renewed)
// and gets its next update; otherwise the chat goes to the back of the
// line. KEYS: queue, ready, lease, tries, count, wake. ARGV: entry, chat,
// now ms, lease end ms, keep (1/0).
var ackInScript = redis.NewScript(`
local head = redis.call('LPOP', KEYS[1])
if head == ARGV[1] then
  redis.call('DECR', KEYS[5])
elseif head then
  redis.call('LPUSH', KEYS[1], head) -- not this update's: it stays first
end
redis.call('HDEL', KEYS[4], ARGV[2])
local left = redis.call('LLEN', KEYS[1])
if left > 0 and ARGV[5] == '1' and redis.call('ZCOUNT', KEYS[2], '-inf', ARGV[3]) == 0 then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
  return redis.call('LINDEX', KEYS[1], 0)
end
redis.call('ZREM', KEYS[3], ARGV[2])
if left > 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  redis.call('RPUSH', KEYS[6], '1')
  redis.call('LTRIM', KEYS[6], -64, -1)
end
return false
`)

func (s *Store) inKeys(c bot.InboxClaim) (tag string, queue string) {
	tag = s.inTag(c.Shard)
	return tag, tag + ":q:" + c.Chat
}

// AckIn removes a handled update. With keep, when the chat has more
// updates and no other chat of the shard waits, the lease is renewed to
// leaseEnd and the chat's next update returned.
func (s *Store) AckIn(ctx context.Context, c bot.InboxClaim, now, leaseEnd time.Time, keep bool) (*bot.InboxClaim, error) {
	tag, queue := s.inKeys(c)
	raw, err := ackInScript.Run(ctx, s.rdb, []string{queue, tag + ":ready", tag + ":lease", tag + ":tries", tag + ":n", tag + ":wake"},
		c.Raw, c.Chat, now.UnixMilli(), leaseEnd.UnixMilli(), boolArg(keep)).Text()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inbox ack: %w", err)
	}
	next := &bot.InboxClaim{Shard: c.Shard, Chat: c.Chat, Raw: raw}
	if err := json.Unmarshal([]byte(raw), &next.Entry); err != nil {
		next.Entry = bot.InboxEntry{}
	}
	return next, nil
}

// failInScript records a failed try of a chat's first update: it is
// tried again later, or (dead) kept as a dead letter while the chat goes
// on with its next update. KEYS: queue, ready, lease, tries, dead, count,
// wake. ARGV: entry, chat, dead (1/0), retry at ms, now ms, dead-letter
// id, dead-letter json.
var failInScript = redis.NewScript(`
redis.call('ZREM', KEYS[3], ARGV[2])
if ARGV[3] ~= '1' then
  redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
  return 0
end
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then
  redis.call('LPOP', KEYS[1])
  redis.call('DECR', KEYS[6])
  redis.call('HSET', KEYS[5], ARGV[6], ARGV[7])
end
redis.call('HDEL', KEYS[4], ARGV[2])
if redis.call('LLEN', KEYS[1]) > 0 then
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[2])
  redis.call('RPUSH', KEYS[7], '1')
  redis.call('LTRIM', KEYS[7], -64, -1)
end
return 1
`)

// FailIn records a failed try of a claimed update: it is tried again at
// retryAt, or, on its maxTries-th failure, kept as a dead letter with its
// error while the chat goes on. dead reports the latter. Only the worker
// holding the chat's lease calls it, so the count of tries is its own.
func (s *Store) FailIn(ctx context.Context, c bot.InboxClaim, cause string, maxTries int, now, retryAt time.Time) (dead bool, err error) {
	tag, queue := s.inKeys(c)
	tries := c.Tries + 1
	dead = tries >= maxTries
	letter, err := json.Marshal(bot.DeadLetter{Entry: c.Entry, Error: cause, Tries: tries, At: now.UTC()})
	if err != nil {
		return false, fmt.Errorf("inbox fail: %w", err)
	}
	id := c.Chat + "|" + strconv.FormatInt(c.Entry.Update, 10) + "|" + strconv.FormatInt(now.UnixMilli(), 10)
	err = failInScript.Run(ctx, s.rdb,
		[]string{queue, tag + ":ready", tag + ":lease", tag + ":tries", tag + ":dead", tag + ":n", tag + ":wake"},
		c.Raw, c.Chat, boolArg(dead), ceilMilli(retryAt), now.UnixMilli(), id, string(letter)).Err()
	if err != nil {
		return false, fmt.Errorf("inbox fail: %w", err)
	}
	return dead, nil
}

// ceilMilli is t in Unix milliseconds, rounded up: a try kept for later
// must not fall due a fraction of a millisecond before its time.
func ceilMilli(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}

// RenewIn extends a worker's lease on a claimed chat while it handles a
// slow update, so no other worker takes the chat meanwhile.
func (s *Store) RenewIn(ctx context.Context, c bot.InboxClaim, leaseEnd time.Time) error {
	err := s.rdb.ZAddArgs(ctx, s.inTag(c.Shard)+":lease", redis.ZAddArgs{XX: true, Members: []redis.Z{{Score: float64(leaseEnd.UnixMilli()), Member: c.Chat}}}).Err()
	if err != nil {
		return fmt.Errorf("inbox renew: %w", err)
	}
	return nil
}

// WaitIn blocks until a shard may have work or timeout passes (at least a
// second: Redis counts blocking timeouts in seconds here).
func (s *Store) WaitIn(ctx context.Context, shard int, timeout time.Duration) error {
	timeout = max(timeout, time.Second)
	// A deadline of our own: a connection left half-open by a Redis
	// restart must not hold the shard's loop for the client's long
	// blocking-read timeout.
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	err := s.rdb.BLPop(ctx, timeout, s.inTag(shard)+":wake").Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("inbox wait: %w", err)
	}
	return nil
}

// InboxDepth reports how many updates wait in the inbox and since when the
// oldest chat has been waiting.
func (s *Store) InboxDepth(ctx context.Context) (n int64, oldest time.Time, err error) {
	counts := make([]*redis.StringCmd, bot.InboxShards)
	firsts := make([]*redis.ZSliceCmd, bot.InboxShards)
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k := range bot.InboxShards {
			counts[k] = p.Get(ctx, s.inTag(k)+":n")
			firsts[k] = p.ZRangeWithScores(ctx, s.inTag(k)+":ready", 0, 0)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, time.Time{}, fmt.Errorf("inbox depth: %w", err)
	}
	for k := range bot.InboxShards {
		c, _ := counts[k].Int64()
		n += c
		if z := firsts[k].Val(); len(z) > 0 {
			if t := time.UnixMilli(int64(z[0].Score)); oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
	}
	return n, oldest, nil
}

// DeadLetters lists the updates that failed too often, oldest first.
func (s *Store) DeadLetters(ctx context.Context) ([]bot.DeadLetter, error) {
	var out []bot.DeadLetter
	for k := range bot.InboxShards {
		all, err := s.rdb.HGetAll(ctx, s.inTag(k)+":dead").Result()
		if err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		for id, j := range all {
			var d bot.DeadLetter
			if json.Unmarshal([]byte(j), &d) != nil {
				continue
			}
			d.ID = strconv.Itoa(k) + "/" + id
			out = append(out, d)
		}
	}
	sortDead(out)
	return out, nil
}

func sortDead(ds []bot.DeadLetter) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].At.Before(ds[j-1].At); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// replayScript puts a dead letter's update back at the front of its
// chat's queue, or, while a worker has the chat's first update in hand,
// right after that one (its acknowledgement removes the head). The entry
// is the one Go decoded from the letter: re-encoding it in Lua would turn
// [] into {} and round large numbers. KEYS: dead, queue, ready, lease,
// count, wake. ARGV: id, chat, now ms, the letter as read, entry.
var replayScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[4] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local leased = redis.call('ZSCORE', KEYS[4], ARGV[2])
local head = redis.call('LINDEX', KEYS[2], 0)
if leased and head then
  redis.call('LINSERT', KEYS[2], 'AFTER', head, ARGV[5])
else
  redis.call('LPUSH', KEYS[2], ARGV[5])
end
redis.call('INCR', KEYS[5])
if not leased then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2]) end
redis.call('RPUSH', KEYS[6], '1')
redis.call('LTRIM', KEYS[6], -64, -1)
return 1
`)

// Replay hands a dead letter to the workers again, before the chat's
// other updates.
func (s *Store) Replay(ctx context.Context, id string, now time.Time) (bool, error) {
	tag, field, chat, err := s.deadID(id)
	if err != nil {
		return false, err
	}
	letter, err := s.rdb.HGet(ctx, tag+":dead", field).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("replay dead letter: %w", err)
	}
	var d bot.DeadLetter
	if err := json.Unmarshal([]byte(letter), &d); err != nil {
		return false, fmt.Errorf("replay dead letter %s: %w", id, err)
	}
	entry, err := json.Marshal(d.Entry)
	if err != nil {
		return false, fmt.Errorf("replay dead letter %s: %w", id, err)
	}
	n, err := replayScript.Run(ctx, s.rdb, []string{tag + ":dead", tag + ":q:" + chat, tag + ":ready", tag + ":lease", tag + ":n", tag + ":wake"},
		field, chat, now.UnixMilli(), letter, string(entry)).Int()
	if err != nil {
		return false, fmt.Errorf("replay dead letter: %w", err)
	}
	return n == 1, nil
}

// PurgeDead deletes the dead letters that failed before a time: they hold
// citizens' words, so they follow a retention too.
func (s *Store) PurgeDead(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for k := range bot.InboxShards {
		key := s.inTag(k) + ":dead"
		var old []string
		it := s.rdb.HScan(ctx, key, 0, "*", 500).Iterator()
		for i := 0; it.Next(ctx); i++ {
			if i%2 != 0 {
				continue
			}
			at := it.Val()[strings.LastIndexByte(it.Val(), '|')+1:]
			if ms, err := strconv.ParseInt(at, 10, 64); err == nil && ms < before.UnixMilli() {
				old = append(old, it.Val())
			}
		}
		if err := it.Err(); err != nil {
			return total, fmt.Errorf("purge dead letters: %w", err)
		}
		for len(old) > 0 {
			batch := old[:min(len(old), purgeBatch)]
			old = old[len(batch):]
			n, err := s.rdb.HDel(ctx, key, batch...).Result()
			if err != nil {
				return total, fmt.Errorf("purge dead letters: %w", err)
			}
			total += n
		}
	}
	return total, nil
}

// DropDead deletes a dead letter.
func (s *Store) DropDead(ctx context.Context, id string) (bool, error) {
	tag, field, _, err := s.deadID(id)
	if err != nil {
		return false, err
	}
	n, err := s.rdb.HDel(ctx, tag+":dead", field).Result()
	if err != nil {
		return false, fmt.Errorf("drop dead letter: %w", err)
	}
	return n == 1, nil
}

func (s *Store) deadID(id string) (tag, field, chat string, err error) {
	k, field, ok := strings.Cut(id, "/")
	shard, err := strconv.Atoi(k)
	chat, _, ok2 := strings.Cut(field, "|")
	if !ok || !ok2 || err != nil || shard < 0 || shard >= bot.InboxShards {
		return "", "", "", fmt.Errorf("%q is not a dead letter id (they look like 3/ab12…|1234|1700000000000; list them first)", id)
	}
	return s.inTag(shard), field, chat, nil
}

// forgetInbox deletes what the inbox holds of a citizen's private chat
// (its chat key is the citizen's pseudonym): waiting updates and dead
// letters, which hold their words.
func (s *Store) forgetInbox(ctx context.Context, user string) error {
	tag := s.inTag(ShardOf(user))
	var dead []string
	it := s.rdb.HScan(ctx, tag+":dead", 0, user+"|*", 100).Iterator()
	for i := 0; it.Next(ctx); i++ {
		if i%2 == 0 {
			dead = append(dead, it.Val())
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("forget inbox: %w", err)
	}
	keys := []string{tag + ":q:" + user, tag + ":ready", tag + ":lease", tag + ":tries", tag + ":dead", tag + ":slow:" + user, tag + ":n", tag + ":rate:" + user}
	if err := forgetInScript.Run(ctx, s.rdb, keys, append([]any{user}, toAny(dead)...)...).Err(); err != nil {
		return fmt.Errorf("forget inbox: %w", err)
	}
	return nil
}

// forgetInScript deletes a chat's queue and dead letters. KEYS: queue,
// ready, lease, tries, dead, slow, count, arrival pace. ARGV: chat,
// dead-letter ids...
var forgetInScript = redis.NewScript(`
local n = redis.call('LLEN', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[6], KEYS[8])
if n > 0 then redis.call('DECRBY', KEYS[7], n) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
for i = 2, #ARGV do redis.call('HDEL', KEYS[5], ARGV[i]) end
return n
`)

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// leadScript takes or renews a leadership lease held under a token. The
// value holds the lease's end on Redis's clock too, so an ended lease is
// taken over even where keys do not expire by themselves (the embedded
// server). KEYS: lease. ARGV: token, ttl ms.
var leadScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = redis.call('GET', KEYS[1])
if cur then
  local token, ends = string.match(cur, '^(.*)|(%d+)$')
  if token ~= ARGV[1] and tonumber(ends or '0') > now then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. string.format('%.0f', now + tonumber(ARGV[2])), 'PX', ARGV[2])
return 1
`)

// Lead takes or renews the named leadership for token: true while this
// token holds it. A leader that stops renewing loses it after ttl.
func (s *Store) Lead(ctx context.Context, name, token string, ttl time.Duration) (bool, error) {
	n, err := leadScript.Run(ctx, s.rdb, []string{s.ns + ":lead:" + name}, token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("lead %s: %w", name, err)
	}
	return n == 1, nil
}

// Resign gives up a leadership held under token.
func (s *Store) Resign(ctx context.Context, name, token string) error {
	return resignScript.Run(ctx, s.rdb, []string{s.ns + ":lead:" + name}, token).Err()
}

// resignScript deletes a leadership only if token holds it. KEYS: lease.
// ARGV: token.
var resignScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and string.match(cur, '^(.*)|%d+$') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
