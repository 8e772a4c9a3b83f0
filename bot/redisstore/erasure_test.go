package redisstore_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// TestErasure is issue 8's acceptance test: after /forget, after a citizen
// declines consent and after their data's retention ends, nothing that
// names or quotes them is left in Redis: not in any key (DUMP), not in a
// snapshot taken afterwards (the .rdb file) and not in the append-only
// file once rewritten. It starts its own redis-server with persistence on.
func TestErasure(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("COSIE_CI") == "1" {
			t.Fatal("redis-server is not on PATH: the erasure test (issue 8) must run in CI; install redis-server (7.0 or later)")
		}
		t.Skip("redis-server is not on PATH: the erasure test (issue 8) needs it to start a Redis with persistence; install redis-server to run it (CI sets COSIE_CI=1 and fails instead)")
	}
	ways := []struct {
		name string
		// overflow: the citizen also sent more than the inbox keeps, so a
		// slow-down note and its marker name them.
		overflow bool
		// lobby: the citizen also wrote of a crisis before choosing a
		// pilot; only /forget erases that (its alert expires after a week).
		lobby bool
		erase func(t *testing.T, x *erasure)
	}{
		{"forget", true, true, func(t *testing.T, x *erasure) {
			// The press of "yes, delete" is the update in hand.
			x.handle(t, &bot.Commit{User: x.user, Pilot: x.pilot, Erase: bot.EraseAll,
				Out: []bot.Out{{Chat: x.chat, Text: "Everything you told us is deleted."}}})
		}},
		{"declined consent", true, false, func(t *testing.T, x *erasure) {
			x.handle(t, &bot.Commit{User: x.user, Pilot: x.pilot, Drop: true, Erase: bot.ErasePilot,
				Day: time.Now().Format(time.DateOnly), Counts: map[string]int64{"declined": 1},
				Out: []bot.Out{{Chat: x.chat, Text: "All right. Nothing is kept. Goodbye!"}}})
		}},
		{"retention", false, false, func(t *testing.T, x *erasure) {
			x.handle(t, nil) // the last update was handled long ago
			// The citizen went quiet: their session expires...
			sess := load(t, x.s, x.user)
			commit(t, x.s, &bot.Commit{User: x.user, Pilot: x.pilot, Session: sess, TTL: time.Second})
			time.Sleep(1500 * time.Millisecond)
			// ...and the retention period ends: everything recorded so
			// far is older than the cutoff.
			cutoff := time.Now().Add(time.Minute)
			if n, err := x.s.Purge(t.Context(), x.pilot, cutoff); err != nil || n != 2 {
				t.Fatalf("Purge = %d, %v; want the 2 answers", n, err)
			}
			if n, err := x.s.PurgeDead(t.Context(), cutoff); err != nil || n != 1 {
				t.Fatalf("PurgeDead = %d, %v; want the 1 dead letter", n, err)
			}
		}},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			x := newErasure(t, bin)
			x.populate(t, w.overflow, w.lobby)
			x.deliver(t)
			// The search finds every trace before the erasure.
			for place, blob := range x.places(t) {
				for what, needle := range x.needles(false) {
					if !bytes.Contains(blob, needle) {
						t.Fatalf("before erasure, %s does not show the %s: the search cannot be trusted", place, what)
					}
				}
			}
			w.erase(t, x)
			x.deliver(t)
			x.waitPacing(t)
			if s := load(t, x.s, x.user); s != nil {
				t.Errorf("Load after erasure = %+v", s)
			}
			if recs, err := x.s.Answers(t.Context(), x.user); err != nil || len(recs) != 0 {
				t.Errorf("Answers after erasure = %d, %v", len(recs), err)
			}
			for place, blob := range x.places(t) {
				for what, needle := range x.needles(true) {
					if i := bytes.Index(blob, needle); i >= 0 {
						t.Errorf("after erasure %s still holds the %s: …%q…", place, what, blob[max(i-120, 0):min(i+len(needle)+40, len(blob))])
					}
				}
			}
		})
	}
}

