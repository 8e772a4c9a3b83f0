package bot

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/locales"
)

// Digest limits: how many recent answers are read for the free texts, and
// how many are shown.
const (
	digestScan  = 1000
	digestTexts = 10
	textLen     = 140
	barWidth    = 10
)

// DigestOptions says what a digest covers.
type DigestOptions struct {
	From, To time.Time // the period; both zero: all time (/stats)
	Lang     string    // the coordinator's language
	// Key is the pseudonym key: participants are named by the reference
	// their safeguarding alerts show (their pseudonym in the pilot). Nil:
	// texts are shown without a reference.
	Key []byte
}

// Digest writes a pilot's summary for coordinators: participants,
// completion, where people stopped, each question's answers with small bar
// charts, new suggestions (shortened, pseudonymous), languages, follow-ups
// and safeguarding alerts. It reads the counters kept as answers arrive and
// a bounded number of recent answers, so its cost does not grow with the
// number of answers stored.
func Digest(ctx context.Context, rep Reports, f *flow.Flow, words *locales.Catalog, o DigestOptions) (string, error) {
	lang := matchLang(o.Lang, words.Languages())
	say := func(id string, data map[string]any) string { return words.Say(lang, id, data) }
	flowLang := matchLang(lang, f.Pilot.Languages)
	loc := f.Pilot.Timezone
	allTime := o.From.IsZero() && o.To.IsZero()

	var days []string
	if !allTime {
		for d := o.From.In(loc); d.Before(o.To) && len(days) < 400; d = d.AddDate(0, 0, 1) {
			days = append(days, d.Format(time.DateOnly))
		}
		if len(days) == 0 {
			days = []string{o.From.In(loc).Format(time.DateOnly)}
		}
	}
	stored, err := rep.Counters(ctx, f.Pilot.ID, days)
	if err != nil {
		return "", err
	}
	c := counts(stored)
	var b strings.Builder
	pilotName := f.Pilot.Name.Render(flowLang, nil)
	if allTime {
		b.WriteString(say("stats.title", map[string]any{"Pilot": pilotName}))
	} else {
		b.WriteString(say("digest.title", map[string]any{"Pilot": pilotName, "From": days[0], "To": days[len(days)-1]}))
	}
	activity := c.get(cStarted) + c.get(cAlerts) + c.get(cFollowUps) + c.answeredTotal()
	if activity == 0 {
		b.WriteString("\n\n")
		b.WriteString(say("digest.none", nil))
		return b.String(), nil
	}

	b.WriteString("\n\n👥 ")
	b.WriteString(say("digest.participants", map[string]any{"Count": int(c.get(cStarted))}))
	b.WriteString("\n✅ ")
	// Of the dialogues started in the period, how many are complete by now:
	// counted on the day each started, so a follow-up answered weeks later
	// still counts for its own week.
	done := c.get(cCompletedOfStarted)
	if allTime {
		done = c.get(cCompleted)
	}
	started := c.get(cStarted)
	b.WriteString(say("digest.completed", map[string]any{"Done": done, "Started": started, "Rate": percent(done, started)}))

	// Where people stopped: asked but not answered, per question.
	var stops []row
	for _, n := range f.Nodes {
		if asked, answered := c.get(cAsked(n.ID)), c.get(cAnswered(n.ID)); asked > answered {
			stops = append(stops, row{label: nodeLabel(n), n: asked - answered})
		}
	}
	if len(stops) > 0 {
		b.WriteString("\n\n")
		b.WriteString(say("digest.dropoff", nil))
		writeRows(&b, stops)
	}

	// Each question's answers.
	var qs strings.Builder
	for _, n := range f.Nodes {
		if n.Result == "" {
			continue
		}
		rows, total := answerRows(f, n, c, say, flowLang)
		if total == 0 {
			continue
		}
		qs.WriteString("\n\n• ")
		qs.WriteString(n.Result)
		qs.WriteString(" — ")
		qs.WriteString(say("digest.count", map[string]any{"Count": int(total)}))
		if k := c.get(cN(n.Result)); k > 0 {
			avg := float64(c.get(cSum(n.Result))) / sumScale / float64(k)
			if s := flow.ShowAverage(n, decimal(avg, lang), say); s != "" {
				qs.WriteString(", ")
				qs.WriteString(s)
			}
		}
		writeRows(&qs, rows)
	}
	if qs.Len() > 0 {
		b.WriteString("\n\n")
		b.WriteString(say("digest.answers", nil))
		b.WriteString(qs.String())
	}

	if !allTime {
		texts, err := recentTexts(ctx, rep, f, o.From, o.To)
		if err != nil {
			return "", err
		}
		if len(texts) > 0 {
			b.WriteString("\n\n")
			b.WriteString(say("digest.texts", nil))
			for _, r := range texts {
				// The same reference as in safeguarding alerts.
				if o.Key != nil {
					fmt.Fprintf(&b, "\n  • [%s] %s: “%s”", PilotPseudonym(o.Key, f.Pilot.ID, r.User)[:shownRef], r.Result, shorten(r.Text, textLen))
				} else {
					fmt.Fprintf(&b, "\n  • %s: “%s”", r.Result, shorten(r.Text, textLen))
				}
			}
		}
	}

	var langs []row
	for l, v := range c.languages() {
		if v > 0 {
			langs = append(langs, row{label: l, n: v})
		}
	}
	if len(langs) > 0 {
		slices.SortFunc(langs, func(a, b row) int {
			if a.n != b.n {
				return int(b.n - a.n)
			}
			return strings.Compare(a.label, b.label)
		})
		parts := make([]string, len(langs))
		for i, l := range langs {
			parts[i] = l.label + " " + strconv.FormatInt(l.n, 10)
		}
		b.WriteString("\n\n🌐 ")
		b.WriteString(say("digest.languages", nil))
		b.WriteString(" ")
		b.WriteString(strings.Join(parts, " · "))
	}
	if sent := c.get(cFollowUps); sent > 0 {
		b.WriteString("\n🔁 ")
		b.WriteString(say("digest.followups", map[string]any{"Answered": c.get(cFollowedUp), "Sent": sent}))
	}
	if alerts := c.get(cAlerts); alerts > 0 {
		b.WriteString("\n")
		b.WriteString(say("digest.alerts", map[string]any{"Count": int(alerts)}))
	}
	return b.String(), nil
}

