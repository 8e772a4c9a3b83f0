package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/redis/go-redis/v9"
)

var t0 = time.UnixMilli(1_893_456_000_000) // 2030-01-01T00:00:00Z

func session(pilot string, chat int64) *bot.Session {
	return &bot.Session{
		Pilot: pilot,
		Chat:  chat,
		Flow: flow.State{
			Node: "q_satisfaction", Version: "2030-01", Lang: "fi", Seq: 3, Run: 1,
			Answers: map[string]string{"consent": "yes", "age": "25_34"},
		},
		Applied: []int64{700_000_001, 700_000_003},
		Created: t0.Unix(),
		Updated: t0.Unix() + 60,
	}
}

func commit(t testing.TB, s *redisstore.Store, c *bot.Commit) {
	t.Helper()
	if err := s.Commit(context.Background(), c); err != nil {
		t.Fatalf("commit %s/%.6s: %v", c.Pilot, c.User, err)
	}
}

func load(t testing.TB, s *redisstore.Store, user string) *bot.Session {
	t.Helper()
	sess, err := s.Load(context.Background(), user)
	if err != nil {
		t.Fatalf("load %.6s: %v", user, err)
	}
	return sess
}

// start commits a new session in pilot, pointing the user at it first, as
// the service does.
func start(t testing.TB, s *redisstore.Store, user, pilot string, c *bot.Commit) *bot.Session {
	t.Helper()
	if c == nil {
		c = &bot.Commit{}
	}
	c.User, c.Pilot, c.Point = user, pilot, true
	if c.Session == nil {
		c.Session = session(pilot, 42)
	}
	commit(t, s, c)
	return c.Session
}

func copySession(s *bot.Session) *bot.Session {
	c := *s
	c.Flow.Answers = maps(s.Flow.Answers)
	c.Applied = slices.Clone(s.Applied)
	return &c
}

func maps(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func testLoadCommit(t *testing.T, e *env) {
	ctx := t.Context()
	user := pseudonym()
	if sess, err := e.s.Load(ctx, user); sess != nil || err != nil {
		t.Fatalf("Load(unknown) = %+v, %v; want nil, nil", sess, err)
	}
	if recs, err := e.s.Answers(ctx, user); len(recs) != 0 || err != nil {
		t.Fatalf("Answers(unknown) = %v, %v; want none", recs, err)
	}

	first := session("turku", 4242)
	start(t, e.s, user, "turku", &bot.Commit{Session: first, TTL: time.Hour})
	got := load(t, e.s, user)
	if got == nil || got.Rev <= 0 {
		t.Fatalf("Load after the first commit = %+v; want a session with Rev > 0", got)
	}
	if got.Rev != first.Rev {
		t.Errorf("Load Rev = %d, Commit set Rev = %d", got.Rev, first.Rev)
	}
	if !reflect.DeepEqual(got, first) {
		t.Errorf("Load = %+v\nwant %+v", got, first)
	}

	// A commit with the loaded Rev succeeds and bumps it.
	rev1 := got.Rev
	got.Flow.Node = "q_next"
	got.Flow.Answers["q_satisfaction"] = "4"
	got.Applied = append(got.Applied, 700_000_002)
	got.Updated++
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: got, TTL: time.Hour,
		Answers: []bot.Record{{User: user, Run: 1, Node: "q_satisfaction", Result: "satisfaction", Kind: flow.KindRating, Value: "4", Lang: "fi", Version: "2030-01", At: t0.UnixMilli()}},
		Day:     "2030-01-01", Counts: map[string]int64{"answers": 1},
		Prompts: []bot.Prompt{{Kind: flow.PromptReminder, Node: "q_next", Seq: 4, Due: t0.Add(time.Hour)}},
	})
	if got.Rev <= rev1 {
		t.Fatalf("Commit Rev = %d, want > %d", got.Rev, rev1)
	}
	second := load(t, e.s, user)
	if !reflect.DeepEqual(second, got) {
		t.Fatalf("Load = %+v\nwant %+v", second, got)
	}
	if !second.HasApplied(700_000_002) || !second.HasApplied(700_000_001) || second.HasApplied(700_000_004) {
		t.Errorf("Applied after reload = %v", second.Applied)
	}

	// Stale, zero and future revisions conflict and change nothing.
	before := e.snapshot(t)
	for _, rev := range []int64{rev1, 0, second.Rev + 1} {
		stale := copySession(second)
		stale.Rev = rev
		stale.Flow.Node = "q_stale"
		err := e.s.Commit(ctx, &bot.Commit{User: user, Pilot: "turku", Session: stale, TTL: time.Hour,
			Answers: []bot.Record{{User: user, Run: 1, Node: "q_stale", Result: "stale", Kind: flow.KindText, Text: "lost", Lang: "fi", At: t0.UnixMilli() + 1}},
			Day:     "2030-01-01", Counts: map[string]int64{"answers": 1, "stale": 1},
			CohortDay: "2029-12-31", Cohort: map[string]int64{"completed_of_started": 1},
			Cancel: true, Release: []flow.PromptKind{flow.PromptReminder},
			Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q_stale", Seq: 9, Due: t0}},
			Out:     []bot.Out{{Chat: 4242, Text: "never sent"}},
			Once:    "stale-once", OnceTTL: time.Hour,
		})
		if !errors.Is(err, bot.ErrConflict) {
			t.Errorf("Commit with Rev %d (current %d) = %v, want ErrConflict", rev, second.Rev, err)
		}
		if stale.Rev != rev {
			t.Errorf("a conflicting Commit changed the session's Rev from %d to %d", rev, stale.Rev)
		}
		if after := e.snapshot(t); !reflect.DeepEqual(after, before) {
			t.Errorf("a conflicting Commit with Rev %d changed the store:%s", rev, diff(before, after))
		}
	}
	if now := load(t, e.s, user); !reflect.DeepEqual(now, second) {
		t.Errorf("Load after conflicts = %+v\nwant %+v", now, second)
	}

	// A commit without a session leaves it alone; Drop deletes it.
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Day: "2030-01-01", Counts: map[string]int64{"x": 1}})
	if now := load(t, e.s, user); !reflect.DeepEqual(now, second) {
		t.Errorf("Load after a commit without a session = %+v\nwant %+v", now, second)
	}
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Drop: true})
	if sess := load(t, e.s, user); sess != nil {
		t.Errorf("Load after Drop = %+v, want nil", sess)
	}
	if n, err := e.rdb.Exists(ctx, e.sessionKey("turku", user)).Result(); err != nil || n != 0 {
		t.Errorf("session key after Drop: exists=%d err=%v", n, err)
	}
	// The answers outlive the dropped session.
	if recs, err := e.s.Answers(ctx, user); err != nil || len(recs) != 1 {
		t.Errorf("Answers after Drop = %d, %v; want the 1 answer", len(recs), err)
	}
	// A new session after Drop starts at revision 0.
	again := session("turku", 4242)
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: again, TTL: time.Hour})
	if got := load(t, e.s, user); got == nil || got.Rev != again.Rev {
		t.Errorf("Load after a new session = %+v, want Rev %d", got, again.Rev)
	}
}

