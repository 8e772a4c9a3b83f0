package redisstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/ideas"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

// The ideas contract runs on the embedded server, on a real Redis
// (REDIS_URL) and on a Cluster (REDIS_CLUSTER_URL,
// redis://h1:p1,h2:p2,h3:p3?cluster=true) when they are set: every idea key is under the pilot's hash
// tag, so the commit and /forget scripts must work in one Cluster slot.

type ideaEnv struct {
	s   *redisstore.Store
	rdb redis.UniversalClient
	ns  string
}

func ideaBackends(t *testing.T) map[string]func(t *testing.T) *ideaEnv {
	out := map[string]func(t *testing.T) *ideaEnv{
		"embedded": func(t *testing.T) *ideaEnv {
			rdb, stop, err := redisstore.Embedded()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(stop)
			return newIdeaEnv(t, rdb)
		},
	}
	if url := os.Getenv("REDIS_URL"); url != "" {
		out["redis"] = func(t *testing.T) *ideaEnv {
			rdb, err := redisstore.Open(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rdb.Close() })
			return newIdeaEnv(t, rdb)
		}
	}
	if url := os.Getenv("REDIS_CLUSTER_URL"); url != "" {
		out["cluster"] = func(t *testing.T) *ideaEnv {
			rdb, err := redisstore.Open(url)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := rdb.(*redis.ClusterClient); !ok {
				t.Fatalf("REDIS_CLUSTER_URL %q opens a %T, not a Cluster client (add ?cluster=true)", url, rdb)
			}
			t.Cleanup(func() { _ = rdb.Close() })
			return newIdeaEnv(t, rdb)
		}
	}
	return out
}

func newIdeaEnv(t *testing.T, rdb redis.UniversalClient) *ideaEnv {
	t.Helper()
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("Redis does not answer: %v", err)
	}
	ns := fmt.Sprintf("ideas-%016x", rand.Uint64())
	e := &ideaEnv{s: redisstore.New(rdb, redisstore.Options{Namespace: ns}), rdb: rdb, ns: ns}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, k := range e.keys(t, ctx) {
			e.rdb.Del(ctx, k)
		}
	})
	return e
}

// keys lists every key of the env's namespace, on every master.
func (e *ideaEnv) keys(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var mu sync.Mutex
	var out []string
	scan := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, e.ns+":*", 1000).Iterator()
		for it.Next(ctx) {
			mu.Lock()
			out = append(out, it.Val())
			mu.Unlock()
		}
		return it.Err()
	}
	var err error
	if cc, ok := e.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, e.rdb)
	}
	if err != nil {
		t.Fatalf("scan keys: %v", err)
	}
	slices.Sort(out)
	return out
}

