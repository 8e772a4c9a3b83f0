// Package redisstore keeps cosiebot's state in Redis: sessions, answers,
// counters, scheduled prompts, the outbox, the durable inbox and locks. It
// works with a single server, Sentinel and Cluster (redis.UniversalClient),
// and with the embedded in-process server used when no REDIS_URL is set.
//
// Key schema. Keys that change together share a hash tag: {p:<pilot>} for a
// pilot's partition ({p:} for the lobby, where citizens in no pilot are
// answered), so every commit is one Lua script in one Cluster slot, and
// {in:<shard>} for the inbox. <user> is the citizen's pseudonym (an HMAC of
// the Telegram user id), <chat> the same HMAC of a chat id; never the ids.
//
//	<ns>:u:{<user>}                 hash: "pilot" -> current pilot; "p:<pilot>" -> 1 for
//	                                every pilot they have data in (for /forget and /mydata);
//	                                "t" -> when they last pointed at a pilot (unix ms)
//	<ns>:parts                      set of every partition that ever had data
//	<ns>:{p:<pilot>}:s:<user>       string "<rev>\n<session json>", expires after inactivity;
//	                                one per pilot the citizen talks to (the pointer says
//	                                which is current), so a dialogue left for another
//	                                pilot can be resumed and keeps its follow-up
//	<ns>:{p:<pilot>}:q:<chat>       string "<question>|<message id>": the chat's last
//	                                question message Telegram accepted (see bot.Asked),
//	                                written by Done while the session is there; 30 days
//	<ns>:{p:<pilot>}:h:<user>       hash of the citizen's answers: "n" -> last number,
//	                                "<n>" -> record json
//	<ns>:{p:<pilot>}:at             sorted set "<user>|<n>" by time (unix ms × 1000 + a
//	                                counter, so answers of one millisecond keep their order)
//	<ns>:{p:<pilot>}:aseq           that counter
//	<ns>:{p:<pilot>}:c:<yyyy-mm-dd> hash of counters for a day (pilot's time zone)
//	<ns>:{p:<pilot>}:c:all          hash of counters since the start
//	<ns>:{p:<pilot>}:due            sorted set: "<user>|<kind>" by due time (unix ms)
//	<ns>:{p:<pilot>}:pr             hash: "<user>|<kind>" -> "<node>|<seq>|<due ms>"
//	<ns>:{p:<pilot>}:once:<name>    marker of something done once (a digest slot, a notice)
//	<ns>:{p:<pilot>}:o:<chat>       list: the chat's messages waiting to be sent (outbox)
//	<ns>:{p:<pilot>}:or             sorted set: chat -> when its next message may go (ms)
//	<ns>:{p:<pilot>}:ol             sorted set: chat -> end of a courier's lease (ms)
//	<ns>:{p:<pilot>}:ot:<chat>      the chat's pacing state, expires by itself
//	<ns>:{p:<pilot>}:rm, :rc        recruitment chains: members and coupons, see chain.go
//
// Ideas (ideas.go), under the same tag: the commit script writes a
// citizen's idea, vote or support with their turn.
//
//	<ns>:{p:<pilot>}:i:<id>         hash of an idea: t text, l language, a author, s status,
//	                                c created ms, ap approved ms, r screening reasons, m voice
//	                                note json, n status note, tr:<lang> translations, ed 1 if
//	                                edited, ag dg ps vote tallies, sp supports
//	<ns>:{p:<pilot>}:is:<status>    sorted set of the ideas with a status, by creation (ms)
//	<ns>:{p:<pilot>}:ia             sorted set of the approved ideas, by approval (ms)
//	<ns>:{p:<pilot>}:iv:<lang>      sorted set of the approved ideas shown in a language
//	                                (written in it or translated), by votes: the next-idea pick
//	<ns>:{p:<pilot>}:ivo:<id>       hash: who voted on an idea -> a, d or p
//	<ns>:{p:<pilot>}:isp:<id>       set: who supports an idea
//	<ns>:{p:<pilot>}:ium:<user>     set: the citizen's ideas
//	<ns>:{p:<pilot>}:iuv:<user>     hash: the citizen's votes, idea -> a, d or p
//	<ns>:{p:<pilot>}:ius:<user>     set: the ideas the citizen supports
//	<ns>:{p:<pilot>}:iseen:<user>   set: the ideas shown to the citizen
//	<ns>:{p:<pilot>}:ihb            hash: who agreed to hear back -> "<chat>|<language>"
//	<ns>:{p:<pilot>}:inews          sorted set "<user>|<idea>" (status, on the board) or
//	                                "<user>|*<update>" by when to send (after quiet hours)
//	<ns>:{p:<pilot>}:inm:<id>       hash of a coordinator's update: t text, c ms; expires
//	<ns>:{p:<pilot>}:iver           the board's version: replicas rebuild their indexes on a change
//	<ns>:{p:<pilot>}:inote          when coordinators were last told about waiting ideas (ms)
//	<ns>:{p:<pilot>}:al...          safeguarding alert episodes, see alerts.go
//	<ns>:{in:<k>}:...               the inbox, see inbox.go
//	<ns>:pref:<key>, <ns>:lock:<name>, <ns>:run:<name>  settings, locks, run records
//
// Answers are kept in hashes and sorted sets, never in streams: a stream
// only marks a deleted entry, so its text would stay in memory and in
// snapshots after /forget.
//
// Erasure. Forget deletes everything that names or quotes a citizen but
// the outbox: the messages still to go to them (the last says their data
// is deleted) leave with Done. After the last one, the chat's pacing state
// names them until it expires, ChatBurst × ChatInterval later (3 s by
// default): it holds only a time, and it keeps the farewell within
// Telegram's per-chat limit. Purge does the same for retention (see
// there), PurgeDead for dead letters. TestErasure checks all of this on a
// real server: DUMP, the RDB snapshot and the rewritten AOF. Handling one update costs two round trips to read
// (pointer, session) and one to commit.
package redisstore

