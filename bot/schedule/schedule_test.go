package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/bot/schedule"
	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"
)

// The scheduler runs here against fake Jobs (which only record what they
// were asked to do) and the real Redis store: the embedded server, or a
// real Redis when REDIS_URL is set. Every test gets a namespace of its own,
// so packages testing in parallel against one Redis do not collide.

var (
	helsinki = mustZone("Europe/Helsinki")
	newYork  = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// hel is a wall-clock time in Helsinki.
func hel(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, helsinki)
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// allPilots are the testdata flows with a valid (or no) digest.
var allPilots = []string{"hel_weekly", "hel_daily", "ny_friday", "no_digest"}

func loadFlows(t *testing.T, names ...string) *bot.Flows {
	t.Helper()
	var fs []*flow.Flow
	for _, name := range names {
		file := filepath.Join("testdata", name+".yaml")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := flow.Load(file, data, flow.Options{})
		if f == nil {
			t.Fatalf("load %s: %v", file, diags)
		}
		fs = append(fs, f)
	}
	return bot.NewFlows(fs...)
}

var backendOnce sync.Once

// openStore returns an empty store in a namespace of its own.
func openStore(t *testing.T) *redisstore.Store {
	t.Helper()
	ns := fmt.Sprintf("sched-test-%016x", rand.Uint64())
	url := os.Getenv("REDIS_URL")
	if url == "" {
		backendOnce.Do(func() {
			fmt.Fprintln(os.Stderr, "schedule tests: REDIS_URL is not set, running against the embedded Redis (miniredis)")
		})
		rdb, stop, err := redisstore.Embedded()
		if err != nil {
			t.Fatalf("embedded redis: %v", err)
		}
		t.Cleanup(stop)
		return redisstore.New(rdb, redisstore.Options{Namespace: ns})
	}
	backendOnce.Do(func() {
		fmt.Fprintln(os.Stderr, "schedule tests: running against the real Redis at REDIS_URL")
	})
	rdb, err := redisstore.Open(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("REDIS_URL does not answer: %v", err)
	}
	t.Cleanup(func() {
		deleteNamespace(t, rdb, ns)
		_ = rdb.Close()
	})
	return redisstore.New(rdb, redisstore.Options{Namespace: ns})
}

func deleteNamespace(t *testing.T, rdb redis.UniversalClient, ns string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, ns+":*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := rdb.Del(ctx, iter.Val()).Err(); err != nil {
			t.Errorf("clean up %s: %v", iter.Val(), err)
		}
	}
	if err := iter.Err(); err != nil {
		t.Errorf("clean up namespace %s: %v", ns, err)
	}
}

// digestCall is one SendDigest the scheduler asked for.
type digestCall struct {
	pilot    string
	from, to time.Time
}

// fakeJobs records what the scheduler asks for. Like the service, it
// marks a digest's slot in the store in the same step as sending it.
type fakeJobs struct {
	flows   atomic.Pointer[bot.Flows] // swapped by reload tests while the scheduler runs
	store   *redisstore.Store
	sendErr error
	onFire  func(call int64) // runs inside FireDue; may panic

	fires   atomic.Int64
	mu      sync.Mutex
	digests []digestCall
}

func newJobs(t *testing.T, pilots ...string) *fakeJobs {
	j := &fakeJobs{}
	j.flows.Store(loadFlows(t, pilots...))
	return j
}

func (j *fakeJobs) FireDue(context.Context) (int, error) {
	n := j.fires.Add(1)
	if j.onFire != nil {
		j.onFire(n)
	}
	return 0, nil
}

// on makes the jobs mark digest slots in st.
func (j *fakeJobs) on(st *redisstore.Store) *fakeJobs {
	j.store = st
	return j
}

func (j *fakeJobs) SendDigest(ctx context.Context, pilot string, from, to time.Time, once string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.digests = append(j.digests, digestCall{pilot, from, to})
	if j.sendErr != nil {
		return j.sendErr
	}
	if j.store == nil {
		return nil
	}
	err := j.store.Commit(ctx, &bot.Commit{Pilot: pilot, Once: once, OnceTTL: 40 * 24 * time.Hour})
	if errors.Is(err, bot.ErrDone) {
		j.digests = j.digests[:len(j.digests)-1] // another replica had it
	}
	return err
}

func (j *fakeJobs) Flows() *bot.Flows { return j.flows.Load() }

// sent returns the digests sent for a pilot ("" for all) since call index from.
func (j *fakeJobs) sent(pilot string) []digestCall {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []digestCall
	for _, d := range j.digests {
		if pilot == "" || d.pilot == pilot {
			out = append(out, d)
		}
	}
	return out
}

