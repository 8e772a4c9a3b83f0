package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// claimBatch is how many prompts one claim takes.
const claimBatch = 100

// DefaultClaimLease is how long a claimed prompt stays hidden from other
// replicas. It only has to cover load, step and commit: the prompt leaves
// the queue in the commit, before anything is sent.
const DefaultClaimLease = 30 * time.Second

// FireDue sends every follow-up and reminder that is due now, across all
// pilots, and returns how many were sent. Several replicas may call it at
// once: each prompt is claimed by one of them.
func (s *Service) FireDue(ctx context.Context) (int, error) {
	sent := 0
	var errs []error
	for _, f := range s.Flows().List() {
		// A prompt due before the quiet hours but still unsent (replicas
		// were down, or a claim expired) waits until they end.
		if now := s.clock.Now().In(f.Pilot.Timezone); f.Pilot.QuietHours.Contains(now.Hour()*60 + now.Minute()) {
			continue
		}
		n, err := s.fireIdeas(ctx, f)
		sent += n
		if err != nil {
			errs = append(errs, err)
		}
		for {
			due, err := s.store.ClaimDue(ctx, f.Pilot.ID, s.clock.Now(), s.lease, claimBatch)
			if err != nil {
				errs = append(errs, fmt.Errorf("claim due prompts of %s: %w", f.Pilot.ID, err))
				break
			}
			for _, d := range due {
				ok, err := s.fire(ctx, f, d)
				if err != nil {
					errs = append(errs, err)
				}
				if ok {
					sent++
				}
			}
			if len(due) < claimBatch || ctx.Err() != nil {
				break
			}
		}
	}
	return sent, errors.Join(errs...)
}

// busyFor is how recently a citizen must have written in another pilot's
// dialogue, still open, for a follow-up to wait rather than take them
// away from it.
const busyFor = time.Hour

// fire sends one claimed prompt. A prompt whose session, node or flow
// version no longer matches does nothing and is released, and so does one
// the citizen's phase forbids (they stopped, here or in the pilot they
// are in now). A reminder nudges only the dialogue the citizen is in; a
// follow-up of a pilot they left is kept (the pilot becomes theirs again),
// but waits while they are busy in another.
func (s *Service) fire(ctx context.Context, f *flow.Flow, d Due) (bool, error) {
	for range maxAttempts {
		cur, err := s.store.Load(ctx, d.User)
		if err != nil {
			return false, fmt.Errorf("load session for a due prompt: %w", err)
		}
		sess, elsewhere := cur, cur == nil || cur.Pilot != f.Pilot.ID
		if elsewhere {
			switch {
			case d.Kind != flow.PromptFollowUp || cur.Phase().Held():
				return false, s.store.Release(ctx, f.Pilot.ID, d)
			case cur.busy(s.clock.Now()):
				return false, s.postpone(ctx, f, d)
			}
			if sess, err = s.store.LoadPilot(ctx, d.User, f.Pilot.ID); err != nil {
				return false, fmt.Errorf("load session for a due prompt: %w", err)
			}
		}
		// A dialogue paused for a crisis is not nudged: the citizen carries
		// on when they are ready. A follow-up it was promised still comes
		// (and ends the pause: followUp).
		if sess == nil || !sess.Phase().Sends(d.Kind) {
			return false, s.store.Release(ctx, f.Pilot.ID, d)
		}
		t := s.newTurn(d.User, sess, Inbound{ChatID: sess.Chat, Private: true})
		t.ctx = ctx
		t.lane = LaneBulk
		if t.sess == nil {
			return false, s.store.Release(ctx, f.Pilot.ID, d)
		}
		if res := t.followUp(ctx, d.Kind, d.Node, d.Seq); res.Stale {
			return false, s.store.Release(ctx, f.Pilot.ID, d)
		}
		t.commit().Point = elsewhere
		err = t.save(ctx)
		if errors.Is(err, ErrConflict) {
			s.obs.Conflict()
			continue
		}
		if err != nil {
			return false, fmt.Errorf("commit a due prompt: %w", err)
		}
		s.obs.PromptSent(d.Kind, t.now.Sub(d.Due))
		s.kick(t.c)
		return true, nil
	}
	return false, fmt.Errorf("fire a due prompt: %w", ErrConflict)
}

// postpone moves a follow-up on by busyFor (out of quiet hours): the
// citizen is busy in another pilot's dialogue.
func (s *Service) postpone(ctx context.Context, f *flow.Flow, d Due) error {
	sess, err := s.store.LoadPilot(ctx, d.User, f.Pilot.ID)
	if err != nil {
		return fmt.Errorf("load session for a due prompt: %w", err)
	}
	if sess == nil {
		return s.store.Release(ctx, f.Pilot.ID, d)
	}
	t := s.newTurn(d.User, sess, Inbound{ChatID: sess.Chat, Private: true})
	if t.sess == nil {
		return s.store.Release(ctx, f.Pilot.ID, d)
	}
	p := d.Prompt
	p.Due = f.Pilot.OutsideQuietHours(t.now.Add(busyFor))
	t.commit().Prompts = []Prompt{p}
	if err := t.save(ctx); err != nil && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("postpone a due prompt: %w", err)
	}
	return nil // a conflict: the claim ends, and the prompt comes again
}
