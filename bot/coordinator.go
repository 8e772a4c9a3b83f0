package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// coordinatorCommand handles the commands only coordinators may use:
// /digest, /stats and /export, optionally followed by a pilot id, the
// ideas commands (ideas_commands.go) and /alerts (alerts.go). For anyone
// else it reports false, so the command is treated as unknown.
func (t *turn) coordinatorCommand(ctx context.Context, name, payload string) bool {
	if t.ideasCommand(ctx, name, payload) {
		return true
	}
	if name == "alerts" {
		return t.alertsCommand(ctx)
	}
	if name != "digest" && name != "stats" && name != "export" {
		return false
	}
	pilots := t.s.coordinatorOf(t.in.UserID)
	if len(pilots) == 0 {
		return false
	}
	if payload != "" {
		payload = strings.ToLower(payload) // like /start: "/digest Turku"
		if !slices.Contains(pilots, payload) {
			t.text(t.s.words.Say(matchLang(t.in.Lang, t.s.words.Languages()), "coord.only", nil))
			return true
		}
		pilots = []string{payload}
	}
	lang := matchLang(t.in.Lang, t.s.words.Languages())
	// Remember the coordinator's language for scheduled digests.
	t.setPref(coordLangKey(t.user), lang)
	for _, p := range pilots {
		f := t.s.Flows().Get(p)
		if f == nil {
			continue
		}
		if err := t.coordinatorReport(ctx, f, name, lang); err != nil {
			t.err = err
			return true
		}
	}
	return true
}

func coordLangKey(user string) string { return "coord-lang:" + user }

func (t *turn) coordinatorReport(ctx context.Context, f *flow.Flow, name, lang string) error {
	switch name {
	case "digest":
		from, to := LastDays(f, t.now, 7)
		text, err := Digest(ctx, t.s.store, f, t.s.words, DigestOptions{From: from, To: to, Lang: lang, Key: t.s.key})
		if err != nil {
			return err
		}
		t.text(text)
	case "stats":
		text, err := Digest(ctx, t.s.store, f, t.s.words, DigestOptions{Lang: lang, Key: t.s.key})
		if err != nil {
			return err
		}
		t.text(text)
	case "export":
		var buf bytes.Buffer
		n, err := Export(ctx, t.s.store, f, t.s.key, &buf, "csv")
		if err != nil {
			return err
		}
		if n == 0 {
			t.text(t.s.words.Say(lang, "export.empty", nil))
			return nil
		}
		caption := t.s.words.Say(lang, "export.caption", map[string]any{"Pilot": f.Pilot.Name.Render(matchLang(lang, f.Pilot.Languages), nil), "Count": n})
		t.out = append(t.out, Out{Lane: t.lane, Chat: t.in.ChatID, File: fmt.Sprintf("%s-%s.csv", f.Pilot.ID, t.now.In(f.Pilot.Timezone).Format("20060102")),
			Data: buf.Bytes(), Text: caption, Since: t.since()})
		return t.exportIdeas(ctx, f, lang)
	}
	return nil
}

// coordinatorOf lists the pilots a Telegram user coordinates.
func (s *Service) coordinatorOf(userID int64) []string {
	var out []string
	for _, f := range s.Flows().List() {
		if slices.Contains(s.Coordinators(f.Pilot.ID), userID) {
			out = append(out, f.Pilot.ID)
		}
	}
	return out
}

// ErrNoCoordinators means a pilot has nobody to send its digest to.
var ErrNoCoordinators = errors.New("the pilot has no coordinators")

// SendDigest queues a pilot's digest for a period to each of its
// coordinators, in the language each last used with the bot (else the
// pilot's first language). once names the digest's slot: the messages and
// the slot's marker are one commit, so each slot's digest goes out once,
// whichever replica gets there first (ErrDone for the others).
func (s *Service) SendDigest(ctx context.Context, pilot string, from, to time.Time, once string) error {
	f := s.Flows().Get(pilot)
	if f == nil {
		return fmt.Errorf("digest: no pilot %q", pilot)
	}
	ids := s.Coordinators(pilot)
	if len(ids) == 0 {
		return ErrNoCoordinators
	}
	c := &Commit{Pilot: pilot, Once: once, OnceTTL: 40 * 24 * time.Hour}
	for _, id := range ids {
		lang, err := s.store.Pref(ctx, coordLangKey(s.Pseudonym(id)))
		if err != nil {
			return err
		}
		if lang == "" {
			lang = f.DefaultLanguage()
		}
		text, err := Digest(ctx, s.store, f, s.words, DigestOptions{From: from, To: to, Lang: lang, Key: s.key})
		if err != nil {
			return err
		}
		c.Out = append(c.Out, Out{Lane: LaneBulk, Chat: id, Text: text})
	}
	if err := s.store.Commit(ctx, c); err != nil {
		return err
	}
	s.kick(c)
	return nil
}
