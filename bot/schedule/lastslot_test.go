package schedule

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// counting counts the Next calls lastSlot makes.
type counting struct {
	cron.Schedule
	calls int
}

func (c *counting) Next(t time.Time) time.Time {
	c.calls++
	return c.Schedule.Next(t)
}

// naiveLastSlot walks every slot in the window: the reference lastSlot
// must agree with.
func naiveLastSlot(sched cron.Schedule, now time.Time, window time.Duration) time.Time {
	var last time.Time
	for t := sched.Next(now.Add(-window)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last = t
	}
	return last
}

// TestLastSlot: lastSlot finds the most recent slot in the window, as a
// walk over every slot would, in a few steps even for frequent schedules
// (a digest every minute used to cost over half a million steps, most of a
// second, on every run: the previous slot is looked for 400 days back).
func TestLastSlot(t *testing.T) {
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	specs := []string{"* * * * *", "*/7 * * * *", "0 9 * * *", "0 9 * * MON", "30 18 * * FRI", "0 0 1 * *", "0 12 29 2 *", "15 3 1 1 *", "0 9 31 * *"}
	nows := []time.Time{
		time.Date(2026, 3, 29, 9, 0, 0, 0, helsinki),
		time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC).Add(-time.Nanosecond),
		time.Date(2026, 10, 25, 3, 30, 0, 0, helsinki),
		time.Date(2026, 11, 26, 23, 25, 31, 5, time.UTC),
		time.Date(2028, 3, 1, 0, 0, 0, 0, helsinki),
	}
	windows := []time.Duration{time.Minute, 2 * time.Hour, 8 * 24 * time.Hour, 400 * 24 * time.Hour, 5 * 365 * 24 * time.Hour}
	for _, spec := range specs {
		sched, err := cron.ParseStandard("CRON_TZ=Europe/Helsinki " + spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, now := range nows {
			// Walking every minute for years is slow, and needless when a
			// slot is found in the last 2 days.
			recent := naiveLastSlot(sched, now, 48*time.Hour)
			for _, w := range windows {
				want := recent
				if w < 48*time.Hour || want.IsZero() {
					want = naiveLastSlot(sched, now, w)
				}
				c := &counting{Schedule: sched}
				got := lastSlot(c, now, w)
				if !got.Equal(want) {
					t.Errorf("%q at %s, window %v: lastSlot %s, want %s", spec, now, w, got, want)
				}
				if c.calls > 200 {
					t.Errorf("%q at %s, window %v: %d steps", spec, now, w, c.calls)
				}
			}
		}
	}
}