// erasure is one citizen's data in a Redis of the test's own.
type erasure struct {
	dir   string
	rdb   *redis.Client
	s     *redisstore.Store
	chat  int64 // their Telegram id, also their private chat's
	user  string
	pilot string
	text  string // free text only they wrote
	file  string // the file id of their photo
	ref   string // their reference in the pilot's safeguarding alerts
}

func newErasure(t *testing.T, bin string) *erasure {
	t.Helper()
	dir, rdb := startRedis(t, bin)
	key := []byte(fmt.Sprintf("erasure-key-%x", rand.Uint64()))
	chat := 5_000_000_000 + rand.Int64N(1_000_000_000)
	user := bot.ChatKey(key, chat)
	return &erasure{
		dir: dir, rdb: rdb, chat: chat, user: user, pilot: "turku", ref: bot.PilotPseudonym(key, "turku", user)[:16],
		// As serve wires it: chats are named by the same keyed hash.
		s:    redisstore.New(rdb, redisstore.Options{ChatKey: func(c int64) string { return bot.ChatKey(key, c) }}),
		text: fmt.Sprintf("the street lamp at my door is broken since may %x", rand.Uint64()),
		file: fmt.Sprintf("AgACAgQAAxkBAAI%xAAH", rand.Uint64()),
	}
}

