// Package redisstore keeps cosiebot's state in Redis: sessions, answers,
// counters, scheduled prompts and locks. It works with a single server,
// Sentinel and Cluster (redis.UniversalClient), and with the embedded
// in-process server used when no REDIS_URL is set.
//
// Key schema. Keys that change together share the hash tag {p:<pilot>}, so
// every commit is one Lua script in one Cluster slot. <user> is the
// citizen's pseudonym (an HMAC of the Telegram user id), never the id.
//
//	<ns>:u:{<user>}                hash: "pilot" -> current pilot; "p:<pilot>" -> 1 for
//	                               every pilot they answered (for /forget and /mydata)
//	<ns>:{p:<pilot>}:s:<user>      string "<rev>\n<session json>", expires after inactivity
//	<ns>:{p:<pilot>}:a             stream of answers, in time order (field j: record json)
//	<ns>:{p:<pilot>}:i:<user>      set of the citizen's answer ids in that stream
//	<ns>:{p:<pilot>}:c:<yyyy-mm-dd> hash of counters for a day (pilot's time zone)
//	<ns>:{p:<pilot>}:c:all         hash of counters since the start
//	<ns>:{p:<pilot>}:due           sorted set: "<user>|<kind>" by due time (unix ms)
//	<ns>:{p:<pilot>}:pr            hash: "<user>|<kind>" -> "<node>|<seq>|<due ms>"
//	<ns>:once:<key>                marker for things done once (group chat notice)
//	<ns>:lock:<name>, <ns>:run:<name>  scheduler locks and run records
//
// Handling one update costs two round trips to read (pointer, session) and
// one to commit.
package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/redis/go-redis/v9"
)

// Store is the Redis implementation of bot.Store.
type Store struct {
	rdb redis.UniversalClient
	ns  string
	// retention is how long a citizen's answer index and pointer live; the
	// answers themselves are trimmed per pilot by Purge.
	retention time.Duration
}

var _ bot.Store = (*Store)(nil)

// Options tunes a Store.
type Options struct {
	Namespace string        // key prefix, default "cosie"
	Retention time.Duration // default 10 years; pilots purge their own answers sooner
}

// New wraps a connected client.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Namespace == "" {
		opts.Namespace = "cosie"
	}
	if opts.Retention <= 0 {
		opts.Retention = 3650 * 24 * time.Hour
	}
	return &Store{rdb: rdb, ns: opts.Namespace, retention: opts.Retention}
}

// Client returns the underlying client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

func (s *Store) pointerKey(user string) string { return s.ns + ":u:{" + user + "}" }
func (s *Store) tag(pilot string) string       { return s.ns + ":{p:" + pilot + "}" }
func (s *Store) sessionKey(pilot, user string) string {
	return s.tag(pilot) + ":s:" + user
}
func (s *Store) streamKey(pilot string) string      { return s.tag(pilot) + ":a" }
func (s *Store) indexKey(pilot, user string) string { return s.tag(pilot) + ":i:" + user }
func (s *Store) dayKey(pilot, day string) string    { return s.tag(pilot) + ":c:" + day }
func (s *Store) allKey(pilot string) string         { return s.tag(pilot) + ":c:all" }
func (s *Store) dueKey(pilot string) string         { return s.tag(pilot) + ":due" }
func (s *Store) promptKey(pilot string) string      { return s.tag(pilot) + ":pr" }

// Load returns the citizen's current session, or nil.
func (s *Store) Load(ctx context.Context, user string) (*bot.Session, error) {
	pk := s.pointerKey(user)
	var pilotCmd *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		pilotCmd = p.HGet(ctx, pk, "pilot")
		// Keep the pointer as long as the session is used.
		p.PExpire(ctx, pk, s.retention)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("load pointer: %w", err)
	}
	pilot := pilotCmd.Val()
	if pilot == "" {
		return nil, nil
	}
	raw, err := s.rdb.Get(ctx, s.sessionKey(pilot, user)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	return decodeSession(raw)
}

func decodeSession(raw string) (*bot.Session, error) {
	revs, body, ok := strings.Cut(raw, "\n")
	rev, err := strconv.ParseInt(revs, 10, 64)
	if !ok || err != nil {
		return nil, fmt.Errorf("decode session: bad revision %q", revs)
	}
	var sess bot.Session
	if err := json.Unmarshal([]byte(body), &sess); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	sess.Rev = rev
	return &sess, nil
}

