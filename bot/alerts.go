package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/locales"
)

// Safeguarding alerts. A crisis (or the 🆘 button) opens an episode for the
// citizen in the partition it concerns (their pilot, or Lobby): the
// coordinators get one alert, with an "I'm on it" button, and later
// matches within AlertWindow only add to the episode's count, which they
// see when they take it or send /alerts. Each partition sends at most
// AlertCap alerts one by one per clock hour; the first one over the cap
// sends a short notice instead, and the others are kept for /alerts. The
// citizen gets the help whatever happens here.
//
// Alerts name the citizen by their pseudonym in that pilot (PilotPseudonym),
// never by their Telegram id or name, so that coordinators of two pilots
// cannot link one person.

// Alert limits.
const (
	AlertWindow = 6 * time.Hour      // an episode: later matches are counted, not alerted
	AlertCap    = 20                 // alerts sent one by one per partition and clock hour
	AlertKeep   = 7 * 24 * time.Hour // how long an episode can be taken and listed
	alertText   = 1000               // runes of the citizen's message in an alert
	refLen      = 16                 // hex digits of the reference in the store and on buttons
	shownRef    = 8                  // hex digits of the reference people read
	alertsShown = 20                 // episodes /alerts lists per partition
)

// AlertMatch is one crisis match of a citizen, for AlertDesk.RaiseAlert.
type AlertMatch struct {
	User   string        // the citizen's pseudonym: the store's key, never shown
	Ref    string        // their pseudonym in the partition, shown (its first digits)
	At     time.Time     // when
	Token  string        // the update's: raising again with it gives the same answer
	Window time.Duration // AlertWindow
	Cap    int           // AlertCap
	Keep   time.Duration // AlertKeep
	// Text is what the citizen wrote; it is kept only for an episode held
	// back by the cap, as /alerts is then the only place it can be read.
	Text string
}

// Alerting is what the coordinators hear of a match.
type Alerting uint8

// What RaiseAlert decides.
const (
	AlertNew    Alerting = iota // a new episode: alert the coordinators
	AlertMore                   // a later match in an open episode: counted only
	AlertCapped                 // the first new episode over the hour's cap: one notice
	AlertHeld                   // a new episode over the cap: kept for /alerts
)

// Episode is a citizen's alert episode as coordinators see it.
type Episode struct {
	Ref   string    // the citizen's pseudonym in the partition
	Since time.Time // the first match
	Count int       // matches in the episode
	Held  bool      // over the hourly cap: not sent as an alert
	Text  string    // the first message of a held episode
	By    string    // the first name of the coordinator who took it; "" nobody yet
	Taken time.Time
}

// alertRecipients are who hears of an alert in a partition.
func (s *Service) alertRecipients(part string) []int64 {
	if part == Lobby {
		return s.contact
	}
	return s.Coordinators(part)
}

// alertFromLobby alerts about a crisis written before any pilot was chosen:
// to the only pilot when the bot runs one, else to the safeguarding
// contact (see safeguard.go).
func (t *turn) alertFromLobby(ctx context.Context, text string) {
	if list := t.s.Flows().List(); len(list) == 1 {
		t.alert(ctx, list[0].Pilot.ID, list[0], text)
		return
	}
	t.alert(ctx, Lobby, nil, text)
}

// alert raises an alert about the citizen in part; f is its pilot (nil for
// Lobby) and text what they wrote ("" for the 🆘 button).
func (t *turn) alert(ctx context.Context, part string, f *flow.Flow, text string) {
	to := t.s.alertRecipients(part)
	if len(to) == 0 {
		t.s.log.Warn("a safeguarding alert reaches nobody: the pilot has no coordinators (lobby: no COSIE_SAFEGUARDING_CONTACT); the citizen got the help text", "pilot", part)
		return
	}
	ref := t.s.alertRef(part, t.user)
	got, _, err := t.s.store.RaiseAlert(ctx, part, AlertMatch{
		User: t.user, Ref: ref, At: t.now, Token: t.token,
		Window: AlertWindow, Cap: AlertCap, Keep: AlertKeep, Text: cut(text, alertText),
	})
	if err != nil {
		// An alert sent twice is better than one lost.
		t.s.log.Error("record a safeguarding alert; sending it anyway", "pilot", part, "err", err)
		got = AlertNew
	}
	if got == AlertMore {
		return
	}
	if t.sess != nil && part == t.sess.Pilot {
		t.count(cAlerts, 1)
	}
	t.s.obs.Alert(part)
	lang := alertLang(f)
	say := func(id string, data map[string]any) string { return t.s.words.Say(lang, id, data) }
	name := partName(f, say)
	switch got {
	case AlertNew:
		m := alertMessage(say, name, ref, text)
		m.Buttons = [][]flow.Button{{{Text: say("alert.onit", nil), Data: flow.Callback{Kind: flow.CallbackOnIt, Arg: part + "." + ref}.Encode()}}}
		for _, id := range to {
			t.sendUrgent(id, m)
		}
	case AlertCapped:
		m := flow.Message{Text: say("alert.capped", map[string]any{"Pilot": name, "Max": AlertCap})}
		for _, id := range to {
			t.sendUrgent(id, m)
		}
	}
}

// alertRef is the citizen's reference in a partition's alerts: their
// pseudonym there, cut so that the "I'm on it" button's data (pilot and
// reference) fits Telegram's 64 bytes.
func (s *Service) alertRef(part, user string) string {
	return s.PilotPseudonym(part, user)[:refLen]
}

// alertLang is the language of a partition's alerts: the pilot's first,
// English for the operator's safeguarding contact.
func alertLang(f *flow.Flow) string {
	if f == nil {
		return locales.Source
	}
	return f.DefaultLanguage()
}

