package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/redis/go-redis/v9"
)

// Safeguarding alert episodes (bot.AlertDesk), under the partition's tag:
//
//	<ns>:{p:<pilot>}:al:<user>   hash: r reference, t0 first match (ms), n matches, tk and td
//	                             the last update's token and decision, h 1 when held back by
//	                             the cap, x the first message of a held episode, by and at
//	                             who took it and when; expires after Keep
//	<ns>:{p:<pilot>}:alr:<ref>   the user of a reference, for "I'm on it"; expires with it
//	<ns>:{p:<pilot>}:als         sorted set of users by their episode's first match, for /alerts
//	<ns>:{p:<pilot>}:alc:<hour>  episodes opened in a clock hour (UTC), for the cap; 2 hours
//
// Forget deletes a citizen's episodes in every partition, whatever their
// pointer says: an alert may concern a pilot they never had a session in.
// Purge deletes the episodes that began before its cutoff.

func (s *Store) alertKey(part, user string) string { return s.tag(part) + ":al:" + user }
func (s *Store) alertRefKey(part, ref string) string {
	return s.tag(part) + ":alr:" + ref
}
func (s *Store) alertIndexKey(part string) string { return s.tag(part) + ":als" }
func (s *Store) alertCapKey(part string, at time.Time) string {
	return s.tag(part) + ":alc:" + at.UTC().Format("2006010215")
}

// raiseScript records a match. KEYS: episode, reference, index, cap
// counter. ARGV: user, reference, now ms, window ms, keep ms, cap, token,
// text. It returns the decision (new, more, capped, held) and the episode
// (t0, n, h, x, by, at).
var raiseScript = redis.NewScript(`
local function reply(d)
  local e = redis.call('HMGET', KEYS[1], 't0', 'n', 'h', 'x', 'by', 'at')
  return {d, e[1] or '', e[2] or '', e[3] or '', e[4] or '', e[5] or '', e[6] or ''}
end
local f = redis.call('HMGET', KEYS[1], 't0', 'tk', 'td')
if ARGV[7] ~= '' and f[2] == ARGV[7] then return reply(f[3]) end
local now = tonumber(ARGV[3])
local t0 = tonumber(f[1])
if t0 and now - t0 < tonumber(ARGV[4]) then
  redis.call('HINCRBY', KEYS[1], 'n', 1)
  redis.call('HSET', KEYS[1], 'tk', ARGV[7], 'td', 'more')
  return reply('more')
end
local c = redis.call('INCR', KEYS[4])
redis.call('PEXPIRE', KEYS[4], 7200000)
local cap = tonumber(ARGV[6])
local d = 'new'
if c == cap + 1 then d = 'capped' elseif c > cap then d = 'held' end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'r', ARGV[2], 't0', ARGV[3], 'n', 1, 'tk', ARGV[7], 'td', d)
if d ~= 'new' then
  redis.call('HSET', KEYS[1], 'h', 1)
  if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'x', ARGV[8]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - tonumber(ARGV[5])))
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return reply(d)
`)

var decisions = map[string]bot.Alerting{"new": bot.AlertNew, "more": bot.AlertMore, "capped": bot.AlertCapped, "held": bot.AlertHeld}

// RaiseAlert records a crisis match of a citizen in a partition; see
// bot.AlertDesk.
func (s *Store) RaiseAlert(ctx context.Context, part string, m bot.AlertMatch) (bot.Alerting, bot.Episode, error) {
	if m.User == "" || m.Ref == "" || m.Window <= 0 || m.Keep <= 0 {
		return 0, bot.Episode{}, errors.New("raise alert: a match needs a user, a reference, a window and a keep")
	}
	// Forget looks for episodes in every partition that ever had data.
	if err := s.rdb.SAdd(ctx, s.partsKey(), part).Err(); err != nil {
		return 0, bot.Episode{}, fmt.Errorf("raise alert: %w", err)
	}
	keys := []string{s.alertKey(part, m.User), s.alertRefKey(part, m.Ref), s.alertIndexKey(part), s.alertCapKey(part, m.At)}
	res, err := raiseScript.Run(ctx, s.rdb, keys, m.User, m.Ref, m.At.UnixMilli(), m.Window.Milliseconds(),
		m.Keep.Milliseconds(), m.Cap, m.Token, m.Text).StringSlice()
	if err != nil {
		return 0, bot.Episode{}, fmt.Errorf("raise alert: %w", err)
	}
	d, ok := decisions[res[0]]
	if !ok || len(res) != 7 {
		return 0, bot.Episode{}, fmt.Errorf("raise alert: unexpected answer %q", res)
	}
	return d, episode(m.Ref, res[1:]), nil
}