// commitScript applies a commit atomically. KEYS: session, stream, index,
// day counters, all counters, due, prompts. ARGV: expected rev (-1: any),
// session json ("" deletes), session ttl ms, user, cancel (1/0), release
// kinds (comma separated), index ttl ms, then counts: n prompts (kind,
// payload, due ms)..., n counters (field, incr)..., n cohort counters for
// the dialogue's start day (KEYS[8])..., n answers (json)...
var commitScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local rev = 0
if cur then rev = tonumber(string.match(cur, '^(%d+)\n')) or 0 end
local want = tonumber(ARGV[1])
if want >= 0 and want ~= rev then return redis.error_reply('CONFLICT session changed') end
local user = ARGV[4]
local newrev = rev + 1
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], newrev .. '\n' .. ARGV[2], 'PX', ARGV[3])
end
local function drop(kind)
  local m = user .. '|' .. kind
  redis.call('ZREM', KEYS[6], m)
  redis.call('HDEL', KEYS[7], m)
end
if ARGV[5] == '1' then drop('followup'); drop('reminder') end
if ARGV[6] ~= '' then
  for kind in string.gmatch(ARGV[6], '[^,]+') do drop(kind) end
end
local i = 8
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local m = user .. '|' .. ARGV[i]
  redis.call('ZADD', KEYS[6], ARGV[i+2], m)
  redis.call('HSET', KEYS[7], m, ARGV[i+1])
  i = i + 3
end
n = tonumber(ARGV[i]); i = i + 1
if n > 0 then
  for _ = 1, n do
    redis.call('HINCRBY', KEYS[4], ARGV[i], ARGV[i+1])
    redis.call('HINCRBY', KEYS[5], ARGV[i], ARGV[i+1])
    i = i + 2
  end
  redis.call('PEXPIRE', KEYS[4], ARGV[7])
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  redis.call('HINCRBY', KEYS[8], ARGV[i], ARGV[i+1])
  i = i + 2
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local id = redis.call('XADD', KEYS[2], '*', 'j', ARGV[i])
  redis.call('SADD', KEYS[3], id)
  i = i + 1
end
if n > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[7]) end
return newrev
`)

// Commit applies one step atomically.
func (s *Store) Commit(ctx context.Context, c *bot.Commit) error {
	pilot, user := c.Pilot, c.User
	keys := []string{
		s.sessionKey(pilot, user), s.streamKey(pilot), s.indexKey(pilot, user),
		s.dayKey(pilot, c.Day), s.allKey(pilot), s.dueKey(pilot), s.promptKey(pilot),
		s.dayKey(pilot, cmp.Or(c.CohortDay, c.Day)),
	}
	want, body := int64(-1), ""
	if c.Session != nil {
		want = c.Session.Rev
		b, err := json.Marshal(c.Session)
		if err != nil {
			return fmt.Errorf("encode session: %w", err)
		}
		body = string(b)
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = bot.DefaultSessionTTL
	}
	release := make([]string, len(c.Release))
	for i, k := range c.Release {
		release[i] = string(k)
	}
	cancel := "0"
	if c.Cancel {
		cancel = "1"
	}
	args := make([]any, 0, 10+3*len(c.Prompts)+2*len(c.Counts)+len(c.Answers))
	keep := c.Keep
	if keep <= 0 {
		keep = s.retention
	}
	args = append(args, want, body, ttl.Milliseconds(), user, cancel, strings.Join(release, ","), keep.Milliseconds())
	args = append(args, len(c.Prompts))
	for _, p := range c.Prompts {
		due := p.Due.UnixMilli()
		args = append(args, string(p.Kind), p.Node+"|"+strconv.Itoa(p.Seq)+"|"+strconv.FormatInt(due, 10), due)
	}
	args = append(args, len(c.Counts))
	fields := make([]string, 0, len(c.Counts))
	for f := range c.Counts {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		args = append(args, f, c.Counts[f])
	}
	args = append(args, len(c.Cohort))
	for _, f := range sortedKeys(c.Cohort) {
		args = append(args, f, c.Cohort[f])
	}
	args = append(args, len(c.Answers))
	for _, a := range c.Answers {
		b, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode answer: %w", err)
		}
		args = append(args, string(b))
	}
	rev, err := commitScript.Run(ctx, s.rdb, keys, args...).Int64()
	if err != nil {
		if strings.HasPrefix(err.Error(), "CONFLICT") {
			return bot.ErrConflict
		}
		return fmt.Errorf("commit: %w", err)
	}
	if c.Session != nil {
		c.Session.Rev = rev
	}
	return nil
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Move points the citizen at a pilot and drops their session in the pilot
// they were in before (its answers stay).
func (s *Store) Move(ctx context.Context, user, pilot string) error {
	pk := s.pointerKey(user)
	prev, err := s.rdb.HGet(ctx, pk, "pilot").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("move session: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, pk, "pilot", pilot, "p:"+pilot, 1)
		p.PExpire(ctx, pk, s.retention)
		return nil
	})
	if err != nil {
		return fmt.Errorf("move session: %w", err)
	}
	if prev != "" && prev != pilot {
		if err := dropScript.Run(ctx, s.rdb, []string{s.sessionKey(prev, user), s.dueKey(prev), s.promptKey(prev)}, user).Err(); err != nil {
			return fmt.Errorf("drop old session: %w", err)
		}
	}
	return nil
}

// dropScript deletes a session and its prompts. KEYS: session, due, prompts.
var dropScript = redis.NewScript(`
redis.call('DEL', KEYS[1])
for _, kind in ipairs({'followup', 'reminder'}) do
  local m = ARGV[1] .. '|' .. kind
  redis.call('ZREM', KEYS[2], m)
  redis.call('HDEL', KEYS[3], m)