func testConcurrentCommits(t *testing.T, e *env) {
	user := pseudonym()
	base := start(t, e.s, user, "turku", nil)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s := copySession(base)
			s.Chat = int64(i)
			errs[i] = e.s.Commit(t.Context(), &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: time.Hour,
				Day: "2030-01-01", Counts: map[string]int64{"won": 1},
				Answers: []bot.Record{{User: user, Node: "q" + strconv.Itoa(i), Kind: flow.KindText, At: t0.UnixMilli()}}})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, bot.ErrConflict):
			t.Errorf("commit %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d commits with the same Rev succeeded, want exactly 1", won, n)
	}
	if got := load(t, e.s, user); got.Rev != base.Rev+1 {
		t.Errorf("Rev = %d, want %d", got.Rev, base.Rev+1)
	}
	// Only the winner's answer and counter were written.
	recs, err := e.s.Answers(t.Context(), user)
	if err != nil || len(recs) != 1 {
		t.Errorf("Answers = %d, %v; want exactly the winner's one", len(recs), err)
	}
	if c, err := e.s.Counters(t.Context(), "turku", nil); err != nil || c["won"] != 1 {
		t.Errorf("counter won = %d, %v; want 1", c["won"], err)
	}
}

func testAnswers(t *testing.T, e *env) {
	ctx := t.Context()
	user, other := pseudonym(), pseudonym()
	at := t0.UnixMilli()
	rec := func(run int, node string, kind flow.Kind, value, text string, media *flow.Media, lang string) bot.Record {
		at += 1000
		return bot.Record{User: user, Run: run, Node: node, Result: node + "_r", Kind: kind, Value: value, Text: text,
			Media: media, Lang: lang, Version: "v" + strconv.Itoa(run), At: at}
	}
	// How a step reaches its pilot's session.
	const (
		begin = iota // a first session there
		goOn         // the session of the step before
		back         // the session left there before, current again
	)
	steps := []struct {
		pilot   string
		how     int
		answers []bot.Record
	}{
		{"turku", begin, []bot.Record{
			rec(1, "consent", flow.KindConsent, "yes", "", nil, "fi"),
			rec(1, "q_rate", flow.KindRating, "5", "", nil, "fi"),
		}},
		{"turku", goOn, []bot.Record{rec(1, "q_text", flow.KindText, "", "Bussit myöhässä | aina \"joka\" päivä\n", nil, "fi")}},
		{"turku", goOn, nil},
		{"tampere", begin, []bot.Record{
			rec(1, "q_voice", flow.KindText, "", "", &flow.Media{Type: "voice", FileID: "AwACAgQAAxkBAAI", Duration: 12}, "sv"),
			rec(1, "q_skip", flow.KindChoice, flow.Skipped, "", nil, "sv"),
		}},
		{"tampere", goOn, []bot.Record{rec(2, "q_photo", flow.KindText, "", "caption", &flow.Media{Type: "photo", FileID: "AgACAgQAAxkBAAI"}, "sv")}},
		{"turku", back, []bot.Record{rec(2, "q_num", flow.KindNumber, "42", "", nil, "en")}},
		{"turku", goOn, []bot.Record{rec(2, "q_yes", flow.KindYesNo, "no", "", nil, "en"), rec(2, "q_dk", flow.KindRating, flow.DontKnow, "", nil, "en")}},
	}
	var want []bot.Record
	var sess *bot.Session
	var tampere *bot.Session
	for i, st := range steps {
		switch st.how {
		case begin:
			sess = start(t, e.s, user, st.pilot, &bot.Commit{Answers: st.answers, TTL: time.Hour})
		case back:
			left, err := e.s.LoadPilot(ctx, user, st.pilot)
			if err != nil || left == nil {
				t.Fatalf("step %d: LoadPilot(%s) = %+v, %v; want the session left there", i, st.pilot, left, err)
			}
			tampere, sess = sess, left
			sess.Updated++
			commit(t, e.s, &bot.Commit{User: user, Pilot: st.pilot, Point: true, Session: sess, TTL: time.Hour, Answers: st.answers})
		default:
			sess.Updated++
			commit(t, e.s, &bot.Commit{User: user, Pilot: st.pilot, Session: sess, TTL: time.Hour, Answers: st.answers})
		}
		// Another citizen answering in between must not show up.
		commit(t, e.s, &bot.Commit{User: other, Pilot: st.pilot, Answers: []bot.Record{{User: other, Node: "x" + strconv.Itoa(i), Kind: flow.KindText, At: at}}})
		for _, r := range st.answers {
			r.Pilot = st.pilot
			want = append(want, r)
		}
	}
	got, err := e.s.Answers(ctx, user)
	if err != nil {
		t.Fatalf("Answers: %v", err)
	}
	ids := make([]string, len(got))
	for i := range got {
		ids[i] = got[i].ID
		got[i].ID = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Answers =\n%s\nwant\n%s", dump(got), dump(want))
	}
	// IDs are "<user>|<n>": numbered from 1 in each pilot, in order.
	next := map[string]int{}
	for i, id := range ids {
		u, n, ok := strings.Cut(id, "|")
		seq, err := strconv.Atoi(n)
		if !ok || err != nil || u != user {
			t.Fatalf("answer %d has id %q, want %s|<n>", i, id, user)
		}
		next[want[i].Pilot]++
		if seq != next[want[i].Pilot] {
			t.Errorf("answer %d in %s has number %d, want %d", i, want[i].Pilot, seq, next[want[i].Pilot])
		}
	}
	// Pointing at another pilot kept the session there as it was left,
	// with its answers: the citizen can go back to it.
	if left, err := e.s.LoadPilot(ctx, user, "tampere"); err != nil || left == nil || left.Rev != tampere.Rev || left.Updated != tampere.Updated {
		t.Errorf("session in the pilot left behind = %+v, %v; want %+v", left, err, tampere)
	}
	if cur := load(t, e.s, user); cur == nil || cur.Pilot != "turku" || cur.Rev != sess.Rev {
		t.Errorf("Load = %+v, want the turku session", cur)
	}

	// Answers given in one commit at the same millisecond keep their order.
	same := make([]bot.Record, 12)
	for i := range same {
		same[i] = bot.Record{User: other, Node: fmt.Sprintf("same%02d", i), Kind: flow.KindText, At: at + 5000}
	}
	commit(t, e.s, &bot.Commit{User: other, Pilot: "oulu", Point: true, Answers: same})
	recs, err := e.s.Answers(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, r := range recs {
		if r.Pilot == "oulu" {
			nodes = append(nodes, r.Node)
		}
	}
	if !slices.IsSorted(nodes) || len(nodes) != len(same) {
		t.Errorf("answers of one millisecond came back as %v, want same00..same11 in order", nodes)
	}
}

// testPilotAnswers reads a pilot's answers across citizens, as digests
// and exports do.
func testPilotAnswers(t *testing.T, e *env) {
	ctx := t.Context()
	users := []string{pseudonym(), pseudonym(), pseudonym()}
	var want []string
	for i := range 30 {
		u := users[i%3]
		// Times go back and forth between commits; ties share a millisecond.
		at := t0.Add(time.Duration(i/2) * time.Second).UnixMilli()
		node := fmt.Sprintf("q%02d", i)
		commit(t, e.s, &bot.Commit{User: u, Pilot: "turku", Answers: []bot.Record{{User: u, Node: node, Kind: flow.KindText, Text: "t" + node, At: at}}})
		want = append(want, node)
	}
	commit(t, e.s, &bot.Commit{User: users[0], Pilot: "tampere", Answers: []bot.Record{{User: users[0], Node: "elsewhere", At: t0.UnixMilli()}}})

	var got []string
	err := e.s.EachAnswer(ctx, "turku", func(r bot.Record) error {
		if r.Pilot != "turku" || r.Text != "t"+r.Node || !strings.HasPrefix(r.ID, r.User+"|") {
			t.Errorf("EachAnswer gave %+v", r)
		}
		got = append(got, r.Node)
		return nil
	})
	if err != nil {
		t.Fatalf("EachAnswer: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("EachAnswer order = %v\nwant %v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := e.s.EachAnswer(ctx, "turku", func(bot.Record) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("EachAnswer with a failing callback = %v after %d calls, want its error after 1", err, n)
	}

	recent, err := e.s.RecentAnswers(ctx, "turku", t0.Add(10*time.Second), 4)
	if err != nil {
		t.Fatalf("RecentAnswers: %v", err)
	}
	var newest []string
	for _, r := range recent {
		newest = append(newest, r.Node)
	}
	if w := []string{"q29", "q28", "q27", "q26"}; !slices.Equal(newest, w) {
		t.Errorf("RecentAnswers(max 4) = %v, want %v", newest, w)
	}
	recent, err = e.s.RecentAnswers(ctx, "turku", t0.Add(14*time.Second), 100)
	if err != nil || len(recent) != 2 {
		t.Errorf("RecentAnswers since the last second = %d answers, %v; want 2", len(recent), err)
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func testCounters(t *testing.T, e *env) {
	ctx := t.Context()
	u1, u2 := pseudonym(), pseudonym()
	commit(t, e.s, &bot.Commit{User: u1, Pilot: "turku", Day: "2030-01-01", Counts: map[string]int64{"starts": 1, "answers": 3}})
	commit(t, e.s, &bot.Commit{User: u2, Pilot: "turku", Day: "2030-01-01", Counts: map[string]int64{"answers": 2, "done": 1}})
	commit(t, e.s, &bot.Commit{User: u1, Pilot: "turku", Day: "2030-01-02", Counts: map[string]int64{"answers": 1, "skips": -1}})
	commit(t, e.s, &bot.Commit{User: u1, Pilot: "tampere", Day: "2030-01-02", Counts: map[string]int64{"starts": 1}})
	tests := []struct {
		key  string
		want map[string]string
		ttl  bool
	}{
		{e.dayKey("turku", "2030-01-01"), map[string]string{"starts": "1", "answers": "5", "done": "1"}, true},
		{e.dayKey("turku", "2030-01-02"), map[string]string{"answers": "1", "skips": "-1"}, true},
		{e.allKey("turku"), map[string]string{"starts": "1", "answers": "6", "done": "1", "skips": "-1"}, false},
		{e.dayKey("tampere", "2030-01-02"), map[string]string{"starts": "1"}, true},
		{e.allKey("tampere"), map[string]string{"starts": "1"}, false},
	}
	for _, tt := range tests {
		got, err := e.rdb.HGetAll(ctx, tt.key).Result()
		if err != nil {
			t.Fatalf("HGETALL %s: %v", tt.key, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.key, got, tt.want)
		}
		if tt.ttl {
			if ttl, err := e.rdb.PTTL(ctx, tt.key).Result(); err != nil || ttl <= 0 {
				t.Errorf("PTTL %s = %v, %v; want a TTL on a day's counters", tt.key, ttl, err)
			}
		}
	}
}

// promptState reads the raw prompt keys of a pilot: member -> payload and
// member -> score.
func (e *env) promptState(t *testing.T, pilot string) (map[string]string, map[string]float64) {
	t.Helper()
	ctx := t.Context()
	pr, err := e.rdb.HGetAll(ctx, e.promptKey(pilot)).Result()
	if err != nil {
		t.Fatalf("HGETALL: %v", err)
	}
	zs, err := e.rdb.ZRangeWithScores(ctx, e.dueKey(pilot), 0, -1).Result()
	if err != nil {
		t.Fatalf("ZRANGE: %v", err)
	}
	due := map[string]float64{}
	for _, z := range zs {
		due[z.Member.(string)] = z.Score
	}
	return pr, due
}

func payload(p bot.Prompt) string {
	return p.Node + "|" + strconv.Itoa(p.Seq) + "|" + strconv.FormatInt(p.Due.UnixMilli(), 10)
}

func testPrompts(t *testing.T, e *env) {
	fu := func(node string, seq int, d time.Duration) bot.Prompt {
		return bot.Prompt{Kind: flow.PromptFollowUp, Node: node, Seq: seq, Due: t0.Add(d)}
	}
	rem := func(node string, seq int, d time.Duration) bot.Prompt {
		return bot.Prompt{Kind: flow.PromptReminder, Node: node, Seq: seq, Due: t0.Add(d)}
	}
	tests := []struct {
		name   string
		before []bot.Prompt // scheduled first
		commit bot.Commit   // then this commit (User, Pilot filled in)
		want   []bot.Prompt
	}{
		{"schedule", nil, bot.Commit{Prompts: []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)}},
			[]bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)}},
		{"same kind replaces", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Prompts: []bot.Prompt{fu("q2", 2, 2*time.Hour)}},
			[]bot.Prompt{fu("q2", 2, 2*time.Hour), rem("q1", 1, 24*time.Hour)}},
		{"same kind twice in one commit", nil, bot.Commit{Prompts: []bot.Prompt{rem("q1", 1, time.Hour), rem("q2", 2, 3*time.Hour)}},
			[]bot.Prompt{rem("q2", 2, 3*time.Hour)}},
		{"cancel", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Cancel: true}, nil},
		{"cancel before new prompts", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Cancel: true, Prompts: []bot.Prompt{rem("q3", 3, 48*time.Hour)}},
			[]bot.Prompt{rem("q3", 3, 48*time.Hour)}},
		{"release one kind", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Release: []flow.PromptKind{flow.PromptFollowUp}},
			[]bot.Prompt{rem("q1", 1, 24*time.Hour)}},
		{"release both kinds", []bot.Prompt{fu("q1", 1, time.Hour), rem("q1", 1, 24*time.Hour)},
			bot.Commit{Release: []flow.PromptKind{flow.PromptFollowUp, flow.PromptReminder}}, nil},
		{"release before new prompts", []bot.Prompt{fu("q1", 1, time.Hour)},
			bot.Commit{Release: []flow.PromptKind{flow.PromptFollowUp}, Prompts: []bot.Prompt{fu("q2", 2, 2*time.Hour)}},
			[]bot.Prompt{fu("q2", 2, 2*time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pilot := "p" + strconv.FormatUint(rand.Uint64(), 36)
			user, other := pseudonym(), pseudonym()
			otherPrompts := []bot.Prompt{fu("o1", 7, time.Minute), rem("o1", 7, time.Hour)}
			commit(t, e.s, &bot.Commit{User: other, Pilot: pilot, Prompts: otherPrompts})
			if tt.before != nil {
				commit(t, e.s, &bot.Commit{User: user, Pilot: pilot, Prompts: tt.before})
			}
			c := tt.commit
			c.User, c.Pilot = user, pilot
			commit(t, e.s, &c)
			wantPr, wantDue := map[string]string{}, map[string]float64{}
			for _, x := range []struct {
				u  string
				ps []bot.Prompt
			}{{user, tt.want}, {other, otherPrompts}} {
				for _, p := range x.ps {
					m := x.u + "|" + string(p.Kind)
					wantPr[m], wantDue[m] = payload(p), float64(p.Due.UnixMilli())
				}
			}
			pr, due := e.promptState(t, pilot)
			if !reflect.DeepEqual(pr, wantPr) {
				t.Errorf("prompt hash = %v\nwant %v", pr, wantPr)
			}
			if !reflect.DeepEqual(due, wantDue) {
				t.Errorf("due set = %v\nwant %v", due, wantDue)
			}
		})
	}
}