// dump is every key and value of the namespace as text, to look for what
// must not be there.
func (e *ideaEnv) dump(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	for _, k := range e.keys(t, ctx) {
		b.WriteString(k + " =")
		switch e.rdb.Type(ctx, k).Val() {
		case "string":
			b.WriteString(e.rdb.Get(ctx, k).Val())
		case "hash":
			for f, v := range e.rdb.HGetAll(ctx, k).Val() {
				b.WriteString(" " + f + ":" + v)
			}
		case "set":
			b.WriteString(strings.Join(e.rdb.SMembers(ctx, k).Val(), " "))
		case "zset":
			b.WriteString(strings.Join(e.rdb.ZRange(ctx, k, 0, -1).Val(), " "))
		case "list":
			b.WriteString(strings.Join(e.rdb.LRange(ctx, k, 0, -1).Val(), " "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (e *ideaEnv) commit(t *testing.T, c *bot.Commit) {
	t.Helper()
	if c.Day == "" {
		c.Day = "2030-01-01"
	}
	if err := e.s.Commit(t.Context(), c); err != nil {
		t.Fatalf("commit %+v: %v", c.Ideas, err)
	}
}

func (e *ideaEnv) ops(t *testing.T, user string, ops ...bot.IdeaOp) {
	t.Helper()
	e.commit(t, &bot.Commit{User: user, Pilot: "turku", Ideas: ops})
}

func (e *ideaEnv) idea(t *testing.T, id string) *bot.Idea {
	t.Helper()
	i, err := e.s.Idea(t.Context(), "turku", id)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func (e *ideaEnv) candidates(t *testing.T, user, lang string) []ideas.Candidate {
	t.Helper()
	var out []ideas.Candidate
	err := e.s.EachCandidate(t.Context(), "turku", user, lang, func(c ideas.Candidate) bool { out = append(out, c); return true })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var ideaT0 = time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)

func propose(id, text, lang string) bot.IdeaOp {
	return bot.IdeaOp{Op: bot.OpPropose, ID: id, Text: text, Lang: lang, Status: bot.IdeaPending, At: ideaT0.UnixMilli()}
}

func TestIdeasContract(t *testing.T) {
	for name, open := range ideaBackends(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				name string
				run  func(*testing.T, *ideaEnv)
			}{
				{"propose and approve", testProposeApprove},
				{"a failed commit writes no idea", testIdeaCommitAtomic},
				{"votes and supports", testVotesSupports},
				{"translations", testTranslations},
				{"hear back and status", testHearBackStatus},
				{"news", testNews},
				{"forget", testForgetIdeas},
				{"bad operations", testBadIdeaOps},
			} {
				t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
			}
		})
	}
}

func testProposeApprove(t *testing.T, e *ideaEnv) {
	ctx := t.Context()
	e.ops(t, "anna", propose("a1", "Call me on 040 123 4567 about a skate park", "fi"))
	e.ops(t, "anna", bot.IdeaOp{Op: bot.OpPropose, ID: "a2", Lang: "fi", Status: bot.IdeaHeld, Reason: "phone", At: ideaT0.UnixMilli() + 1,
		Media: &flow.Media{Type: "voice", FileID: "v1"}})
	i := e.idea(t, "a1")
	if i == nil || i.Status != bot.IdeaPending || i.Author != "anna" || i.Lang != "fi" || !i.Created.Equal(ideaT0) {
		t.Fatalf("idea %+v", i)
	}
	if v := e.idea(t, "a2"); v.Media == nil || v.Media.FileID != "v1" || v.Reasons != "phone" || v.Status != bot.IdeaHeld {
		t.Fatalf("voice idea %+v", v)
	}
	counts, _ := e.s.IdeaCounts(ctx, "turku")
	if counts[bot.IdeaPending] != 1 || counts[bot.IdeaHeld] != 1 {
		t.Fatalf("counts %v", counts)
	}
	waiting, n, err := e.s.WaitingSince(ctx, "turku", time.Time{}, 10)
	if err != nil || n != 2 || len(waiting) != 2 || waiting[0].ID != "a1" {
		t.Fatalf("waiting %+v %d %v", waiting, n, err)
	}
	// A voice note without text cannot go on the board.
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpApprove, ID: "a2"})
	if v := e.idea(t, "a2"); v.Status != bot.IdeaHeld {
		t.Fatalf("approved without text: %+v", v)
	}
	// Approve with an edited text: the original is gone.
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpApprove, ID: "a1", Text: "A skate park", Due: ideaT0.UnixMilli()})
	i = e.idea(t, "a1")
	if i.Status != bot.IdeaReceived || i.Text != "A skate park" || !i.Edited || i.Approved.IsZero() {
		t.Fatalf("approved %+v", i)
	}
	if strings.Contains(e.dump(t), "040 123") {
		t.Fatal("the text before the edit is still stored")
	}
	if v, _ := e.s.IdeasVersion(ctx, "turku"); v != 1 {
		t.Fatalf("version %d", v)
	}
	board, _ := e.s.BoardIdeas(ctx, "turku")
	if len(board) != 1 || board[0].ID != "a1" {
		t.Fatalf("board %+v", board)
	}
	if c := e.candidates(t, "ben", "fi"); len(c) != 1 || c[0].ID != "a1" || c[0].Own || c[0].Seen || c[0].Votes != 0 {
		t.Fatalf("candidates %+v", c)
	}
	if c := e.candidates(t, "anna", "fi"); !c[0].Own {
		t.Fatalf("the author's own idea: %+v", c)
	}
	// The author is told, once the message is due.
	due, err := e.s.ClaimNews(ctx, "turku", ideaT0.Add(time.Second), time.Minute, 10)
	if err != nil || len(due) != 1 || due[0].User != "anna" || due[0].Idea != "a1" {
		t.Fatalf("news %+v %v", due, err)
	}
	if again, _ := e.s.ClaimNews(ctx, "turku", ideaT0.Add(2*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatalf("a claimed message is leased: %+v", again)
	}
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpNewsDone, Member: due[0].Member})
	if again, _ := e.s.ClaimNews(ctx, "turku", ideaT0.Add(time.Hour), time.Minute, 10); len(again) != 0 {
		t.Fatalf("sent messages stay: %+v", again)
	}
	// Approving twice does nothing more.
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpApprove, ID: "a1", Text: "Another text"})
	if i := e.idea(t, "a1"); i.Text != "A skate park" {
		t.Fatalf("approved twice: %+v", i)
	}
	// Rejecting takes it off the board.
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpReject, ID: "a1"})
	if c := e.candidates(t, "ben", "fi"); len(c) != 0 {
		t.Fatalf("a rejected idea is still offered: %+v", c)
	}
	if board, _ := e.s.BoardIdeas(ctx, "turku"); len(board) != 0 {
		t.Fatalf("board %+v", board)
	}
}

