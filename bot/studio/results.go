package studio

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// periods a results page can cover, in days (0: all time).
var periods = []int{7, 30, 90, 0}

// resultsData is the results page's own data.
type resultsData struct {
	Days      int
	Periods   []int
	Lang      string
	Languages []string
	Figures   *bot.Figures
	Charts    []chart
	Text      string // the digest as coordinators get it in Telegram
	NoStore   bool
}

// chart is one figure of the page.
type chart struct {
	Title string
	Note  string
	SVG   string
}

// resultsPage shows a pilot's figures as charts: the same computation as
// the digest (bot.ComputeFigures), drawn.
func (s *Server) resultsPage(w http.ResponseWriter, r *http.Request, v *viewer, f *flow.Flow) error {
	d := resultsData{Periods: periods, Days: 30, Languages: readerLanguages(f, s.words.Languages())}
	if n, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil && slices.Contains(periods, n) {
		d.Days = n
	}
	d.Lang = bot.MatchLanguage(r.URL.Query().Get("lang"), d.Languages)
	page := &pageData{Title: "Results of " + f.Pilot.ID, Viewer: v, Pilot: f.Pilot.ID, Tab: "results", Data: &d}
	if s.reports == nil {
		d.NoStore = true
		s.render(w, "results", page)
		return nil
	}
	fg, err := s.figures(r, f, d.Days, d.Lang)
	if err != nil {
		return err
	}
	d.Figures, d.Text = fg, fg.Text(s.words)
	d.Charts = s.charts(fg)
	s.render(w, "results", page)
	return nil
}

// readerLanguages are the languages a results page can be read in: the
// pilot's, where the bot has words for them, and English.
func readerLanguages(f *flow.Flow, have []string) []string {
	var out []string
	for _, l := range append(slices.Clone(f.Pilot.Languages), "en") {
		if slices.Contains(have, l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// figures computes a pilot's figures over the last days (0: all time).
func (s *Server) figures(r *http.Request, f *flow.Flow, days int, lang string) (*bot.Figures, error) {
	o := bot.DigestOptions{Lang: lang, Daily: true, Key: s.key}
	if days > 0 {
		o.From, o.To = bot.LastDays(f, s.now(), days)
	}
	return bot.ComputeFigures(r.Context(), s.reports, f, s.words, o)
}

// charts draws the figures.
func (s *Server) charts(fg *bot.Figures) []chart {
	say := func(id string, data map[string]any) string { return s.words.Say(fg.Lang, id, data) }
	var out []chart
	out = append(out, chart{Title: "Completion", SVG: barChart("Completion", []hbar{
		{Label: "Started", Value: fg.Started},
		{Label: "Completed", Value: fg.Completed, Of: fg.Started, Note: fmt.Sprintf("(%d%%)", fg.Rate)},
		{Label: "Declined at consent", Value: fg.Declined},
	})})
	if len(fg.Nodes) > 0 {
		rows := make([]hbar, len(fg.Nodes))
		for i, n := range fg.Nodes {
			rows[i] = hbar{Label: n.Label, Value: n.Answered, Of: n.Asked}
			if stop := n.Asked - n.Answered; stop > 0 {
				rows[i].Note = fmt.Sprintf("(%d stopped)", stop)
			}
		}
		out = append(out, chart{Title: "Answered of asked, per question", Note: "Where the bars fall short, people stopped.", SVG: barChart("Answered of asked, per question", rows)})
	}
	if fg.Daily != nil {
		days, started := make([]string, len(fg.Daily)), make([]int64, len(fg.Daily))
		for i, d := range fg.Daily {
			days[i], started[i] = d.Date, d.Started
		}
		out = append(out, chart{Title: "Dialogues started per day", SVG: columnChart("Dialogues started per day", days, started)})
	}
	for _, q := range fg.Questions {
		rows := make([]hbar, len(q.Rows))
		for i, r := range q.Rows {
			rows[i] = hbar{Label: r.Label, Value: r.N}
		}
		title := "Answers: " + q.Result
		out = append(out, chart{Title: title, Note: joinNote(say("digest.count", map[string]any{"Count": int(q.Total)}), fg.ShowAverage(q, say)), SVG: barChart(title, rows)})
		if c, ok := overTime(fg, q); ok {
			out = append(out, c)
		}
	}
	if len(fg.Languages) > 0 {
		rows := make([]hbar, len(fg.Languages))
		for i, l := range fg.Languages {
			rows[i] = hbar{Label: l.Label, Value: l.N}
		}
		out = append(out, chart{Title: "Languages", SVG: barChart("Languages", rows)})
	}
	out = append(out, chart{Title: "Follow-ups", SVG: barChart("Follow-ups", []hbar{
		{Label: "Follow-ups sent", Value: fg.FollowUpsSent},
		{Label: "Follow-ups answered", Value: fg.FollowUpsAnswered, Of: fg.FollowUpsSent},
		{Label: "Reminders sent", Value: fg.Reminders},
		{Label: "Safeguarding alerts", Value: fg.Alerts},
	})})
	return out
}

// overTime draws a question's daily average, when it has one.
func overTime(fg *bot.Figures, q bot.Question) (chart, bool) {
	if !q.HasAverage || fg.Daily == nil {
		return chart{}, false
	}
	days := make([]string, len(fg.Daily))
	points := make([]float64, len(fg.Daily))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, d := range fg.Daily {
		days[i] = d.Date
		v, ok := d.Averages[q.Result]
		if !ok {
			points[i] = math.NaN()
			continue
		}
		points[i] = v
		lo, hi = min(lo, v), max(hi, v)
	}
	if q.Node.Kind == flow.KindRating {
		lo, hi = 1, 5
	}
	if math.IsInf(lo, 1) {
		return chart{}, false
	}
	lo, hi = math.Floor(lo), math.Ceil(hi)
	title := "Average over time: " + q.Result
	return chart{Title: title, SVG: lineChart(title, days, []series{{Name: q.Result + " (daily average)", Points: points}}, lo, hi)}, true
}

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + ", " + b
}

// answersCSV downloads the pilot's answers, as `cosiebot export` writes them.
func (s *Server) answersCSV(w http.ResponseWriter, r *http.Request, v *viewer, f *flow.Flow) error {
	if s.reports == nil {
		return statusErr(http.StatusConflict, "the studio has no answers to export: start it with REDIS_URL set to the bot's Redis")
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-answers-%s.csv"`, f.Pilot.ID, s.now().In(f.Pilot.Timezone).Format("20060102")))
	bw := bufio.NewWriter(w)
	if _, err := bot.Export(r.Context(), s.reports, f, s.key, bw, "csv"); err != nil {
		return err
	}
	return bw.Flush()
}

// figuresCSV downloads the figures of the page as a table.
func (s *Server) figuresCSV(w http.ResponseWriter, r *http.Request, v *viewer, f *flow.Flow) error {
	if s.reports == nil {
		return statusErr(http.StatusConflict, "the studio has no answers: start it with REDIS_URL set to the bot's Redis")
	}
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if !slices.Contains(periods, days) {
		days = 30
	}
	fg, err := s.figures(r, f, days, bot.MatchLanguage(r.URL.Query().Get("lang"), readerLanguages(f, s.words.Languages())))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-figures-%s.csv"`, f.Pilot.ID, s.now().In(f.Pilot.Timezone).Format("20060102")))
	return fg.WriteCSV(w)
}