func claim(t *testing.T, s *redisstore.Store, pilot string, now time.Time, lease time.Duration, max int) []bot.Due {
	t.Helper()
	got, err := s.ClaimDue(t.Context(), pilot, now, lease, max)
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	if len(got) > max {
		t.Fatalf("ClaimDue(max %d) returned %d", max, len(got))
	}
	return got
}

// sameDue compares claimed prompts by value, ignoring time zones.
func sameDue(got, want []bot.Due) bool {
	if len(got) != len(want) {
		return false
	}
	key := func(d bot.Due) string {
		return fmt.Sprintf("%s|%s|%s|%d|%d", d.User, d.Kind, d.Node, d.Seq, d.Due.UnixMilli())
	}
	a, b := make([]string, len(got)), make([]string, len(want))
	for i := range got {
		a[i], b[i] = key(got[i]), key(want[i])
	}
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func fmtDue(ds []bot.Due) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %s %s %s/%d at %s", d.User[:6], d.Kind, d.Node, d.Seq, d.Due.UTC().Format(time.RFC3339Nano))
	}
	return b.String()
}

func testClaimDue(t *testing.T, e *env) {
	now := t0
	const lease = time.Minute
	u := make([]string, 7)
	for i := range u {
		u[i] = pseudonym()
	}
	due := func(user string, kind flow.PromptKind, node string, seq int, d time.Duration) bot.Due {
		return bot.Due{User: user, Prompt: bot.Prompt{Kind: kind, Node: node, Seq: seq, Due: now.Add(d)}}
	}
	var (
		d0 = due(u[0], flow.PromptFollowUp, "q1", 1, -10*time.Minute)
		d1 = due(u[1], flow.PromptReminder, "q2", 5, -5*time.Minute)
		d2 = due(u[2], flow.PromptFollowUp, "q3", 2, 0) // due exactly now
		d3 = due(u[3], flow.PromptFollowUp, "q4", 3, time.Millisecond)
		d4 = due(u[4], flow.PromptReminder, "q5", 4, time.Hour)
		d5 = due(u[5], flow.PromptReminder, "q6", 6, -time.Hour) // another pilot
		d6 = due(u[6], flow.PromptReminder, "q7", 7, 30*time.Second)
	)
	for _, d := range []bot.Due{d4, d3, d2, d1, d0, d6} {
		commit(t, e.s, &bot.Commit{User: d.User, Pilot: "turku", Prompts: []bot.Prompt{d.Prompt}})
	}
	commit(t, e.s, &bot.Commit{User: d5.User, Pilot: "tampere", Prompts: []bot.Prompt{d5.Prompt}})

	steps := []struct {
		name string
		now  time.Time
		max  int
		want []bot.Due
	}{
		{"earliest first, at most max", now, 2, []bot.Due{d0, d1}},
		{"due exactly now, never future ones", now, 100, []bot.Due{d2}},
		{"claimed ones stay hidden", now, 100, nil},
		{"zero max", now.Add(time.Hour), 0, nil},
		{"before the lease ends", now.Add(lease - time.Millisecond), 100, []bot.Due{d3, d6}},
		{"after the lease ends", now.Add(lease + time.Millisecond), 100, []bot.Due{d0, d1, d2}},
		{"leased again", now.Add(lease + time.Millisecond), 100, nil},
		{"much later", now.Add(2 * time.Hour), 100, []bot.Due{d0, d1, d2, d3, d4, d6}},
	}
	for _, st := range steps {
		got := claim(t, e.s, "turku", st.now, lease, max(st.max, 0))
		if !sameDue(got, st.want) {
			t.Errorf("%s: ClaimDue(now%+v, max %d) =%s\nwant%s", st.name, st.now.Sub(now), st.max, fmtDue(got), fmtDue(st.want))
		}
	}
	if got := claim(t, e.s, "tampere", now, lease, 10); !sameDue(got, []bot.Due{d5}) {
		t.Errorf("ClaimDue(tampere) =%s\nwant%s", fmtDue(got), fmtDue([]bot.Due{d5}))
	}
	if got := claim(t, e.s, "nowhere", now, lease, 10); len(got) != 0 {
		t.Errorf("ClaimDue(empty pilot) =%s", fmtDue(got))
	}
}