// testIdeaCommitAtomic: an idea operation that cannot be applied fails the
// whole commit before anything is written.
func testIdeaCommitAtomic(t *testing.T, e *ideaEnv) {
	ctx := t.Context()
	e.ops(t, "anna", propose("a1", "A skate park", "fi"))
	err := e.s.Commit(ctx, &bot.Commit{User: "ben", Pilot: "turku", Day: "2030-01-01", Counts: map[string]int64{"started": 1},
		Ideas: []bot.IdeaOp{{Op: bot.OpSeen, ID: "a1"}, propose("a1", "Same id", "fi")}})
	if err == nil || !strings.Contains(err.Error(), "IDEAEXISTS") {
		t.Fatalf("a taken id: %v", err)
	}
	c, _ := e.s.Counters(ctx, "turku", nil)
	if c["started"] != 0 || e.idea(t, "a1").Text != "A skate park" {
		t.Fatalf("a failed commit wrote: counters %v, idea %+v", c, e.idea(t, "a1"))
	}
	if err := e.s.Commit(ctx, &bot.Commit{User: "ben", Pilot: bot.Lobby, Ideas: []bot.IdeaOp{{Op: bot.OpSeen, ID: "a1"}}}); err == nil {
		t.Fatal("ideas in the lobby")
	}
}

func approved(t *testing.T, e *ideaEnv, id, text, lang string) {
	t.Helper()
	e.ops(t, "author-"+id, propose(id, text, lang))
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpApprove, ID: id})
}

func testVotesSupports(t *testing.T, e *ideaEnv) {
	ctx := t.Context()
	approved(t, e, "a1", "A skate park", "fi")
	approved(t, e, "b2", "Longer opening hours", "fi")
	e.ops(t, "x", bot.IdeaOp{Op: bot.OpSeen, ID: "a1"}, bot.IdeaOp{Op: bot.OpVote, ID: "a1", Vote: "a"})
	e.ops(t, "y", bot.IdeaOp{Op: bot.OpVote, ID: "a1", Vote: "d"})
	e.ops(t, "y", bot.IdeaOp{Op: bot.OpVote, ID: "a1", Vote: "a"}) // changed their mind
	e.ops(t, "z", bot.IdeaOp{Op: bot.OpVote, ID: "a1", Vote: "p"}, bot.IdeaOp{Op: bot.OpSupport, ID: "a1"}, bot.IdeaOp{Op: bot.OpSupport, ID: "a1"})
	i := e.idea(t, "a1")
	if i.Votes != (ideas.Votes{Agree: 2, Pass: 1}) || i.Supports != 1 {
		t.Fatalf("tallies %+v supports %d", i.Votes, i.Supports)
	}
	c := e.candidates(t, "x", "fi")
	if len(c) != 2 || c[0].ID != "b2" || c[0].Votes != 0 || c[1].ID != "a1" || c[1].Votes != 3 || !c[1].Seen {
		t.Fatalf("candidates by votes %+v", c)
	}
	if c := e.candidates(t, "y", "fi"); !c[1].Seen {
		t.Fatalf("a vote marks the idea seen: %+v", c)
	}
	var got []string
	err := e.s.EachVote(ctx, "turku", func(user, idea, vote string) error { got = append(got, user+idea+vote); return nil })
	slices.Sort(got)
	if err != nil || strings.Join(got, " ") != "xa1a ya1a za1p" {
		t.Fatalf("votes %v %v", got, err)
	}
	my, err := e.s.MyIdeas(ctx, "turku", "z")
	if err != nil || my.Votes != 1 || my.Supports != 1 || len(my.Ideas) != 0 {
		t.Fatalf("mine %+v %v", my, err)
	}
	// A vote or support for an idea not on the board does nothing.
	e.ops(t, "anna", propose("p3", "Pending", "fi"))
	e.ops(t, "x", bot.IdeaOp{Op: bot.OpVote, ID: "p3", Vote: "a"}, bot.IdeaOp{Op: bot.OpSupport, ID: "p3"}, bot.IdeaOp{Op: bot.OpVote, ID: "gone", Vote: "a"})
	if p := e.idea(t, "p3"); p.Votes.Total() != 0 || p.Supports != 0 {
		t.Fatalf("pending idea weighed: %+v", p)
	}
}

