package bot

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
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
	// Daily also gathers each day's figures (charts over time); it is
	// ignored for all time.
	Daily bool
	// Key is the pseudonym key: participants are named by the reference
	// their safeguarding alerts show (their pseudonym in the pilot). Nil:
	// texts are shown without a reference.
	Key []byte
}

// Figures are a pilot's figures for a period: one computation behind the
// text digest, the studio's results page and the figures export.
type Figures struct {
	Pilot    string   // the pilot's name, in FlowLang
	Lang     string   // the reader's language (the bot's words)
	FlowLang string   // the language of the flow's own texts
	Days     []string // the period's days (yyyy-mm-dd, the pilot's time zone); nil for all time

	// Activity is zero when nothing at all happened in the period.
	Activity int64
	// Started dialogues; Completed of them (counted on the day each
	// started, so a follow-up answered weeks later counts for its own
	// week; all time: every completion); Rate is Completed in percent.
	Started, Completed, Rate int64
	Declined                 int64
	Stops                    []Count     // asked but not answered, per node, in file order
	Nodes                    []NodeCount // asked and answered per node, in file order
	Questions                []Question  // each named result with answers
	Texts                    []Quote     // the newest free texts (not for all time)
	Languages                []Count     // dialogues started per language, most first
	FollowUpsSent            int64
	FollowUpsAnswered        int64
	Reminders                int64
	Alerts                   int64
	Reach                    Reach // where participants came from
	Daily                    []Day // with DigestOptions.Daily

	ideas *ideaReport // the pilot's ideas board, when the store keeps ideas
}

// AllTime reports whether the figures cover all time.
func (fg *Figures) AllTime() bool { return fg.Days == nil }

// Count is one labelled number; Key is what is counted (a node, an answer
// bucket, a language) and Label how it is shown.
type Count struct {
	Key, Label string
	N          int64
}

// NodeCount is how often a node's question was asked and answered.
type NodeCount struct {
	Node, Label     string
	Asked, Answered int64
}

// Question is the answers to one named result.
type Question struct {
	Node   *flow.Node
	Result string
	Total  int64
	// Average of numeric answers, when HasAverage; the kind says whether
	// and how it is shown.
	Average    float64
	HasAverage bool
	Rows       []Count // per answer bucket, in the order the citizen saw them
}

// Quote is a free-text answer, under the same 8-character reference as in
// safeguarding alerts (empty without the pseudonym key); never a Telegram id.
type Quote struct {
	Ref, Result, Text string
	At                time.Time
}

// Day is one day's figures, for charts over time.
type Day struct {
	Date               string
	Started, Completed int64
	// Averages per numeric result that had answers that day.
	Averages map[string]float64
}

// Digest writes a pilot's summary for coordinators: participants,
// completion, where people stopped, each question's answers with small bar
// charts, new suggestions (shortened, pseudonymous), languages, follow-ups
// and safeguarding alerts. It reads the counters kept as answers arrive and
// a bounded number of recent answers, so its cost does not grow with the
// number of answers stored.
func Digest(ctx context.Context, rep Reports, f *flow.Flow, words *locales.Catalog, o DigestOptions) (string, error) {
	fg, err := ComputeFigures(ctx, rep, f, words, o)
	if err != nil {
		return "", err
	}
	return fg.Text(words), nil
}

