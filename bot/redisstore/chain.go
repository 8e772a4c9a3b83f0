package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot"
	"github.com/redis/go-redis/v9"
)

// A pilot's recruitment chains (respondent-driven sampling) live under its
// hash tag, so that using a coupon is part of the commit that starts the
// recruit's dialogue:
//
//	<ns>:{p:<pilot>}:rm   hash: member key (the citizen's pseudonym, or "~<id>" once
//	                      withdrawn) -> bot.Member json
//	<ns>:{p:<pilot>}:rc   hash: coupon code -> bot.Coupon json
//
// Both are written only by compare-and-set: a commit says what it read
// (Stored) and the script refuses the whole commit when that changed.
func (s *Store) membersKey(pilot string) string { return s.tag(pilot) + ":rm" }
func (s *Store) couponsKey(pilot string) string { return s.tag(pilot) + ":rc" }

// chainWrite is one compare-and-set in the chains: hash "m" (members) or
// "c" (coupons), the field, the value read ("" for none) and the value to
// write ("" deletes the field).
type chainWrite struct {
	hash, field, old, new string
}

// chainLua is the part of a script that applies chain writes: checkChain
// before the first write of the script, writeChain after. It reads the
// writes from ARGV from position i on (a count, then the fields of each)
// with the chains hashes in KEYS[km] and KEYS[kc]. The commit script and
// chainScript share it.
const chainLua = `
local function readChain(i, km, kc)
  local n = tonumber(ARGV[i]); i = i + 1
  local ws = {}
  for _ = 1, n do
    local k = kc
    if ARGV[i] == 'm' then k = km end
    ws[#ws + 1] = {KEYS[k], ARGV[i+1], ARGV[i+2], ARGV[i+3]}
    i = i + 4
  end
  for _, w in ipairs(ws) do
    local cur = redis.call('HGET', w[1], w[2]) or ''
    if cur ~= w[3] then return nil, i end
  end
  return ws, i
end
local function writeChain(ws, keep)
  for _, w in ipairs(ws) do
    if w[4] == '' then redis.call('HDEL', w[1], w[2]) else redis.call('HSET', w[1], w[2], w[4]) end
    redis.call('PEXPIRE', w[1], keep)
  end
end
`

// chainScript applies chain writes alone (/forget). KEYS: members,
// coupons. ARGV: keep ms, then the writes.
var chainScript = redis.NewScript(chainLua + `
local ws = readChain(2, 1, 2)
if not ws then return redis.error_reply('CONFLICT chains changed') end
writeChain(ws, tonumber(ARGV[1]))
return #ws
`)

// chainArgs encodes a commit's chain writes.
func chainArgs(c *bot.Commit) ([]any, error) {
	var ws []chainWrite
	for _, m := range c.Members {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode chain member: %w", err)
		}
		ws = append(ws, chainWrite{"m", m.Key, m.Stored, string(b)})
	}
	for _, cp := range c.Coupons {
		b, err := json.Marshal(cp)
		if err != nil {
			return nil, fmt.Errorf("encode coupon: %w", err)
		}
		ws = append(ws, chainWrite{"c", cp.Code, cp.Stored, string(b)})
	}
	return writesArgs(ws), nil
}

func writesArgs(ws []chainWrite) []any {
	args := make([]any, 0, 1+4*len(ws))
	args = append(args, len(ws))
	for _, w := range ws {
		args = append(args, w.hash, w.field, w.old, w.new)
	}
	return args
}

// Chain reads a citizen's member and the named coupons.
func (s *Store) Chain(ctx context.Context, pilot, user string, coupons ...string) (bot.Member, []bot.Coupon, error) {
	var mc *redis.StringCmd
	var cc *redis.SliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		mc = p.HGet(ctx, s.membersKey(pilot), user)
		if len(coupons) > 0 {
			cc = p.HMGet(ctx, s.couponsKey(pilot), coupons...)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return bot.Member{}, nil, fmt.Errorf("read chains: %w", err)
	}
	m, err := decodeMember(user, mc.Val())
	if err != nil {
		return bot.Member{}, nil, err
	}
	out := make([]bot.Coupon, len(coupons))
	for i, code := range coupons {
		raw, _ := cc.Val()[i].(string)
		if out[i], err = decodeCoupon(code, raw); err != nil {
			return bot.Member{}, nil, err
		}
	}
	return m, out, nil
}

