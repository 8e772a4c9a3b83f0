package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/redis/go-redis/v9"
)

// The outbox holds, per partition, each chat's messages in order (a list),
// which chats have a message that may go now or later (a sorted set by
// time: the per-chat pacing is this score), and which chats a courier is
// sending to (a sorted set by lease end: a crashed courier's chats come
// back when it ends). The pacing state of a chat (its GCRA theoretical
// arrival time) is a small key that expires once it no longer matters.

func (s *Store) outKey(part, chat string) string  { return s.tag(part) + ":o:" + chat }
func (s *Store) outReadyKey(part string) string   { return s.tag(part) + ":or" }
func (s *Store) outLeaseKey(part string) string   { return s.tag(part) + ":ol" }
func (s *Store) paceKey(part, chat string) string { return s.tag(part) + ":ot:" + chat }
func (s *Store) outPrefix(part string) string     { return s.tag(part) + ":" }
func (s *Store) outCountKey(part string) string   { return s.tag(part) + ":on" }

func parseMs(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

// claimOutScript leases chats whose next message may go by a time. Chats
// whose lease ended (a courier crashed) are due again first. The lists
// and pacing keys are named from ARGV[4], in the same slot. KEYS: ready,
// lease. ARGV: now ms, lease end ms, max, key prefix, due-by ms. Returns
// the claims (chat, entry, pace ms, queued, the entry behind or ”) and,
// last, the next time a chat falls due (ms, or -1).
var claimOutScript = redis.NewScript(`
local now = tonumber(ARGV[1])
for _, c in ipairs(redis.call('ZRANGE', KEYS[2], '-inf', now, 'BYSCORE')) do
  redis.call('ZREM', KEYS[2], c)
  if redis.call('LLEN', ARGV[4] .. 'o:' .. c) > 0 then redis.call('ZADD', KEYS[1], 'NX', now, c) end
end
local out = {}
for _, c in ipairs(redis.call('ZRANGE', KEYS[1], '-inf', ARGV[5], 'BYSCORE', 'LIMIT', 0, ARGV[3])) do
  redis.call('ZREM', KEYS[1], c)
  local list = ARGV[4] .. 'o:' .. c
  local head = redis.call('LINDEX', list, 0)
  if head then
    redis.call('ZADD', KEYS[2], ARGV[2], c)
    out[#out + 1] = c
    out[#out + 1] = head
    out[#out + 1] = redis.call('GET', ARGV[4] .. 'ot:' .. c) or '0'
    out[#out + 1] = tostring(redis.call('LLEN', list))
    out[#out + 1] = redis.call('LINDEX', list, 1) or ''
  end
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if nxt[2] then out[#out + 1] = nxt[2] else out[#out + 1] = '-1' end
return out
`)

// ClaimOut leases up to max chats of a partition whose next message may
// go by dueBy (normally now), and returns those messages. next is when the
// next other chat falls due (zero: none waiting).
func (s *Store) ClaimOut(ctx context.Context, part string, now, dueBy time.Time, lease time.Duration, max int) (claims []bot.Pending, next time.Time, err error) {
	res, err := claimOutScript.Run(ctx, s.rdb, []string{s.outReadyKey(part), s.outLeaseKey(part)},
		now.UnixMilli(), now.Add(lease).UnixMilli(), max, s.outPrefix(part), dueBy.UnixMilli()).StringSlice()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("claim outbox of %q: %w", part, err)
	}
	if len(res) == 0 {
		return nil, time.Time{}, fmt.Errorf("claim outbox of %q: empty answer", part)
	}
	if n, _ := strconv.ParseFloat(res[len(res)-1], 64); n >= 0 {
		next = time.UnixMilli(int64(n))
	}
	for i := 0; i+4 < len(res); i += 5 {
		queued := int(parseMs(res[i+3]))
		p := bot.Pending{Part: part, Chat: res[i], Raw: res[i+1], Queued: queued, Behind: behind(part, res[i], res[i+4], queued)}
		if ms := parseMs(res[i+2]); ms > 0 {
			p.Pace = time.UnixMilli(ms)
		}
		if err := json.Unmarshal([]byte(p.Raw), &p.Out); err != nil {
			// Not ours to read (a newer version wrote it?): leave it to
			// the sweep after the lease rather than lose it.
			continue
		}
		claims = append(claims, p)
	}
	return claims, next, nil
}