// partName names a pilot, or says that none was chosen.
func partName(f *flow.Flow, say func(string, map[string]any) string) string {
	if f == nil {
		return say("alert.nopilot", nil)
	}
	return f.Pilot.Name.Render(f.DefaultLanguage(), nil)
}

// alertMessage is the alert coordinators read.
func alertMessage(say func(string, map[string]any) string, pilot, ref, text string) flow.Message {
	data := map[string]any{"Pilot": pilot, "Ref": ref[:shownRef]}
	var b strings.Builder
	b.WriteString(say("alert.title", data))
	b.WriteString("\n\n")
	if text == "" {
		b.WriteString(say("alert.button", data))
	} else {
		b.WriteString(say("alert.message", data))
		b.WriteString("\n«")
		b.WriteString(cut(text, alertText))
		b.WriteString("»")
	}
	b.WriteString("\n\n")
	b.WriteString(say("alert.note", nil))
	return flow.Message{Text: b.String()}
}

// cut keeps the first n runes of s.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// onIt records that the coordinator who pressed "I'm on it" takes an
// alert, and tells the others who did.
func (t *turn) onIt(ctx context.Context, arg string) {
	lang := matchLang(t.in.Lang, t.s.words.Languages())
	say := func(id string, data map[string]any) string { return t.s.words.Say(lang, id, data) }
	part, ref, ok := strings.Cut(arg, ".")
	if !ok || len(ref) != refLen || !slices.Contains(t.s.alertRecipients(part), t.in.UserID) {
		t.ack(say("stale.short", nil))
		return
	}
	by := strings.TrimSpace(t.in.FirstName)
	if by == "" {
		by = say("alert.someone", nil)
	}
	ep, first, found, err := t.s.store.TakeAlert(ctx, part, ref, cut(by, 64), t.now)
	if err != nil {
		t.err = err
		return
	}
	t.ack("")
	if !found {
		t.text(say("alert.gone", nil))
		return
	}
	loc := t.s.alertZone(part)
	if !first {
		t.text(say("alert.already", map[string]any{"Name": ep.By, "Time": ep.Taken.In(loc).Format("15:04"), "N": ep.Count}))
		return
	}
	t.chosen(say("alert.onit", nil))
	t.text(say("alert.took", map[string]any{"Ref": ref[:shownRef], "N": ep.Count}))
	f := t.s.Flows().Get(part)
	others := func(id string, data map[string]any) string { return t.s.words.Say(alertLang(f), id, data) }
	taken := others("alert.taken", map[string]any{"Name": by, "Ref": ref[:shownRef], "Pilot": partName(f, others)})
	for _, id := range t.s.alertRecipients(part) {
		if id != t.in.UserID {
			t.sendTo(id, flow.Message{Text: taken})
		}
	}
}

// alertZone is the time zone alert times are shown in.
func (s *Service) alertZone(part string) *time.Location {
	if f := s.Flows().Get(part); f != nil {
		return f.Pilot.Timezone
	}
	return time.UTC
}

// alertsCommand answers /alerts: the episodes of the last AlertKeep in the
// partitions the sender receives alerts of, with "I'm on it" buttons for
// those nobody took yet. It reports false for anyone else.
func (t *turn) alertsCommand(ctx context.Context) bool {
	var parts []string
	for _, f := range t.s.Flows().List() {
		if slices.Contains(t.s.Coordinators(f.Pilot.ID), t.in.UserID) {
			parts = append(parts, f.Pilot.ID)
		}
	}
	if slices.Contains(t.s.contact, t.in.UserID) {
		parts = append(parts, Lobby)
	}
	if len(parts) == 0 {
		return false
	}
	lang := matchLang(t.in.Lang, t.s.words.Languages())
	say := func(id string, data map[string]any) string { return t.s.words.Say(lang, id, data) }
	listed := 0
	for _, part := range parts {
		eps, err := t.s.store.Episodes(ctx, part, t.now.Add(-AlertKeep))
		if err != nil {
			t.err = err
			return true
		}
		if len(eps) > 0 {
			t.send(t.episodeList(part, eps, say))
			listed++
		}
	}
	if listed == 0 {
		t.text(say("alerts.none", nil))
	}
	return true
}

// episodeList is one partition's episodes, newest first, for /alerts.
func (t *turn) episodeList(part string, eps []Episode, say func(string, map[string]any) string) flow.Message {
	f := t.s.Flows().Get(part)
	loc := t.s.alertZone(part)
	var b strings.Builder
	b.WriteString(say("alerts.title", map[string]any{"Pilot": partName(f, say)}))
	var kb [][]flow.Button
	for i, e := range eps {
		if i == alertsShown {
			b.WriteString("\n…")
			break
		}
		status := say("alerts.open", nil)
		switch {
		case e.By != "":
			status = say("alerts.by", map[string]any{"Name": e.By})
		case e.Held:
			status = say("alerts.held", nil)
		}
		b.WriteString("\n\n• ")
		b.WriteString(say("alerts.line", map[string]any{"Ref": e.Ref[:min(shownRef, len(e.Ref))],
			"Time": e.Since.In(loc).Format("2006-01-02 15:04"), "N": strconv.Itoa(e.Count), "Status": status}))
		if e.Held && e.Text != "" {
			b.WriteString("\n«" + e.Text + "»")
		}
		if e.By == "" && len(e.Ref) == refLen {
			kb = append(kb, []flow.Button{{Text: say("alert.onit", nil) + " " + e.Ref[:shownRef],
				Data: flow.Callback{Kind: flow.CallbackOnIt, Arg: part + "." + e.Ref}.Encode()}})
		}
	}
	return flow.Message{Text: cut(b.String(), flow.MaxMessageLen/2), Buttons: kb}
}