// Chains returns every member and coupon of a pilot.
func (s *Store) Chains(ctx context.Context, pilot string) ([]bot.Member, []bot.Coupon, error) {
	var mc, cc *redis.MapStringStringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		mc = p.HGetAll(ctx, s.membersKey(pilot))
		cc = p.HGetAll(ctx, s.couponsKey(pilot))
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read chains: %w", err)
	}
	members := make([]bot.Member, 0, len(mc.Val()))
	for k, raw := range mc.Val() {
		m, err := decodeMember(k, raw)
		if err != nil {
			return nil, nil, err
		}
		members = append(members, m)
	}
	coupons := make([]bot.Coupon, 0, len(cc.Val()))
	for code, raw := range cc.Val() {
		c, err := decodeCoupon(code, raw)
		if err != nil {
			return nil, nil, err
		}
		coupons = append(coupons, c)
	}
	return members, coupons, nil
}

func decodeMember(key, raw string) (bot.Member, error) {
	m := bot.Member{Key: key, Stored: raw}
	if raw == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return bot.Member{}, fmt.Errorf("decode chain member: %w", err)
	}
	return m, nil
}

func decodeCoupon(code, raw string) (bot.Coupon, error) {
	c := bot.Coupon{Code: code, Stored: raw}
	if raw == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return bot.Coupon{}, fmt.Errorf("decode coupon: %w", err)
	}
	return c, nil
}

// withdrawTries bounds the retries of a withdrawal that raced a commit.
const withdrawTries = 5

// withdraw takes a citizen out of a pilot's recruitment chains (/forget,
// a declined consent). Someone who invited nobody is deleted. Someone who
// was given invitations keeps a place, so that the chains stay whole for
// the people they invited: a member under a new random id, with only the
// wave, the recruiter and the invitations (no source, no time), and
// their coupons and recruits point at that id. Nothing then leads from the
// person to that place.
func (s *Store) withdraw(ctx context.Context, user, pilot string) error {
	for range withdrawTries {
		ws, err := s.withdrawal(ctx, user, pilot)
		if err != nil || len(ws) == 0 {
			return err
		}
		keep := s.retention.Milliseconds()
		err = chainScript.Run(ctx, s.rdb, []string{s.membersKey(pilot), s.couponsKey(pilot)}, append([]any{keep}, writesArgs(ws)...)...).Err()
		if err == nil || !isConflict(err) {
			if err != nil {
				return fmt.Errorf("withdraw from chains: %w", err)
			}
			return nil
		}
	}
	return fmt.Errorf("withdraw from chains: %w", bot.ErrConflict)
}

// withdrawal computes the writes that withdraw a citizen.
func (s *Store) withdrawal(ctx context.Context, user, pilot string) ([]chainWrite, error) {
	m, _, err := s.Chain(ctx, pilot, user)
	if err != nil || m.Stored == "" {
		return nil, err
	}
	var came []string
	if m.Coupon != "" {
		came = []string{m.Coupon}
	}
	_, coupons, err := s.Chain(ctx, pilot, user, append(came, m.Issued...)...)
	if err != nil {
		return nil, err
	}
	ws := []chainWrite{{"m", user, m.Stored, ""}}
	newKey := ""
	if len(m.Issued) > 0 {
		id, err := randomID()
		if err != nil {
			return nil, err
		}
		newKey = bot.WithdrawnKey(id)
		anon := bot.Member{ID: id, Wave: m.Wave, Recruiter: m.Recruiter, Coupon: m.Coupon, Issued: m.Issued, Withdrawn: true}
		ws = append(ws, encodeWrite("m", newKey, "", anon))
	}
	for _, c := range coupons {
		if c.Stored == "" {
			continue
		}
		old := c.Stored
		if c.Code == m.Coupon && c.User == user {
			c.User = newKey // the coupon stays used
		}
		if c.By == m.ID && slices.Contains(m.Issued, c.Code) {
			c.By = idOf(newKey)
			if c.User != "" {
				w, err := s.repoint(ctx, pilot, c.User, m.ID, c.By)
				if err != nil {
					return nil, err
				}
				ws = append(ws, w...)
			}
		}
		ws = append(ws, encodeWrite("c", c.Code, old, c))
	}
	return ws, nil
}

// repoint makes a recruit's recruiter the withdrawn member's new id.
func (s *Store) repoint(ctx context.Context, pilot, key, from, to string) ([]chainWrite, error) {
	r, _, err := s.Chain(ctx, pilot, key)
	if err != nil || r.Stored == "" || r.Recruiter != from {
		return nil, err
	}
	old := r.Stored
	r.Recruiter = to
	return []chainWrite{encodeWrite("m", key, old, r)}, nil
}

func encodeWrite(hash, field, old string, v any) chainWrite {
	b, _ := json.Marshal(v) // plain structs of strings and numbers: cannot fail
	return chainWrite{hash, field, old, string(b)}
}

func idOf(key string) string { return key[min(1, len(key)):] }

func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make a random id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func isConflict(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "CONFLICT") }
