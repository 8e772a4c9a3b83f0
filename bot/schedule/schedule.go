// Package schedule runs cosiebot's timed work with github.com/robfig/cron/v3:
// sending due follow-ups and reminders every few seconds, each pilot's
// digest on its cron spec in the pilot's time zone, and the daily retention
// purge. Several replicas may run it at once: follow-ups are claimed one by
// one in Redis, and a digest slot or a purge run is taken by one replica
// only (a Redis marker and lock). A digest that fell due while every
// replica was down is sent once at start-up.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/robfig/cron/v3"
)

// Jobs is the work the scheduler triggers; *bot.Service implements it.
type Jobs interface {
	FireDue(ctx context.Context) (int, error)
	// SendDigest queues a pilot's digest; once names its slot, so it is
	// sent once whichever replica asks first (bot.ErrDone for the rest).
	SendDigest(ctx context.Context, pilot string, from, to time.Time, once string) error
	Flows() *bot.Flows
}

// Store holds the markers, locks and run records; the Redis store
// implements it.
type Store interface {
	Lock(ctx context.Context, name string, ttl time.Duration) (unlock func(), ok bool, err error)
	RecordRun(ctx context.Context, name string, at time.Time, outcome string, took time.Duration) error
	LastRun(ctx context.Context, name string) (map[string]string, error)
	Purge(ctx context.Context, pilot string, before time.Time) (int64, error)
	// Partitions lists every pilot that ever had data, including pilots
	// no longer in the flow files.
	Partitions(ctx context.Context) ([]string, error)
	// PurgeDead deletes dead letters (updates that failed too often, with
	// the citizens' words in them) older than a time.
	PurgeDead(ctx context.Context, before time.Time) (int64, error)
}

// Options tunes a Scheduler.
type Options struct {
	DispatchEvery time.Duration // default 5s
	// CatchUp is how far back a missed digest is still sent at start-up
	// (default 8 days: a weekly digest is never skipped).
	CatchUp time.Duration
	// DefaultRetentionDays applies to pilots removed from the flow files,
	// whose own retention_days is no longer known; default 365.
	DefaultRetentionDays int
	// DeadLetterDays is how long dead letters are kept for an operator
	// to look at; default 30.
	DeadLetterDays int
	Clock          bot.Clock
	Logger         *slog.Logger
}

// Scheduler owns the cron runner.
type Scheduler struct {
	jobs  Jobs
	store Store
	opts  Options
	log   *slog.Logger
	cron  *cron.Cron // made by New, started by Start
	// mu guards what Start, Stop and Reload share: a stop may come while
	// Start is still catching up (serve stopped at once).
	mu  sync.Mutex
	ctx context.Context
	// digests maps each pilot to its cron entry, so a flow reload can
	// replace them.
	digests map[string]cron.EntryID
	stopped bool
	started sync.WaitGroup // the purge at start-up
}

// New makes a scheduler; Start runs it.
func New(jobs Jobs, store Store, opts Options) *Scheduler {
	if opts.DispatchEvery <= 0 {
		opts.DispatchEvery = 5 * time.Second
	}
	if opts.CatchUp <= 0 {
		opts.CatchUp = 8 * 24 * time.Hour
	}
	if opts.Clock == nil {
		opts.Clock = bot.SystemClock{}
	}
	if opts.DefaultRetentionDays <= 0 {
		opts.DefaultRetentionDays = 365
	}
	if opts.DeadLetterDays <= 0 {
		opts.DeadLetterDays = 30
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	l := cronLogger{opts.Logger}
	// SkipIfStillRunning outside Recover: a panicking run is recovered
	// inside, so the skip guard is always released (libraries.md 3).
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(l), cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)))
	return &Scheduler{jobs: jobs, store: store, opts: opts, log: opts.Logger, cron: c}
}

