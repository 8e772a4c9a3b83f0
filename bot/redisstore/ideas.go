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
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/ideas"
	"github.com/redis/go-redis/v9"
)

// Ideas live under the pilot's hash tag, beside its answers, so that a
// citizen's idea, vote or support is written by their turn's commit script
// (see ideasLua), and /forget reaches all of it in one script. The keys are
// listed in the package doc (store.go).

var _ bot.IdeaStore = (*Store)(nil)

func (s *Store) ideaPrefix(pilot string) string  { return s.tag(pilot) + ":" }
func (s *Store) ideaKey(pilot, id string) string { return s.tag(pilot) + ":i:" + id }
func (s *Store) ideaStatusKey(pilot string, st bot.IdeaStatus) string {
	return s.tag(pilot) + ":is:" + string(st)
}
func (s *Store) ideaLangKey(pilot, lang string) string { return s.tag(pilot) + ":iv:" + lang }
func (s *Store) ideaBoardKey(pilot string) string      { return s.tag(pilot) + ":ia" }
func (s *Store) ideaVotesKey(pilot, id string) string  { return s.tag(pilot) + ":ivo:" + id }
func (s *Store) ideaSeenKey(pilot, user string) string { return s.tag(pilot) + ":iseen:" + user }
func (s *Store) ideaMineKey(pilot, user string) string { return s.tag(pilot) + ":ium:" + user }
func (s *Store) ideaUserVotesKey(pilot, user string) string {
	return s.tag(pilot) + ":iuv:" + user
}
func (s *Store) ideaUserSupportsKey(pilot, user string) string {
	return s.tag(pilot) + ":ius:" + user
}
func (s *Store) ideaSupportersKey(pilot, id string) string { return s.tag(pilot) + ":isp:" + id }
func (s *Store) hearBackKey(pilot string) string           { return s.tag(pilot) + ":ihb" }
func (s *Store) newsKey(pilot string) string               { return s.tag(pilot) + ":inews" }
func (s *Store) newsTextKey(pilot, id string) string       { return s.tag(pilot) + ":inm:" + id }
func (s *Store) ideaVersionKey(pilot string) string        { return s.tag(pilot) + ":iver" }
func (s *Store) noticeKey(pilot string) string             { return s.tag(pilot) + ":inote" }