func testRelease(t *testing.T, e *env) {
	ctx := t.Context()
	now := t0
	a, b, c := pseudonym(), pseudonym(), pseudonym()
	sa := start(t, e.s, a, "turku", &bot.Commit{TTL: time.Hour, Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: now.Add(-time.Minute)}}})
	sb := start(t, e.s, b, "turku", &bot.Commit{TTL: time.Hour, Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: now.Add(-time.Minute)}}})
	_ = start(t, e.s, c, "turku", &bot.Commit{TTL: time.Hour, Prompts: []bot.Prompt{
		{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: now.Add(-time.Minute)},
		{Kind: flow.PromptReminder, Node: "q1", Seq: 1, Due: now.Add(time.Hour)},
	}})
	claimed := claim(t, e.s, "turku", now, time.Minute, 10)
	if len(claimed) != 3 {
		t.Fatalf("claimed %d, want 3:%s", len(claimed), fmtDue(claimed))
	}
	byUser := map[string]bot.Due{}
	for _, d := range claimed {
		byUser[d.User] = d
	}

	// b's prompt is rescheduled by a commit after the claim.
	sb.Flow.Seq = 2
	resched := bot.Prompt{Kind: flow.PromptFollowUp, Node: "q2", Seq: 2, Due: now.Add(10 * time.Minute)}
	commit(t, e.s, &bot.Commit{User: b, Pilot: "turku", Session: sb, TTL: time.Hour, Release: []flow.PromptKind{flow.PromptFollowUp}, Prompts: []bot.Prompt{resched}})
	// a's is cancelled and c's due prompt released by commits.
	commit(t, e.s, &bot.Commit{User: a, Pilot: "turku", Session: sa, TTL: time.Hour, Cancel: true})

	for _, u := range []string{a, b, c} {
		if err := e.s.Release(ctx, "turku", byUser[u]); err != nil {
			t.Fatalf("Release: %v", err)
		}
	}
	pr, due := e.promptState(t, "turku")
	wantPr := map[string]string{
		b + "|followup": payload(resched),
		c + "|reminder": payload(bot.Prompt{Node: "q1", Seq: 1, Due: now.Add(time.Hour)}),
	}
	wantDue := map[string]float64{
		b + "|followup": float64(resched.Due.UnixMilli()),
		c + "|reminder": float64(now.Add(time.Hour).UnixMilli()),
	}
	if !reflect.DeepEqual(pr, wantPr) {
		t.Errorf("prompt hash after Release = %v\nwant %v", pr, wantPr)
	}
	if !reflect.DeepEqual(due, wantDue) {
		t.Errorf("due set after Release = %v\nwant %v", due, wantDue)
	}
	// The rescheduled prompt fires at its new time with its new payload.
	got := claim(t, e.s, "turku", resched.Due, time.Minute, 10)
	if want := []bot.Due{{User: b, Prompt: resched}}; !sameDue(got, want) {
		t.Errorf("ClaimDue after Release =%s\nwant%s", fmtDue(got), fmtDue(want))
	}
	// Releasing something already gone is harmless.
	if err := e.s.Release(ctx, "turku", byUser[a]); err != nil {
		t.Errorf("Release again: %v", err)
	}
}