type row struct {
	label string
	n     int64
}

// answerRows lists the counts of each possible answer of a question, in
// the order the citizen saw them.
func answerRows(f *flow.Flow, n *flow.Node, c counts, say flow.Say, flowLang string) ([]row, int64) {
	var rows []row
	for _, b := range n.Buckets() {
		if v := c.get(cValue(n.Result, b)); v > 0 {
			a := flow.Answer{Node: n.ID, Result: n.Result, Kind: n.Kind, Value: b}
			rows = append(rows, row{label: flow.ShowAnswer(f, a, flow.FormDigest, flowLang, say), n: v})
		}
	}
	total := c.get(cAnswered(n.ID))
	if total == 0 {
		for _, r := range rows {
			total += r.n
		}
	}
	return rows, total
}

// writeRows draws rows as labels with bar charts of Unicode blocks.
func writeRows(b *strings.Builder, rows []row) {
	var top int64
	width := 0
	for _, r := range rows {
		top = max(top, r.n)
		width = max(width, utf8.RuneCountInString(r.label))
	}
	for _, r := range rows {
		b.WriteString("\n  ")
		b.WriteString(r.label)
		b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(r.label)+1))
		b.WriteString(bar(r.n, top))
		b.WriteString(" ")
		b.WriteString(strconv.FormatInt(r.n, 10))
	}
}

// bar draws n of top as up to barWidth blocks, in eighths.
func bar(n, top int64) string {
	if top <= 0 || n <= 0 {
		return ""
	}
	eighths := int(math.Round(float64(n) / float64(top) * barWidth * 8))
	eighths = max(eighths, 1)
	partial := []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	return strings.Repeat("█", eighths/8) + partial[eighths%8]
}

func nodeLabel(n *flow.Node) string {
	if n.Result != "" {
		return n.Result
	}
	return n.ID
}

func percent(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	return int64(math.Round(float64(part) * 100 / float64(whole)))
}

// decimal shows one decimal, with a comma where the language writes one.
func decimal(x float64, lang string) string {
	s := strconv.FormatFloat(x, 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// recentTexts picks the newest free-text answers of a period.
func recentTexts(ctx context.Context, rep Reports, f *flow.Flow, from, to time.Time) ([]Record, error) {
	recs, err := rep.RecentAnswers(ctx, f.Pilot.ID, from, digestScan)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, r := range recs {
		if r.Text == "" || r.At >= to.UnixMilli() || r.At < from.UnixMilli() {
			continue
		}
		out = append(out, r)
		if len(out) == digestTexts {
			break
		}
	}
	return out, nil
}

// shorten cuts s to n runes at a word boundary, on one line.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// DigestPeriod is the period a scheduled digest covers: from the previous
// run of the schedule to this one, as whole days in the pilot's time zone.
func DigestPeriod(f *flow.Flow, prev, now time.Time) (time.Time, time.Time) {
	loc := f.Pilot.Timezone
	day := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	from, to := day(prev), day(now)
	if !to.After(from) {
		to = from.AddDate(0, 0, 1)
	}
	return from, to
}

// LastDays is the period of the last n days, today included.
func LastDays(f *flow.Flow, now time.Time, n int) (time.Time, time.Time) {
	loc := f.Pilot.Timezone
	t := now.In(loc)
	to := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	return to.AddDate(0, 0, -max(n, 1)), to
}