// ideaArgs encodes a commit's idea operations for the commit script: the
// pilot's key prefix and the operations as one JSON array ("" for none).
func (s *Store) ideaArgs(c *bot.Commit) ([]any, error) {
	if len(c.Ideas) == 0 {
		return []any{s.ideaPrefix(c.Pilot), ""}, nil
	}
	if c.Pilot == bot.Lobby {
		return nil, errors.New("ideas belong to a pilot, not the lobby")
	}
	for _, op := range c.Ideas {
		if err := op.Check(); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(c.Ideas)
	if err != nil {
		return nil, fmt.Errorf("encode idea operations: %w", err)
	}
	return []any{s.ideaPrefix(c.Pilot), string(b)}, nil
}

// ideasLua is the part of the commit script that applies idea operations
// (see commitScript, which runs I.check before its first write and I.apply
// after its others). Keys are named from the pilot's prefix P: every one is
// in the commit's slot. An operation whose idea is gone or not in the right
// status (rejected meanwhile, forgotten by its author) does nothing: the
// citizen's turn is never lost for it.
const ideasLua = `
local I = {}
I.board = {received = true, considering = true, accepted = true, done = true, impossible = true}
I.status = {pending = true, held = true, rejected = true, received = true, considering = true, accepted = true, done = true, impossible = true}
I.tally = {a = 'ag', d = 'dg', p = 'ps'}

-- check decodes and checks the operations; it writes nothing.
function I.check(P, raw)
  if raw == nil or raw == '' then return {} end
  local ok, ops = pcall(cjson.decode, raw)
  if not ok or type(ops) ~= 'table' then return nil, 'BADIDEA the idea operations cannot be read' end
  for _, op in ipairs(ops) do
    if type(op) ~= 'table' or type(I['op_' .. tostring(op.op)]) ~= 'function' then
      return nil, 'BADIDEA unknown idea operation'
    end
    if op.id ~= nil and (type(op.id) ~= 'string' or not string.match(op.id, '^[a-z0-9]+$')) then
      return nil, 'BADIDEA bad idea id'
    end
    if op.op == 'vote' and not I.tally[op.v] then return nil, 'BADIDEA bad vote' end
    if (op.op == 'propose' or op.op == 'status') and not I.status[op.s] then return nil, 'BADIDEA bad status' end
    if op.op == 'propose' and redis.call('EXISTS', P .. 'i:' .. op.id) == 1 then return nil, 'IDEAEXISTS ' .. op.id end
  end
  return ops
end

function I.apply(P, user, ops, now)
  for _, op in ipairs(ops) do I['op_' .. op.op](P, user, op, now) end
end

-- langs lists the languages idea id is shown in (its own, its
-- translations), and its status and vote total.
function I.info(P, id)
  local h = redis.call('HGETALL', P .. 'i:' .. id)
  local langs, f = {}, {}
  for k = 1, #h, 2 do
    f[h[k]] = h[k + 1]
    if string.sub(h[k], 1, 3) == 'tr:' then langs[#langs + 1] = string.sub(h[k], 4) end
  end
  if f.l then table.insert(langs, 1, f.l) end
  local votes = (tonumber(f.ag) or 0) + (tonumber(f.dg) or 0) + (tonumber(f.ps) or 0)
  return f, langs, votes
end

function I.move(P, id, from, to, score)
  if from then redis.call('ZREM', P .. 'is:' .. from, id) end
  redis.call('ZADD', P .. 'is:' .. to, score, id)
  redis.call('HSET', P .. 'i:' .. id, 's', to)
end

function I.op_propose(P, user, op)
  local k = P .. 'i:' .. op.id
  redis.call('HSET', k, 't', op.t or '', 'l', op.l or '', 'a', user, 's', op.s, 'c', op.at or 0,
    'ag', 0, 'dg', 0, 'ps', 0, 'sp', 0)
  if op.r then redis.call('HSET', k, 'r', op.r) end
  if type(op.m) == 'table' then redis.call('HSET', k, 'm', cjson.encode(op.m)) end
  redis.call('ZADD', P .. 'is:' .. op.s, op.at or 0, op.id)
  redis.call('SADD', P .. 'ium:' .. user, op.id)
end

function I.op_support(P, user, op)
  local k = P .. 'i:' .. op.id
  if not I.board[redis.call('HGET', k, 's') or ''] then return end
  if redis.call('SADD', P .. 'isp:' .. op.id, user) == 1 then
    redis.call('HINCRBY', k, 'sp', 1)
    redis.call('SADD', P .. 'ius:' .. user, op.id)
  end
  -- Supported is seen: it is not offered again to weigh.
  redis.call('SADD', P .. 'iseen:' .. user, op.id)
end

function I.op_vote(P, user, op)
  local f, langs = I.info(P, op.id)
  if not I.board[f.s or ''] then return end
  local k = P .. 'i:' .. op.id
  local prev = redis.call('HGET', P .. 'ivo:' .. op.id, user)
  if prev == op.v then return end
  if prev then
    redis.call('HINCRBY', k, I.tally[prev], -1)
  else
    for _, l in ipairs(langs) do redis.call('ZINCRBY', P .. 'iv:' .. l, 1, op.id) end
  end
  redis.call('HINCRBY', k, I.tally[op.v], 1)
  redis.call('HSET', P .. 'ivo:' .. op.id, user, op.v)
  redis.call('HSET', P .. 'iuv:' .. user, op.id, op.v)
  redis.call('SADD', P .. 'iseen:' .. user, op.id)
end

function I.op_seen(P, user, op)
  redis.call('SADD', P .. 'iseen:' .. user, op.id)
end

function I.op_hear(P, user, op)
  if op.y then
    redis.call('HSET', P .. 'ihb', user, (op.c or '') .. '|' .. (op.l or ''))
  else
    redis.call('HDEL', P .. 'ihb', user)
  end
end

function I.op_approve(P, user, op, now)
  local f, langs, votes = I.info(P, op.id)
  if f.s ~= 'pending' and f.s ~= 'held' then return end
  local k = P .. 'i:' .. op.id
  if op.t and op.t ~= '' then redis.call('HSET', k, 't', op.t, 'ed', 1) end
  if redis.call('HGET', k, 't') == '' then return end
  I.move(P, op.id, f.s, 'received', tonumber(f.c) or now)
  redis.call('HSET', k, 'ap', now)
  redis.call('HDEL', k, 'r', 'm')
  redis.call('ZADD', P .. 'ia', now, op.id)
  for _, l in ipairs(langs) do redis.call('ZADD', P .. 'iv:' .. l, votes, op.id) end
  redis.call('INCR', P .. 'iver')
  if f.a and f.a ~= '' then redis.call('ZADD', P .. 'inews', op.due or now, f.a .. '|' .. op.id) end
end

function I.op_reject(P, user, op)
  local f, langs = I.info(P, op.id)
  if not f.s or f.s == 'rejected' then return end
  I.move(P, op.id, f.s, 'rejected', tonumber(f.c) or 0)
  if I.board[f.s] then
    redis.call('ZREM', P .. 'ia', op.id)
    for _, l in ipairs(langs) do redis.call('ZREM', P .. 'iv:' .. l, op.id) end
    redis.call('INCR', P .. 'iver')
  end
end

function I.op_status(P, user, op, now)
  local f = I.info(P, op.id)
  if not I.board[f.s or ''] or not I.board[op.s] then return end
  I.move(P, op.id, f.s, op.s, tonumber(f.c) or 0)
  local k = P .. 'i:' .. op.id
  if op.n and op.n ~= '' then redis.call('HSET', k, 'n', op.n) else redis.call('HDEL', k, 'n') end
  local who = redis.call('SMEMBERS', P .. 'isp:' .. op.id)
  if f.a and f.a ~= '' then who[#who + 1] = f.a end
  for _, u in ipairs(who) do
    if redis.call('HEXISTS', P .. 'ihb', u) == 1 then
      redis.call('ZADD', P .. 'inews', op.due or now, u .. '|' .. op.id)
    end
  end
end

function I.op_translate(P, user, op)
  local k = P .. 'i:' .. op.id
  local f, _, votes = I.info(P, op.id)
  if not f.s or not op.l or op.l == '' then return end
  redis.call('HSET', k, 'tr:' .. op.l, op.t or '')
  if I.board[f.s] then
    redis.call('ZADD', P .. 'iv:' .. op.l, votes, op.id)
    redis.call('INCR', P .. 'iver')
  end
end

function I.op_news(P, user, op, now)
  local k = P .. 'inm:' .. op.id
  redis.call('HSET', k, 't', op.t or '', 'c', now)
  redis.call('PEXPIRE', k, 90 * 86400000)
  for _, u in ipairs(redis.call('HKEYS', P .. 'ihb')) do
    redis.call('ZADD', P .. 'inews', op.due or now, u .. '|*' .. op.id)
  end
end

function I.op_newsdone(P, user, op)
  if op.mb then redis.call('ZREM', P .. 'inews', op.mb) end
end

function I.op_noticed(P, user, op, now)
  redis.call('SET', P .. 'inote', op.at or now)
end
`

// Idea returns one idea, or nil when there is none.
func (s *Store) Idea(ctx context.Context, pilot, id string) (*bot.Idea, error) {
	if !bot.ValidIdeaID(id) {
		return nil, nil
	}
	h, err := s.rdb.HGetAll(ctx, s.ideaKey(pilot, id)).Result()
	if err != nil {
		return nil, fmt.Errorf("read idea: %w", err)
	}
	if len(h) == 0 {
		return nil, nil
	}
	i := decodeIdea(pilot, id, h)
	return &i, nil
}

func decodeIdea(pilot, id string, h map[string]string) bot.Idea {
	i := bot.Idea{ID: id, Pilot: pilot, Text: h["t"], Lang: h["l"], Author: h["a"], Status: bot.IdeaStatus(h["s"]),
		Reasons: h["r"], Note: h["n"], Edited: h["ed"] == "1"}
	ms := func(f string) time.Time {
		if n := parseMs(h[f]); n > 0 {
			return time.UnixMilli(n)
		}
		return time.Time{}
	}
	i.Created, i.Approved = ms("c"), ms("ap")
	num := func(f string) int { n, _ := strconv.Atoi(h[f]); return n }
	i.Votes = ideas.Votes{Agree: num("ag"), Disagree: num("dg"), Pass: num("ps")}
	i.Supports = num("sp")
	if m := h["m"]; m != "" {
		var media flow.Media
		if json.Unmarshal([]byte(m), &media) == nil {
			i.Media = &media
		}
	}
	for f, v := range h {
		if l, ok := strings.CutPrefix(f, "tr:"); ok {
			if i.Translations == nil {
				i.Translations = map[string]string{}
			}
			i.Translations[l] = v
		}
	}
	return i
}

// readIdeas reads the hashes of ideas in one round trip; ideas gone
// meanwhile are left out.
func (s *Store) readIdeas(ctx context.Context, pilot string, ids []string) ([]bot.Idea, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.ideaKey(pilot, id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read ideas: %w", err)
	}
	out := make([]bot.Idea, 0, len(ids))
	for i, c := range cmds {
		if h := c.Val(); len(h) > 0 {
			out = append(out, decodeIdea(pilot, ids[i], h))
		}
	}
	return out, nil
}

// IdeasWith lists ideas with a status, oldest first.
func (s *Store) IdeasWith(ctx context.Context, pilot string, status bot.IdeaStatus, offset, max int) ([]bot.Idea, int64, error) {
	key := s.ideaStatusKey(pilot, status)
	var ids *redis.StringSliceCmd
	var total *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		ids = p.ZRange(ctx, key, int64(offset), int64(offset+max-1))
		total = p.ZCard(ctx, key)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list ideas: %w", err)
	}
	list, err := s.readIdeas(ctx, pilot, ids.Val())
	return list, total.Val(), err
}