// episode reads t0, n, h, x, by, at as the scripts return them.
func episode(ref string, f []string) bot.Episode {
	ms := func(s string) time.Time {
		n, _ := strconv.ParseInt(s, 10, 64)
		if n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n)
	}
	n, _ := strconv.Atoi(f[1])
	return bot.Episode{Ref: ref, Since: ms(f[0]), Count: n, Held: f[2] == "1", Text: f[3], By: f[4], Taken: ms(f[5])}
}

// takeScript marks an episode taken unless it is. KEYS: episode. ARGV:
// by, at ms. It returns false when there is no episode, else whether this
// was the first take, then t0, n, h, x, by, at.
var takeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local first = 0
if not redis.call('HGET', KEYS[1], 'by') then
  redis.call('HSET', KEYS[1], 'by', ARGV[1], 'at', ARGV[2])
  first = 1
end
local e = redis.call('HMGET', KEYS[1], 't0', 'n', 'h', 'x', 'by', 'at')
return {tostring(first), e[1] or '', e[2] or '', e[3] or '', e[4] or '', e[5] or '', e[6] or ''}
`)

// TakeAlert records who took an episode; see bot.AlertDesk.
func (s *Store) TakeAlert(ctx context.Context, part, ref, by string, at time.Time) (bot.Episode, bool, bool, error) {
	user, err := s.rdb.Get(ctx, s.alertRefKey(part, ref)).Result()
	if errors.Is(err, redis.Nil) {
		return bot.Episode{}, false, false, nil
	}
	if err != nil {
		return bot.Episode{}, false, false, fmt.Errorf("take alert: %w", err)
	}
	res, err := takeScript.Run(ctx, s.rdb, []string{s.alertKey(part, user)}, by, at.UnixMilli()).StringSlice()
	if errors.Is(err, redis.Nil) {
		return bot.Episode{}, false, false, nil
	}
	if err != nil || len(res) != 7 {
		return bot.Episode{}, false, false, fmt.Errorf("take alert: %w (%q)", err, res)
	}
	return episode(ref, res[1:]), res[0] == "1", true, nil
}

// Episodes lists a partition's episodes that began at since or later,
// newest first; see bot.AlertDesk.
func (s *Store) Episodes(ctx context.Context, part string, since time.Time) ([]bot.Episode, error) {
	users, err := s.rdb.ZRevRangeByScore(ctx, s.alertIndexKey(part), &redis.ZRangeBy{
		Min: strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	cmds := make([]*redis.SliceCmd, len(users))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, u := range users {
			cmds[i] = p.HMGet(ctx, s.alertKey(part, u), "r", "t0", "n", "h", "x", "by", "at")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	var out []bot.Episode
	for _, c := range cmds {
		v := c.Val()
		f := make([]string, len(v))
		for i, x := range v {
			f[i], _ = x.(string)
		}
		if len(f) != 7 || f[0] == "" {
			continue // expired, or forgotten meanwhile
		}
		out = append(out, episode(f[0], f[1:]))
	}
	return out, nil
}

// forgetAlerts deletes a citizen's episodes in the given partitions, or in
// every partition when parts is nil.
func (s *Store) forgetAlerts(ctx context.Context, user string, parts []string) error {
	if parts == nil {
		all, err := s.Partitions(ctx)
		if err != nil {
			return err
		}
		parts = all
	}
	for _, part := range parts {
		if err := s.dropEpisodes(ctx, part, []string{user}); err != nil {
			return err
		}
	}
	return nil
}

// dropEpisodes deletes the episodes of users in a partition, with their
// references and index entries.
func (s *Store) dropEpisodes(ctx context.Context, part string, users []string) error {
	for _, user := range users {
		ref, err := s.rdb.HGet(ctx, s.alertKey(part, user), "r").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("forget alerts: %w", err)
		}
		_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, s.alertKey(part, user))
			if ref != "" {
				p.Del(ctx, s.alertRefKey(part, ref))
			}
			p.ZRem(ctx, s.alertIndexKey(part), user)
			return nil
		})
		if err != nil {
			return fmt.Errorf("forget alerts: %w", err)
		}
	}
	return nil
}

// purgeAlerts deletes a partition's episodes that began before a time.
func (s *Store) purgeAlerts(ctx context.Context, part string, before time.Time) error {
	users, err := s.rdb.ZRangeByScore(ctx, s.alertIndexKey(part), &redis.ZRangeBy{
		Min: "-inf", Max: "(" + strconv.FormatInt(before.UnixMilli(), 10)}).Result()
	if err != nil {
		return fmt.Errorf("purge alerts of %s: %w", part, err)
	}
	return s.dropEpisodes(ctx, part, users)
}