// ComputeFigures gathers a pilot's figures for a period, from the counters
// and a bounded number of recent answers.
func ComputeFigures(ctx context.Context, rep Reports, f *flow.Flow, words *locales.Catalog, o DigestOptions) (*Figures, error) {
	lang := matchLang(o.Lang, words.Languages())
	flowLang := matchLang(lang, f.Pilot.Languages)
	fg := &Figures{Pilot: f.Pilot.Name.Render(flowLang, nil), Lang: lang, FlowLang: flowLang, Days: periodDays(f, o)}
	c, daily, err := readCounts(ctx, rep, f.Pilot.ID, fg.Days, o.Daily)
	if err != nil {
		return nil, err
	}
	fg.Activity = c.get(cStarted) + c.get(cAlerts) + c.get(cFollowUps) + c.answeredTotal()
	fg.Started = c.get(cStarted)
	fg.Completed = c.get(cCompletedOfStarted)
	if fg.AllTime() {
		fg.Completed = c.get(cCompleted)
	}
	fg.Rate = percent(fg.Completed, fg.Started)
	fg.Declined = c.get(cDeclined)
	say := func(id string, data map[string]any) string { return words.Say(lang, id, data) }
	fg.nodes(f, c, say)
	fg.Languages = languageCounts(c)
	fg.FollowUpsSent, fg.FollowUpsAnswered = c.get(cFollowUps), c.get(cFollowedUp)
	fg.Reminders, fg.Alerts = c.get(cReminders), c.get(cAlerts)
	fg.Reach = reachOf(c)
	for i, day := range daily {
		fg.Daily = append(fg.Daily, dayFigures(f, fg.Days[i], day))
	}
	if !fg.AllTime() && fg.Activity > 0 {
		if fg.Texts, err = recentTexts(ctx, rep, f, o); err != nil {
			return nil, err
		}
	}
	if st, ok := rep.(IdeaStore); ok {
		if fg.ideas, err = readIdeaReport(ctx, st, f.Pilot.ID); err != nil {
			return nil, err
		}
	}
	return fg, nil
}

// periodDays lists the days of a period in the pilot's time zone (at most
// 400), or nil for all time.
func periodDays(f *flow.Flow, o DigestOptions) []string {
	if o.From.IsZero() && o.To.IsZero() {
		return nil
	}
	loc := f.Pilot.Timezone
	var days []string
	for d := o.From.In(loc); d.Before(o.To) && len(days) < 400; d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}
	if len(days) == 0 {
		days = []string{o.From.In(loc).Format(time.DateOnly)}
	}
	return days
}

// readCounts reads the counters of the days (all time: nil), summed, and
// with daily each day's own; the sum is then made here from the same days.
func readCounts(ctx context.Context, rep Reports, pilot string, days []string, daily bool) (counts, []counts, error) {
	if !daily || days == nil {
		stored, err := rep.Counters(ctx, pilot, days)
		return counts(stored), nil, err
	}
	sum := counts{}
	each := make([]counts, len(days))
	for i, d := range days {
		stored, err := rep.Counters(ctx, pilot, []string{d})
		if err != nil {
			return nil, nil, err
		}
		each[i] = counts(stored)
		for k, v := range stored {
			sum[k] += v
		}
	}
	return sum, each, nil
}

// nodes fills in the figures per node: where people stopped, and each
// question's answers.
func (fg *Figures) nodes(f *flow.Flow, c counts, say flow.Say) {
	for _, n := range f.Nodes {
		asked, answered := c.get(cAsked(n.ID)), c.get(cAnswered(n.ID))
		if asked > 0 || answered > 0 {
			fg.Nodes = append(fg.Nodes, NodeCount{Node: n.ID, Label: nodeLabel(n), Asked: asked, Answered: answered})
		}
		if asked > answered {
			fg.Stops = append(fg.Stops, Count{Key: n.ID, Label: nodeLabel(n), N: asked - answered})
		}
		if n.Result == "" {
			continue
		}
		rows, total := answerRows(f, n, c, say, fg.FlowLang)
		if total == 0 {
			continue
		}
		q := Question{Node: n, Result: n.Result, Total: total, Rows: rows}
		if k := c.get(cN(n.Result)); k > 0 {
			q.Average, q.HasAverage = float64(c.get(cSum(n.Result)))/sumScale/float64(k), true
		}
		fg.Questions = append(fg.Questions, q)
	}
}

// languageCounts lists the dialogues started per language, most first.
func languageCounts(c counts) []Count {
	var langs []Count
	for l, v := range c.languages() {
		if v > 0 {
			langs = append(langs, Count{Key: l, Label: l, N: v})
		}
	}
	slices.SortFunc(langs, func(a, b Count) int {
		if a.N != b.N {
			return int(b.N - a.N)
		}
		return strings.Compare(a.Label, b.Label)
	})
	return langs
}