func testTranslations(t *testing.T, e *ideaEnv) {
	approved(t, e, "a1", "Skeittipuisto", "fi")
	e.ops(t, "x", bot.IdeaOp{Op: bot.OpVote, ID: "a1", Vote: "a"})
	if c := e.candidates(t, "y", "sv"); len(c) != 0 {
		t.Fatalf("a Finnish idea offered in Swedish: %+v", c)
	}
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpTranslate, ID: "a1", Lang: "sv", Text: "En skatepark"})
	c := e.candidates(t, "y", "sv")
	if len(c) != 1 || c[0].Votes != 1 {
		t.Fatalf("translated idea %+v", c)
	}
	e.ops(t, "y", bot.IdeaOp{Op: bot.OpVote, ID: "a1", Vote: "d"})
	for _, lang := range []string{"fi", "sv"} {
		if c := e.candidates(t, "z", lang); c[0].Votes != 2 {
			t.Fatalf("%s: votes counted in every language: %+v", lang, c)
		}
	}
	i := e.idea(t, "a1")
	if s, ok := i.TextIn("sv"); !ok || s != "En skatepark" || !slices.Equal(i.Languages(), []string{"fi", "sv"}) {
		t.Fatalf("idea %+v", i)
	}
}

func testHearBackStatus(t *testing.T, e *ideaEnv) {
	ctx := t.Context()
	approved(t, e, "a1", "A skate park", "en")
	author := "author-a1"
	e.ops(t, author, bot.IdeaOp{Op: bot.OpHearBack, Yes: true, Chat: "1001", Lang: "fi"})
	e.ops(t, "sup1", bot.IdeaOp{Op: bot.OpSupport, ID: "a1"}, bot.IdeaOp{Op: bot.OpHearBack, Yes: true, Chat: "1002", Lang: "sv"})
	e.ops(t, "sup2", bot.IdeaOp{Op: bot.OpSupport, ID: "a1"}) // did not agree
	e.ops(t, "other", bot.IdeaOp{Op: bot.OpHearBack, Yes: true, Chat: "1004", Lang: "en"})
	if chat, lang, ok, err := e.s.HearBack(ctx, "turku", "sup1"); !ok || chat != 1002 || lang != "sv" || err != nil {
		t.Fatalf("hear back %d %q %v %v", chat, lang, ok, err)
	}
	if n, _ := e.s.Audience(ctx, "turku", "a1"); n != 2 {
		t.Fatalf("audience %d", n)
	}
	if n, _ := e.s.Hearers(ctx, "turku"); n != 3 {
		t.Fatalf("hearers %d", n)
	}
	// Clear the author's "on the board" message first.
	first, _ := e.s.ClaimNews(ctx, "turku", ideaT0.Add(time.Hour), time.Minute, 10)
	for _, d := range first {
		e.ops(t, "coord", bot.IdeaOp{Op: bot.OpNewsDone, Member: d.Member})
	}
	later := ideaT0.Add(12 * time.Hour)
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpStatus, ID: "a1", Status: bot.IdeaAccepted, Note: "From May", Due: later.UnixMilli()})
	if i := e.idea(t, "a1"); i.Status != bot.IdeaAccepted || i.Note != "From May" {
		t.Fatalf("status %+v", i)
	}
	if early, _ := e.s.ClaimNews(ctx, "turku", later.Add(-time.Minute), time.Minute, 10); len(early) != 0 {
		t.Fatalf("sent before its time (quiet hours): %+v", early)
	}
	due, _ := e.s.ClaimNews(ctx, "turku", later, time.Minute, 10)
	var who []string
	for _, d := range due {
		who = append(who, d.User)
	}
	slices.Sort(who)
	if !slices.Equal(who, []string{author, "sup1"}) {
		t.Fatalf("told: %v", who)
	}
	// Withdrawn: no more messages.
	e.ops(t, "sup1", bot.IdeaOp{Op: bot.OpHearBack})
	if n, _ := e.s.Audience(ctx, "turku", "a1"); n != 1 {
		t.Fatalf("audience after withdrawal %d", n)
	}
	counts, _ := e.s.IdeaCounts(ctx, "turku")
	if counts[bot.IdeaAccepted] != 1 || counts[bot.IdeaReceived] != 0 {
		t.Fatalf("counts %v", counts)
	}
}