// behind decodes the entry queued behind a claimed one ("": none); one
// that cannot be read is left for its own claim.
func behind(part, chat, raw string, queued int) *bot.Pending {
	if raw == "" {
		return nil
	}
	p := &bot.Pending{Part: part, Chat: chat, Raw: raw, Queued: queued - 1}
	if json.Unmarshal([]byte(raw), &p.Out) != nil {
		return nil
	}
	return p
}

// askedTTL is how long the id of a chat's last question message is kept:
// a typed answer later than that gets no mark on the question.
const askedTTL = 30 * 24 * time.Hour

// doneOutScript removes a chat's messages once they went (or were given
// up): each in turn while it heads the list, so a retry removes nothing
// twice. It records the chat's pacing and either hands back the chat's
// next message and the one behind it (when it may go by keepUntil and the
// lease is kept) or schedules the chat. A question that went is recorded
// as the chat's last (bot.Asked), while the chat's session is there: a
// question sent after /forget (it was in the outbox) leaves no record
// naming the citizen.
// KEYS: list, ready, lease, pace, counts, asked, session. ARGV: chat, pace
// ms (0: keep), pace ttl ms, next ms (when the next message may go),
// keep-until ms (0: release), lease end ms, asked ("": none), asked ttl
// ms, the number of the message asked is for, then (entry, lane) per
// message.
var doneOutScript = redis.NewScript(`
for j = 10, #ARGV, 2 do
  local head = redis.call('LPOP', KEYS[1])
  if head ~= ARGV[j] then
    if head then redis.call('LPUSH', KEYS[1], head) end -- not this message: it stays first
    break
  end
  if tonumber(redis.call('HINCRBY', KEYS[5], ARGV[j + 1], -1)) < 0 then redis.call('HSET', KEYS[5], ARGV[j + 1], 0) end
  if (j - 8) / 2 == tonumber(ARGV[9]) and redis.call('EXISTS', KEYS[7]) == 1 then
    redis.call('SET', KEYS[6], ARGV[7], 'PX', ARGV[8])
  end
end
if ARGV[2] ~= '0' then redis.call('SET', KEYS[4], ARGV[2], 'PX', ARGV[3]) end
local left = redis.call('LLEN', KEYS[1])
local nxt = tonumber(ARGV[4])
if left > 0 and ARGV[5] ~= '0' and nxt <= tonumber(ARGV[5]) then
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
  return {redis.call('LINDEX', KEYS[1], 0), tostring(left), redis.call('LINDEX', KEYS[1], 1) or ''}
end
redis.call('ZREM', KEYS[3], ARGV[1])
if left > 0 then redis.call('ZADD', KEYS[2], nxt, ARGV[1]) end
return {}
`)