// dayFigures is one day's started, completed and averages.
func dayFigures(f *flow.Flow, date string, c counts) Day {
	d := Day{Date: date, Started: c.get(cStarted), Completed: c.get(cCompletedOfStarted), Averages: map[string]float64{}}
	for _, r := range f.Results() {
		if k := c.get(cN(r)); k > 0 {
			d.Averages[r] = float64(c.get(cSum(r))) / sumScale / float64(k)
		}
	}
	return d
}

// Text renders the figures as the digest coordinators get in Telegram,
// with bar charts of Unicode blocks.
func (fg *Figures) Text(words *locales.Catalog) string {
	say := func(id string, data map[string]any) string { return words.Say(fg.Lang, id, data) }
	var b strings.Builder
	if fg.AllTime() {
		b.WriteString(say("stats.title", map[string]any{"Pilot": fg.Pilot}))
	} else {
		b.WriteString(say("digest.title", map[string]any{"Pilot": fg.Pilot, "From": fg.Days[0], "To": fg.Days[len(fg.Days)-1]}))
	}
	if fg.Activity == 0 {
		b.WriteString("\n\n")
		b.WriteString(say("digest.none", nil))
		return b.String()
	}
	b.WriteString("\n\n👥 ")
	b.WriteString(say("digest.participants", map[string]any{"Count": int(fg.Started)}))
	b.WriteString("\n✅ ")
	b.WriteString(say("digest.completed", map[string]any{"Done": fg.Completed, "Started": fg.Started, "Rate": fg.Rate}))
	if len(fg.Stops) > 0 {
		b.WriteString("\n\n")
		b.WriteString(say("digest.dropoff", nil))
		writeRows(&b, fg.Stops)
	}
	if len(fg.Questions) > 0 {
		b.WriteString("\n\n")
		b.WriteString(say("digest.answers", nil))
		for _, q := range fg.Questions {
			b.WriteString("\n\n• ")
			b.WriteString(q.Result)
			b.WriteString(" — ")
			b.WriteString(say("digest.count", map[string]any{"Count": int(q.Total)}))
			if s := fg.ShowAverage(q, say); s != "" {
				b.WriteString(", ")
				b.WriteString(s)
			}
			writeRows(&b, q.Rows)
		}
	}
	if len(fg.Texts) > 0 {
		b.WriteString("\n\n")
		b.WriteString(say("digest.texts", nil))
		for _, r := range fg.Texts {
			if r.Ref != "" {
				fmt.Fprintf(&b, "\n  • [%s] %s: “%s”", r.Ref, r.Result, shorten(r.Text, textLen))
			} else {
				fmt.Fprintf(&b, "\n  • %s: “%s”", r.Result, shorten(r.Text, textLen))
			}
		}
	}
	if fg.ideas != nil && !fg.ideas.empty() {
		b.WriteString("\n\n")
		b.WriteString(say("ideas.title", map[string]any{"Pilot": fg.Pilot}))
		fg.ideas.write(&b, fg.Lang, say, false)
	}
	fg.writeTail(&b, say)
	return b.String()
}

// ShowAverage renders a question's average as its kind shows it ("average
// 3.5 of 5"), or "" when it has none.
func (fg *Figures) ShowAverage(q Question, say flow.Say) string {
	if !q.HasAverage {
		return ""
	}
	return flow.ShowAverage(q.Node, decimal(q.Average, fg.Lang), say)
}

// writeTail writes the languages, follow-ups and alerts lines.
func (fg *Figures) writeTail(b *strings.Builder, say flow.Say) {
	if len(fg.Languages) > 0 {
		parts := make([]string, len(fg.Languages))
		for i, l := range fg.Languages {
			parts[i] = l.Label + " " + strconv.FormatInt(l.N, 10)
		}
		b.WriteString("\n\n🌐 ")
		b.WriteString(say("digest.languages", nil))
		b.WriteString(" ")
		b.WriteString(strings.Join(parts, " · "))
	}
	if fg.FollowUpsSent > 0 {
		b.WriteString("\n🔁 ")
		b.WriteString(say("digest.followups", map[string]any{"Answered": fg.FollowUpsAnswered, "Sent": fg.FollowUpsSent}))
	}
	if fg.Alerts > 0 {
		b.WriteString("\n")
		b.WriteString(say("digest.alerts", map[string]any{"Count": int(fg.Alerts)}))
	}
	fg.Reach.write(b, say)
}

