package bot_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/bot/schedule"
	"github.com/cosie/cosiebot/locales"
	"github.com/redis/go-redis/v9"
)

// These tests run several bot.Service replicas over ONE shared Redis: a
// real one when REDIS_URL is set (database 11, flushed before and after),
// else one embedded server shared by all replicas. Each replica has its own
// connection, store value and recording sender; they share one manual
// clock. Identifiers carry a "replica" prefix so that other test files of
// package bot_test can be written independently.

const (
	replicaPingText = "Follow-up: hello again!"
	replicaQuestion = "Did the visit help you?"
)

var replicaKey = []byte("replica-tests-pseudonym-key-0123456789")

// replicaMsg is one message a replica sent.
type replicaMsg struct {
	chat int64
	text string
}

// replicaSender records what one replica's courier delivered.
type replicaSender struct {
	mu   sync.Mutex
	msgs []replicaMsg
}

func (r *replicaSender) Deliver(_ context.Context, o bot.Out) error {
	if o.Edit != 0 {
		return nil
	}
	text := o.Text
	if o.File != "" {
		text = "document " + o.File
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, replicaMsg{o.Chat, text})
	return nil
}

func (r *replicaSender) Acknowledge(context.Context, string, string) error { return nil }

func (r *replicaSender) all() []replicaMsg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]replicaMsg(nil), r.msgs...)
}

// replicaCluster is a set of replicas over one Redis.
type replicaCluster struct {
	clock   *bot.ManualClock
	stores  []*redisstore.Store
	senders []*replicaSender
	svcs    []*bot.Service
	words   *locales.Catalog
	flow    *flow.Flow
}

var replicaBackendOnce sync.Once

// replicaClients returns n clients connected to one Redis (a single
// server, or a Cluster) and the key prefix that is this test's own.
func replicaClients(t testing.TB, n int) ([]redis.UniversalClient, string) {
	t.Helper()
	ctx := context.Background()
	var clients []redis.UniversalClient
	url := os.Getenv("REDIS_URL")
	if url == "" {
		replicaBackendOnce.Do(func() {
			fmt.Fprintln(os.Stderr, "replica tests: REDIS_URL is not set: all replicas share ONE embedded Redis (miniredis)")
		})
		rdb, stop, err := redisstore.Embedded()
		if err != nil {
			t.Fatalf("embedded redis: %v", err)
		}
		t.Cleanup(stop)
		addr := rdb.(*redis.Client).Options().Addr
		clients = append(clients, rdb)
		for len(clients) < n {
			c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = c.Close() })
			clients = append(clients, c)
		}
		return clients, "cosie"
	}
	opts, err := redisstore.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	ns := fmt.Sprintf("replicas-%x", rand.Uint64())
	replicaBackendOnce.Do(func() {
		fmt.Fprintf(os.Stderr, "replica tests: all replicas share the REAL Redis at %s (keys %s:*, deleted after)\n", strings.Join(opts.Addrs, ","), ns)
	})
	for range n {
		c := redis.NewUniversalClient(opts)
		t.Cleanup(func() { _ = c.Close() })
		clients = append(clients, c)
	}
	t.Cleanup(func() { deleteKeys(ctx, t, clients[0], ns+":*") })
	return clients, ns
}

// deleteKeys deletes the keys matching pattern, on every master of a
// Cluster.
func deleteKeys(ctx context.Context, t testing.TB, rdb redis.UniversalClient, pattern string) {
	del := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for it.Next(ctx) {
			if err := rdb.Del(ctx, it.Val()).Err(); err != nil {
				return err
			}
		}
		return it.Err()
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return del(ctx, c) })
	} else {
		err = del(ctx, rdb)
	}
	if err != nil {
		t.Errorf("delete %s: %v", pattern, err)
	}
}