// cronLogger routes robfig/cron's messages to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// Start registers the jobs, sends digests missed while no replica ran, and
// starts the cron runner. Stop it by cancelling ctx and calling Stop.
func (s *Scheduler) Start(ctx context.Context) error {
	s.cron.Schedule(cron.Every(s.opts.DispatchEvery), cron.FuncJob(func() { s.dispatch(ctx) }))
	if _, err := s.cron.AddFunc("CRON_TZ=UTC 17 3 * * *", func() { s.Purge(ctx, s.opts.Clock.Now()) }); err != nil {
		return fmt.Errorf("schedule the retention purge: %w", err)
	}
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	if err := s.Reload(); err != nil {
		return err
	}
	// Catch up on digests that fell due while every replica was down.
	now := s.opts.Clock.Now()
	for _, f := range s.jobs.Flows().List() {
		s.Digest(ctx, f.Pilot.ID, now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.cron.Start()
	// Purge at start-up too: a bot that is often restarted, or was down
	// at 03:17, keeps nothing past its retention.
	s.started.Add(1)
	go func() {
		defer s.started.Done()
		s.Purge(ctx, s.opts.Clock.Now())
	}()
	return nil
}

// Reload registers each pilot's digest from the current flows, replacing
// the entries of the previous set: serve calls it after a flow reload.
func (s *Scheduler) Reload() error {
	entries := map[string]cron.Schedule{}
	for _, f := range s.jobs.Flows().List() {
		if f.Pilot.Digest == "" {
			continue // digest is optional
		}
		sched, err := digestSchedule(f)
		if err != nil {
			return err
		}
		entries[f.Pilot.ID] = sched
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.digests {
		s.cron.Remove(id)
	}
	s.digests = map[string]cron.EntryID{}
	for pilot, sched := range entries {
		s.digests[pilot] = s.cron.Schedule(sched, cron.FuncJob(func() { s.Digest(s.ctx, pilot, s.opts.Clock.Now()) }))
	}
	return nil
}

// Stop stops scheduling and waits for running jobs, at most until ctx ends.
func (s *Scheduler) Stop(ctx context.Context) {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		<-s.cron.Stop().Done()
		s.started.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Entries lists the scheduled jobs, for tests and logs.
func (s *Scheduler) Entries() []cron.Entry { return s.cron.Entries() }

// digestSchedule parses a pilot's digest spec in its time zone.
func digestSchedule(f *flow.Flow) (sched cron.Schedule, err error) {
	defer func() {
		if recover() != nil { // robfig/cron#554: the parser can panic
			err = fmt.Errorf("digest schedule of %s: %q is not a cron spec", f.Pilot.ID, f.Pilot.Digest)
		}
	}()
	spec := "CRON_TZ=" + f.Pilot.Timezone.String() + " " + f.Pilot.Digest
	sched, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("digest schedule of %s: %w", f.Pilot.ID, err)
	}
	// "@every 24h" parses too, but its times depend on when it is asked,
	// so replicas (and restarts) would each see slots of their own and
	// send the digest again.
	if _, ok := sched.(*cron.SpecSchedule); !ok {
		return nil, fmt.Errorf("digest schedule of %s: %q is not a calendar schedule; use five fields like \"0 9 * * MON\"", f.Pilot.ID, f.Pilot.Digest)
	}
	return sched, nil
}

func (s *Scheduler) dispatch(ctx context.Context) {
	n, err := s.jobs.FireDue(ctx)
	if err != nil {
		s.log.Warn("sending due follow-ups and reminders", "err", err)
	}
	if n > 0 {
		s.log.Info("sent due follow-ups and reminders", "count", n)
	}
}

// lastSlot is the most recent time the schedule fired at or before now,
// looking back at most window; zero if none. It looks back over growing
// spans, so a frequent schedule costs a few steps rather than one per slot
// in the whole window.
func lastSlot(sched cron.Schedule, now time.Time, window time.Duration) time.Time {
	for span := time.Hour; ; span *= 4 {
		span = min(span, window)
		var last time.Time
		for t := sched.Next(now.Add(-span)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
			last = t
		}
		if !last.IsZero() || span >= window {
			return last
		}
	}
}

// Digest sends a pilot's digest for its most recent slot, unless some
// replica already did: the slot's marker and the digest's messages are one
// commit, so it is neither sent twice nor lost in a crash. The period runs
// from the slot before to this one.
func (s *Scheduler) Digest(ctx context.Context, pilot string, now time.Time) {
	start := time.Now()
	f := s.jobs.Flows().Get(pilot)
	if f == nil || f.Pilot.Digest == "" {
		return
	}
	sched, err := digestSchedule(f)
	if err != nil {
		s.log.Error("digest", "pilot", pilot, "err", err)
		return
	}
	slot := lastSlot(sched, now, s.opts.CatchUp)
	if slot.IsZero() {
		return
	}
	// The previous slot bounds the period; a schedule that fires rarely
	// still covers at most the catch-up window.
	prev := lastSlot(sched, slot.Add(-time.Second), 400*24*time.Hour)
	if prev.IsZero() || slot.Sub(prev) > 400*24*time.Hour {
		prev = slot.Add(-7 * 24 * time.Hour)
	}
	name := "digest:" + pilot
	// After missed digests, cover everything since the last one sent (up
	// to a month), so no day falls between two digests.
	if last, err := s.store.LastRun(ctx, name); err == nil {
		if at, err := time.Parse(time.RFC3339, last["at"]); err == nil && at.Before(prev) && slot.Sub(at) <= 31*24*time.Hour {
			prev = at
		}
	}
	from, to := bot.DigestPeriod(f, prev, slot)
	outcome := "sent"
	switch err := s.jobs.SendDigest(ctx, pilot, from, to, fmt.Sprintf("%s:%d", name, slot.Unix())); {
	case errors.Is(err, bot.ErrDone):
		return // another replica, or an earlier run, has it
	case errors.Is(err, bot.ErrNoCoordinators):
		s.log.Warn("digest not sent: the pilot has no coordinators (add them in the flow file or COSIE_COORDINATORS)", "pilot", pilot)
		outcome = "no coordinators"
	case err != nil:
		// Not marked: the next run tries again.
		s.log.Error("digest: will try again at the next run", "pilot", pilot, "err", err)
		return
	default:
		s.log.Info("digest queued", "pilot", pilot, "slot", slot)
	}
	if err := s.store.RecordRun(ctx, name, slot, outcome, time.Since(start)); err != nil {
		s.log.Warn("record digest run", "err", err)
	}
}

// Purge deletes answers older than each pilot's retention_days, in every
// pilot that has data: those removed from the flow files keep the default
// retention. One replica runs it (a lock that expires if the holder dies).
func (s *Scheduler) Purge(ctx context.Context, now time.Time) {
	start := time.Now()
	unlock, ok, err := s.store.Lock(ctx, "purge", 30*time.Minute)
	if err != nil {
		s.log.Warn("retention purge: Redis unavailable", "err", err)
		return
	}
	if !ok {
		return
	}
	defer unlock()
	days, err := s.retention(ctx)
	outcome := "ok"
	if err != nil {
		outcome = "partial: " + err.Error()
		s.log.Error("retention purge: list pilots with data", "err", err)
	}
	var total int64
	for _, pilot := range slices.Sorted(maps.Keys(days)) {
		n, err := s.store.Purge(ctx, pilot, now.AddDate(0, 0, -days[pilot]))
		if err != nil {
			outcome = "failed: " + err.Error()
			s.log.Error("retention purge", "pilot", pilot, "err", err)
			continue
		}
		total += n
	}
	dead, err := s.store.PurgeDead(ctx, now.AddDate(0, 0, -s.opts.DeadLetterDays))
	if err != nil {
		outcome = "failed: " + err.Error()
		s.log.Error("retention purge of dead letters", "err", err)
	}
	s.log.Info("retention purge", "deleted", total, "dead_letters", dead)
	if err := s.store.RecordRun(ctx, "purge", now, fmt.Sprintf("%s, %d answers deleted", outcome, total), time.Since(start)); err != nil {
		s.log.Warn("record purge run", "err", err)
	}
}

// retention maps every pilot with data to its retention in days.
func (s *Scheduler) retention(ctx context.Context) (map[string]int, error) {
	days := map[string]int{}
	for _, f := range s.jobs.Flows().List() {
		days[f.Pilot.ID] = f.Pilot.RetentionDays
	}
	parts, err := s.store.Partitions(ctx)
	for _, p := range parts {
		if _, ok := days[p]; !ok && p != bot.Lobby {
			days[p] = s.opts.DefaultRetentionDays
		}
	}
	return days, err
}