func testNews(t *testing.T, e *ideaEnv) {
	ctx := t.Context()
	for i, u := range []string{"u1", "u2", "u3"} {
		e.ops(t, u, bot.IdeaOp{Op: bot.OpHearBack, Yes: true, Chat: fmt.Sprint(100 + i), Lang: "en"})
	}
	e.ops(t, "u3", bot.IdeaOp{Op: bot.OpHearBack})
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpNews, ID: "n1", Text: "We opened on Sundays", Due: ideaT0.UnixMilli()})
	due, _ := e.s.ClaimNews(ctx, "turku", ideaT0, time.Minute, 10)
	if len(due) != 2 || due[0].News != "n1" || due[0].Idea != "" {
		t.Fatalf("news %+v", due)
	}
	if text, _ := e.s.NewsText(ctx, "turku", "n1"); text != "We opened on Sundays" {
		t.Fatalf("text %q", text)
	}
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpNoticed, At: ideaT0.UnixMilli()})
	if last, _ := e.s.LastNotice(ctx, "turku"); !last.Equal(ideaT0) {
		t.Fatalf("last notice %v", last)
	}
}

// testForgetIdeas: /forget takes the citizen's ideas (even approved ones
// others support), their votes and supports (the tallies go down), what
// they saw, their consent and their messages: no key or value holds their
// words or their pseudonym afterwards.
func testForgetIdeas(t *testing.T, e *ideaEnv) {
	ctx := t.Context()
	anna := "f00dfeedf00dfeedf00dfeedf00dfeed"
	approved(t, e, "keep", "Longer opening hours", "fi")
	e.ops(t, anna, propose("zq1", "Skeittipuisto Annan kotikadulle", "fi"))
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpApprove, ID: "zq1"}, bot.IdeaOp{Op: bot.OpTranslate, ID: "zq1", Lang: "sv", Text: "En skatepark vid Annas gata"})
	e.ops(t, anna, propose("zq2", "Annan toinen idea", "fi"), bot.IdeaOp{Op: bot.OpHearBack, Yes: true, Chat: "555", Lang: "fi"},
		bot.IdeaOp{Op: bot.OpVote, ID: "keep", Vote: "d"}, bot.IdeaOp{Op: bot.OpSupport, ID: "keep"})
	e.ops(t, "ben", bot.IdeaOp{Op: bot.OpVote, ID: "zq1", Vote: "a"}, bot.IdeaOp{Op: bot.OpSupport, ID: "zq1"}, bot.IdeaOp{Op: bot.OpVote, ID: "keep", Vote: "a"})
	e.ops(t, "coord", bot.IdeaOp{Op: bot.OpStatus, ID: "keep", Status: bot.IdeaConsidering, Due: ideaT0.UnixMilli()})
	v0, _ := e.s.IdeasVersion(ctx, "turku")

	if err := e.s.Forget(ctx, anna, "turku"); err != nil {
		t.Fatal(err)
	}
	dump := e.dump(t)
	// Ids without hex letters: the dump holds the hex key prefix too.
	for _, gone := range []string{anna, "Skeittipuisto", "skatepark", "toinen", "zq1", "zq2"} {
		if strings.Contains(dump, gone) {
			t.Errorf("%q is still stored after /forget:\n%s", gone, dump)
		}
	}
	keep := e.idea(t, "keep")
	if keep.Votes != (ideas.Votes{Agree: 1}) || keep.Supports != 0 {
		t.Fatalf("the others' idea after /forget: %+v", keep)
	}
	if c := e.candidates(t, "zoe", "fi"); len(c) != 1 || c[0].Votes != 1 {
		t.Fatalf("candidates after /forget: %+v", c)
	}
	if my, _ := e.s.MyIdeas(ctx, "turku", "ben"); my.Votes != 1 || my.Supports != 0 {
		t.Fatalf("ben's part after /forget: %+v", my)
	}
	if v, _ := e.s.IdeasVersion(ctx, "turku"); v <= v0 {
		t.Fatalf("the version did not move: %d", v)
	}
}

func testBadIdeaOps(t *testing.T, e *ideaEnv) {
	for _, op := range []bot.IdeaOp{
		{Op: "drop", ID: "a1"},
		{Op: bot.OpVote, ID: "a1", Vote: "yes"},
		{Op: bot.OpVote, ID: "A:1", Vote: "a"},
		{Op: bot.OpPropose, ID: "a1", Status: "maybe"},
		{Op: bot.OpSupport, ID: ""},
	} {
		err := e.s.Commit(t.Context(), &bot.Commit{User: "x", Pilot: "turku", Ideas: []bot.IdeaOp{op}})
		if err == nil {
			t.Errorf("%+v was accepted", op)
		}
	}
	if keys := e.keys(t, t.Context()); len(keys) != 0 {
		t.Fatalf("bad operations wrote %v", keys)
	}
}