func showCalls(calls []digestCall) string {
	var b strings.Builder
	for _, c := range calls {
		loc := time.UTC
		switch {
		case strings.HasPrefix(c.pilot, "hel_"):
			loc = helsinki
		case strings.HasPrefix(c.pilot, "ny_"):
			loc = newYork
		}
		fmt.Fprintf(&b, "\n    %s: %s .. %s", c.pilot, c.from.In(loc).Format(time.DateTime+" MST"), c.to.In(loc).Format(time.DateTime+" MST"))
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
}

// lastRun reads a job's run record.
func lastRun(t *testing.T, st *redisstore.Store, name string) map[string]string {
	t.Helper()
	m, err := st.LastRun(context.Background(), name)
	if err != nil {
		t.Fatalf("LastRun(%s): %v", name, err)
	}
	return m
}

// period is what a sent digest should cover: whole local days, From
// inclusive, To exclusive.
type period struct {
	from, to time.Time
	slot     time.Time // the slot the run record names
}

func checkSent(t *testing.T, st *redisstore.Store, pilot string, got []digestCall, want *period) {
	t.Helper()
	if want == nil {
		if len(got) != 0 {
			t.Fatalf("%s: expected no digest, got:%s", pilot, showCalls(got))
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("%s: expected exactly one digest covering %s .. %s, got:%s", pilot, want.from, want.to, showCalls(got))
	}
	if !got[0].from.Equal(want.from) || !got[0].to.Equal(want.to) {
		t.Fatalf("%s: digest period\n  got  %s .. %s\n  want %s .. %s", pilot, got[0].from, got[0].to, want.from, want.to)
	}
	run := lastRun(t, st, "digest:"+pilot)
	if run["at"] != want.slot.UTC().Format(time.RFC3339) || run["outcome"] != "sent" {
		t.Fatalf("%s: run record %v, want at=%s outcome=sent", pilot, run, want.slot.UTC().Format(time.RFC3339))
	}
}

// TestDigestOncePerSlot: a digest goes out once per slot, covering the
// days from the previous slot to this one in the pilot's time zone.
func TestDigestOncePerSlot(t *testing.T) {
	type step struct {
		now  time.Time
		want *period // nil: nothing is sent
	}
	ny := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, newYork) }
	nyDay := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, newYork) }
	helDay := func(m time.Month, d int) time.Time { return hel(2026, m, d, 0, 0) }
	cases := []struct {
		name, pilot string
		steps       []step
	}{
		{"weekly across the spring DST change", "hel_weekly", []step{
			{hel(2026, 3, 23, 9, 0), &period{helDay(3, 16), helDay(3, 23), hel(2026, 3, 23, 9, 0)}},
			{hel(2026, 3, 23, 9, 0), nil},                        // again
			{hel(2026, 3, 23, 9, 0).Add(time.Second), nil},       // a second later
			{hel(2026, 3, 25, 14, 0), nil},                       // mid-week
			{hel(2026, 3, 29, 23, 59), nil},                      // Sunday night, after the change
			{hel(2026, 3, 30, 9, 0).Add(-time.Millisecond), nil}, // just before the slot
			// Monday 30 March 09:00 EEST: the week of 23..29 March, which
			// is an hour short (the clocks went forward on the 29th).
			{hel(2026, 3, 30, 9, 0), &period{helDay(3, 23), helDay(3, 30), utc(2026, 3, 30, 6, 0)}},
			{hel(2026, 3, 30, 9, 0), nil},
			{hel(2026, 4, 5, 12, 0), nil},
			{hel(2026, 4, 6, 9, 30), &period{helDay(3, 30), helDay(4, 6), hel(2026, 4, 6, 9, 0)}},
		}},
		{"daily", "hel_daily", []step{
			{hel(2026, 3, 27, 9, 0), &period{helDay(3, 26), helDay(3, 27), hel(2026, 3, 27, 9, 0)}},
			{hel(2026, 3, 27, 23, 59), nil},
			{hel(2026, 3, 28, 8, 59), nil},
			{hel(2026, 3, 28, 9, 0), &period{helDay(3, 27), helDay(3, 28), hel(2026, 3, 28, 9, 0)}},
			{hel(2026, 3, 28, 9, 1), nil},
			{hel(2026, 3, 29, 9, 0), &period{helDay(3, 28), helDay(3, 29), utc(2026, 3, 29, 6, 0)}},
		}},
		{"weekly in New York across its DST change", "ny_friday", []step{
			{ny(2026, 3, 6, 18, 30), &period{nyDay(2, 27), nyDay(3, 6), utc(2026, 3, 6, 23, 30)}},
			{ny(2026, 3, 6, 23, 59), nil}, // 04:59 UTC on the 7th
			{ny(2026, 3, 13, 18, 29), nil},
			{ny(2026, 3, 13, 18, 30), &period{nyDay(3, 6), nyDay(3, 13), utc(2026, 3, 13, 22, 30)}},
			{ny(2026, 3, 14, 10, 0), nil},
		}},
		{"no digest configured", "no_digest", []step{
			{utc(2026, 3, 23, 9, 0), nil},
			{utc(2026, 3, 30, 9, 0), nil},
		}},
		{"unknown pilot", "nobody", []step{
			{utc(2026, 3, 30, 9, 0), nil},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := openStore(t)
			jobs := newJobs(t, allPilots...)
			clock := bot.NewManualClock(tc.steps[0].now)
			s := schedule.New(jobs.on(st), st, schedule.Options{Clock: clock})
			seen := 0
			for i, stp := range tc.steps {
				clock.Set(stp.now)
				s.Digest(ctx, tc.pilot, clock.Now())
				all := jobs.sent("")
				t.Run(fmt.Sprintf("step %d at %s", i, stp.now.Format(time.DateTime+" MST")), func(t *testing.T) {
					checkSent(t, st, tc.pilot, all[seen:], stp.want)
				})
				seen = len(all)
			}
			if tc.pilot == "no_digest" || tc.pilot == "nobody" {
				if run := lastRun(t, st, "digest:"+tc.pilot); len(run) != 0 {
					t.Fatalf("a run was recorded for a pilot without a digest: %v", run)
				}
			}
		})
	}
}