// IdeaCounts counts a pilot's ideas by status.
func (s *Store) IdeaCounts(ctx context.Context, pilot string) (map[bot.IdeaStatus]int64, error) {
	cmds := make([]*redis.IntCmd, len(bot.IdeaStatuses))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, st := range bot.IdeaStatuses {
			cmds[i] = p.ZCard(ctx, s.ideaStatusKey(pilot, st))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count ideas: %w", err)
	}
	out := map[bot.IdeaStatus]int64{}
	for i, st := range bot.IdeaStatuses {
		if n := cmds[i].Val(); n > 0 {
			out[st] = n
		}
	}
	return out, nil
}

// BoardIdeas returns every approved idea of a pilot, in the order they
// were approved.
func (s *Store) BoardIdeas(ctx context.Context, pilot string) ([]bot.Idea, error) {
	ids, err := s.rdb.ZRange(ctx, s.ideaBoardKey(pilot), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read the board: %w", err)
	}
	var out []bot.Idea
	for start := 0; start < len(ids); start += 1000 {
		page, err := s.readIdeas(ctx, pilot, ids[start:min(start+1000, len(ids))])
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
	}
	return out, nil
}

// IdeasVersion reads the board's version counter.
func (s *Store) IdeasVersion(ctx context.Context, pilot string) (int64, error) {
	v, err := s.rdb.Get(ctx, s.ideaVersionKey(pilot)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the ideas version: %w", err)
	}
	return v, nil
}

