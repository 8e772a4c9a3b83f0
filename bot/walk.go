package bot

import (
	"context"
	"fmt"
	"time"
)

// DueTimes tells when a pilot's next follow-up or reminder is due; the
// Redis store does.
type DueTimes interface {
	NextDue(ctx context.Context, pilot string) (time.Time, bool, error)
}

// maxStops bounds the due times one Walk stops at; a chat or a scenario
// never has this many prompts in one wait.
const maxStops = 10_000

// Walk moves a manual clock forward by d as a running bot lives through
// that time: it stops at every time a prompt is due on the way, calls at
// with that time, and sends what is due then. A follow-up due at 10:00
// goes out at 10:00, even when the wait ends later, in quiet hours. For
// `cosiebot chat` and scenario tests.
func (s *Service) Walk(ctx context.Context, clock *ManualClock, d time.Duration, due DueTimes, at func(time.Time)) error {
	end := clock.Now().Add(d)
	for range maxStops {
		next, pilot, ok, err := s.nextDue(ctx, due)
		if err != nil {
			return err
		}
		if !ok || next.After(end) {
			break
		}
		now := clock.Now()
		if next.After(now) {
			clock.Set(next.In(now.Location()))
		} else if stuck := s.stuckUntil(pilot, now); stuck.After(now) {
			// Due, but not sent at now (quiet hours, a claim's lease): go
			// on to when it can be.
			if stuck.After(end) {
				break
			}
			clock.Set(stuck.In(now.Location()))
		}
		at(clock.Now())
		if _, err := s.FireDue(ctx); err != nil {
			return fmt.Errorf("send what is due at %s: %w", clock.Now().Format(time.RFC3339), err)
		}
	}
	clock.Set(end)
	_, err := s.FireDue(ctx)
	return err
}

// nextDue is the earliest due time of any pilot's prompts, and its pilot.
func (s *Service) nextDue(ctx context.Context, due DueTimes) (time.Time, string, bool, error) {
	var first time.Time
	var pilot string
	for _, f := range s.Flows().List() {
		t, ok, err := due.NextDue(ctx, f.Pilot.ID)
		if err != nil {
			return time.Time{}, "", false, fmt.Errorf("next due prompt of %s: %w", f.Pilot.ID, err)
		}
		if ok && (pilot == "" || t.Before(first)) {
			first, pilot = t, f.Pilot.ID
		}
	}
	return first, pilot, pilot != "", nil
}

// stuckUntil is when a prompt of pilot that is due but was not sent at now
// can go: the end of the quiet hours, else a minute later.
func (s *Service) stuckUntil(pilot string, now time.Time) time.Time {
	if f := s.Flows().Get(pilot); f != nil {
		if t := f.Pilot.OutsideQuietHours(now); t.After(now) {
			return t
		}
	}
	return now.Add(time.Minute)
}