// TestDigestDays checks the days a digest lists: 23..29 March for the
// weekly digest of Monday 30 March, across the DST change.
func TestDigestDays(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	jobs := newJobs(t, allPilots...)
	s := schedule.New(jobs.on(st), st, schedule.Options{Clock: bot.NewManualClock(hel(2026, 3, 30, 9, 0))})
	s.Digest(ctx, "hel_weekly", hel(2026, 3, 30, 9, 0))
	got := jobs.sent("hel_weekly")
	if len(got) != 1 {
		t.Fatalf("sent:%s", showCalls(got))
	}
	var days []string
	for d := got[0].from.In(helsinki); d.Before(got[0].to); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}
	want := "2026-03-23 2026-03-24 2026-03-25 2026-03-26 2026-03-27 2026-03-28 2026-03-29"
	if strings.Join(days, " ") != want {
		t.Fatalf("digest days %v, want %s", days, want)
	}
	if d := got[0].to.Sub(got[0].from); d != 7*24*time.Hour-time.Hour {
		t.Fatalf("the week of the spring change lasts %v, want 167h", d)
	}
}

// TestDigestFailureRetried: a digest that could not be queued (Redis
// refused the commit) is not marked, so the next run tries the slot again;
// once queued, the slot is done.
func TestDigestFailureRetried(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	jobs := newJobs(t, allPilots...)
	jobs.sendErr = fmt.Errorf("redis is down")
	s := schedule.New(jobs.on(st), st, schedule.Options{})
	now := hel(2026, 3, 30, 10, 0)
	s.Digest(ctx, "hel_weekly", now)
	s.Digest(ctx, "hel_weekly", now.Add(time.Hour))
	if got := jobs.sent("hel_weekly"); len(got) != 2 {
		t.Fatalf("want two attempts, got:%s", showCalls(got))
	}
	if run := lastRun(t, st, "digest:hel_weekly"); len(run) != 0 {
		t.Fatalf("a failed digest was recorded as run: %v", run)
	}
	jobs.sendErr = nil
	s.Digest(ctx, "hel_weekly", now.Add(2*time.Hour))
	s.Digest(ctx, "hel_weekly", now.Add(3*time.Hour))
	if got := jobs.sent("hel_weekly"); len(got) != 3 {
		t.Fatalf("want the third attempt to go and the fourth to find it done, got:%s", showCalls(got))
	}
	run := lastRun(t, st, "digest:hel_weekly")
	if run["outcome"] != "sent" || run["at"] != utc(2026, 3, 30, 6, 0).Format(time.RFC3339) {
		t.Fatalf("run record %v", run)
	}
}