// candidateScript reads one page of the ideas in a language by vote count,
// with when each was approved and whether the citizen saw or wrote it.
// KEYS: ideas by votes (iv:<lang>), board, seen, own. ARGV: first rank, last
// rank. Returns id, votes, approved ms, seen, own for each.
var candidateScript = redis.NewScript(`
local page = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
if #page == 0 then return {} end
local ids = {}
for k = 1, #page, 2 do ids[#ids + 1] = page[k] end
local approved = redis.call('ZMSCORE', KEYS[2], unpack(ids))
local seen = redis.call('SMISMEMBER', KEYS[3], unpack(ids))
local own = redis.call('SMISMEMBER', KEYS[4], unpack(ids))
local out = {}
for j, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = page[2 * j]
  out[#out + 1] = approved[j] or '0'
  out[#out + 1] = seen[j]
  out[#out + 1] = own[j]
end
return out
`)

// candidatePage is how many candidates one read takes: the first page
// usually holds the pick (see ideas.Picker).
const candidatePage = 200

// EachCandidate yields the approved ideas in lang, fewest votes first,
// reading them a page at a time until yield says stop.
func (s *Store) EachCandidate(ctx context.Context, pilot, user, lang string, yield func(ideas.Candidate) bool) error {
	keys := []string{s.ideaLangKey(pilot, lang), s.ideaBoardKey(pilot), s.ideaSeenKey(pilot, user), s.ideaMineKey(pilot, user)}
	for start := 0; ; start += candidatePage {
		res, err := candidateScript.Run(ctx, s.rdb, keys, start, start+candidatePage-1).Slice()
		if err != nil {
			return fmt.Errorf("read ideas to weigh: %w", err)
		}
		for k := 0; k+4 < len(res); k += 5 {
			id, _ := res[k].(string)
			votes, _ := strconv.ParseFloat(fmt.Sprint(res[k+1]), 64)
			approved, _ := strconv.ParseFloat(fmt.Sprint(res[k+2]), 64)
			c := ideas.Candidate{ID: id, Votes: int(votes), Created: time.UnixMilli(int64(approved)),
				Seen: fmt.Sprint(res[k+3]) == "1", Own: fmt.Sprint(res[k+4]) == "1", Available: true}
			if !yield(c) {
				return nil
			}
		}
		if len(res) < 5*candidatePage {
			return nil
		}
	}
}