// startRedis runs redis-server in a temporary directory with the
// append-only file on. Snapshots are not compressed, so that the search
// sees what is stored (compression would hide a trace from the search,
// not from someone reading the file).
func startRedis(t *testing.T, bin string) (string, *redis.Client) {
	t.Helper()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_ = l.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--rdbcompression", "no",
		"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port})
	t.Cleanup(func() {
		_ = rdb.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for begin := time.Now(); rdb.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Since(begin) > 10*time.Second {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server on port %s did not answer:\n%s", port, log)
		}
	}
	return dir, rdb
}

// needles are what must not be left: the free text, the file id, the
// Telegram id (as digits, and as the 8-byte integer Redis may encode it
// as) and the pseudonym.
func (x *erasure) needles(all bool) map[string][]byte {
	out := map[string][]byte{
		"free text": []byte(x.text),
		"file id":   []byte(x.file),
		"chat id":   []byte(strconv.FormatInt(x.chat, 10)),
		"pseudonym": []byte(x.user),
		"alert ref": []byte(x.ref),
	}
	if all {
		out["chat id as an integer"] = binary.LittleEndian.AppendUint64(nil, uint64(x.chat))
	}
	return out
}

func (x *erasure) update(id int64, text, file string) bot.InboxEntry {
	msg := map[string]any{"message_id": id, "date": time.Now().Unix(),
		"from": map[string]any{"id": x.chat, "first_name": "Aino", "language_code": "fi"},
		"chat": map[string]any{"id": x.chat, "type": "private", "first_name": "Aino"}}
	if text != "" {
		msg["text"] = text
	}
	if file != "" {
		msg["photo"] = []map[string]any{{"file_id": file, "file_unique_id": "AQAD", "width": 90, "height": 90}}
	}
	raw, _ := json.Marshal(map[string]any{"update_id": id, "message": msg})
	return bot.InboxEntry{Update: id, Chat: x.chat, Received: time.Now().UnixMilli(), Raw: raw}
}

// populate gives the citizen everything the store keeps: pointer,
// session, answers with free text and a photo, counters, prompts,
// messages in the outbox, and in the inbox a dead letter, a handled
// update and one in hand.
func (x *erasure) populate(t *testing.T, overflow, lobby bool) {
	t.Helper()
	ctx := t.Context()
	now := time.Now()
	sess := &bot.Session{Pilot: x.pilot, Chat: x.chat, Created: now.Unix(),
		Flow: flow.State{Node: "q_photo", Lang: "fi", Run: 1, Seq: 2, Name: "Aino", Answers: map[string]string{"q_text": x.text}}}
	commit(t, x.s, &bot.Commit{User: x.user, Pilot: x.pilot, Point: true, Session: sess, TTL: bot.DefaultSessionTTL, Keep: 365 * 24 * time.Hour,
		Answers: []bot.Record{
			{User: x.user, Run: 1, Node: "q_text", Result: "problem", Kind: flow.KindText, Text: x.text, Lang: "fi", At: now.UnixMilli()},
			{User: x.user, Run: 1, Node: "q_photo", Result: "photo", Kind: flow.KindText, Media: &flow.Media{Type: "photo", FileID: x.file}, Lang: "fi", At: now.UnixMilli()},
		},
		Day: now.Format(time.DateOnly), Counts: map[string]int64{"answered:q_text": 1, "v:photo:_photo": 1},
		Prompts: []bot.Prompt{
			{Kind: flow.PromptFollowUp, Node: "q_photo", Seq: 2, Due: now.Add(time.Second)},
			{Kind: flow.PromptReminder, Node: "q_photo", Seq: 2, Due: now.Add(2 * time.Second)},
		},
		Out: []bot.Out{{Chat: x.chat, Text: "You wrote: " + x.text}, {Chat: x.chat, Text: "Thank you!", Since: now.UnixMilli()}},
	})
	// A safeguarding alert over the hourly cap keeps what they wrote, for
	// /alerts; maybe in the lobby too, where they never had a session.
	parts := []string{x.pilot}
	if lobby {
		parts = append(parts, bot.Lobby)
	}
	for _, part := range parts {
		m := bot.AlertMatch{User: x.user, Ref: x.ref, At: now, Token: "u9", Window: 6 * time.Hour, Keep: 7 * 24 * time.Hour, Text: x.text}
		if _, ep, err := x.s.RaiseAlert(ctx, part, m); err != nil || ep.Text != x.text {
			t.Fatalf("RaiseAlert = %+v, %v", ep, err)
		}
	}
	const maxWaiting = 3
	updates := []bot.InboxEntry{x.update(1, x.text, ""), x.update(2, "", x.file), x.update(3, "yes "+x.text, "")}
	if overflow {
		updates = append(updates, x.update(4, x.text, ""))
	}
	for _, u := range updates {
		if _, err := x.s.Push(ctx, u, maxWaiting); err != nil {
			t.Fatal(err)
		}
	}
	shard := redisstore.ShardOf(x.user)
	now = time.Now()
	c := claimIn(t, x.s, shard, now, inLease, 1)
	if dead, err := x.s.FailIn(ctx, c[0], "handler broke on: "+x.text, 1, now, now); err != nil || !dead {
		t.Fatalf("FailIn = %v, %v", dead, err)
	}
	c = claimIn(t, x.s, shard, now, inLease, 1)
	ack(t, x.s, c[0], now, false)
}

// handle takes the citizen's next update in hand, commits c for it (if
// any) and acknowledges it, as a worker does.
func (x *erasure) handle(t *testing.T, c *bot.Commit) {
	t.Helper()
	now := time.Now()
	for cs := claimIn(t, x.s, redisstore.ShardOf(x.user), now, inLease, 1); len(cs) > 0; cs = nil {
		if c != nil {
			commit(t, x.s, c)
			c = nil
		}
		for next := &cs[0]; next != nil; {
			next = ack(t, x.s, *next, now, true)
		}
	}
	if c != nil {
		t.Fatal("no update in hand")
	}
}

// deliver sends everything in the outbox, pacing as the courier does: a
// message a second per chat, the pacing state kept as long as it matters.
func (x *erasure) deliver(t *testing.T) {
	t.Helper()
	for {
		now := time.Now()
		ps, _ := claimOut(t, x.s, x.pilot, now, now.Add(time.Hour), 10)
		lobby, _ := claimOut(t, x.s, bot.Lobby, now, now.Add(time.Hour), 10)
		ps = append(ps, lobby...)
		if len(ps) == 0 {
			return
		}
		for _, p := range ps {
			for q := &p; q != nil; {
				pace := time.Now().Add(time.Second)
				next, err := x.s.Done(t.Context(), []bot.Pending{*q}, pace, time.Second, time.Now(), time.Now(), time.Now().Add(outLease))
				if err != nil {
					t.Fatal(err)
				}
				q = next
			}
		}
	}
}

// waitPacing waits for the only keys allowed to name the citizen after an
// erasure: the pacing state of their last messages and of their last
// updates, which expires within the pacing interval (a second here,
// ChatBurst × ChatInterval at most in serve). Anything else naming them
// fails at once.
func (x *erasure) waitPacing(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	begin := time.Now()
	for {
		keys, err := scanKeys(ctx, x.rdb, "*")
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, k := range keys {
			if !strings.Contains(k, x.user) {
				continue
			}
			ttl := x.rdb.PTTL(ctx, k).Val()
			// Arrival pacing can run a few seconds ahead after several
			// updates (one a second, a burst of the inbox's cap).
			pacing := strings.Contains(k, ":ot:") && ttl <= time.Second || strings.Contains(k, ":rate:") && ttl <= 10*time.Second
			if !pacing {
				t.Fatalf("after erasure, key %s (PTTL %v) names the citizen", k, ttl)
			}
			left = append(left, k)
		}
		if len(left) == 0 {
			t.Logf("the last pacing state naming the citizen expired %v after the erasure", time.Since(begin).Round(time.Millisecond))
			return
		}
		if time.Since(begin) > 12*time.Second {
			t.Fatalf("pacing state %v outlived its TTL", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// places returns what a reader of the server could see: every key's name
// and DUMP, a snapshot taken now, and the append-only files once
// rewritten.
func (x *erasure) places(t *testing.T) map[string][]byte {
	t.Helper()
	ctx := t.Context()
	keys, err := scanKeys(ctx, x.rdb, "*")
	if err != nil {
		t.Fatal(err)
	}
	var dumps bytes.Buffer
	for _, k := range keys {
		v, err := x.rdb.Dump(ctx, k).Result()
		if err != nil && err != redis.Nil {
			t.Fatalf("DUMP %s: %v", k, err)
		}
		fmt.Fprintf(&dumps, "\n%s\n%s", k, v)
	}
	if err := x.rdb.Save(ctx).Err(); err != nil {
		t.Fatalf("SAVE: %v", err)
	}
	snapshot, err := os.ReadFile(filepath.Join(x.dir, "dump.rdb"))
	if err != nil {
		t.Fatalf("read the snapshot: %v", err)
	}
	return map[string][]byte{
		"the keys (names and DUMP)":      dumps.Bytes(),
		"the RDB snapshot":               snapshot,
		"the rewritten append-only file": x.rewriteAOF(t),
	}
}

// rewriteAOF runs BGREWRITEAOF, waits until it is done and the files it
// replaced are deleted, and returns every file of the append-only
// directory.
func (x *erasure) rewriteAOF(t *testing.T) []byte {
	t.Helper()
	ctx := t.Context()
	if err := x.rdb.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatalf("BGREWRITEAOF: %v", err)
	}
	aofDir := filepath.Join(x.dir, "appendonlydir")
	for begin := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if time.Since(begin) > 20*time.Second {
			t.Fatal("the append-only file was not rewritten within 20s")
		}
		info := x.rdb.Info(ctx, "persistence").Val()
		if !strings.Contains(info, "aof_rewrite_in_progress:0") || !strings.Contains(info, "aof_rewrite_scheduled:0") {
			continue
		}
		if !strings.Contains(info, "aof_last_bgrewrite_status:ok") {
			t.Fatalf("BGREWRITEAOF failed:\n%s", info)
		}
		// Done when the manifest lists no history and names every file.
		manifest, err := os.ReadFile(filepath.Join(aofDir, "appendonly.aof.manifest"))
		if err != nil || bytes.Contains(manifest, []byte(" type h")) {
			continue
		}
		entries, err := os.ReadDir(aofDir)
		if err != nil {
			t.Fatal(err)
		}
		var all bytes.Buffer
		stale := false
		for _, e := range entries {
			if e.Name() != "appendonly.aof.manifest" && !bytes.Contains(manifest, []byte("file "+e.Name()+" ")) {
				stale = true
			}
			b, err := os.ReadFile(filepath.Join(aofDir, e.Name()))
			if err != nil {
				stale = true // deleted meanwhile
			}
			all.Write(b)
		}
		if !stale {
			return all.Bytes()
		}
	}
}
