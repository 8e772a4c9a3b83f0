package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/redis/go-redis/v9"
)

// Counters sums a pilot's counters over the given days (yyyy-mm-dd in the
// pilot's time zone), or returns the all-time counters when days is nil. It
// reads one small hash per day in one round trip, however many answers
// there are.
func (s *Store) Counters(ctx context.Context, pilot string, days []string) (map[string]int64, error) {
	keys := []string{s.allKey(pilot)}
	if days != nil {
		keys = keys[:0]
		for _, d := range days {
			keys = append(keys, s.dayKey(pilot, d))
		}
	}
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HGetAll(ctx, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}
	out := map[string]int64{}
	for _, c := range cmds {
		for f, v := range c.Val() {
			n, _ := strconv.ParseInt(v, 10, 64)
			out[f] += n
		}
	}
	return out, nil
}

// answersScript reads answers through the pilot's time index: members
// "<user>|<n>" point into the citizen's hash (same slot, named from
// ARGV[1]). KEYS: index. ARGV: prefix, then how to range: "rev", max ms,
// min ms, count; or "fwd", start rank, stop rank. Returns member, score,
// json triples; an answer forgotten meanwhile is left out.
var answersScript = redis.NewScript(`
local ms
if ARGV[2] == 'rev' then
  ms = redis.call('ZRANGE', KEYS[1], ARGV[3], ARGV[4], 'BYSCORE', 'REV', 'LIMIT', 0, ARGV[5], 'WITHSCORES')
else
  ms = redis.call('ZRANGE', KEYS[1], ARGV[3], ARGV[4], 'WITHSCORES')
end
local out = {}
for i = 1, #ms, 2 do
  local user, seq = string.match(ms[i], '^(.*)|(%d+)$')
  if user then
    local j = redis.call('HGET', ARGV[1] .. 'h:' .. user, seq)
    if j then
      out[#out + 1] = ms[i]
      out[#out + 1] = ms[i + 1]
      out[#out + 1] = j
    end
  end
end
return out
`)

func (s *Store) readAnswers(ctx context.Context, pilot string, args ...any) ([]bot.Record, int, error) {
	res, err := answersScript.Run(ctx, s.rdb, []string{s.indexKey(pilot)}, append([]any{s.tag(pilot) + ":"}, args...)...).StringSlice()
	if err != nil {
		return nil, 0, err
	}
	out := make([]bot.Record, 0, len(res)/3)
	for i := 0; i+2 < len(res); i += 3 {
		if r, ok := decodeRecord(pilot, res[i], res[i+2]); ok {
			out = append(out, r)
		}
	}
	return out, len(res) / 3, nil
}

// RecentAnswers returns up to max answers recorded since a time, newest
// first. It reads at most max entries, so its cost does not grow with the
// number of answers stored.
func (s *Store) RecentAnswers(ctx context.Context, pilot string, since time.Time, max int) ([]bot.Record, error) {
	out, _, err := s.readAnswers(ctx, pilot, "rev", "+inf", since.UnixMilli()*1000, max)
	if err != nil {
		return nil, fmt.Errorf("read recent answers: %w", err)
	}
	return out, nil
}

// answerPage is how many answers one read of EachAnswer takes.
const answerPage = 1000