// WriteCSV writes the figures as a table for spreadsheets (section, key,
// label, value), with a UTF-8 byte order mark as the answers export has.
// The free texts are left out: the answers export holds them.
func (fg *Figures) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("write figures: %w", err)
	}
	cw := csv.NewWriter(w)
	put := func(section, key, label string, v int64) {
		_ = cw.Write([]string{section, key, csvSafe(label), strconv.FormatInt(v, 10)})
	}
	_ = cw.Write([]string{"section", "key", "label", "value"})
	put("participants", "started", "", fg.Started)
	put("participants", "completed", "", fg.Completed)
	put("participants", "completed_percent", "", fg.Rate)
	put("participants", "declined", "", fg.Declined)
	for _, n := range fg.Nodes {
		put("asked", n.Node, n.Label, n.Asked)
		put("answered", n.Node, n.Label, n.Answered)
	}
	for _, q := range fg.Questions {
		put("answers:"+q.Result, "total", "", q.Total)
		for _, r := range q.Rows {
			put("answers:"+q.Result, r.Key, r.Label, r.N)
		}
		if q.HasAverage {
			_ = cw.Write([]string{"answers:" + q.Result, "average", "", strconv.FormatFloat(q.Average, 'f', 2, 64)})
		}
	}
	for _, l := range fg.Languages {
		put("languages", l.Key, l.Label, l.N)
	}
	put("followups", "sent", "", fg.FollowUpsSent)
	put("followups", "answered", "", fg.FollowUpsAnswered)
	put("reminders", "sent", "", fg.Reminders)
	put("alerts", "safeguarding", "", fg.Alerts)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write figures: %w", err)
	}
	return nil
}

// answerRows lists the counts of each possible answer of a question, in
// the order the citizen saw them.
func answerRows(f *flow.Flow, n *flow.Node, c counts, say flow.Say, flowLang string) ([]Count, int64) {
	var rows []Count
	for _, b := range n.Buckets() {
		if v := c.get(cValue(n.Result, b)); v > 0 {
			a := flow.Answer{Node: n.ID, Result: n.Result, Kind: n.Kind, Value: b}
			rows = append(rows, Count{Key: b, Label: flow.ShowAnswer(f, a, flow.FormDigest, flowLang, say), N: v})
		}
	}
	total := c.get(cAnswered(n.ID))
	if total == 0 {
		for _, r := range rows {
			total += r.N
		}
	}
	return rows, total
}

// writeRows draws rows as labels with bar charts of Unicode blocks.
func writeRows(b *strings.Builder, rows []Count) {
	var top int64
	width := 0
	for _, r := range rows {
		top = max(top, r.N)
		width = max(width, utf8.RuneCountInString(r.Label))
	}
	for _, r := range rows {
		b.WriteString("\n  ")
		b.WriteString(r.Label)
		b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(r.Label)+1))
		b.WriteString(bar(r.N, top))
		b.WriteString(" ")
		b.WriteString(strconv.FormatInt(r.N, 10))
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

// recentTexts picks the newest free-text answers of a period, each under
// the reference the citizen's safeguarding alerts show.
func recentTexts(ctx context.Context, rep Reports, f *flow.Flow, o DigestOptions) ([]Quote, error) {
	from, to := o.From, o.To
	recs, err := rep.RecentAnswers(ctx, f.Pilot.ID, from, digestScan)
	if err != nil {
		return nil, err
	}
	var out []Quote
	for _, r := range recs {
		if r.Text == "" || r.At >= to.UnixMilli() || r.At < from.UnixMilli() {
			continue
		}
		var ref string
		if o.Key != nil {
			ref = PilotPseudonym(o.Key, f.Pilot.ID, r.User)[:shownRef]
		}
		out = append(out, Quote{Ref: ref, Result: r.Result, Text: r.Text, At: time.UnixMilli(r.At).In(f.Pilot.Timezone)})
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