import (
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
	// retention is how long a citizen's pointer lives without activity;
	// answers are purged per pilot by Purge.
	retention time.Duration
	// keyOf names a chat in key names (a pseudonym, never the id).
	keyOf func(chat int64) string
}

var _ bot.Store = (*Store)(nil)

// Options tunes a Store.
type Options struct {
	Namespace string        // key prefix, default "cosie"
	Retention time.Duration // default 10 years; pilots purge their own answers sooner
	// ChatKey names a chat in the outbox and inbox keys; the service's
	// pseudonym function, so /forget finds the citizen's chat. Default: a
	// plain hash (tests).
	ChatKey func(chat int64) string
}

// New wraps a connected client.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Namespace == "" {
		opts.Namespace = "cosie"
	}
	if opts.Retention <= 0 {
		opts.Retention = 3650 * 24 * time.Hour
	}
	if opts.ChatKey == nil {
		opts.ChatKey = func(chat int64) string { return bot.ChatKey([]byte("cosiebot-default-chat-key"), chat) }
	}
	return &Store{rdb: rdb, ns: opts.Namespace, retention: opts.Retention, keyOf: opts.ChatKey}
}

// Client returns the underlying client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

func (s *Store) pointerKey(user string) string { return s.ns + ":u:{" + user + "}" }
func (s *Store) partsKey() string              { return s.ns + ":parts" }
func (s *Store) tag(pilot string) string       { return s.ns + ":{p:" + pilot + "}" }
func (s *Store) sessionKey(pilot, user string) string {
	return s.tag(pilot) + ":s:" + user
}
func (s *Store) answersKey(pilot, user string) string { return s.tag(pilot) + ":h:" + user }
func (s *Store) indexKey(pilot string) string         { return s.tag(pilot) + ":at" }
func (s *Store) dayKey(pilot, day string) string      { return s.tag(pilot) + ":c:" + day }
func (s *Store) allKey(pilot string) string           { return s.tag(pilot) + ":c:all" }
func (s *Store) dueKey(pilot string) string           { return s.tag(pilot) + ":due" }
func (s *Store) promptKey(pilot string) string        { return s.tag(pilot) + ":pr" }
func (s *Store) onceKey(pilot, name string) string    { return s.tag(pilot) + ":once:" + name }

// askedKey names a chat's last question message. For a private chat the
// chat key is the citizen's pseudonym, so the session's user finds it.
func (s *Store) askedKey(pilot, chat string) string { return s.tag(pilot) + ":q:" + chat }

// Load returns the citizen's session in their current pilot, or nil.
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
	return s.LoadPilot(ctx, user, pilot)
}