// Done records that a chat's claimed messages went to Telegram (or were
// given up), in order: a cosmetic mark and the message behind it are
// removed together. It also records the chat's pacing state after them.
// When the chat's next message may go by keepUntil, the lease is kept
// (renewed to leaseEnd) and that message returned; otherwise the chat is
// released and due again at next. A question Telegram gave an id (Sent)
// becomes the chat's Asked.
func (s *Store) Done(ctx context.Context, ps []bot.Pending, pace time.Time, paceTTL time.Duration, next, keepUntil, leaseEnd time.Time) (*bot.Pending, error) {
	if len(ps) == 0 {
		return nil, errors.New("outbox done: no message")
	}
	p := ps[0]
	keys := []string{s.outKey(p.Part, p.Chat), s.outReadyKey(p.Part), s.outLeaseKey(p.Part), s.paceKey(p.Part, p.Chat), s.outCountKey(p.Part), s.askedKey(p.Part, p.Chat), s.sessionKey(p.Part, p.Chat)}
	asked, askedFor := "", 0
	for i, m := range ps {
		if m.Out.Question != "" && m.Sent > 0 {
			asked, askedFor = m.Out.Question+"|"+strconv.Itoa(m.Sent), i+1
		}
	}
	paceMs := int64(0)
	if !pace.IsZero() {
		paceMs = pace.UnixMilli()
	}
	keep := int64(0)
	if !keepUntil.IsZero() {
		keep = keepUntil.UnixMilli()
	}
	args := []any{p.Chat, paceMs, max(paceTTL, time.Millisecond).Milliseconds(), next.UnixMilli(), keep, leaseEnd.UnixMilli(),
		asked, askedTTL.Milliseconds(), askedFor}
	for _, m := range ps {
		args = append(args, m.Raw, int(m.Out.Lane))
	}
	res, err := doneOutScript.Run(ctx, s.rdb, keys, args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("outbox done: %w", err)
	}
	if len(res) < 3 {
		return nil, nil
	}
	if pace.IsZero() {
		pace = p.Pace // nothing went: the chat's pacing is as it was
	}
	queued := int(parseMs(res[1]))
	np := &bot.Pending{Part: p.Part, Chat: p.Chat, Raw: res[0], Pace: pace, Queued: queued, Behind: behind(p.Part, p.Chat, res[2], queued)}
	if err := json.Unmarshal([]byte(np.Raw), &np.Out); err != nil {
		return nil, fmt.Errorf("outbox done: decode next message: %w", err)
	}
	return np, nil
}

// Renew extends a courier's lease on a chat while a send takes long.
func (s *Store) Renew(ctx context.Context, p bot.Pending, leaseEnd time.Time) error {
	err := s.rdb.ZAddArgs(ctx, s.outLeaseKey(p.Part), redis.ZAddArgs{XX: true, Members: []redis.Z{{Score: float64(leaseEnd.UnixMilli()), Member: p.Chat}}}).Err()
	if err != nil {
		return fmt.Errorf("outbox renew: %w", err)
	}
	return nil
}

// deferOutScript gives a chat back, its message kept, to be tried at a
// time. KEYS: ready, lease. ARGV: chat, at ms.
var deferOutScript = redis.NewScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`)

// Defer releases a claimed chat, its message kept, to be tried at at.
func (s *Store) Defer(ctx context.Context, p bot.Pending, at time.Time) error {
	keys := []string{s.outReadyKey(p.Part), s.outLeaseKey(p.Part)}
	if err := deferOutScript.Run(ctx, s.rdb, keys, p.Chat, at.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("outbox defer: %w", err)
	}
	return nil
}

// OutboxDepth reports how many messages wait in a partition, by lane,
// and since when the chat waiting longest has been due.
func (s *Store) OutboxDepth(ctx context.Context, part string) (byLane map[bot.Lane]int64, oldest time.Time, err error) {
	var counts *redis.MapStringStringCmd
	var first *redis.ZSliceCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		counts = p.HGetAll(ctx, s.outCountKey(part))
		first = p.ZRangeWithScores(ctx, s.outReadyKey(part), 0, 0)
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("outbox depth: %w", err)
	}
	byLane = map[bot.Lane]int64{}
	for k, v := range counts.Val() {
		lane, err1 := strconv.Atoi(k)
		n, err2 := strconv.ParseInt(v, 10, 64)
		if err1 == nil && err2 == nil {
			byLane[bot.Lane(lane)] = n
		}
	}
	if z := first.Val(); len(z) > 0 {
		oldest = time.UnixMilli(int64(z[0].Score))
	}
	return byLane, oldest, nil
}