end
return 1
`)

// forgetScript deletes everything of one citizen in one pilot. KEYS:
// session, stream, index, due, prompts.
var forgetScript = redis.NewScript(`
local ids = redis.call('SMEMBERS', KEYS[3])
for _, id in ipairs(ids) do redis.call('XDEL', KEYS[2], id) end
redis.call('DEL', KEYS[3], KEYS[1])
for _, kind in ipairs({'followup', 'reminder'}) do
  local m = ARGV[1] .. '|' .. kind
  redis.call('ZREM', KEYS[4], m)
  redis.call('HDEL', KEYS[5], m)
end
return #ids
`)

// Forget deletes the citizen's session, answers and prompts in one pilot,
// or everywhere when pilot is "".
func (s *Store) Forget(ctx context.Context, user, pilot string) error {
	pk := s.pointerKey(user)
	ptr, err := s.rdb.HGetAll(ctx, pk).Result()
	if err != nil {
		return fmt.Errorf("forget: %w", err)
	}
	pilots := pilotsOf(ptr)
	if pilot != "" {
		pilots = []string{pilot}
	}
	for _, p := range pilots {
		keys := []string{s.sessionKey(p, user), s.streamKey(p), s.indexKey(p, user), s.dueKey(p), s.promptKey(p)}
		if err := forgetScript.Run(ctx, s.rdb, keys, user).Err(); err != nil {
			return fmt.Errorf("forget in %s: %w", p, err)
		}
	}
	if pilot == "" {
		return s.rdb.Del(ctx, pk).Err()
	}
	delete(ptr, "p:"+pilot)
	if ptr["pilot"] == pilot {
		delete(ptr, "pilot")
	}
	if len(ptr) == 0 {
		return s.rdb.Del(ctx, pk).Err()
	}
	fields := []string{"p:" + pilot}
	if ptr["pilot"] == "" {
		fields = append(fields, "pilot")
	}
	return s.rdb.HDel(ctx, pk, fields...).Err()
}

func pilotsOf(ptr map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for k, v := range ptr {
		p := strings.TrimPrefix(k, "p:")
		if k == "pilot" {
			p = v
		}
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// Answers returns the citizen's stored answers in every pilot, oldest first.
func (s *Store) Answers(ctx context.Context, user string) ([]bot.Record, error) {
	ptr, err := s.rdb.HGetAll(ctx, s.pointerKey(user)).Result()
	if err != nil {
		return nil, fmt.Errorf("read answers: %w", err)
	}
	var lists [][]bot.Record
	for _, p := range pilotsOf(ptr) {
		ids, err := s.rdb.SMembers(ctx, s.indexKey(p, user)).Result()
		if err != nil {
			return nil, fmt.Errorf("read answers: %w", err)
		}
		cmds := make([]*redis.XMessageSliceCmd, len(ids))
		_, err = s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = pl.XRange(ctx, s.streamKey(p), id, id)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read answers: %w", err)
		}
		var list []bot.Record
		for _, c := range cmds {
			for _, m := range c.Val() {
				if r, ok := decodeRecord(p, m); ok {
					list = append(list, r)
				}
			}
		}
		slices.SortFunc(list, func(a, b bot.Record) int { return compareIDs(a.ID, b.ID) })
		lists = append(lists, list)
	}
	return mergeAnswers(lists), nil
}

// mergeAnswers merges the pilots' answers, each list in stream order, into
// one. Ids of different streams only compare by their millisecond: answers
// given in two pilots within one millisecond are ordered by their time.
func mergeAnswers(lists [][]bot.Record) []bot.Record {
	var out []bot.Record
	for {
		best := -1
		for i, l := range lists {
			if len(l) > 0 && (best < 0 || earlier(l[0], lists[best][0])) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, lists[best][0])
		lists[best] = lists[best][1:]
	}
}

func earlier(a, b bot.Record) bool {
	am, _, _ := strings.Cut(a.ID, "-")
	bm, _, _ := strings.Cut(b.ID, "-")
	x, _ := strconv.ParseInt(am, 10, 64)
	y, _ := strconv.ParseInt(bm, 10, 64)
	if x != y {
		return x < y
	}
	if a.At != b.At {
		return a.At < b.At
	}
	return compareIDs(a.ID, b.ID) < 0
}

func decodeRecord(pilot string, m redis.XMessage) (bot.Record, bool) {
	var r bot.Record
	j, _ := m.Values["j"].(string)
	if err := json.Unmarshal([]byte(j), &r); err != nil {
		return r, false
	}
	r.ID, r.Pilot = m.ID, pilot
	return r, true
}

// compareIDs orders stream ids "ms-seq" numerically.
func compareIDs(a, b string) int {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	x, _ := strconv.ParseInt(am, 10, 64)
	y, _ := strconv.ParseInt(bm, 10, 64)
	if x != y {
		if x < y {
			return -1
		}
		return 1
	}
	u, _ := strconv.ParseInt(as, 10, 64)
	v, _ := strconv.ParseInt(bs, 10, 64)
	switch {
	case u < v:
		return -1
	case u > v:
		return 1
	}
	return 0
}

// claimScript leases due prompts: ZPOPMIN would also take future ones, so
// read by score and push each claimed entry's score to the lease end.
// KEYS: due, prompts. ARGV: now ms, lease end ms, max.
var claimScript = redis.NewScript(`
local ms = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[3])
local out = {}
for _, m in ipairs(ms) do
  redis.call('ZADD', KEYS[1], ARGV[2], m)
  out[#out + 1] = m
  out[#out + 1] = redis.call('HGET', KEYS[2], m) or ''
end
return out
`)

// ClaimDue leases up to max due prompts of a pilot.
func (s *Store) ClaimDue(ctx context.Context, pilot string, now time.Time, lease time.Duration, max int) ([]bot.Due, error) {
	res, err := claimScript.Run(ctx, s.rdb, []string{s.dueKey(pilot), s.promptKey(pilot)},
		now.UnixMilli(), now.Add(lease).UnixMilli(), max).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim due prompts: %w", err)
	}
	out := make([]bot.Due, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		user, kind, _ := strings.Cut(res[i], "|")
		parts := strings.Split(res[i+1], "|")
		d := bot.Due{User: user, Prompt: bot.Prompt{Kind: flow.PromptKind(kind)}}
		if len(parts) == 3 {
			d.Node = parts[0]
			d.Seq, _ = strconv.Atoi(parts[1])
			ms, _ := strconv.ParseInt(parts[2], 10, 64)
			d.Due = time.UnixMilli(ms)
		}
		out = append(out, d)
	}
	return out, nil
}

// releaseScript removes a prompt only if it is still the one claimed.
// KEYS: due, prompts. ARGV: member, payload.
var releaseScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur and cur ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`)

// Release drops a claimed prompt that turned out stale, unless it was
// rescheduled meanwhile.
func (s *Store) Release(ctx context.Context, pilot string, d bot.Due) error {
	payload := d.Node + "|" + strconv.Itoa(d.Seq) + "|" + strconv.FormatInt(d.Due.UnixMilli(), 10)
	err := releaseScript.Run(ctx, s.rdb, []string{s.dueKey(pilot), s.promptKey(pilot)}, d.User+"|"+string(d.Kind), payload).Err()
	if err != nil {
		return fmt.Errorf("release prompt: %w", err)
	}
	return nil
}

// Once reports true the first time key is seen within ttl.
func (s *Store) Once(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.ns+":once:"+key, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("once %s: %w", key, err)
	}
	return ok, nil
}