// LoadPilot returns the citizen's session in a pilot, current or not, or
// nil, with their last question message there (bot.Asked).
func (s *Store) LoadPilot(ctx context.Context, user, pilot string) (*bot.Session, error) {
	var raw, asked *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		raw = p.Get(ctx, s.sessionKey(pilot, user))
		asked = p.Get(ctx, s.askedKey(pilot, user))
		return nil
	})
	if errors.Is(raw.Err(), redis.Nil) {
		return nil, nil
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("load session: %w", err)
	}
	sess, err := decodeSession(raw.Val())
	if err != nil {
		return nil, err
	}
	sess.Asked = decodeAsked(asked.Val())
	return sess, nil
}

// decodeAsked reads "<question>|<message id>"; anything else is no record.
func decodeAsked(v string) bot.Asked {
	i := strings.LastIndexByte(v, '|')
	if i <= 0 {
		return bot.Asked{}
	}
	id, err := strconv.Atoi(v[i+1:])
	if err != nil || id <= 0 {
		return bot.Asked{}
	}
	return bot.Asked{Question: v[:i], Message: id}
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

// Commit applies one step: the pointer first (Point), then everything else
// in one script, then the erasure (Erase). A commit that cannot be encoded
// fails before anything is written, the pointer included.
func (s *Store) Commit(ctx context.Context, c *bot.Commit) error {
	keys, args, err := s.commitArgs(c)
	if err != nil {
		return err
	}
	if c.Point {
		if err := s.point(ctx, c.User, c.Pilot); err != nil {
			return err
		}
	}
	if err := s.apply(ctx, c, keys, args); err != nil {
		return err
	}
	switch c.Erase {
	case bot.ErasePilot:
		return s.Forget(ctx, c.User, c.Pilot)
	case bot.EraseAll:
		return s.Forget(ctx, c.User, "")
	}
	return nil
}

// point makes pilot the citizen's current pilot. Their session in the
// pilot they were in before stays, with its prompts: they can go back to
// it, and a follow-up promised there is still sent (the service decides
// when).
func (s *Store) point(ctx context.Context, user, pilot string) error {
	pk := s.pointerKey(user)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		// t says when the citizen last pointed: Purge leaves the pointer
		// of someone who pointed since its cutoff alone.
		p.HSet(ctx, pk, "pilot", pilot, "p:"+pilot, 1, "t", time.Now().UnixMilli())
		p.PExpire(ctx, pk, s.retention)
		p.SAdd(ctx, s.partsKey(), pilot)
		return nil
	})
	if err != nil {
		return fmt.Errorf("point at pilot: %w", err)
	}
	return nil
}

// maxCounter bounds every counter: an increment that would take a counter
// past it is refused before anything is written (HINCRBY would fail half
// way through the script otherwise, after the session was saved). The
// commit script checks stored counters against the same bound.
const maxCounter = 1 << 62

// apply runs the commit script; see commitScript for its arguments.
func (s *Store) apply(ctx context.Context, c *bot.Commit, keys []string, args []any) error {
	rev, err := commitScript.Run(ctx, s.rdb, keys, args...).Int64()
	if err != nil {
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "CONFLICT"):
			return bot.ErrConflict
		case strings.HasPrefix(msg, "DONE"):
			return bot.ErrDone
		}
		return fmt.Errorf("commit: %w", err)
	}
	if c.Session != nil {
		c.Session.Rev = rev
	}
	return nil
}

// commitArgs encodes a commit for the script. Everything that can fail in
// Go (encoding, bounds) fails here, before Redis is touched.
func (s *Store) commitArgs(c *bot.Commit) ([]string, []any, error) {
	pilot, user := c.Pilot, c.User
	day := c.Day
	if day == "" {
		day = time.Now().UTC().Format(time.DateOnly)
	}
	keys := []string{
		s.sessionKey(pilot, user), s.answersKey(pilot, user), s.indexKey(pilot),
		s.dayKey(pilot, day), s.allKey(pilot), s.dueKey(pilot), s.promptKey(pilot),
		s.dayKey(pilot, cmpOr(c.CohortDay, day)), s.onceKey(pilot, c.Once), s.outReadyKey(pilot), s.outLeaseKey(pilot), s.outCountKey(pilot),
		s.tag(pilot) + ":aseq",
	}
	args, err := s.headArgs(c)
	if err != nil {
		return nil, nil, err
	}
	groups, err := groupArgs(c)
	if err != nil {
		return nil, nil, err
	}
	outKeys, outs, err := s.outArgs(c)
	if err != nil {
		return nil, nil, err
	}
	chain, err := chainArgs(c)
	if err != nil {
		return nil, nil, err
	}
	ideaArgs, err := s.ideaArgs(c)
	if err != nil {
		return nil, nil, err
	}
	keys = append(append(keys, outKeys...), s.membersKey(pilot), s.couponsKey(pilot))
	args = append(append(append(append(args, groups...), outs...), chain...), ideaArgs...)
	return keys, args, nil
}