func testConcurrentClaims(t *testing.T, e *env) {
	const users, replicas = 300, 3
	now := t0
	want := map[string]bool{}
	for i := range users {
		u := pseudonym()
		want[u] = true
		commit(t, e.s, &bot.Commit{User: u, Pilot: "turku", Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q", Seq: i, Due: now.Add(-time.Duration(i) * time.Second)}}})
	}
	got := make([][]bot.Due, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for r := range replicas {
		wg.Go(func() {
			<-begin
			// Bounded, so that a store handing out prompts again and again
			// fails the test instead of hanging it.
			for range users {
				ds, err := e.s.ClaimDue(t.Context(), "turku", now, time.Hour, 7)
				if err != nil {
					errs[r] = err
					return
				}
				if len(ds) == 0 {
					return
				}
				got[r] = append(got[r], ds...)
			}
		})
	}
	close(begin)
	wg.Wait()
	seen := map[string]int{}
	for r := range replicas {
		if errs[r] != nil {
			t.Fatalf("replica %d: %v", r, errs[r])
		}
		for _, d := range got[r] {
			if seen[d.User] != 0 {
				t.Errorf("prompt of %s claimed by replicas %d and %d", d.User[:6], seen[d.User]-1, r)
			}
			seen[d.User] = r + 1
		}
	}
	for u := range want {
		if seen[u] == 0 {
			t.Errorf("prompt of %s never claimed", u[:6])
		}
	}
	if len(seen) != users {
		t.Errorf("claimed %d distinct prompts, want %d", len(seen), users)
	}
	t.Logf("replicas claimed %d, %d and %d prompts", len(got[0]), len(got[1]), len(got[2]))
}

// history gives a citizen a realistic past: answers, counters and prompts
// in turku, then in tampere (the current pilot), a once marker, and in the
// inbox an update waiting and a dead letter.
func history(t *testing.T, e *env, chat int64, user string) {
	t.Helper()
	ctx := t.Context()
	rec := func(node string) bot.Record {
		return bot.Record{User: user, Run: 1, Node: node, Result: node, Kind: flow.KindText, Text: "about " + user[:4], Lang: "fi", Version: "v1", At: t0.UnixMilli()}
	}
	s := start(t, e.s, user, "turku", &bot.Commit{TTL: time.Hour, Day: "2030-01-01", Counts: map[string]int64{"starts": 1},
		Answers: []bot.Record{rec("consent"), rec("q1")},
		Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: t0.Add(time.Hour)}}})
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: time.Hour, Day: "2030-01-01", Counts: map[string]int64{"answers": 1},
		Answers: []bot.Record{rec("q2")},
		Prompts: []bot.Prompt{{Kind: flow.PromptReminder, Node: "q2", Seq: 2, Due: t0.Add(2 * time.Hour)}}})
	s = start(t, e.s, user, "tampere", &bot.Commit{TTL: time.Hour, Day: "2030-01-02", Counts: map[string]int64{"starts": 1},
		Answers: []bot.Record{rec("consent")},
		Prompts: []bot.Prompt{
			{Kind: flow.PromptFollowUp, Node: "q1", Seq: 1, Due: t0.Add(-time.Hour)},
			{Kind: flow.PromptReminder, Node: "q1", Seq: 1, Due: t0.Add(time.Hour)},
		}})
	commit(t, e.s, &bot.Commit{User: user, Pilot: "tampere", Session: s, TTL: time.Hour, Answers: []bot.Record{rec("q1")}})
	// The turku prompts stayed when the citizen pointed at tampere (they
	// can come back to it); a late commit of the old pilot replaces its
	// reminder.
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Prompts: []bot.Prompt{{Kind: flow.PromptReminder, Node: "q9", Seq: 9, Due: t0}}})
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Once: "welcome:" + user[:8], OnceTTL: time.Hour})
	// In the inbox: one update became a dead letter, one waits.
	now := time.Now()
	for range 2 {
		push(t, e.s, bot.InboxEntry{Update: 1 + rand.Int64N(1<<40), Chat: chat, Received: now.UnixMilli(), Raw: json.RawMessage(`{"text":"about ` + user[:4] + `"}`)}, 10)
	}
	c := claimIn(t, e.s, redisstore.ShardOf(user), now, time.Minute, 1)
	if len(c) != 1 || c[0].Chat != user {
		t.Fatalf("claimed %+v, want the citizen's chat", c)
	}
	if dead, err := e.s.FailIn(ctx, c[0], "broken", 1, now, now); err != nil || !dead {
		t.Fatalf("FailIn = %v, %v; want a dead letter", dead, err)
	}
}

