package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// RecentAnswers returns up to max answers recorded since a time, newest
// first. It reads at most max entries, so its cost does not grow with the
// number of answers stored.
func (s *Store) RecentAnswers(ctx context.Context, pilot string, since time.Time, max int) ([]bot.Record, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.streamKey(pilot), "+", strconv.FormatInt(since.UnixMilli(), 10), int64(max)).Result()
	if err != nil {
		return nil, fmt.Errorf("read recent answers: %w", err)
	}
	out := make([]bot.Record, 0, len(msgs))
	for _, m := range msgs {
		if r, ok := decodeRecord(pilot, m); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// EachAnswer calls fn for every stored answer of a pilot, oldest first,
// reading the stream in pages.
func (s *Store) EachAnswer(ctx context.Context, pilot string, fn func(bot.Record) error) error {
	start := "-"
	for {
		msgs, err := s.rdb.XRangeN(ctx, s.streamKey(pilot), start, "+", 1000).Result()
		if err != nil {
			return fmt.Errorf("read answers: %w", err)
		}
		for _, m := range msgs {
			if r, ok := decodeRecord(pilot, m); ok {
				if err := fn(r); err != nil {
					return err
				}
			}
		}
		if len(msgs) < 1000 {
			return nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// Purge deletes a pilot's answers recorded before a time (retention). The
// citizens' indexes of answer ids expire on their own.
func (s *Store) Purge(ctx context.Context, pilot string, before time.Time) (int64, error) {
	n, err := s.rdb.XTrimMinID(ctx, s.streamKey(pilot), strconv.FormatInt(before.UnixMilli(), 10)).Result()
	if err != nil {
		return 0, fmt.Errorf("purge answers of %s: %w", pilot, err)
	}
	return n, nil
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