// headArgs encodes the commit script's first ten arguments: the session
// write and the settings of the whole commit.
func (s *Store) headArgs(c *bot.Commit) ([]any, error) {
	mode, want, body := "-", int64(-1), ""
	switch {
	case c.Drop:
		mode = "d"
	case c.Session != nil:
		mode, want = "w", c.Session.Rev
		b, err := json.Marshal(c.Session)
		if err != nil {
			return nil, fmt.Errorf("encode session: %w", err)
		}
		body = string(b)
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = bot.DefaultSessionTTL
	}
	keep := c.Keep
	if keep <= 0 {
		keep = s.retention
	}
	release := make([]string, len(c.Release))
	for i, k := range c.Release {
		release[i] = string(k)
	}
	onceTTL := int64(0)
	if c.Once != "" {
		onceTTL = max(c.OnceTTL, time.Second).Milliseconds()
	}
	return []any{want, body, mode, ttl.Milliseconds(), c.User, boolArg(c.Cancel), strings.Join(release, ","),
		keep.Milliseconds(), onceTTL, time.Now().UnixMilli()}, nil
}

// groupArgs encodes the counted groups of prompts, counters, cohort
// counters and answers.
func groupArgs(c *bot.Commit) ([]any, error) {
	args := make([]any, 0, 4+3*len(c.Prompts)+2*(len(c.Counts)+len(c.Cohort)+len(c.Answers)))
	args = append(args, len(c.Prompts))
	for _, p := range c.Prompts {
		due := p.Due.UnixMilli()
		args = append(args, string(p.Kind), p.Node+"|"+strconv.Itoa(p.Seq)+"|"+strconv.FormatInt(due, 10), due)
	}
	for _, m := range []map[string]int64{c.Counts, c.Cohort} {
		args = append(args, len(m))
		for _, f := range sortedKeys(m) {
			if v := m[f]; v > maxCounter || v < -maxCounter {
				return nil, fmt.Errorf("counter %s: increment %d out of bounds", f, v)
			}
			args = append(args, f, m[f])
		}
	}
	args = append(args, len(c.Answers))
	for _, a := range c.Answers {
		b, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode answer: %w", err)
		}
		args = append(args, string(b), a.At)
	}
	return args, nil
}

// outArgs encodes the commit's messages: a list key each, and their
// counted group (chat, json, lane), all queued now.
func (s *Store) outArgs(c *bot.Commit) ([]string, []any, error) {
	keys := make([]string, 0, len(c.Out))
	args := make([]any, 0, 1+3*len(c.Out))
	args = append(args, len(c.Out))
	queued := time.Now().UnixMilli()
	for _, o := range c.Out {
		o.Queued = queued
		b, err := json.Marshal(o)
		if err != nil {
			return nil, nil, fmt.Errorf("encode message: %w", err)
		}
		chat := s.keyOf(o.Chat)
		keys = append(keys, s.outKey(c.Pilot, chat))
		args = append(args, chat, string(b), int(o.Lane))
	}
	return keys, args, nil
}

