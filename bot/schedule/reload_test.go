package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot/schedule"
)

// TestMissedDigestsCoverEveryDay: when daily digests were missed for
// several days, the one sent at start-up covers every day since the last
// one sent, so no day falls between two digests.
func TestMissedDigestsCoverEveryDay(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	jobs := newJobs(t, "hel_daily")
	s := schedule.New(jobs.on(st), st, schedule.Options{})
	s.Digest(ctx, "hel_daily", hel(2026, 3, 20, 9, 0)) // sent for the 19th
	// Down from the 20th at 09:00 until the 24th at 12:00.
	s.Digest(ctx, "hel_daily", hel(2026, 3, 24, 12, 0))
	calls := jobs.sent("hel_daily")
	if len(calls) != 2 {
		t.Fatalf("digests sent: %s", showCalls(calls))
	}
	if from, to := calls[1].from, calls[1].to; !from.Equal(hel(2026, 3, 20, 0, 0)) || !to.Equal(hel(2026, 3, 24, 0, 0)) {
		t.Fatalf("the catch-up digest covers %v..%v, want the 20th to the 23rd", from, to)
	}
}

// TestReloadReplacesDigestEntries: a flow reload registers the digests of
// the new set and drops the old ones.
func TestReloadReplacesDigestEntries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openStore(t)
	jobs := newJobs(t, "hel_daily", "no_digest")
	s := schedule.New(jobs.on(st), st, schedule.Options{})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(ctx)
	before := len(s.Entries()) // dispatch, purge, one digest
	jobs.flows.Store(loadFlows(t, "hel_daily", "hel_weekly", "ny_friday"))
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Entries()); got != before+2 {
		t.Fatalf("%d entries after adding two pilots with digests, want %d", got, before+2)
	}
	jobs.flows.Store(loadFlows(t, "no_digest"))
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Entries()); got != before-1 {
		t.Fatalf("%d entries after removing every digest, want %d", got, before-1)
	}
}

// TestStopWhileStarting: serve may stop while the scheduler is still
// starting (catching up on digests); the stop wins, whichever comes first,
// and nothing fires after it.
func TestStopWhileStarting(t *testing.T) {
	for range 20 {
		st := openStore(t)
		jobs := newJobs(t, "hel_daily")
		s := schedule.New(jobs.on(st), st, schedule.Options{DispatchEvery: time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan error, 1)
		go func() { started <- s.Start(ctx) }()
		s.Stop(context.Background())
		if err := <-started; err != nil {
			t.Fatal(err)
		}
		fired := jobs.fires.Load()
		time.Sleep(20 * time.Millisecond)
		if more := jobs.fires.Load() - fired; more != 0 {
			t.Fatalf("%d dispatches after Stop", more)
		}
		cancel()
	}
}