// EachVote calls fn for every vote on a pilot's approved ideas.
func (s *Store) EachVote(ctx context.Context, pilot string, fn func(user, idea, vote string) error) error {
	ids, err := s.rdb.ZRange(ctx, s.ideaBoardKey(pilot), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("read votes: %w", err)
	}
	for start := 0; start < len(ids); start += 500 {
		page := ids[start:min(start+500, len(ids))]
		cmds := make([]*redis.MapStringStringCmd, len(page))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range page {
				cmds[i] = p.HGetAll(ctx, s.ideaVotesKey(pilot, id))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read votes: %w", err)
		}
		for i, c := range cmds {
			for user, v := range c.Val() {
				if err := fn(user, page[i], v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Hearers counts who agreed to hear back.
func (s *Store) Hearers(ctx context.Context, pilot string) (int64, error) {
	n, err := s.rdb.HLen(ctx, s.hearBackKey(pilot)).Result()
	if err != nil {
		return 0, fmt.Errorf("count who hears back: %w", err)
	}
	return n, nil
}

// HearBack returns a citizen's chat and language if they agreed to hear back.
func (s *Store) HearBack(ctx context.Context, pilot, user string) (int64, string, bool, error) {
	v, err := s.rdb.HGet(ctx, s.hearBackKey(pilot), user).Result()
	if errors.Is(err, redis.Nil) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("read consent to hear back: %w", err)
	}
	chat, lang, _ := strings.Cut(v, "|")
	id, _ := strconv.ParseInt(chat, 10, 64)
	return id, lang, true, nil
}

// audienceScript counts an idea's author and supporters who agreed to hear
// back. KEYS: idea, supporters, hear back.
var audienceScript = redis.NewScript(`
local who = redis.call('SMEMBERS', KEYS[2])
local author = redis.call('HGET', KEYS[1], 'a')
if author and author ~= '' then who[#who + 1] = author end
local n = 0
for _, u in ipairs(who) do n = n + redis.call('HEXISTS', KEYS[3], u) end
return n
`)

// Audience counts who would hear about a new status of idea id.
func (s *Store) Audience(ctx context.Context, pilot, id string) (int, error) {
	n, err := audienceScript.Run(ctx, s.rdb, []string{s.ideaKey(pilot, id), s.ideaSupportersKey(pilot, id), s.hearBackKey(pilot)}).Int()
	if err != nil {
		return 0, fmt.Errorf("count who hears about an idea: %w", err)
	}
	return n, nil
}

// claimNewsScript leases due messages: each is pushed to the lease end,
// so another replica does not take it while it is being sent; the commit
// that sends it removes it. KEYS: news. ARGV: now ms, lease end ms, max.
var claimNewsScript = redis.NewScript(`
local ms = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[3])
for _, m in ipairs(ms) do redis.call('ZADD', KEYS[1], ARGV[2], m) end
return ms
`)

// ClaimNews leases up to max messages due by now.
func (s *Store) ClaimNews(ctx context.Context, pilot string, now time.Time, lease time.Duration, max int) ([]bot.NewsDue, error) {
	ms, err := claimNewsScript.Run(ctx, s.rdb, []string{s.newsKey(pilot)}, now.UnixMilli(), now.Add(lease).UnixMilli(), max).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim idea messages: %w", err)
	}
	out := make([]bot.NewsDue, 0, len(ms))
	for _, m := range ms {
		user, what, _ := strings.Cut(m, "|")
		d := bot.NewsDue{Member: m, User: user}
		if news, ok := strings.CutPrefix(what, "*"); ok {
			d.News = news
		} else {
			d.Idea = what
		}
		out = append(out, d)
	}
	return out, nil
}

// NewsText returns a coordinator's update ("" when it expired).
func (s *Store) NewsText(ctx context.Context, pilot, id string) (string, error) {
	t, err := s.rdb.HGet(ctx, s.newsTextKey(pilot, id), "t").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read an update: %w", err)
	}
	return t, nil
}

// LastNotice is when coordinators were last told about waiting ideas.
func (s *Store) LastNotice(ctx context.Context, pilot string) (time.Time, error) {
	ms, err := s.rdb.Get(ctx, s.noticeKey(pilot)).Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read the last notice: %w", err)
	}
	return time.UnixMilli(ms), nil
}

// WaitingSince lists ideas waiting for a coordinator (pending or held)
// that came after since, oldest first.
func (s *Store) WaitingSince(ctx context.Context, pilot string, since time.Time, max int) ([]bot.Idea, int64, error) {
	after := "(" + strconv.FormatInt(since.UnixMilli(), 10)
	var ids []string
	var total int64
	for _, st := range []bot.IdeaStatus{bot.IdeaPending, bot.IdeaHeld} {
		key := s.ideaStatusKey(pilot, st)
		n, err := s.rdb.ZCount(ctx, key, after, "+inf").Result()
		if err != nil {
			return nil, 0, fmt.Errorf("read waiting ideas: %w", err)
		}
		total += n
		page, err := s.rdb.ZRangeByScore(ctx, key, &redis.ZRangeBy{Min: after, Max: "+inf", Count: int64(max)}).Result()
		if err != nil {
			return nil, 0, fmt.Errorf("read waiting ideas: %w", err)
		}
		ids = append(ids, page...)
	}
	list, err := s.readIdeas(ctx, pilot, ids)
	if err != nil {
		return nil, 0, err
	}
	sortIdeas(list)
	return list[:min(max, len(list))], total, nil
}

func sortIdeas(list []bot.Idea) {
	for i := 1; i < len(list); i++ { // small lists: insertion sort by creation
		for j := i; j > 0 && (list[j].Created.Before(list[j-1].Created) ||
			list[j].Created.Equal(list[j-1].Created) && list[j].ID < list[j-1].ID); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// MyIdeas returns what a citizen did with ideas in a pilot.
func (s *Store) MyIdeas(ctx context.Context, pilot, user string) (bot.MyIdeas, error) {
	var mine *redis.StringSliceCmd
	var votes, supports *redis.IntCmd
	var hb *redis.BoolCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		mine = p.SMembers(ctx, s.ideaMineKey(pilot, user))
		votes = p.HLen(ctx, s.ideaUserVotesKey(pilot, user))
		supports = p.SCard(ctx, s.ideaUserSupportsKey(pilot, user))
		hb = p.HExists(ctx, s.hearBackKey(pilot), user)
		return nil
	})
	if err != nil {
		return bot.MyIdeas{}, fmt.Errorf("read the citizen's ideas: %w", err)
	}
	list, err := s.readIdeas(ctx, pilot, mine.Val())
	if err != nil {
		return bot.MyIdeas{}, err
	}
	sortIdeas(list)
	return bot.MyIdeas{Ideas: list, Votes: int(votes.Val()), Supports: int(supports.Val()), HearBack: hb.Val()}, nil
}

// forgetIdeasScript deletes a citizen's part in a pilot's ideas: their
// ideas with everything about them (votes and supports by others
// included: the words were theirs), their votes and supports on other
// ideas (the tallies go down), what they saw, their consent to hear back
// and the messages waiting for them. Only an id may stay behind, in the
// "seen" sets of citizens who were shown an idea and did not weigh it: it
// names nothing once the idea is gone. KEYS: the version counter (for the
// slot). ARGV: prefix, user. Returns how many ideas went.
var forgetIdeasScript = redis.NewScript(ideasLua + `
local P, user = ARGV[1], ARGV[2]
local function zremMatch(key, pattern)
  local cursor = '0'
  repeat
    local r = redis.call('ZSCAN', key, cursor, 'MATCH', pattern, 'COUNT', 500)
    cursor = r[1]
    for k = 1, #r[2], 2 do redis.call('ZREM', key, r[2][k]) end
  until cursor == '0'
end
local gone = 0
for _, id in ipairs(redis.call('SMEMBERS', P .. 'ium:' .. user)) do
  local f, langs = I.info(P, id)
  for _, voter in ipairs(redis.call('HKEYS', P .. 'ivo:' .. id)) do
    redis.call('HDEL', P .. 'iuv:' .. voter, id)
    redis.call('SREM', P .. 'iseen:' .. voter, id)
  end
  for _, sup in ipairs(redis.call('SMEMBERS', P .. 'isp:' .. id)) do
    redis.call('SREM', P .. 'ius:' .. sup, id)
    redis.call('SREM', P .. 'iseen:' .. sup, id)
  end
  if f.s then redis.call('ZREM', P .. 'is:' .. f.s, id) end
  for _, l in ipairs(langs) do redis.call('ZREM', P .. 'iv:' .. l, id) end
  redis.call('ZREM', P .. 'ia', id)
  redis.call('DEL', P .. 'i:' .. id, P .. 'ivo:' .. id, P .. 'isp:' .. id)
  zremMatch(P .. 'inews', '*|' .. id)
  gone = gone + 1
end
local votes = redis.call('HGETALL', P .. 'iuv:' .. user)
for k = 1, #votes, 2 do
  local id, v = votes[k], votes[k + 1]
  local f, langs = I.info(P, id)
  if f.s and redis.call('HDEL', P .. 'ivo:' .. id, user) == 1 then
    redis.call('HINCRBY', P .. 'i:' .. id, I.tally[v] or 'ps', -1)
    if I.board[f.s] then
      for _, l in ipairs(langs) do redis.call('ZINCRBY', P .. 'iv:' .. l, -1, id) end
    end
  end
end
for _, id in ipairs(redis.call('SMEMBERS', P .. 'ius:' .. user)) do
  if redis.call('SREM', P .. 'isp:' .. id, user) == 1 and redis.call('EXISTS', P .. 'i:' .. id) == 1 then
    redis.call('HINCRBY', P .. 'i:' .. id, 'sp', -1)
  end
end
redis.call('DEL', P .. 'ium:' .. user, P .. 'iuv:' .. user, P .. 'ius:' .. user, P .. 'iseen:' .. user)
redis.call('HDEL', P .. 'ihb', user)
zremMatch(P .. 'inews', user .. '|*')
if gone > 0 then redis.call('INCR', P .. 'iver') end
return gone
`)

// forgetIdeas deletes a citizen's part in a pilot's ideas (see
// forgetIdeasScript).
func (s *Store) forgetIdeas(ctx context.Context, user, pilot string) error {
	if pilot == bot.Lobby {
		return nil
	}
	if err := forgetIdeasScript.Run(ctx, s.rdb, []string{s.ideaVersionKey(pilot)}, s.ideaPrefix(pilot), user).Err(); err != nil {
		return fmt.Errorf("forget ideas in %s: %w", pilot, err)
	}
	return nil
}