// commitScript applies a commit atomically. It first checks everything
// that could make it fail (the session's revision, the once marker,
// counters, the answers' numbering), then writes: a failed commit writes
// nothing.
//
// Lua numbers are doubles, and a number handed to redis.call is printed
// with 17 digits (-1e18 becomes "-1e+18", which HINCRBY refuses half way
// through the writes). So increments, scores and times go to Redis as the
// strings Go made, and counters are checked with exact integer arithmetic
// on two base-1e9 halves.
//
// KEYS: session, answers, answer index, day counters, all counters, due,
// prompts, cohort day counters, once marker, outbox ready, outbox lease,
// outbox counts by lane, answer sequence, then one outbox list per message,
// then the chain members and coupons (the last two). ARGV: expected rev, session json, mode
// (w write, d drop, - leave), session ttl ms, user, cancel (1/0), release
// kinds (comma separated), keep ms, once ttl ms (0: none), now ms; then
// counted groups: prompts (kind, payload, due ms), counters (field,
// incr), cohort counters (field, incr), answers (json, at ms), messages
// (chat, json, lane), chain writes (see chainLua); last the pilot's key
// prefix and the idea operations (see ideasLua).
var commitScript = redis.NewScript(chainLua + ideasLua + `
-- Only the revision, which leads the session: the rest would be copied
-- into Lua for nothing.
local cur = redis.call('GETRANGE', KEYS[1], 0, 20)
local rev = tonumber(string.match(cur, '^(%d+)\n') or '0') or 0
local mode = ARGV[3]
if mode == 'w' and tonumber(ARGV[1]) ~= rev then return redis.error_reply('CONFLICT session changed') end
if ARGV[9] ~= '0' and redis.call('EXISTS', KEYS[9]) == 1 then return redis.error_reply('DONE once') end
local function num(i)
  local v = tonumber(ARGV[i])
  if not v then error('bad number in argument ' .. i) end
  return v
end
-- big reads an integer as Redis does (no sign +, no leading zeros) into
-- {high, low} with value = high * 1e9 + low and 0 <= low < 1e9; nil if it
-- is not one, or not within the bound (2^62) every counter keeps to.
local B = 1000000000
local function norm(h, l)
  local c = math.floor(l / B)
  return {h + c, l - c * B}
end
local function over(p)
  local h, l = p[1], p[2]
  if h < 0 then
    if l > 0 then h, l = -h - 1, B - l else h = -h end
  end
  return h > 4611686018 or (h == 4611686018 and l > 427387904)
end
local function big(s)
  if s == nil or s == false then return {0, 0} end
  local sign, d = string.match(s, '^(%-?)([1-9]%d*)$')
  if s == '0' then return {0, 0} end
  if not d or #d > 19 then return nil end
  local h, l = tonumber(string.sub(d, 1, -10)) or 0, tonumber(string.sub(d, -9))
  if sign == '-' then h, l = -h, -l end
  local p = norm(h, l)
  if over(p) then return nil end
  return p
end
-- Read the groups and check them.
local i = 11
local prompts, counts, cohort, answers, outs = {}, {}, {}, {}, {}
local n = num(i); i = i + 1
for _ = 1, n do prompts[#prompts + 1] = {ARGV[i], ARGV[i+1], ARGV[i+2]}; i = i + 3 end
-- sums holds each counter (key|field) as it will be after the commit;
-- each hash is read once per group, all its fields at a time.
local sums = {}
local function counters(into, keys)
  local m = num(i); i = i + 1
  if m == 0 then return end
  local fs, bys = {}, {}
  for j = 1, m do
    local f, by = ARGV[i], big(ARGV[i+1])
    if not by then return redis.error_reply('OVERFLOW increment of ' .. f .. ' out of bounds') end
    fs[j], bys[j] = f, by
    into[#into + 1] = {f, ARGV[i+1]}
    i = i + 2
  end
  for _, k in ipairs(keys) do
    local cur = redis.call('HMGET', k, unpack(fs))
    for j, f in ipairs(fs) do
      local id = k .. '|' .. f
      local c = sums[id]
      if not c then
        c = big(cur[j])
        if not c then return redis.error_reply('BADCOUNTER ' .. f .. ' is not an integer within bounds') end
      end
      c = norm(c[1] + bys[j][1], c[2] + bys[j][2])
      if over(c) then return redis.error_reply('OVERFLOW counter ' .. f) end
      sums[id] = c
    end
  end
end
local e = counters(counts, {KEYS[4], KEYS[5]})
if e then return e end
e = counters(cohort, {KEYS[8]})
if e then return e end
n = num(i); i = i + 1
for _ = 1, n do answers[#answers + 1] = {ARGV[i], num(i+1)}; i = i + 2 end
n = num(i); i = i + 1
for j = 1, n do outs[#outs + 1] = {KEYS[13 + j], ARGV[i], ARGV[i+1], ARGV[i+2]}; i = i + 3 end
if #answers > 0 then
  local last = big(redis.call('HGET', KEYS[2], 'n'))
  if not last or last[1] ~= 0 or last[2] < 0 then return redis.error_reply('BADANSWERS answer numbering is corrupt') end
  for j = 1, #answers do
    if redis.call('HEXISTS', KEYS[2], last[2] + j) == 1 then return redis.error_reply('BADANSWERS answer numbering is behind the answers') end
  end
  if not big(redis.call('GET', KEYS[13])) then return redis.error_reply('BADANSWERS answer sequence is corrupt') end
end
local chain
chain, i = readChain(i, #KEYS - 1, #KEYS)
if not chain then return redis.error_reply('CONFLICT chains changed') end
local iprefix = ARGV[i]
local iops, ierr = I.check(iprefix, ARGV[i+1])
if ierr then return redis.error_reply(ierr) end

-- Write.
if ARGV[9] ~= '0' then redis.call('SET', KEYS[9], '1', 'PX', ARGV[9]) end
local newrev = rev
if mode == 'w' then
  newrev = rev + 1
  redis.call('SET', KEYS[1], newrev .. '\n' .. ARGV[2], 'PX', ARGV[4])
elseif mode == 'd' then
  redis.call('DEL', KEYS[1])
end
local user = ARGV[5]
local function drop(kind)
  local m = user .. '|' .. kind
  redis.call('ZREM', KEYS[6], m)
  redis.call('HDEL', KEYS[7], m)
end
if ARGV[6] == '1' then drop('followup'); drop('reminder') end
for kind in string.gmatch(ARGV[7], '[^,]+') do drop(kind) end
for _, p in ipairs(prompts) do
  local m = user .. '|' .. p[1]
  redis.call('ZADD', KEYS[6], p[3], m)
  redis.call('HSET', KEYS[7], m, p[2])
end
for _, c in ipairs(counts) do
  redis.call('HINCRBY', KEYS[4], c[1], c[2])
  redis.call('HINCRBY', KEYS[5], c[1], c[2])
end
if #counts > 0 then redis.call('PEXPIRE', KEYS[4], ARGV[8]) end
for _, c in ipairs(cohort) do redis.call('HINCRBY', KEYS[8], c[1], c[2]) end
for _, a in ipairs(answers) do
  local seq = redis.call('HINCRBY', KEYS[2], 'n', 1)
  redis.call('HSET', KEYS[2], seq, a[1])
  -- Answers given in the same millisecond keep their order.
  local tie = redis.call('INCR', KEYS[13]) % 1000
  redis.call('ZADD', KEYS[3], a[2] * 1000 + tie, user .. '|' .. seq)
end
if #answers > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[8]) end
-- A chat's messages go to its list in one push, its outbox is made due
-- once, and each lane is counted once.
local lanes, counted, due = {}, {}, {}
local j = 1
while j <= #outs do
  local o, vals = outs[j], {}
  while j <= #outs and outs[j][1] == o[1] do
    local lane = outs[j][4]
    if not counted[lane] then counted[lane] = 0; lanes[#lanes + 1] = lane end
    counted[lane] = counted[lane] + 1
    vals[#vals + 1] = outs[j][3]
    j = j + 1
  end
  redis.call('RPUSH', o[1], unpack(vals))
  if not due[o[2]] and not redis.call('ZSCORE', KEYS[11], o[2]) then
    redis.call('ZADD', KEYS[10], 'NX', ARGV[10], o[2])
  end
  due[o[2]] = true
end
for _, lane in ipairs(lanes) do redis.call('HINCRBY', KEYS[12], lane, counted[lane]) end
writeChain(chain, ARGV[8])
I.apply(iprefix, user, iops, num(10))
return newrev
`)

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// forgetScript deletes everything of one citizen in one pilot: session,
// answers (from the hash and the pilot's time index), prompts and their
// last question message. KEYS: session, answers, answer index, due,
// prompts, asked. ARGV: user.
var forgetScript = redis.NewScript(`
local last = tonumber(redis.call('HGET', KEYS[2], 'n') or '0') or 0
local members = {}
for seq = 1, last do
  members[#members + 1] = ARGV[1] .. '|' .. seq
  if #members == 500 then redis.call('ZREM', KEYS[3], unpack(members)); members = {} end
end
if #members > 0 then redis.call('ZREM', KEYS[3], unpack(members)) end
local n = redis.call('HLEN', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[6])
for _, kind in ipairs({'followup', 'reminder'}) do
  local m = ARGV[1] .. '|' .. kind
  redis.call('ZREM', KEYS[4], m)
  redis.call('HDEL', KEYS[5], m)
end
return n
`)