func testForget(t *testing.T, e *env) {
	ctx := t.Context()
	// userData is what the store's API says about a user.
	type userData struct {
		sess    *bot.Session
		answers []bot.Record
	}
	read := func(t *testing.T, user string) userData {
		t.Helper()
		recs, err := e.s.Answers(ctx, user)
		if err != nil {
			t.Fatalf("Answers: %v", err)
		}
		return userData{load(t, e.s, user), recs}
	}
	// in keeps the keys of some pilots and the inbox (every Forget empties
	// the citizen's inbox).
	in := func(pilots ...string) func(string) bool {
		return func(k string) bool {
			if strings.HasPrefix(k, e.ns+":{in:") {
				return true
			}
			for _, p := range pilots {
				if strings.HasPrefix(k, e.tag(p)) {
					return true
				}
			}
			return false
		}
	}
	counters := func(t *testing.T) map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, k := range []string{e.dayKey("turku", "2030-01-01"), e.dayKey("tampere", "2030-01-02"), e.allKey("turku"), e.allKey("tampere")} {
			m, err := e.rdb.HGetAll(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			out[k] = fmt.Sprint(m)
		}
		return out
	}
	dead := func(t *testing.T) int {
		t.Helper()
		ds, err := e.s.DeadLetters(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(ds)
	}

	// Every citizen's chat gets an inbox shard of its own.
	var used []string
	apart := func() (int64, string) {
		chat, user := citizenApart(used...)
		used = append(used, user)
		return chat, user
	}

	t.Run("everywhere", func(t *testing.T) {
		chat, user := apart()
		otherChat, other := apart()
		history(t, e, chat, user)
		history(t, e, otherChat, other)
		if m := e.mentions(t, user, nil); len(m) == 0 {
			t.Fatal("the history left no trace to forget")
		}
		otherBefore := read(t, other)
		countersBefore := counters(t)
		if err := e.s.Forget(ctx, user, ""); err != nil {
			t.Fatalf("Forget: %v", err)
		}
		if m := e.mentions(t, user, nil); len(m) != 0 {
			t.Errorf("after Forget(user, \"\") the store still mentions the user:\n  %s", strings.Join(m, "\n  "))
		}
		if got := read(t, user); got.sess != nil || len(got.answers) != 0 {
			t.Errorf("after Forget: session %+v, %d answers", got.sess, len(got.answers))
		}
		if got := read(t, other); !reflect.DeepEqual(got, otherBefore) {
			t.Errorf("Forget changed another user's data:\n%s\nwant\n%s", dump(got), dump(otherBefore))
		}
		if len(e.mentions(t, other, nil)) == 0 {
			t.Error("Forget removed another user's traces")
		}
		if got := counters(t); !reflect.DeepEqual(got, countersBefore) {
			t.Errorf("Forget changed the counters: %v, want %v", got, countersBefore)
		}
		if n := dead(t); n != 1 {
			t.Errorf("%d dead letters after Forget, want the other citizen's 1", n)
		}
		if n, _, err := e.s.InboxDepth(ctx); err != nil || n != 1 {
			t.Errorf("InboxDepth after Forget = %d, %v; want the other citizen's 1 waiting update", n, err)
		}
		// Forgetting twice, or someone unknown, is harmless.
		if err := e.s.Forget(ctx, user, ""); err != nil {
			t.Errorf("Forget again: %v", err)
		}
		if err := e.s.Forget(ctx, pseudonym(), ""); err != nil {
			t.Errorf("Forget unknown: %v", err)
		}
	})

	tests := []struct {
		name  string
		order []string // pilots forgotten one by one; tampere is current
	}{
		{"old pilot then current", []string{"turku", "tampere"}},
		{"current pilot then old", []string{"tampere", "turku"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat, user := apart()
			otherChat, other := apart()
			history(t, e, chat, user)
			history(t, e, otherChat, other)
			full := read(t, user)
			otherBefore := read(t, other)
			gone := map[string]bool{}
			for i, p := range tt.order {
				if err := e.s.Forget(ctx, user, p); err != nil {
					t.Fatalf("Forget(%s): %v", p, err)
				}
				gone[p] = true
				if m := e.mentions(t, user, in(p)); len(m) != 0 {
					t.Errorf("after Forget(user, %s) the pilot or the inbox still mentions the user:\n  %s", p, strings.Join(m, "\n  "))
				}
				got := read(t, user)
				var wantAnswers []bot.Record
				for _, r := range full.answers {
					if !gone[r.Pilot] {
						wantAnswers = append(wantAnswers, r)
					}
				}
				if !reflect.DeepEqual(got.answers, wantAnswers) {
					t.Errorf("after forgetting %v, Answers =\n%s\nwant\n%s", tt.order[:i+1], dump(got.answers), dump(wantAnswers))
				}
				wantSess := full.sess
				if gone["tampere"] {
					wantSess = nil
				}
				if !reflect.DeepEqual(got.sess, wantSess) {
					t.Errorf("after forgetting %v, Load = %+v, want %+v", tt.order[:i+1], got.sess, wantSess)
				}
				ptr, err := e.rdb.HGetAll(ctx, e.pointerKey(user)).Result()
				if err != nil {
					t.Fatal(err)
				}
				delete(ptr, "t") // when it was last pointed
				wantPtr := map[string]string{}
				for _, q := range []string{"turku", "tampere"} {
					if !gone[q] {
						wantPtr["p:"+q] = "1"
					}
				}
				if !gone["tampere"] {
					wantPtr["pilot"] = "tampere"
				}
				if len(wantPtr) == 0 {
					wantPtr = map[string]string{}
				}
				if !reflect.DeepEqual(ptr, wantPtr) {
					t.Errorf("after forgetting %v, pointer = %v, want %v", tt.order[:i+1], ptr, wantPtr)
				}
			}
			if m := e.mentions(t, user, nil); len(m) != 0 {
				t.Errorf("after forgetting every pilot the store still mentions the user:\n  %s", strings.Join(m, "\n  "))
			}
			if n, _ := e.rdb.Exists(ctx, e.pointerKey(user)).Result(); n != 0 {
				t.Error("the pointer outlived the last pilot")
			}
			if got := read(t, other); !reflect.DeepEqual(got, otherBefore) {
				t.Errorf("Forget changed another user's data")
			}
		})
	}
}

// testPurge covers retention: Purge deletes a pilot's answers recorded
// before a time, and with them whatever named a citizen who has nothing
// else left in the pilot; PurgeDead does the same for dead letters.
func testPurge(t *testing.T, e *env) {
	ctx := t.Context()
	old, recent := t0.Add(-48*time.Hour), t0.Add(time.Hour)
	ans := func(user string, at ...time.Time) []bot.Record {
		var out []bot.Record
		for i, a := range at {
			out = append(out, bot.Record{User: user, Node: "q" + strconv.Itoa(i), Kind: flow.KindText, Text: "words of " + user[:6], At: a.UnixMilli()})
		}
		return out
	}
	// mixed has old and recent answers and a live session: keeps the recent.
	// gone has only old answers and no session: nothing of them stays.
	// live has only old answers and a live session: the session stays.
	// waiting has only old answers and a prompt still to come: it stays.
	// stale has only old answers and a prompt due long ago: nothing stays.
	// elsewhere also has data in tampere, untouched.
	// away has only old answers in turku, and only a session in tampere,
	// left for turku: the pointer stays, so that they can go back to it
	// and /forget finds it.
	mixed, gone, live, waiting, stale, elsewhere, away := pseudonym(), pseudonym(), pseudonym(), pseudonym(), pseudonym(), pseudonym(), pseudonym()
	start(t, e.s, mixed, "turku", &bot.Commit{TTL: time.Hour, Answers: ans(mixed, old, old.Add(time.Minute), recent)})
	start(t, e.s, gone, "turku", &bot.Commit{TTL: time.Hour, Answers: ans(gone, old)})
	commit(t, e.s, &bot.Commit{User: gone, Pilot: "turku", Drop: true})
	// The last question message of a session that expired.
	if err := e.rdb.Set(ctx, e.tag("turku")+":q:"+gone, "q0|3|7001", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	start(t, e.s, live, "turku", &bot.Commit{TTL: time.Hour, Answers: ans(live, old)})
	start(t, e.s, waiting, "turku", &bot.Commit{TTL: time.Hour, Answers: ans(waiting, old),
		Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q", Seq: 1, Due: t0.Add(24 * time.Hour)}}})
	commit(t, e.s, &bot.Commit{User: waiting, Pilot: "turku", Drop: true})
	start(t, e.s, stale, "turku", &bot.Commit{TTL: time.Hour, Answers: ans(stale, old),
		Prompts: []bot.Prompt{{Kind: flow.PromptReminder, Node: "q", Seq: 1, Due: old.Add(time.Hour)}}})
	commit(t, e.s, &bot.Commit{User: stale, Pilot: "turku", Drop: true})
	start(t, e.s, elsewhere, "tampere", &bot.Commit{TTL: time.Hour, Answers: ans(elsewhere, old)})
	start(t, e.s, elsewhere, "turku", &bot.Commit{TTL: time.Hour, Answers: ans(elsewhere, old)})
	commit(t, e.s, &bot.Commit{User: elsewhere, Pilot: "turku", Drop: true})
	start(t, e.s, away, "tampere", &bot.Commit{TTL: time.Hour})
	start(t, e.s, away, "turku", &bot.Commit{TTL: time.Hour, Answers: ans(away, old)})
	commit(t, e.s, &bot.Commit{User: away, Pilot: "turku", Drop: true})
	counters, err := e.s.Counters(ctx, "turku", nil)
	if err != nil {
		t.Fatal(err)
	}

	n, err := e.s.Purge(ctx, "turku", t0)
	if err != nil || n != 8 {
		t.Fatalf("Purge = %d, %v; want the 8 old answers", n, err)
	}
	var left []string
	if err := e.s.EachAnswer(ctx, "turku", func(r bot.Record) error { left = append(left, r.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{mixed + "|3"}; !slices.Equal(left, want) {
		t.Errorf("answers left in turku = %v, want %v", left, want)
	}
	turkuOnly := func(k string) bool { return strings.HasPrefix(k, e.tag("turku")) || strings.HasPrefix(k, e.ns+":u:") }
	for _, u := range []string{gone, stale} {
		if m := e.mentions(t, u, nil); len(m) != 0 {
			t.Errorf("after Purge the store still mentions a citizen with nothing left:\n  %s", strings.Join(m, "\n  "))
		}
	}
	if m := e.mentions(t, elsewhere, turkuOnly); len(m) != 1 || !strings.Contains(m[0], e.pointerKey(elsewhere)) {
		t.Errorf("after Purge, turku and the pointer mention a citizen with data in tampere as:\n  %s\nwant only the pointer", strings.Join(m, "\n  "))
	}
	if ptr, _ := e.rdb.HGetAll(ctx, e.pointerKey(elsewhere)).Result(); ptr["p:tampere"] != "1" || ptr["p:turku"] != "" {
		t.Errorf("pointer of a citizen with data in tampere = %v, want p:tampere only", ptr)
	}
	if got, err := e.s.Answers(ctx, elsewhere); err != nil || len(got) != 1 || got[0].Pilot != "tampere" {
		t.Errorf("Answers of a citizen with data in tampere = %v, %v", got, err)
	}
	if ptr, _ := e.rdb.HGetAll(ctx, e.pointerKey(away)).Result(); ptr["p:tampere"] != "1" || ptr["p:turku"] != "" {
		t.Errorf("pointer of a citizen with a session left in tampere = %v, want p:tampere only", ptr)
	}
	if s, err := e.s.LoadPilot(ctx, away, "tampere"); err != nil || s == nil {
		t.Errorf("Purge of turku lost the session left in tampere: %+v, %v", s, err)
	}
	if err := e.s.Forget(ctx, away, ""); err != nil {
		t.Fatal(err)
	}
	if m := e.mentions(t, away, nil); len(m) != 0 {
		t.Errorf("after Purge and /forget the store still mentions a citizen:\n  %s", strings.Join(m, "\n  "))
	}
	if s := load(t, e.s, live); s == nil || s.Pilot != "turku" {
		t.Errorf("Purge lost a live session: %+v", s)
	}
	if ptr, _ := e.rdb.HGetAll(ctx, e.pointerKey(waiting)).Result(); ptr["p:turku"] != "1" {
		t.Errorf("pointer of a citizen with a prompt to come = %v, want it kept so /forget finds the prompt", ptr)
	}
	if pr, _ := e.promptState(t, "turku"); len(pr) != 1 || pr[waiting+"|followup"] == "" {
		t.Errorf("prompts after Purge = %v, want only the one still to come", pr)
	}
	if after, err := e.s.Counters(ctx, "turku", nil); err != nil || !reflect.DeepEqual(after, counters) {
		t.Errorf("Purge changed the counters: %v, want %v", after, counters)
	}
	// Numbering goes on after the purge.
	commit(t, e.s, &bot.Commit{User: mixed, Pilot: "turku", Answers: ans(mixed, recent)})
	if got, _ := e.s.Answers(ctx, mixed); len(got) != 2 || got[1].ID != mixed+"|4" {
		t.Errorf("answers after a purge and a new answer = %s", dump(got))
	}
	if n, err := e.s.Purge(ctx, "turku", t0); err != nil || n != 0 {
		t.Errorf("Purge again = %d, %v; want nothing", n, err)
	}

	// Dead letters age out too.
	chatA, a := citizen()
	now := time.Now()
	for i, at := range []time.Time{now.Add(-72 * time.Hour), now} {
		push(t, e.s, bot.InboxEntry{Update: int64(900 + i), Chat: chatA, Received: at.UnixMilli()}, 10)
		c := claimIn(t, e.s, redisstore.ShardOf(a), now.Add(time.Duration(i)*time.Hour), time.Minute, 1)
		if len(c) != 1 {
			t.Fatalf("claimed %d, want 1", len(c))
		}
		if _, err := e.s.FailIn(ctx, c[0], "broken", 1, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.s.PurgeDead(ctx, now.Add(-24*time.Hour)); err != nil || n != 1 {
		t.Errorf("PurgeDead = %d, %v; want the one older dead letter", n, err)
	}
	ds, err := e.s.DeadLetters(ctx)
	if err != nil || len(ds) != 1 || ds[0].Entry.Update != 901 {
		t.Errorf("dead letters after PurgeDead = %+v, %v; want the recent one", ds, err)
	}
}

func testOnce(t *testing.T, e *env) {
	ctx := t.Context()
	user := pseudonym()
	c := func(name string) *bot.Commit {
		return &bot.Commit{User: user, Pilot: "turku", Once: name, OnceTTL: time.Hour,
			Session: session("turku", 7), TTL: time.Hour, Day: "2030-01-01", Counts: map[string]int64{"sent": 1},
			Answers: []bot.Record{{User: user, Node: "q", At: t0.UnixMilli()}},
			Prompts: []bot.Prompt{{Kind: flow.PromptFollowUp, Node: "q", Seq: 1, Due: t0}},
			Out:     []bot.Out{{Chat: 7, Text: "digest"}}}
	}
	if err := e.s.Commit(ctx, c("digest:2030-01-01")); err != nil {
		t.Fatalf("first commit with a once marker: %v", err)
	}
	before := e.snapshot(t)
	for range 2 {
		// The session's revision is current, so only the marker refuses it.
		again := c("digest:2030-01-01")
		again.Session = load(t, e.s, user)
		if err := e.s.Commit(ctx, again); !errors.Is(err, bot.ErrDone) {
			t.Errorf("a commit whose marker is set = %v, want ErrDone", err)
		}
		if after := e.snapshot(t); !reflect.DeepEqual(after, before) {
			t.Errorf("a commit refused by its marker changed the store:%s", diff(before, after))
		}
	}
	other := c("digest:2030-01-02")
	other.Session = load(t, e.s, user)
	if err := e.s.Commit(ctx, other); err != nil {
		t.Errorf("a commit with another marker: %v", err)
	}
	key := e.tag("turku") + ":once:digest:2030-01-01"
	if ttl, err := e.rdb.PTTL(ctx, key).Result(); err != nil || ttl <= time.Hour-10*time.Second || ttl > time.Hour {
		t.Errorf("PTTL of the once marker = %v, %v; want about an hour", ttl, err)
	}
	// Once the marker lapses (at least a second), the commit goes through again.
	short := func() *bot.Commit {
		return &bot.Commit{User: user, Pilot: "turku", Once: "notice", Day: "2030-01-01", Counts: map[string]int64{"notice": 1}}
	}
	commit(t, e.s, short())
	if err := e.s.Commit(ctx, short()); !errors.Is(err, bot.ErrDone) {
		t.Errorf("a commit whose short marker is set = %v, want ErrDone", err)
	}
	e.elapse(1100 * time.Millisecond)
	if err := e.s.Commit(ctx, short()); err != nil {
		t.Errorf("a commit after its marker lapsed: %v", err)
	}
	if c, err := e.s.Counters(ctx, "turku", nil); err != nil || c["notice"] != 2 {
		t.Errorf("counter of the once commits = %d, %v; want 2", c["notice"], err)
	}
}

func testSessionTTL(t *testing.T, e *env) {
	ctx := t.Context()
	user := pseudonym()
	tests := []struct {
		ttl, want time.Duration
	}{
		{36 * time.Hour, 36 * time.Hour},
		{90 * time.Second, 90 * time.Second},
		{0, bot.DefaultSessionTTL},
	}
	var s *bot.Session
	for i, tt := range tests {
		if i == 0 {
			s = start(t, e.s, user, "turku", &bot.Commit{TTL: tt.ttl})
		} else {
			commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: tt.ttl})
		}
		got, err := e.rdb.PTTL(ctx, e.sessionKey("turku", user)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got > tt.want || got < tt.want-5*time.Second {
			t.Errorf("TTL %v: session PTTL = %v, want about %v", tt.ttl, got, tt.want)
		}
	}
	// An expired session is gone; the pointer alone does not bring it back.
	commit(t, e.s, &bot.Commit{User: user, Pilot: "turku", Session: s, TTL: time.Second})
	e.elapse(1100 * time.Millisecond)
	if got := load(t, e.s, user); got != nil {
		t.Errorf("Load after the session expired = %+v, want nil", got)
	}
}

// testMemory measures what a session costs in a real Redis.
func testMemory(t *testing.T, e *env) {
	ctx := t.Context()
	const n = 1000
	users := make([]string, n)
	for i := range n {
		users[i] = pseudonym()
		now := t0.Add(time.Duration(i) * time.Minute).Unix()
		applied := make([]int64, 32) // a full list of applied updates
		for j := range applied {
			applied[j] = 712_345_678 + int64(i)*100 + int64(j)
		}
		s := &bot.Session{
			Pilot: "turku",
			Chat:  5_000_000_000 + int64(i)*7919,
			Flow: flow.State{
				Node: "q_transport_satisfaction", Version: "2030-01-15.2", Lang: "fi", Seq: 9, Run: 1,
				Answers: map[string]string{
					"consent":   "yes",
					"age":       "25_34",
					"district":  "keskusta",
					"transport": "+",
				},
			},
			Applied: applied,
			Created: now - 600,
			Updated: now,
		}
		start(t, e.s, users[i], "turku", &bot.Commit{Session: s, TTL: bot.DefaultSessionTTL})
	}
	var sessTotal, ptrTotal int64
	for _, u := range users {
		a, err := e.rdb.MemoryUsage(ctx, e.sessionKey("turku", u), 0).Result()
		if err != nil {
			t.Fatalf("MEMORY USAGE: %v", err)
		}
		b, err := e.rdb.MemoryUsage(ctx, e.pointerKey(u), 0).Result()
		if err != nil {
			t.Fatalf("MEMORY USAGE: %v", err)
		}
		sessTotal += a
		ptrTotal += b
	}
	raw, _ := e.rdb.Get(ctx, e.sessionKey("turku", users[0])).Result()
	avg := float64(sessTotal+ptrTotal) / n
	t.Logf("MEMORY USAGE over %d sessions (%s): session key %.0f B, pointer key %.0f B, together %.0f B per citizen (session value %d B: %q)",
		n, e.kind, float64(sessTotal)/n, float64(ptrTotal)/n, avg, len(raw), raw)
	if avg > 1024 {
		t.Errorf("a session with its pointer takes %.0f bytes on average, want at most 1024", avg)
	}
}

func testRedisDown(t *testing.T, e *env) {
	dead, what := e.dead(t)
	stores := []struct {
		name    string
		s       *redisstore.Store
		timeout time.Duration
	}{
		{what, dead, 5 * time.Second},
		{"closed client", closedClient(t, e), 5 * time.Second},
		{"server that never answers", silentServer(t), time.Second},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			chat, _ := citizen()
			ops := []struct {
				name string
				do   func(ctx context.Context) error
			}{
				{"Load", func(ctx context.Context) error {
					s, err := st.s.Load(ctx, pseudonym())
					if s != nil {
						t.Errorf("Load returned a session: %+v", s)
					}
					return err
				}},
				{"Commit", func(ctx context.Context) error {
					return st.s.Commit(ctx, &bot.Commit{User: pseudonym(), Pilot: "turku", Point: true, Session: session("turku", 1), TTL: time.Hour,
						Day: "2030-01-01", Counts: map[string]int64{"a": 1}})
				}},
				{"ClaimDue", func(ctx context.Context) error {
					ds, err := st.s.ClaimDue(ctx, "turku", t0, time.Minute, 10)
					if len(ds) != 0 {
						t.Errorf("ClaimDue returned prompts: %v", ds)
					}
					return err
				}},
				{"Push", func(ctx context.Context) error {
					_, err := st.s.Push(ctx, bot.InboxEntry{Update: 1, Chat: chat, Received: 1}, 10)
					return err
				}},
				{"ClaimIn", func(ctx context.Context) error {
					cs, _, err := st.s.ClaimIn(ctx, 3, time.Now(), time.Minute, 1)
					if len(cs) != 0 {
						t.Errorf("ClaimIn returned updates: %v", cs)
					}
					return err
				}},
				{"ClaimOut", func(ctx context.Context) error {
					ps, _, err := st.s.ClaimOut(ctx, "turku", time.Now(), time.Now(), time.Minute, 1)
					if len(ps) != 0 {
						t.Errorf("ClaimOut returned messages: %v", ps)
					}
					return err
				}},
			}
			// The operations run at once, so that a hanging server costs one
			// timeout, not six.
			var wg sync.WaitGroup
			for _, op := range ops {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(t.Context(), st.timeout)
					defer cancel()
					begin := time.Now()
					err := op.do(ctx)
					took := time.Since(begin)
					if err == nil {
						t.Errorf("%s succeeded without a server", op.name)
					} else if errors.Is(err, bot.ErrConflict) || errors.Is(err, bot.ErrDone) {
						t.Errorf("%s = %v, want a connection error", op.name, err)
					}
					if took > st.timeout+time.Second {
						t.Errorf("%s took %v, want at most about %v", op.name, took, st.timeout)
					}
					t.Logf("%s: %v after %v", op.name, err, took.Round(time.Millisecond))
				})
			}
			wg.Wait()
		})
	}
}

// closedClient returns a store whose client was closed.
func closedClient(t *testing.T, e *env) *redisstore.Store {
	t.Helper()
	var rdb redis.UniversalClient
	if e.real() {
		var err error
		if rdb, err = redisstore.Open(e.url); err != nil {
			t.Fatal(err)
		}
	} else {
		r, stop, err := redisstore.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		rdb = r
	}
	_ = rdb.Close()
	return newStore(rdb, e.ns)
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) *redisstore.Store {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	rdb, err := redisstore.Open("redis://" + l.Addr().String() + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rdb.Close()
		_ = l.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	return redisstore.New(rdb, redisstore.Options{})
}