// EachAnswer calls fn for every stored answer of a pilot, oldest first,
// reading the time index in pages.
func (s *Store) EachAnswer(ctx context.Context, pilot string, fn func(bot.Record) error) error {
	for start := 0; ; start += answerPage {
		page, _, err := s.readAnswers(ctx, pilot, "fwd", start, start+answerPage-1)
		if err != nil {
			return fmt.Errorf("read answers: %w", err)
		}
		n, err := s.rdb.ZCard(ctx, s.indexKey(pilot)).Result()
		if err != nil {
			return fmt.Errorf("read answers: %w", err)
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if int64(start+answerPage) >= n {
			return nil
		}
	}
}

// purgeScript deletes up to ARGV[3] answers older than a time from the
// index and the citizens' hashes (named from ARGV[1]); a hash left with
// only its numbering goes too. KEYS: index. ARGV: prefix, before ms
// (exclusive), max. Returns how many index entries went, then the
// citizens whose hash went.
var purgeScript = redis.NewScript(`
local ms = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. ARGV[2], 'BYSCORE', 'LIMIT', 0, ARGV[3])
local users = {}
for _, m in ipairs(ms) do
  local user, seq = string.match(m, '^(.*)|(%d+)$')
  if user then
    redis.call('HDEL', ARGV[1] .. 'h:' .. user, seq)
    users[user] = true
  end
  redis.call('ZREM', KEYS[1], m)
end
local out = {#ms}
for user in pairs(users) do
  local h = ARGV[1] .. 'h:' .. user
  local n = redis.call('HLEN', h)
  if n == 0 or (n == 1 and redis.call('HEXISTS', h, 'n') == 1) then
    redis.call('DEL', h)
    out[#out + 1] = user
  end
end
return out
`)

// stalePromptsScript deletes up to ARGV[2] prompts that were due before a
// time: nothing sends a follow-up that late. KEYS: due, prompts. ARGV:
// before ms (exclusive), max. Returns their citizens.
var stalePromptsScript = redis.NewScript(`
local ms = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2])
local out = {}
for _, m in ipairs(ms) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('HDEL', KEYS[2], m)
  out[#out + 1] = string.match(m, '^(.*)|[^|]*$') or m
end
return out
`)

// nothingLeftScript reports whether a citizen has nothing left in a
// pilot: no session, answers or prompts. Then their last question message
// goes too: it names them, and nothing reads it without a session (one
// that expired leaves it until its own expiry). KEYS: session, answers,
// prompts, asked. ARGV: user.
var nothingLeftScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
if redis.call('HEXISTS', KEYS[3], ARGV[1] .. '|followup') == 1 then return 0 end
if redis.call('HEXISTS', KEYS[3], ARGV[1] .. '|reminder') == 1 then return 0 end
redis.call('DEL', KEYS[4])
return 1
`)

// unmarkScript takes a pilot off a citizen's pointer, unless they pointed
// at a pilot since the purge's cutoff (they are back: their commit may be
// on its way), and deletes the pointer when no pilot is left on it. KEYS:
// pointer. ARGV: pilot, cutoff ms.
var unmarkScript = redis.NewScript(`
local t = tonumber(redis.call('HGET', KEYS[1], 't') or '0') or 0
if t >= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], 'p:' .. ARGV[1])
if redis.call('HGET', KEYS[1], 'pilot') == ARGV[1] then redis.call('HDEL', KEYS[1], 'pilot') end
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if f == 'pilot' or string.sub(f, 1, 2) == 'p:' then return 1 end
end
redis.call('DEL', KEYS[1])
return 1
`)

// purgeBatch is how many entries one purge script takes.
const purgeBatch = 500

// Purge deletes a pilot's answers recorded before a time (retention),
// with prompts that were due before it and alert episodes that began
// before it. A citizen left with nothing in
// the pilot (no session, answers or prompts) is also taken off their
// pointer, which goes when no pilot is left on it: after retention,
// nothing names them. It returns how many answers went.
func (s *Store) Purge(ctx context.Context, pilot string, before time.Time) (int64, error) {
	if err := s.purgeAlerts(ctx, pilot, before); err != nil {
		return 0, err
	}
	var total int64
	touched := map[string]bool{}
	for {
		res, err := purgeScript.Run(ctx, s.rdb, []string{s.indexKey(pilot)}, s.tag(pilot)+":", before.UnixMilli()*1000, purgeBatch).Slice()
		if err != nil {
			return total, fmt.Errorf("purge answers of %s: %w", pilot, err)
		}
		if len(res) == 0 {
			return total, fmt.Errorf("purge answers of %s: empty answer", pilot)
		}
		n, _ := res[0].(int64)
		total += n
		for _, u := range res[1:] {
			if u, ok := u.(string); ok {
				touched[u] = true
			}
		}
		if n < purgeBatch {
			break
		}
	}
	for {
		users, err := stalePromptsScript.Run(ctx, s.rdb, []string{s.dueKey(pilot), s.promptKey(pilot)}, before.UnixMilli(), purgeBatch).StringSlice()
		if err != nil {
			return total, fmt.Errorf("purge prompts of %s: %w", pilot, err)
		}
		for _, u := range users {
			touched[u] = true
		}
		if len(users) < purgeBatch {
			break
		}
	}
	for _, u := range sortedSet(touched) {
		if err := s.unmark(ctx, pilot, u, before); err != nil {
			return total, err
		}
	}
	return total, nil
}

// unmark takes pilot off a citizen's pointer if nothing of them is left
// there.
func (s *Store) unmark(ctx context.Context, pilot, user string, before time.Time) error {
	keys := []string{s.sessionKey(pilot, user), s.answersKey(pilot, user), s.promptKey(pilot), s.askedKey(pilot, user)}
	empty, err := nothingLeftScript.Run(ctx, s.rdb, keys, user).Int()
	if err != nil {
		return fmt.Errorf("purge %s: %w", pilot, err)
	}
	if empty == 0 {
		return nil
	}
	if err := unmarkScript.Run(ctx, s.rdb, []string{s.pointerKey(user)}, pilot, before.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("purge %s: %w", pilot, err)
	}
	return nil
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Pref reads a small stored preference ("" if unset).
func (s *Store) Pref(ctx context.Context, key string) (string, error) {
	v, err := s.rdb.Get(ctx, s.ns+":pref:"+key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read preference: %w", err)
	}
	return v, nil
}

// SetPref stores a small preference for a year.
func (s *Store) SetPref(ctx context.Context, key, value string) error {
	if err := s.rdb.Set(ctx, s.ns+":pref:"+key, value, 365*24*time.Hour).Err(); err != nil {
		return fmt.Errorf("store preference: %w", err)
	}
	return nil
}

// unlockScript deletes a lock only if it still holds our token.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lock takes a named lock for ttl. ok is false when another replica holds
// it. unlock releases it only if it is still ours; a crashed holder's lock
// expires after ttl.
func (s *Store) Lock(ctx context.Context, name string, ttl time.Duration) (unlock func(), ok bool, err error) {
	key := s.ns + ":lock:" + name
	token := strconv.FormatInt(time.Now().UnixNano(), 36) + strconv.FormatUint(rand.Uint64(), 36)
	ok, err = s.rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !ok {
		return nil, false, nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		_ = unlockScript.Run(ctx, s.rdb, []string{key}, token).Err()
	}, true, nil
}

// RecordRun keeps the last run of a scheduled job: when, how it went and
// how long it took.
func (s *Store) RecordRun(ctx context.Context, name string, at time.Time, outcome string, took time.Duration) error {
	err := s.rdb.HSet(ctx, s.ns+":run:"+name, "at", at.UTC().Format(time.RFC3339), "outcome", outcome, "took_ms", took.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("record run of %s: %w", name, err)
	}
	return nil
}

// LastRun returns the recorded last run of a job.
func (s *Store) LastRun(ctx context.Context, name string) (map[string]string, error) {
	m, err := s.rdb.HGetAll(ctx, s.ns+":run:"+name).Result()
	if err != nil {
		return nil, fmt.Errorf("read run of %s: %w", name, err)
	}
	return m, nil
}