// Forget deletes the citizen's session, answers, prompts, safeguarding
// alert episodes and waiting updates in one pilot, or everywhere when
// pilot is "". When nothing of
// them is left in any pilot, the pointer goes too.
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
		if err := s.forgetIn(ctx, user, p); err != nil {
			return err
		}
	}
	if err := s.forgetInbox(ctx, user); err != nil {
		return err
	}
	var parts []string // every partition: an alert may concern a pilot not on the pointer
	if pilot != "" {
		parts = []string{pilot}
	}
	if err := s.forgetAlerts(ctx, user, parts); err != nil {
		return err
	}
	if pilot == "" {
		return s.rdb.Del(ctx, pk).Err()
	}
	delete(ptr, "p:"+pilot)
	if ptr["pilot"] == pilot {
		delete(ptr, "pilot")
	}
	if len(pilotsOf(ptr)) == 0 {
		return s.rdb.Del(ctx, pk).Err()
	}
	fields := []string{"p:" + pilot}
	if ptr["pilot"] == "" {
		fields = append(fields, "pilot")
	}
	return s.rdb.HDel(ctx, pk, fields...).Err()
}

func (s *Store) forgetIn(ctx context.Context, user, pilot string) error {
	keys := []string{s.sessionKey(pilot, user), s.answersKey(pilot, user), s.indexKey(pilot), s.dueKey(pilot), s.promptKey(pilot), s.askedKey(pilot, user)}
	if err := forgetScript.Run(ctx, s.rdb, keys, user).Err(); err != nil {
		return fmt.Errorf("forget in %s: %w", pilot, err)
	}
	if err := s.withdraw(ctx, user, pilot); err != nil {
		return err
	}
	return s.forgetIdeas(ctx, user, pilot)
}

