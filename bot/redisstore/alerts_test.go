package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/redisstore"
)

// raise records a match and fails the test on an error.
func raise(t *testing.T, s *redisstore.Store, part string, m bot.AlertMatch) (bot.Alerting, bot.Episode) {
	t.Helper()
	got, ep, err := s.RaiseAlert(context.Background(), part, m)
	if err != nil {
		t.Fatalf("RaiseAlert(%s, %.6s): %v", part, m.User, err)
	}
	return got, ep
}

func match(user, ref, token string, at time.Time, cap int) bot.AlertMatch {
	return bot.AlertMatch{User: user, Ref: ref, At: at, Token: token, Window: 6 * time.Hour, Cap: cap,
		Keep: 7 * 24 * time.Hour, Text: "words of " + ref}
}

func testAlerts(t *testing.T, e *env) {
	ctx := t.Context()
	now := time.Now().Truncate(time.Hour).Add(time.Minute)
	_, user := citizen()
	const ref = "00aa11bb22cc33dd"
	t.Run("one episode, counted, and the same token gives the same answer", func(t *testing.T) {
		for i, want := range []struct {
			token string
			got   bot.Alerting
			n     int
		}{
			{"u1", bot.AlertNew, 1},
			{"u1", bot.AlertNew, 1}, // the update retried: still new, not counted twice
			{"u2", bot.AlertMore, 2},
			{"u3", bot.AlertMore, 3},
			{"u3", bot.AlertMore, 3},
		} {
			got, ep := raise(t, e.s, "turku", match(user, ref, want.token, now.Add(time.Duration(i)*time.Minute), 20))
			if got != want.got || ep.Count != want.n || ep.Ref != ref || !ep.Since.Equal(now) || ep.Held || ep.Text != "" {
				t.Fatalf("raise %d (%s) = %v %+v; want %v with %d matches", i, want.token, got, ep, want.got, want.n)
			}
		}
		// After the window, a new episode.
		got, ep := raise(t, e.s, "turku", match(user, ref, "u4", now.Add(6*time.Hour), 20))
		if got != bot.AlertNew || ep.Count != 1 {
			t.Fatalf("after the window: %v %+v", got, ep)
		}
	})
	t.Run("take", func(t *testing.T) {
		at := now.Add(7 * time.Hour)
		ep, first, ok, err := e.s.TakeAlert(ctx, "turku", ref, "Anna", at)
		if err != nil || !ok || !first || ep.By != "Anna" || !ep.Taken.Equal(at) || ep.Count != 1 {
			t.Fatalf("TakeAlert = %+v, %v, %v, %v", ep, first, ok, err)
		}
		ep, first, ok, err = e.s.TakeAlert(ctx, "turku", ref, "Ben", at.Add(time.Minute))
		if err != nil || !ok || first || ep.By != "Anna" {
			t.Fatalf("second TakeAlert = %+v, %v, %v, %v", ep, first, ok, err)
		}
		if _, _, ok, err := e.s.TakeAlert(ctx, "turku", "ffffffffffffffff", "Anna", at); ok || err != nil {
			t.Fatalf("TakeAlert of an unknown reference = %v, %v", ok, err)
		}
		// A reference of another partition is another episode.
		if _, _, ok, _ := e.s.TakeAlert(ctx, "hull", ref, "Anna", at); ok {
			t.Fatal("an episode was found in another partition")
		}
	})
	t.Run("the hourly cap", func(t *testing.T) {
		var users []string
		for i, want := range []bot.Alerting{bot.AlertNew, bot.AlertNew, bot.AlertCapped, bot.AlertHeld} {
			_, u := citizen()
			users = append(users, u)
			r := strings.Repeat(string(rune('a'+i)), 16)
			got, ep := raise(t, e.s, "hull", match(u, r, "t", now.Add(time.Duration(i)*time.Second), 2))
			if got != want || ep.Held != (want == bot.AlertCapped || want == bot.AlertHeld) {
				t.Fatalf("episode %d: %v %+v, want %v", i, got, ep, want)
			}
			// What a held episode's citizen wrote is kept for /alerts only.
			if ep.Held != (ep.Text == "words of "+r) {
				t.Fatalf("episode %d keeps the text %q", i, ep.Text)
			}
		}
		// The next hour has a cap of its own.
		_, u := citizen()
		if got, _ := raise(t, e.s, "hull", match(u, "eeeeeeeeeeeeeeee", "t", now.Add(time.Hour), 2)); got != bot.AlertNew {
			t.Fatalf("the next hour: %v", got)
		}
		eps, err := e.s.Episodes(ctx, "hull", now.Add(-time.Minute))
		if err != nil || len(eps) != 5 || eps[0].Ref != "eeeeeeeeeeeeeeee" || eps[4].Ref != "aaaaaaaaaaaaaaaa" {
			t.Fatalf("Episodes = %+v, %v; want 5, newest first", eps, err)
		}
		if eps, _ := e.s.Episodes(ctx, "hull", now.Add(time.Hour)); len(eps) != 1 {
			t.Fatalf("Episodes since the next hour: %+v", eps)
		}
		// Retention ends for the first hour's episodes.
		if _, err := e.s.Purge(ctx, "hull", now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if eps, _ := e.s.Episodes(ctx, "hull", now.Add(-time.Hour)); len(eps) != 1 {
			t.Fatalf("after Purge: %+v", eps)
		}
		for _, u := range users {
			if keys := e.keysNaming(t, u); len(keys) != 0 {
				t.Fatalf("after Purge keys name the citizen: %v", keys)
			}
		}
	})
	t.Run("forget, in a partition the citizen never had a session in", func(t *testing.T) {
		raise(t, e.s, bot.Lobby, match(user, "1111222233334444", "x", now, 20))
		if err := e.s.Forget(ctx, user, ""); err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{"turku", bot.Lobby} {
			if _, _, ok, _ := e.s.TakeAlert(ctx, part, ref, "Anna", now); ok {
				t.Fatalf("the episode in %q survived /forget", part)
			}
			if eps, _ := e.s.Episodes(ctx, part, time.Time{}); len(eps) != 0 {
				t.Fatalf("Episodes in %q after /forget: %+v", part, eps)
			}
		}
		if keys := e.keysNaming(t, user); len(keys) != 0 {
			t.Fatalf("after /forget keys name the citizen: %v", keys)
		}
		if keys := e.keysNaming(t, ref); len(keys) != 0 {
			t.Fatalf("after /forget keys name the reference: %v", keys)
		}
	})
	t.Run("a declined dialogue forgets its pilot's episode", func(t *testing.T) {
		_, u := citizen()
		raise(t, e.s, "turku", match(u, "5555666677778888", "x", now, 20))
		if err := e.s.Forget(ctx, u, "turku"); err != nil {
			t.Fatal(err)
		}
		if keys := e.keysNaming(t, u); len(keys) != 0 {
			t.Fatalf("keys name the citizen: %v", keys)
		}
	})
	t.Run("bad matches", func(t *testing.T) {
		if _, _, err := e.s.RaiseAlert(ctx, "turku", bot.AlertMatch{User: user}); err == nil {
			t.Fatal("a match without a reference was raised")
		}
	})
}

// keysNaming lists the store's keys whose name or value holds s.
func (e *env) keysNaming(t *testing.T, s string) []string {
	t.Helper()
	keys, err := scanKeys(t.Context(), e.rdb, e.ns+":*")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		if strings.Contains(k, s) {
			out = append(out, k)
			continue
		}
		if v, err := e.rdb.Dump(t.Context(), k).Result(); err == nil && strings.Contains(v, s) {
			out = append(out, k)
		}
	}
	return out
}