// TestDigestDST: "0 9 * * *" in Helsinki fires at 09:00 local on both
// sides of the spring and autumn changes.
func TestDigestDST(t *testing.T) {
	t.Run("slots", func(t *testing.T) {
		ctx := context.Background()
		st := openStore(t)
		jobs := newJobs(t, allPilots...)
		clock := bot.NewManualClock(time.Time{})
		s := schedule.New(jobs.on(st), st, schedule.Options{Clock: clock})
		for i, tc := range []struct {
			now      time.Time
			slot     time.Time // the slot in force at now
			sendsNew bool
		}{
			{hel(2026, 3, 28, 8, 59), utc(2026, 3, 27, 7, 0), true}, // EET: 09:00 is 07:00 UTC
			{hel(2026, 3, 28, 9, 0), utc(2026, 3, 28, 7, 0), true},
			{utc(2026, 3, 29, 0, 59), utc(2026, 3, 28, 7, 0), false}, // 02:59 EET, before the change
			{utc(2026, 3, 29, 1, 0), utc(2026, 3, 28, 7, 0), false},  // 04:00 EEST, just after it
			{utc(2026, 3, 29, 5, 59), utc(2026, 3, 28, 7, 0), false}, // 08:59 EEST
			{utc(2026, 3, 29, 6, 0), utc(2026, 3, 29, 6, 0), true},   // 09:00 EEST is 06:00 UTC
			{utc(2026, 3, 29, 7, 0), utc(2026, 3, 29, 6, 0), false},  // 10:00 EEST: not a second slot
			{hel(2026, 3, 30, 9, 0), utc(2026, 3, 30, 6, 0), true},
			{hel(2026, 10, 24, 9, 0), utc(2026, 10, 24, 6, 0), true},
			{utc(2026, 10, 25, 0, 30), utc(2026, 10, 24, 6, 0), false}, // 03:30 EEST, first pass
			{utc(2026, 10, 25, 1, 30), utc(2026, 10, 24, 6, 0), false}, // 03:30 EET, second pass
			{utc(2026, 10, 25, 6, 0), utc(2026, 10, 24, 6, 0), false},  // 08:00 EET
			{utc(2026, 10, 25, 6, 59), utc(2026, 10, 24, 6, 0), false}, // 08:59 EET
			{utc(2026, 10, 25, 7, 0), utc(2026, 10, 25, 7, 0), true},   // 09:00 EET is 07:00 UTC
			{hel(2026, 10, 26, 9, 0), utc(2026, 10, 26, 7, 0), true},
		} {
			before := len(jobs.sent("hel_daily"))
			clock.Set(tc.now)
			s.Digest(ctx, "hel_daily", clock.Now())
			got := jobs.sent("hel_daily")[before:]
			if tc.sendsNew != (len(got) == 1) || len(got) > 1 {
				t.Fatalf("%d: at %s: sent:%s; want a new digest: %v", i, tc.now.In(helsinki), showCalls(got), tc.sendsNew)
			}
			if h, m, _ := tc.slot.In(helsinki).Clock(); h != 9 || m != 0 {
				t.Fatalf("%d: bad test: slot %s is not 09:00 local", i, tc.slot.In(helsinki))
			}
			run := lastRun(t, st, "digest:hel_daily")
			if run["at"] != tc.slot.Format(time.RFC3339) {
				t.Fatalf("%d: at %s the last slot is %s, want %s (09:00 local)", i, tc.now.In(helsinki), run["at"], tc.slot.Format(time.RFC3339))
			}
			if len(got) == 1 {
				day := tc.slot.In(helsinki)
				to := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, helsinki)
				if !got[0].to.Equal(to) || !got[0].from.Equal(to.AddDate(0, 0, -1)) {
					t.Fatalf("%d: period %s", i, showCalls(got))
				}
			}
		}
	})

	t.Run("cron entries", func(t *testing.T) {
		st := openStore(t)
		jobs := newJobs(t, allPilots...)
		s := schedule.New(jobs.on(st), st, schedule.Options{DispatchEvery: 7 * time.Second}) // the real clock
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.Stop(ctx)
		spec := func(t *testing.T, s string) *cron.SpecSchedule {
			sc, err := cron.ParseStandard(s)
			if err != nil {
				t.Fatal(err)
			}
			return sc.(*cron.SpecSchedule)
		}
		same := func(a, b *cron.SpecSchedule) bool {
			return a.Second == b.Second && a.Minute == b.Minute && a.Hour == b.Hour && a.Dom == b.Dom &&
				a.Month == b.Month && a.Dow == b.Dow && a.Location.String() == b.Location.String()
		}
		find := func(t *testing.T, want *cron.SpecSchedule) cron.Entry {
			var found []cron.Entry
			for _, e := range s.Entries() {
				if sc, ok := e.Schedule.(*cron.SpecSchedule); ok && same(sc, want) {
					found = append(found, e)
				}
			}
			if len(found) != 1 {
				t.Fatalf("%d entries match the schedule %+v", len(found), want)
			}
			return found[0]
		}
		entries := s.Entries()
		// dispatch, purge, and one digest for each pilot that has one.
		if len(entries) != 5 {
			t.Fatalf("%d cron entries, want 5", len(entries))
		}
		dispatch := 0
		for _, e := range entries {
			if d, ok := e.Schedule.(cron.ConstantDelaySchedule); ok && d.Delay == 7*time.Second {
				dispatch++
			}
		}
		if dispatch != 1 {
			t.Fatalf("%d dispatch entries every 7s, want 1", dispatch)
		}
		purge := find(t, spec(t, "CRON_TZ=UTC 17 3 * * *"))
		if h, m, _ := purge.Next.UTC().Clock(); h != 3 || m != 17 {
			t.Fatalf("purge next at %s", purge.Next)
		}

		daily := find(t, spec(t, "CRON_TZ=Europe/Helsinki 0 9 * * *"))
		now := time.Now()
		// The next 09:00 is at most 25 hours away (the day the clocks go back).
		if h, m, _ := daily.Next.In(helsinki).Clock(); h != 9 || m != 0 || daily.Next.Before(now.Add(-time.Second)) || daily.Next.Sub(now) > 25*time.Hour {
			t.Fatalf("the daily digest next runs at %s (now %s)", daily.Next.In(helsinki), now.In(helsinki))
		}
		for _, tc := range []struct{ after, want time.Time }{
			{utc(2026, 3, 28, 7, 0), utc(2026, 3, 29, 6, 0)},   // 09:00 EET -> 09:00 EEST
			{utc(2026, 3, 28, 22, 30), utc(2026, 3, 29, 6, 0)}, // 00:30 EET on the day of the change
			{utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 6, 0)},  // 04:30 EEST, just after it
			{utc(2026, 3, 29, 6, 0), utc(2026, 3, 30, 6, 0)},
			{utc(2026, 10, 24, 6, 0), utc(2026, 10, 25, 7, 0)},  // 09:00 EEST -> 09:00 EET
			{utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 7, 0)}, // 03:30 EEST, first pass
			{utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 7, 0)}, // 03:30 EET, second pass
			{utc(2026, 10, 25, 7, 0), utc(2026, 10, 26, 7, 0)},
		} {
			if got := daily.Schedule.Next(tc.after); !got.Equal(tc.want) {
				t.Errorf("daily digest: next after %s is %s, want %s", tc.after.In(helsinki), got.In(helsinki), tc.want.In(helsinki))
			}
		}
		weekly := find(t, spec(t, "CRON_TZ=Europe/Helsinki 0 9 * * MON"))
		if got := weekly.Schedule.Next(hel(2026, 3, 23, 9, 0)); !got.Equal(utc(2026, 3, 30, 6, 0)) {
			t.Errorf("weekly digest: next after 23 March is %s", got.In(helsinki))
		}
		if got := weekly.Schedule.Next(hel(2026, 10, 19, 9, 0)); !got.Equal(utc(2026, 10, 26, 7, 0)) {
			t.Errorf("weekly digest: next after 19 October is %s", got.In(helsinki))
		}
		ny := find(t, spec(t, "CRON_TZ=America/New_York 30 18 * * FRI"))
		if h, m, _ := ny.Next.In(newYork).Clock(); h != 18 || m != 30 || ny.Next.In(newYork).Weekday() != time.Friday {
			t.Errorf("the New York digest next runs at %s", ny.Next.In(newYork))
		}
	})
}