func pilotsOf(ptr map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for k, v := range ptr {
		p, ok := strings.CutPrefix(k, "p:")
		if k == "pilot" {
			p, ok = v, true
		}
		if ok && p != "" && !seen[p] {
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
	var out []bot.Record
	for _, p := range pilotsOf(ptr) {
		all, err := s.rdb.HGetAll(ctx, s.answersKey(p, user)).Result()
		if err != nil {
			return nil, fmt.Errorf("read answers: %w", err)
		}
		for seq, j := range all {
			if seq == "n" {
				continue
			}
			if r, ok := decodeRecord(p, user+"|"+seq, j); ok {
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, compareRecords)
	return out, nil
}

// compareRecords orders answers by time, then by their number.
func compareRecords(a, b bot.Record) int {
	if a.At != b.At {
		if a.At < b.At {
			return -1
		}
		return 1
	}
	return compareIDs(a.ID, b.ID)
}

// compareIDs orders "<user>|<n>" ids by user, then numerically by n.
func compareIDs(a, b string) int {
	au, an, _ := strings.Cut(a, "|")
	bu, bn, _ := strings.Cut(b, "|")
	if c := strings.Compare(au, bu); c != 0 || a == b {
		return c
	}
	x, _ := strconv.ParseInt(an, 10, 64)
	y, _ := strconv.ParseInt(bn, 10, 64)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return strings.Compare(an, bn)
}

func decodeRecord(pilot, id, j string) (bot.Record, bool) {
	var r bot.Record
	if err := json.Unmarshal([]byte(j), &r); err != nil {
		return r, false
	}
	r.ID, r.Pilot = id, pilot
	return r, true
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

// DuePrompts counts a pilot's prompts due at now and not yet claimed.
func (s *Store) DuePrompts(ctx context.Context, pilot string, now time.Time) (int64, error) {
	n, err := s.rdb.ZCount(ctx, s.dueKey(pilot), "-inf", strconv.FormatInt(now.UnixMilli(), 10)).Result()
	if err != nil {
		return 0, fmt.Errorf("count due prompts: %w", err)
	}
	return n, nil
}

// Partitions lists every partition that ever had data: the pilots in the
// flow files and those removed from them, and the lobby.
func (s *Store) Partitions(ctx context.Context) ([]string, error) {
	parts, err := s.rdb.SMembers(ctx, s.partsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	if !slices.Contains(parts, bot.Lobby) {
		parts = append(parts, bot.Lobby)
	}
	slices.Sort(parts)
	return parts, nil
}

// NextDue is when the earliest of a pilot's prompts is due (or its claim
// runs out), for clocks that move on their own in chats and tests.
func (s *Store) NextDue(ctx context.Context, pilot string) (time.Time, bool, error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, s.dueKey(pilot), 0, 0).Result()
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due prompt: %w", err)
	}
	if len(zs) == 0 {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(int64(zs[0].Score)), true, nil
}
