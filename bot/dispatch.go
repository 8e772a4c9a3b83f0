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

// fire sends one claimed prompt. A prompt whose session, node or flow
// version no longer matches does nothing and is released.
func (s *Service) fire(ctx context.Context, f *flow.Flow, d Due) (bool, error) {
	kind := flow.InReminder
	if d.Kind == flow.PromptFollowUp {
		kind = flow.InTimer
	}
	for range maxAttempts {
		sess, err := s.store.Load(ctx, d.User)
		if err != nil {
			return false, fmt.Errorf("load session for a due prompt: %w", err)
		}
		// A dialogue paused for a crisis is not nudged: the citizen carries
		// on when they are ready. A follow-up it was promised still comes.
		if sess == nil || sess.Pilot != f.Pilot.ID || sess.OptOut || sess.Paused != 0 && d.Kind == flow.PromptReminder {
			return false, s.store.Release(ctx, f.Pilot.ID, d)
		}
		t := s.newTurn(d.User, sess, Inbound{ChatID: sess.Chat, Private: true})
		t.ctx = ctx
		t.lane = LaneBulk
		if t.sess == nil {
			return false, s.store.Release(ctx, f.Pilot.ID, d)
		}
		res := t.step(flow.Input{Kind: kind, Node: d.Node, Seq: d.Seq})
		if res.Stale {
			return false, s.store.Release(ctx, f.Pilot.ID, d)
		}
		c := t.commit()
		c.Release = append(c.Release, d.Kind)
		if d.Kind == flow.PromptFollowUp {
			t.sess.FollowedUp = true
			t.sess.Paused = 0 // the follow-up asks again: the pause is over
			t.count(cFollowUps, 1)
		} else {
			t.count(cReminders, 1)
		}
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