// TestCatchUp: a digest that fell due while every replica was down is sent
// once at start-up, unless it is older than the catch-up window.
func TestCatchUp(t *testing.T) {
	helDay := func(m time.Month, d int) time.Time { return hel(2026, m, d, 0, 0) }
	cases := []struct {
		name    string
		catchUp time.Duration // 0: the default (8 days)
		now     time.Time     // start-up time; every replica was down since the day before the slot
		pilot   string
		want    *period
	}{
		{"weekly, hours late", 0, hel(2026, 3, 30, 12, 0), "hel_weekly",
			&period{helDay(3, 23), helDay(3, 30), utc(2026, 3, 30, 6, 0)}},
		{"weekly, six days late", 0, hel(2026, 4, 5, 20, 0), "hel_weekly",
			&period{helDay(3, 23), helDay(3, 30), utc(2026, 3, 30, 6, 0)}},
		{"weekly, just inside a 48h window", 48 * time.Hour, hel(2026, 4, 1, 8, 58), "hel_weekly",
			&period{helDay(3, 23), helDay(3, 30), utc(2026, 3, 30, 6, 0)}},
		{"weekly, older than a 48h window", 48 * time.Hour, hel(2026, 4, 1, 9, 1), "hel_weekly", nil},
		{"daily, two slots missed: only the latest", 0, hel(2026, 3, 31, 12, 0), "hel_daily",
			&period{helDay(3, 30), helDay(3, 31), hel(2026, 3, 31, 9, 0)}},
		{"daily, older than a 2h window", 2 * time.Hour, hel(2026, 3, 31, 11, 1), "hel_daily", nil},
		{"no digest", 0, hel(2026, 3, 31, 12, 0), "no_digest", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			clock := bot.NewManualClock(tc.now)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			start := func() *fakeJobs {
				jobs := newJobs(t, allPilots...)
				s := schedule.New(jobs.on(st), st, schedule.Options{Clock: clock, CatchUp: tc.catchUp})
				if err := s.Start(ctx); err != nil {
					t.Fatal(err)
				}
				s.Stop(ctx)
				return jobs
			}
			first := start()
			checkSent(t, st, tc.pilot, first.sent(tc.pilot), tc.want)
			// A second replica (or a restart) a little later sends nothing.
			clock.Advance(time.Minute)
			second := start()
			if got := second.sent(""); len(got) != 0 {
				t.Fatalf("the second start sent:%s", showCalls(got))
			}
		})
	}
}