func replicaFlow(t *testing.T, name string) *flow.Flow {
	t.Helper()
	file := filepath.Join("testdata", "replicas", name+".yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := flow.Load(file, data, flow.Options{})
	if f == nil {
		t.Fatalf("load %s: %v", file, diags)
	}
	return f
}

// newReplicas starts n replicas of the bot with one flow, at time start.
func newReplicas(t *testing.T, n int, flowName string, start time.Time) *replicaCluster {
	t.Helper()
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	c := &replicaCluster{clock: bot.NewManualClock(start), words: words, flow: replicaFlow(t, flowName)}
	clients, ns := replicaClients(t, n)
	for _, rdb := range clients {
		st := redisstore.New(rdb, redisstore.Options{Namespace: ns})
		snd := &replicaSender{}
		svc, err := bot.New(bot.Config{
			Store: st, Acker: snd, Courier: courier.NewDirect(st, snd, nil, nil), Clock: c.clock, Words: words,
			Flows: bot.NewFlows(c.flow), PseudonymKey: replicaKey,
		})
		if err != nil {
			t.Fatal(err)
		}
		c.stores = append(c.stores, st)
		c.senders = append(c.senders, snd)
		c.svcs = append(c.svcs, svc)
	}
	return c
}

// replicaUpdates numbers updates across all citizens.
var replicaUpdates atomic.Int64

// say sends text from citizen id through replica r.
func (c *replicaCluster) say(t *testing.T, r int, id int64, text string) {
	t.Helper()
	in := bot.Inbound{UpdateID: replicaUpdates.Add(1), ChatID: id, UserID: id, Private: true, Lang: "en", Text: text}
	if err := c.svcs[r%len(c.svcs)].Handle(context.Background(), in); err != nil {
		t.Errorf("citizen %d says %q: %v", id, text, err)
	}
}

// press presses a button of citizen id through replica r.
func (c *replicaCluster) press(t *testing.T, r int, id int64, data string) {
	t.Helper()
	n := replicaUpdates.Add(1)
	in := bot.Inbound{UpdateID: n, ChatID: id, UserID: id, Private: true, Lang: "en", Data: data, CallbackID: fmt.Sprint("cb", n), MessageID: 1}
	if err := c.svcs[r%len(c.svcs)].Handle(context.Background(), in); err != nil {
		t.Errorf("citizen %d presses %q: %v", id, data, err)
	}
}

// toFollowUp brings citizen id to the follow-up node: start, agree, rate.
func (c *replicaCluster) toFollowUp(t *testing.T, id int64) {
	t.Helper()
	r := int(id)
	c.say(t, r, id, "/start")
	c.say(t, r+1, id, "I agree") // the button's words: agree
	c.say(t, r+2, id, "5")       // the best rating
}

func (c *replicaCluster) session(t *testing.T, id int64) *bot.Session {
	t.Helper()
	sess, err := c.stores[0].Load(context.Background(), c.svcs[0].Pseudonym(id))
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// fireAll runs FireDue once on every replica and returns how many prompts
// were sent in total.
func (c *replicaCluster) fireAll(t *testing.T) int {
	t.Helper()
	total := 0
	for i, svc := range c.svcs {
		n, err := svc.FireDue(context.Background())
		if err != nil {
			t.Errorf("replica %d: FireDue: %v", i, err)
		}
		total += n
	}
	return total
}

// tally counts, per chat, the messages of all replicas that match.
func (c *replicaCluster) tally(match func(string) bool) map[int64]int {
	out := map[int64]int{}
	for _, s := range c.senders {
		for _, m := range s.all() {
			if match(m.text) {
				out[m.chat]++
			}
		}
	}
	return out
}

func replicaIsPing(text string) bool { return text == replicaPingText }

func (c *replicaCluster) isReminder(text string) bool {
	return strings.HasPrefix(text, c.words.Say("en", "reminder", nil)) && strings.Contains(text, replicaQuestion)
}

// replicaCheckOnce reports citizens that got a message other than exactly once.
func replicaCheckOnce(t *testing.T, what string, got map[int64]int, citizens []int64) {
	t.Helper()
	bad := 0
	for _, id := range citizens {
		if got[id] != 1 {
			if bad < 5 {
				t.Errorf("citizen %d got the %s %d times, want exactly once", id, what, got[id])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d citizens did not get the %s exactly once", bad, len(citizens), what)
	}
	if len(got) > len(citizens) {
		t.Errorf("the %s went to %d chats, want %d", what, len(got), len(citizens))
	}
}

// replicaParallel runs fn(i) for i in [0, n) on a few goroutines.
func replicaParallel(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// concurrentFire runs rounds of FireDue on every replica at once, together
// with a few citizens writing in, and returns how many prompts were sent.
func (c *replicaCluster) concurrentFire(t *testing.T, rounds int, writers []int64) int64 {
	t.Helper()
	var sent atomic.Int64
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, svc := range c.svcs {
		for range rounds {
			wg.Go(func() {
				<-gate
				n, err := svc.FireDue(context.Background())
				if err != nil {
					t.Errorf("replica %d: FireDue: %v", i, err)
				}
				sent.Add(int64(n))
			})
		}
	}
	for k, id := range writers {
		wg.Go(func() {
			<-gate
			c.say(t, k, id, "hello?")
		})
	}
	close(gate)
	wg.Wait()
	return sent.Load()
}

// TestReplicasFollowUpsOnce: three replicas firing due prompts at once
// send every follow-up and every reminder exactly once, count each once,
// and send each coordinator one digest.
func TestReplicasFollowUpsOnce(t *testing.T) {
	const n = 300
	ctx := context.Background()
	began := time.Now()
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, mustReplicaZone(t, "Europe/Helsinki"))
	c := newReplicas(t, 3, "followup", start)
	pilot := c.flow.Pilot.ID
	citizens := make([]int64, n)
	for i := range citizens {
		citizens[i] = int64(100_000 + i)
	}
	replicaParallel(n, 12, func(i int) { c.toFollowUp(t, citizens[i]) })
	if t.Failed() {
		t.FailNow()
	}
	for _, id := range citizens {
		if sess := c.session(t, id); sess == nil || sess.Flow.Node != "wait" || !sess.Flow.Waiting() {
			t.Fatalf("citizen %d is not waiting at the follow-up: %+v", id, sess)
		}
	}
	t.Logf("%d citizens at the follow-up node in %v", n, time.Since(began).Round(time.Millisecond))

	due := start.AddDate(0, 0, 1)
	c.clock.Set(due.Add(-time.Millisecond))
	if got := c.fireAll(t); got != 0 {
		t.Fatalf("%d prompts sent a millisecond before they were due", got)
	}
	if got := c.tally(replicaIsPing); len(got) != 0 {
		t.Fatalf("follow-ups sent before their time: %v", got)
	}

	// Due: three replicas, four rounds each, all at once, while ten
	// citizens write in.
	fired := due.Add(time.Minute)
	c.clock.Set(fired)
	phase := time.Now()
	writers := citizens[:10]
	sent := c.concurrentFire(t, 4, writers)
	sent += c.concurrentFire(t, 2, nil)
	// A writer whose follow-up was due gets it as the reply, whichever
	// comes first: FireDue sends it, or their message.
	if sent < n-int64(len(writers)) || sent > n {
		t.Errorf("FireDue reported %d prompts sent, want %d, less those the writers got in reply", sent, n)
	}
	replicaCheckOnce(t, "follow-up", c.tally(replicaIsPing), citizens)
	t.Logf("follow-ups fired in %v", time.Since(phase).Round(time.Millisecond))

	// Each citizen is now asked the question, with a reminder due two
	// hours later.
	remind := fired.Add(2 * time.Hour)
	c.clock.Set(remind.Add(-time.Millisecond))
	if got := c.fireAll(t); got != 0 {
		t.Fatalf("%d reminders sent before they were due", got)
	}
	c.clock.Set(remind.Add(time.Minute))
	phase = time.Now()
	sent = c.concurrentFire(t, 4, citizens[n-10:])
	sent += c.concurrentFire(t, 2, nil)
	if sent != n {
		t.Errorf("FireDue reported %d reminders sent, want %d", sent, n)
	}
	replicaCheckOnce(t, "reminder", c.tally(c.isReminder), citizens)
	replicaCheckOnce(t, "follow-up", c.tally(replicaIsPing), citizens)
	t.Logf("reminders fired in %v", time.Since(phase).Round(time.Millisecond))

	// Much later nothing is left to send.
	c.clock.Advance(30 * 24 * time.Hour)
	if got := c.fireAll(t); got != 0 {
		t.Errorf("%d more prompts sent a month later", got)
	}

	// Everyone answers the follow-up question.
	c.clock.Set(remind.Add(time.Hour))
	replicaParallel(n, 12, func(i int) { c.say(t, i, citizens[i], "yes") })

	perUser := map[string]map[string]int{}
	total := 0
	err := c.stores[1].EachAnswer(ctx, pilot, func(r bot.Record) error {
		if perUser[r.User] == nil {
			perUser[r.User] = map[string]int{}
		}
		perUser[r.User][r.Node]++
		total++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != 2*n || len(perUser) != n {
		t.Errorf("the answers stream holds %d answers of %d citizens, want %d of %d", total, len(perUser), 2*n, n)
	}
	for _, id := range citizens {
		if m := perUser[c.svcs[0].Pseudonym(id)]; m["rate"] != 1 || m["helped"] != 1 {
			t.Errorf("citizen %d has answers %v, want rate and helped once each", id, m)
			break
		}
	}
	all, err := c.stores[2].Counters(ctx, pilot, nil)
	if err != nil {
		t.Fatal(err)
	}
	day, err := c.stores[2].Counters(ctx, pilot, []string{due.Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		counters map[string]int64
		field    string
	}{
		{all, "started"}, {all, "completed"}, {all, "fu_sent"}, {all, "reminders"}, {all, "fu_answered"},
		{all, "answered:rate"}, {all, "answered:helped"}, {all, "asked:helped"}, {all, "v:helped:yes"},
		{day, "fu_sent"}, {day, "reminders"}, {day, "answered:helped"},
	} {
		if got := w.counters[w.field]; got != n {
			t.Errorf("counter %s = %d, want %d", w.field, got, n)
		}
	}

	// Three schedulers, one per replica, send the digest of one slot: on
	// 4 March at 09:30, the digest of 3 March.
	c.clock.Set(time.Date(2026, 3, 4, 9, 30, 0, 0, start.Location()))
	var scheds []*schedule.Scheduler
	for i, svc := range c.svcs {
		scheds = append(scheds, schedule.New(svc, c.stores[i], schedule.Options{Clock: c.clock}))
	}
	isDigest := func(text string) bool { return strings.HasPrefix(text, "📊") }
	for round := range 3 {
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for _, s := range scheds {
			wg.Go(func() {
				<-gate
				s.Digest(ctx, pilot, c.clock.Now())
			})
		}
		close(gate)
		wg.Wait()
		digests := c.tally(isDigest)
		if len(digests) != 2 || digests[9001] != 1 || digests[9002] != 1 {
			t.Fatalf("round %d: digests per coordinator %v, want one each for 9001 and 9002", round, digests)
		}
	}
	for _, s := range c.senders {
		for _, m := range s.all() {
			if isDigest(m.text) && !strings.Contains(m.text, "2026-03-03") {
				t.Errorf("the digest of 4 March 09:00 does not cover 3 March:\n%s", m.text)
			}
			if isDigest(m.text) && !strings.Contains(m.text, "300") {
				t.Errorf("the digest does not show the 300 follow-ups of 3 March:\n%s", m.text)
			}
		}
	}
	t.Logf("whole test took %v", time.Since(began).Round(time.Millisecond))
}

func mustReplicaZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestReplicasFollowUpTiming: a follow-up is never sent before it is due;
// days are calendar days in the pilot's time zone (across DST), and one
// that would fall in the quiet hours waits until they end.
func TestReplicasFollowUpTiming(t *testing.T) {
	loc := mustReplicaZone(t, "Europe/Helsinki")
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, loc) }
	for _, tc := range []struct {
		name    string
		flow    string
		reached time.Time // when the citizen reaches the follow-up node
		due     time.Time
	}{
		{"daytime: one day later", "quiet", at(3, 2, 10, 0), at(3, 3, 10, 0)},
		{"evening: one day later, at the end of the quiet hours", "quiet", at(3, 2, 22, 30), at(3, 4, 8, 0)},
		{"early morning: the end of the quiet hours", "quiet", at(3, 2, 6, 15), at(3, 3, 8, 0)},
		{"just before the quiet hours", "quiet", at(3, 2, 20, 59), at(3, 3, 20, 59)},
		{"spring DST: a calendar day is 23 hours", "quiet", at(3, 28, 10, 0), at(3, 29, 10, 0)},
		{"spring DST at night", "quiet", at(3, 28, 22, 30), at(3, 30, 8, 0)},
		{"autumn DST: a calendar day is 25 hours", "quiet", at(10, 24, 10, 0), at(10, 25, 10, 0)},
		{"at 07:30 the next day, in the quiet hours", "attime", at(3, 2, 10, 0), at(3, 3, 8, 0)},
		{"at 07:30, across the spring change", "attime", at(3, 28, 12, 0), at(3, 29, 8, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newReplicas(t, 2, tc.flow, tc.reached)
			const id = 4242
			c.toFollowUp(t, id)
			sess := c.session(t, id)
			if sess == nil || !sess.Flow.Waiting() {
				t.Fatalf("not waiting: %+v", sess)
			}
			if got := time.Unix(sess.Flow.Due, 0); !got.Equal(tc.due) {
				t.Fatalf("due %s, want %s", got.In(loc), tc.due)
			}
			for _, before := range []time.Time{tc.reached.Add(time.Hour), tc.due.Add(-time.Hour), tc.due.Add(-time.Millisecond)} {
				if before.Before(tc.reached) {
					continue
				}
				c.clock.Set(before)
				if n := c.fireAll(t); n != 0 {
					t.Fatalf("%d prompts sent at %s, before the follow-up is due at %s", n, before.In(loc), tc.due)
				}
			}
			if got := c.tally(replicaIsPing); len(got) != 0 {
				t.Fatalf("follow-up sent early: %v", got)
			}
			c.clock.Set(tc.due)
			if n := c.fireAll(t); n != 1 {
				t.Fatalf("%d prompts sent when due, want 1", n)
			}
			replicaCheckOnce(t, "follow-up", c.tally(replicaIsPing), []int64{id})
			// The reminder of the question that follows obeys the quiet
			// hours too.
			sess = c.session(t, id)
			if sess.Flow.Node != "helped" {
				t.Fatalf("after the follow-up the citizen is at %q", sess.Flow.Node)
			}
			remind := c.flow.Pilot.OutsideQuietHours(tc.due.Add(2 * time.Hour))
			c.clock.Set(remind.Add(-time.Millisecond))
			if n := c.fireAll(t); n != 0 {
				t.Fatalf("reminder sent before %s", remind.In(loc))
			}
			c.clock.Set(remind)
			if n := c.fireAll(t); n != 1 {
				t.Fatalf("%d prompts sent at %s, want the reminder", n, remind.In(loc))
			}
			if got := c.clock.Now().In(loc); c.flow.Pilot.QuietHours.Contains(got.Hour()*60 + got.Minute()) {
				t.Fatalf("reminder sent in the quiet hours at %s", got)
			}
			replicaCheckOnce(t, "reminder", c.tally(c.isReminder), []int64{id})
		})
	}
}

// TestReplicasOverdueInQuietHours: a follow-up that was due in the day but
// not sent (every replica was down) is not sent in the quiet hours when
// the replicas come back: it waits for their end.
func TestReplicasOverdueInQuietHours(t *testing.T) {
	loc := mustReplicaZone(t, "Europe/Helsinki")
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, loc) }
	for _, tc := range []struct {
		name  string
		back  time.Time // when the replicas come back; due at 3 March 10:00
		sent  time.Time // when the follow-up goes out
		quiet bool      // the flow has quiet hours (21:00-08:00)
	}{
		{"back in the evening", at(3, 3, 20, 59), at(3, 3, 20, 59), true},
		{"back at night", at(3, 3, 21, 0), at(3, 4, 8, 0), true},
		{"back after midnight", at(3, 4, 2, 30), at(3, 4, 8, 0), true},
		{"back at night, no quiet hours", at(3, 3, 23, 0), at(3, 3, 23, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "followup"
			if tc.quiet {
				name = "quiet"
			}
			c := newReplicas(t, 3, name, at(3, 2, 10, 0))
			const id = 5150
			c.toFollowUp(t, id)
			for _, now := range []time.Time{tc.back, tc.back.Add(time.Hour), tc.sent.Add(-time.Minute)} {
				if now.Before(tc.back) || !now.Before(tc.sent) {
					continue
				}
				c.clock.Set(now)
				if n := c.fireAll(t); n != 0 {
					t.Fatalf("%d prompts sent at %s, in the quiet hours", n, now)
				}
			}
			c.clock.Set(tc.sent)
			if n := c.fireAll(t); n != 1 {
				t.Fatalf("%d prompts sent at %s, want the follow-up", n, tc.sent)
			}
			replicaCheckOnce(t, "follow-up", c.tally(replicaIsPing), []int64{id})
		})
	}
}

// TestReplicasStaleFollowUps: a follow-up whose session was deleted, whose
// citizen opted out, or whose dialogue moved on is not sent, also when its
// prompt is still (or again) in the queue, as after a race with a claim.
func TestReplicasStaleFollowUps(t *testing.T) {
	loc := mustReplicaZone(t, "Europe/Helsinki")
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, loc)
	forget := func(t *testing.T, c *replicaCluster, id int64) {
		c.say(t, 0, id, "/forget")
		// The buttons carry until when they work: ten minutes.
		c.press(t, 1, id, fmt.Sprintf("F:yes:%d", c.clock.Now().Add(10*time.Minute).Unix()))
		if sess := c.session(t, id); sess != nil {
			t.Fatalf("session kept after /forget: %+v", sess)
		}
	}
	stop := func(t *testing.T, c *replicaCluster, id int64) {
		c.say(t, 1, id, "/stop")
		if sess := c.session(t, id); sess == nil || sess.Phase() != bot.PhaseStopped {
			t.Fatalf("not opted out after /stop: %+v", sess)
		}
	}
	restart := func(t *testing.T, c *replicaCluster, id int64) {
		c.say(t, 0, id, "/restart")
		if sess := c.session(t, id); sess == nil || sess.Flow.Node != "welcome" {
			t.Fatalf("not back at the start after /restart: %+v", sess)
		}
	}
	answerOn := func(t *testing.T, c *replicaCluster, id int64) {
		// Moved on the other way: the follow-up fired and was answered.
		c.clock.Set(start.AddDate(0, 0, 1))
		if n := c.fireAll(t); n != 1 {
			t.Fatalf("%d follow-ups sent", n)
		}
		c.say(t, 2, id, "yes")
		if sess := c.session(t, id); sess == nil || !sess.Flow.Done {
			t.Fatalf("not done: %+v", sess)
		}
	}
	for _, tc := range []struct {
		name string
		act  func(t *testing.T, c *replicaCluster, id int64)
		// requeue puts the old follow-up back in the queue, as if a
		// replica had claimed it before the change.
		requeue bool
		pings   int // follow-ups the citizen gets in all
	}{
		{"/forget", forget, false, 0},
		{"/forget, prompt left behind", forget, true, 0},
		{"/stop", stop, false, 0},
		{"/stop, prompt left behind", stop, true, 0},
		{"/restart", restart, false, 0},
		{"/restart, prompt left behind", restart, true, 0},
		{"answered, prompt left behind", answerOn, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c := newReplicas(t, 3, "followup", start)
			const id = 777
			c.toFollowUp(t, id)
			old := c.session(t, id)
			if old == nil || !old.Flow.Waiting() {
				t.Fatalf("not waiting: %+v", old)
			}
			prompt := bot.Prompt{Kind: flow.PromptFollowUp, Node: old.Flow.Node, Seq: old.Flow.Seq, Due: time.Unix(old.Flow.Due, 0)}
			c.clock.Set(start.Add(time.Hour))
			tc.act(t, c, id)
			if tc.requeue {
				user := c.svcs[0].Pseudonym(id)
				cur := c.session(t, id) // nil after /forget: the prompt is left without a session
				err := c.stores[0].Commit(ctx, &bot.Commit{User: user, Pilot: c.flow.Pilot.ID, Session: cur,
					Day: "2026-03-02", Counts: map[string]int64{}, Prompts: []bot.Prompt{prompt}})
				if err != nil {
					t.Fatalf("requeue the old follow-up: %v", err)
				}
			}
			for _, now := range []time.Time{start.AddDate(0, 0, 1), start.AddDate(0, 0, 1).Add(bot.DefaultClaimLease + time.Second), start.AddDate(0, 0, 9)} {
				c.clock.Set(now)
				if n := c.fireAll(t); n != 0 {
					t.Fatalf("%d prompts sent at %s", n, now.In(loc))
				}
			}
			if got := c.tally(replicaIsPing)[id]; got != tc.pings {
				t.Fatalf("the citizen got the follow-up %d times, want %d", got, tc.pings)
			}
			// Nothing stays queued: a stale prompt is released, not retried.
			left, err := c.stores[1].ClaimDue(ctx, c.flow.Pilot.ID, start.AddDate(1, 0, 0), time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != 0 {
				t.Fatalf("prompts left in the queue: %+v", left)
			}
			if all, err := c.stores[2].Counters(ctx, c.flow.Pilot.ID, nil); err != nil || all["fu_sent"] != int64(tc.pings) {
				t.Fatalf("fu_sent = %d (%v), want %d", all["fu_sent"], err, tc.pings)
			}
		})
	}
}