// TestConcurrentDigests: three schedulers sharing one store, calling
// Digest for the same slot at once, send it exactly once in total.
func TestConcurrentDigests(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	const replicas = 3
	var jobs [replicas]*fakeJobs
	var scheds [replicas]*schedule.Scheduler
	for i := range replicas {
		jobs[i] = newJobs(t, allPilots...)
		scheds[i] = schedule.New(jobs[i].on(st), st, schedule.Options{Clock: bot.NewManualClock(time.Time{})})
	}
	pilots := []string{"hel_daily", "hel_weekly", "ny_friday", "no_digest"}
	for day := range 14 {
		now := utc(2026, 3, 20+day, 12, 0)
		for _, p := range pilots {
			var wg sync.WaitGroup
			startGate := make(chan struct{})
			for i := range replicas {
				wg.Go(func() {
					<-startGate
					scheds[i].Digest(ctx, p, now)
				})
			}
			close(startGate)
			wg.Wait()
		}
	}
	total := map[string][]digestCall{}
	for i := range replicas {
		for _, c := range jobs[i].sent("") {
			total[c.pilot] = append(total[c.pilot], c)
		}
	}
	// 20 March .. 2 April at 12:00 UTC: 14 daily slots; Mondays 16, 23
	// and 30 March; Fridays 13, 20 and 27 March in New York.
	want := map[string]int{"hel_daily": 14, "hel_weekly": 3, "ny_friday": 3}
	for _, p := range pilots {
		calls := total[p]
		if len(calls) != want[p] {
			t.Errorf("%s: %d digests, want %d:%s", p, len(calls), want[p], showCalls(calls))
		}
		seen := map[int64]bool{}
		for _, c := range calls {
			if seen[c.to.Unix()] {
				t.Errorf("%s: the period ending %s was sent twice", p, c.to)
			}
			seen[c.to.Unix()] = true
		}
	}
}

// commitAnswers stores n answers of one citizen in a pilot, given at a time.
func commitAnswers(t *testing.T, st *redisstore.Store, pilot string, n int, at time.Time) {
	t.Helper()
	ctx := context.Background()
	user := fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())
	c := &bot.Commit{User: user, Pilot: pilot, Point: true, Session: &bot.Session{Pilot: pilot, Chat: 1}, Day: "2026-03-30", Counts: map[string]int64{}}
	for i := range n {
		c.Answers = append(c.Answers, bot.Record{User: user, Node: "rate", Result: "experience", Kind: flow.KindRating, Value: fmt.Sprint(1 + i%5), Lang: "en", At: at.UnixMilli()})
	}
	if err := st.Commit(ctx, c); err != nil {
		t.Fatalf("commit answers: %v", err)
	}
}

// answerIDs lists a pilot's stored answer ids, oldest first.
func answerIDs(t *testing.T, st *redisstore.Store, pilot string) []string {
	t.Helper()
	var ids []string
	err := st.EachAnswer(context.Background(), pilot, func(r bot.Record) error {
		ids = append(ids, r.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestPurge: answers older than each pilot's retention_days go, newer ones
// stay, to the millisecond.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	jobs := newJobs(t, allPilots...) // retention: hel_daily 7, hel_weekly 30, ny_friday 365, no_digest 1
	s := schedule.New(jobs.on(st), st, schedule.Options{})
	counts := map[string]int{"hel_daily": 4, "hel_weekly": 3, "ny_friday": 5, "no_digest": 2}
	first := utc(2026, 3, 1, 12, 0)
	for p, n := range counts {
		commitAnswers(t, st, p, n, first)
	}
	last := first
	// A second batch for hel_weekly, strictly later than everything above.
	commitAnswers(t, st, "hel_weekly", 2, last.Add(2*time.Millisecond))
	newer := answerIDs(t, st, "hel_weekly")[3:]
	justAfter := last.Add(time.Millisecond)

	for _, step := range []struct {
		name    string
		now     time.Time
		left    map[string]int
		deleted int
	}{
		// The oldest answer is exactly one day old for the 1-day pilot: kept.
		{"nothing old enough", first.AddDate(0, 0, 1), map[string]int{"hel_daily": 4, "hel_weekly": 5, "ny_friday": 5, "no_digest": 2}, 0},
		{"1 day later", justAfter.AddDate(0, 0, 1), map[string]int{"hel_daily": 4, "hel_weekly": 5, "ny_friday": 5, "no_digest": 0}, 2},
		{"7 days later", justAfter.AddDate(0, 0, 7), map[string]int{"hel_daily": 0, "hel_weekly": 5, "ny_friday": 5}, 4},
		// The first hel_weekly batch goes, the second (a few ms younger) stays.
		{"30 days later", justAfter.AddDate(0, 0, 30), map[string]int{"hel_weekly": 2, "ny_friday": 5}, 3},
		{"364 days later", justAfter.AddDate(0, 0, 364), map[string]int{"hel_weekly": 0, "ny_friday": 5}, 2},
		{"365 days later", justAfter.AddDate(0, 0, 365), map[string]int{"ny_friday": 0}, 5},
	} {
		s.Purge(ctx, step.now)
		for p, want := range step.left {
			if got := len(answerIDs(t, st, p)); got != want {
				t.Fatalf("%s: %s has %d answers, want %d", step.name, p, got, want)
			}
		}
		run := lastRun(t, st, "purge")
		if run["at"] != step.now.UTC().Format(time.RFC3339) || run["outcome"] != fmt.Sprintf("ok, %d answers deleted", step.deleted) {
			t.Fatalf("%s: run record %v, want %d deleted at %s", step.name, run, step.deleted, step.now.UTC().Format(time.RFC3339))
		}
		if step.name == "30 days later" {
			if got := answerIDs(t, st, "hel_weekly"); strings.Join(got, " ") != strings.Join(newer, " ") {
				t.Fatalf("hel_weekly kept %v, want the younger batch %v", got, newer)
			}
		}
	}
}

// gatedStore holds the purge until all three replicas tried the lock, so
// the three calls overlap for certain.
type gatedStore struct {
	*redisstore.Store
	tried   chan struct{} // closed after the third Lock
	locks   atomic.Int32
	won     atomic.Int32
	purges  atomic.Int32
	records atomic.Int32
}

func (g *gatedStore) Lock(ctx context.Context, name string, ttl time.Duration) (func(), bool, error) {
	unlock, ok, err := g.Store.Lock(ctx, name, ttl)
	if ok {
		g.won.Add(1)
	}
	if g.locks.Add(1) == 3 {
		close(g.tried)
	}
	return unlock, ok, err
}

func (g *gatedStore) Purge(ctx context.Context, pilot string, before time.Time) (int64, error) {
	select {
	case <-g.tried:
	case <-time.After(5 * time.Second):
	}
	g.purges.Add(1)
	return g.Store.Purge(ctx, pilot, before)
}

func (g *gatedStore) RecordRun(ctx context.Context, name string, at time.Time, outcome string, took time.Duration) error {
	g.records.Add(1)
	return g.Store.RecordRun(ctx, name, at, outcome, took)
}

func TestPurgeOneReplica(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	g := &gatedStore{Store: st, tried: make(chan struct{})}
	at := utc(2026, 3, 1, 12, 0)
	commitAnswers(t, st, "no_digest", 3, at)
	now := at.Add(time.Millisecond).AddDate(0, 0, 2)
	var wg sync.WaitGroup
	for range 3 {
		jobs := newJobs(t, allPilots...)
		s := schedule.New(jobs.on(st), g, schedule.Options{})
		wg.Go(func() { s.Purge(ctx, now) })
	}
	wg.Wait()
	if g.won.Load() != 1 || g.purges.Load() != int32(len(allPilots)) || g.records.Load() != 1 {
		t.Fatalf("%d of 3 replicas took the lock, %d pilot purges (want %d), %d runs recorded",
			g.won.Load(), g.purges.Load(), len(allPilots), g.records.Load())
	}
	if got := answerIDs(t, st, "no_digest"); len(got) != 0 {
		t.Fatalf("left %v", got)
	}
	if run := lastRun(t, st, "purge"); run["outcome"] != "ok, 3 answers deleted" || run["at"] != now.UTC().Format(time.RFC3339) || run["took_ms"] == "" {
		t.Fatalf("run record %v", run)
	}
	// The lock was released: the next purge runs.
	schedule.New(newJobs(t, allPilots...).on(st), g, schedule.Options{}).Purge(ctx, now.Add(time.Hour))
	if g.won.Load() != 2 || g.records.Load() != 2 {
		t.Fatalf("the lock was not released: %d locks taken, %d runs", g.won.Load(), g.records.Load())
	}
}

// logRecorder keeps the messages logged, to see the recovered panic.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }
func (l *logRecorder) has(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if m == msg {
			return true
		}
	}
	return false
}

// TestPanickingJob: a panicking run is recovered and the next runs still
// happen (Recover inside SkipIfStillRunning).
func TestPanickingJob(t *testing.T) {
	for _, tc := range []struct {
		name   string
		panics func(call int64) bool
	}{
		{"first run panics", func(call int64) bool { return call == 1 }},
		{"every run panics", func(int64) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			jobs := newJobs(t, "no_digest")
			jobs.onFire = func(call int64) {
				if tc.panics(call) {
					panic(fmt.Sprintf("fire due: boom %d", call))
				}
			}
			logs := &logRecorder{}
			s := schedule.New(jobs.on(st), st, schedule.Options{DispatchEvery: time.Second, Logger: slog.New(logs),
				Clock: bot.NewManualClock(utc(2026, 3, 30, 12, 0))})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			start := time.Now()
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			for jobs.fires.Load() < 2 && time.Since(start) < 4*time.Second {
				time.Sleep(20 * time.Millisecond)
			}
			s.Stop(ctx)
			if n := jobs.fires.Load(); n < 2 {
				t.Fatalf("%d dispatch runs in %v, want at least 2", n, time.Since(start).Round(time.Millisecond))
			}
			if !logs.has("cron: panic") {
				t.Fatalf("the panic was not logged; logged: %v", logs.msgs)
			}
			t.Logf("%d runs in %v", jobs.fires.Load(), time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestDigestSpecs: a pilot without a digest does not stop the scheduler,
// and "@every" (which has no fixed slots, so every replica and restart
// would send its own digest) is refused.
func TestDigestSpecs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t.Run("no digest", func(t *testing.T) {
		st := openStore(t)
		jobs := newJobs(t, "no_digest", "hel_daily")
		s := schedule.New(jobs.on(st), st, schedule.Options{Clock: bot.NewManualClock(hel(2026, 3, 30, 12, 0))})
		if err := s.Start(ctx); err != nil {
			t.Fatalf("Start with a pilot that has no digest: %v", err)
		}
		s.Stop(ctx)
		if got := jobs.sent(""); len(got) != 1 || got[0].pilot != "hel_daily" {
			t.Fatalf("sent:%s", showCalls(got))
		}
	})
	t.Run("@every", func(t *testing.T) {
		// The checker refuses it, so no flow with it ever reaches Start.
		data, err := os.ReadFile(filepath.Join("testdata", "every_day.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		f, diags := flow.Load("every_day.yaml", data, flow.Options{})
		if f != nil || !strings.Contains(diags.String(), "@every is not allowed") {
			t.Fatalf("Load accepted \"@every 24h\": %s", diags)
		}
	})
	t.Run("every minute", func(t *testing.T) {
		st := openStore(t)
		jobs := newJobs(t, "every_minute")
		s := schedule.New(jobs.on(st), st, schedule.Options{})
		tokyo := mustZone("Asia/Tokyo")
		now := time.Date(2026, 3, 30, 9, 0, 30, 0, tokyo)
		start := time.Now()
		s.Digest(ctx, "every_minute", now)
		s.Digest(ctx, "every_minute", now.Add(20*time.Second))
		s.Digest(ctx, "every_minute", now.Add(40*time.Second))
		took := time.Since(start)
		got := jobs.sent("")
		if len(got) != 2 {
			t.Fatalf("sent:%s", showCalls(got))
		}
		day := time.Date(2026, 3, 30, 0, 0, 0, 0, tokyo)
		if !got[0].from.Equal(day) || !got[0].to.Equal(day.AddDate(0, 0, 1)) {
			t.Fatalf("period:%s", showCalls(got))
		}
		t.Logf("three digests of an every-minute schedule took %v", took)
	})
}

// TestPurgeRemovedPilot: a pilot removed from the flow files still has its
// answers purged, with the default retention.
func TestPurgeRemovedPilot(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	at := utc(2026, 3, 1, 12, 0)
	commitAnswers(t, st, "gone_pilot", 3, at)
	s := schedule.New(newJobs(t, "hel_daily").on(st), st, schedule.Options{DefaultRetentionDays: 30})
	s.Purge(ctx, at.AddDate(0, 0, 29))
	if got := answerIDs(t, st, "gone_pilot"); len(got) != 3 {
		t.Fatalf("29 days later %d answers left, want 3", len(got))
	}
	s.Purge(ctx, at.Add(time.Millisecond).AddDate(0, 0, 30))
	if got := answerIDs(t, st, "gone_pilot"); len(got) != 0 {
		t.Fatalf("30 days later %d answers left, want none", len(got))
	}
}
