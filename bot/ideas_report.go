package bot

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/ideas"
	"github.com/cosie/cosiebot/bot/opinion"
)

// The priorities citizens set by weighing ideas, for /ideas, the digest and
// the export: ranking by the Wilson lower bound of agreement, the most
// divisive ideas, and opinion groups with their common ground. One
// computation (ideaReport) behind every place that shows them.

// How many ideas each list shows.
const (
	reportTop      = 5
	reportDivisive = 3
	reportGroup    = 3
)

// ideaReport is what a pilot's ideas say.
type ideaReport struct {
	counts   map[IdeaStatus]int64
	byID     map[string]Idea
	agreed   []ideas.Ranked
	divisive []ideas.Ranked
	groups   opinion.Result
	byGroup  map[string][]opinion.Tally // idea -> the votes of each opinion group
	common   map[string]bool            // ideas every group agrees with
}

// readIdeaReport reads a pilot's ideas and votes and ranks them.
func readIdeaReport(ctx context.Context, st IdeaStore, pilot string) (*ideaReport, error) {
	counts, err := st.IdeaCounts(ctx, pilot)
	if err != nil {
		return nil, err
	}
	board, err := st.BoardIdeas(ctx, pilot)
	if err != nil {
		return nil, err
	}
	r := &ideaReport{counts: counts, byID: map[string]Idea{}}
	tallies := make([]ideas.Tally, 0, len(board))
	for _, i := range board {
		r.byID[i.ID] = i
		tallies = append(tallies, ideas.Tally{ID: i.ID, Votes: i.Votes})
	}
	r.agreed = ideas.MostAgreed(tallies, reportTop, ideas.DefaultZ)
	r.divisive = ideas.MostDivisive(tallies, reportDivisive, ideas.DefaultZ)
	var casts []opinion.Cast
	err = st.EachVote(ctx, pilot, func(user, idea, vote string) error {
		v := opinion.Pass
		switch vote {
		case voteAgree:
			v = opinion.Agree
		case voteDisagree:
			v = opinion.Disagree
		}
		casts = append(casts, opinion.Cast{Citizen: user, Idea: idea, Vote: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.groups = opinion.Analyse(casts, opinion.Options{Seed: 1})
	r.tallyGroups(casts)
	return r, nil
}

// tallyGroups counts each idea's votes per opinion group, for the export.
func (r *ideaReport) tallyGroups(casts []opinion.Cast) {
	r.byGroup, r.common = map[string][]opinion.Tally{}, map[string]bool{}
	for _, c := range r.groups.Consensus {
		r.common[c.Idea] = true
	}
	if len(r.groups.Groups) == 0 {
		return
	}
	group := map[string]int{}
	for _, p := range r.groups.Points {
		group[p.Citizen] = p.Group
	}
	for _, c := range casts {
		g, ok := group[c.Citizen]
		if !ok || g < 0 {
			continue
		}
		ts := r.byGroup[c.Idea]
		if ts == nil {
			ts = make([]opinion.Tally, len(r.groups.Groups))
			r.byGroup[c.Idea] = ts
		}
		switch c.Vote {
		case opinion.Agree:
			ts[g].Agree++
		case opinion.Disagree:
			ts[g].Disagree++
		default:
			ts[g].Pass++
		}
	}
}

// empty reports whether the pilot has no ideas at all.
func (r *ideaReport) empty() bool {
	for _, n := range r.counts {
		if n > 0 {
			return false
		}
	}
	return true
}

// tallyLine is an idea's votes and supports in signs every language reads.
func tallyLine(v ideas.Votes, supports int) string {
	s := fmt.Sprintf("👍 %d · 👎 %d · 🤷 %d", v.Agree, v.Disagree, v.Pass)
	if supports > 0 {
		s += fmt.Sprintf(" · ✋ %d", supports)
	}
	return s
}

// write renders the report for a coordinator reading lang; refs adds each
// idea's code, for /idea.
func (r *ideaReport) write(b *strings.Builder, lang string, say flow.Say, refs bool) {
	if r.empty() {
		b.WriteString("\n" + say("ideas.none", nil))
		return
	}
	var parts []string
	if n := r.counts[IdeaPending] + r.counts[IdeaHeld]; n > 0 {
		parts = append(parts, statusName(IdeaPending, say)+": "+strconv.FormatInt(n, 10))
	}
	for _, st := range IdeaStatuses {
		if n := r.counts[st]; n > 0 && !st.Waiting() {
			parts = append(parts, statusName(st, say)+": "+strconv.FormatInt(n, 10))
		}
	}
	b.WriteString("\n" + strings.Join(parts, " · "))
	line := func(id string) string {
		i := r.byID[id]
		s := flow.QuoteIdea(shorten(ideaText(i, lang), textLen))
		if refs {
			s += " #" + i.ID
		}
		return s
	}
	if len(r.agreed) > 0 {
		b.WriteString("\n\n" + say("ideas.top", nil))
		for k, x := range r.agreed {
			pct := int(math.Floor(x.Score * 100))
			fmt.Fprintf(b, "\n%d. %s\n   %s · %s", k+1, line(x.ID), tallyLine(x.Votes, r.byID[x.ID].Supports), say("ideas.agreement", map[string]any{"Rate": pct}))
		}
	}
	if len(r.divisive) > 0 {
		b.WriteString("\n\n" + say("ideas.divisive", nil))
		for k, x := range r.divisive {
			fmt.Fprintf(b, "\n%d. %s\n   %s", k+1, line(x.ID), tallyLine(x.Votes, 0))
		}
	}
	r.writeGroups(b, say, line)
}

// writeGroups renders the opinion groups and the common ground.
func (r *ideaReport) writeGroups(b *strings.Builder, say flow.Say, line func(string) string) {
	g := r.groups
	if g.Citizens == 0 {
		return
	}
	b.WriteString("\n\n")
	if len(g.Groups) == 0 {
		b.WriteString(say("ideas.nogroups", nil))
	} else {
		b.WriteString(say("ideas.groups", map[string]any{"Count": len(g.Groups)}))
		for k, grp := range g.Groups {
			b.WriteString("\n" + say("ideas.group", map[string]any{"Ref": strconv.Itoa(k + 1), "Count": grp.Size}))
			for _, s := range grp.Representative[:min(reportGroup, len(grp.Representative))] {
				b.WriteString("\n   • " + line(s.Idea))
			}
		}
	}
	if len(g.Consensus) > 0 {
		b.WriteString("\n" + say("ideas.common", nil))
		for _, c := range g.Consensus[:min(reportGroup, len(g.Consensus))] {
			b.WriteString("\n   • " + line(c.Idea))
		}
	}
}

// ExportIdeas writes a pilot's ideas as CSV, one row per idea: its text,
// language, status and note, its votes and supports and the ranking
// figures. It holds no ids and no pseudonyms; ideas held for personal data
// or abuse are left out. It returns how many ideas it wrote.
func ExportIdeas(ctx context.Context, rep Reports, f *flow.Flow, w io.Writer) (int, error) {
	st, ok := rep.(IdeaStore)
	if !ok {
		return 0, nil
	}
	r, err := readIdeaReport(ctx, st, f.Pilot.ID)
	if err != nil {
		return 0, err
	}
	var rows [][]string
	for _, status := range IdeaStatuses {
		if status == IdeaHeld {
			continue
		}
		for offset := 0; ; offset += 500 {
			list, total, err := st.IdeasWith(ctx, f.Pilot.ID, status, offset, 500)
			if err != nil {
				return 0, err
			}
			for _, i := range list {
				rows = append(rows, append(ideaRow(f, i), r.groupCells(i.ID)...))
			}
			if int64(offset+500) >= total {
				break
			}
		}
	}
	if len(rows) == 0 {
		return 0, nil
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return 0, fmt.Errorf("write ideas export: %w", err)
	}
	cw := csv.NewWriter(w)
	header := []string{"idea", "language", "translations", "status", "note", "proposed", "agree", "disagree", "not_sure", "supports", "agreement_at_least", "divisiveness", "common_ground"}
	for g := range r.groups.Groups {
		n := strconv.Itoa(g + 1)
		header = append(header, "group_"+n+"_agree", "group_"+n+"_disagree")
	}
	if err := cw.WriteAll(append([][]string{header}, rows...)); err != nil {
		return 0, fmt.Errorf("write ideas export: %w", err)
	}
	return len(rows), nil
}

// groupCells are an idea's columns about opinion groups: whether every
// group agrees with it, and each group's agree and disagree votes.
func (r *ideaReport) groupCells(id string) []string {
	cells := []string{"no"}
	if r.common[id] {
		cells[0] = "yes"
	}
	ts := r.byGroup[id]
	for g := range r.groups.Groups {
		var t opinion.Tally
		if ts != nil {
			t = ts[g]
		}
		cells = append(cells, strconv.Itoa(t.Agree), strconv.Itoa(t.Disagree))
	}
	return cells
}

func ideaRow(f *flow.Flow, i Idea) []string {
	var tr []string
	for _, l := range i.Languages()[1:] {
		tr = append(tr, l+": "+i.Translations[l])
	}
	num := strconv.Itoa
	text := i.Text
	if text == "" && i.Media != nil {
		text = i.Media.Type + ":" + i.Media.FileID
	}
	return []string{
		csvSafe(text), i.Lang, csvSafe(strings.Join(tr, "; ")), string(i.Status), csvSafe(i.Note),
		i.Created.In(f.Pilot.Timezone).Format(time.DateOnly),
		num(i.Votes.Agree), num(i.Votes.Disagree), num(i.Votes.Pass), num(i.Supports),
		strconv.FormatFloat(ideas.Wilson(i.Votes.Agree, i.Votes.Disagree, ideas.DefaultZ), 'f', 2, 64),
		strconv.FormatFloat(ideas.Divisiveness(i.Votes, ideas.DefaultZ), 'f', 2, 64),
	}
}

// exportIdeas sends the pilot's ideas as a second file with /export.
func (t *turn) exportIdeas(ctx context.Context, f *flow.Flow, lang string) error {
	var buf strings.Builder
	n, err := ExportIdeas(ctx, t.s.store, f, &buf)
	if err != nil || n == 0 {
		return err
	}
	caption := t.s.words.Say(lang, "export.ideas", map[string]any{"Pilot": f.Pilot.Name.Render(matchLang(lang, f.Pilot.Languages), nil), "Count": n})
	t.out = append(t.out, Out{Lane: t.lane, Chat: t.in.ChatID, File: fmt.Sprintf("%s-ideas-%s.csv", f.Pilot.ID, t.now.In(f.Pilot.Timezone).Format("20060102")),
		Data: []byte(buf.String()), Text: caption, Since: t.since()})
	return nil
}

// myIdeas adds to /mydata what the citizen did with ideas in their pilot:
// their ideas and where each is, how many they weighed and support, and
// whether they asked to hear back.
func (t *turn) myIdeas(ctx context.Context, b *strings.Builder) {
	if t.sess == nil || t.s.ideas.store == nil {
		return
	}
	my, err := t.s.ideas.store.MyIdeas(ctx, t.sess.Pilot, t.user)
	if err != nil {
		t.err = err
		return
	}
	if len(my.Ideas) > 0 {
		b.WriteString("\n\n" + t.say("mydata.ideas", map[string]any{"Count": len(my.Ideas)}))
		for _, i := range my.Ideas {
			text := i.Text
			if text == "" && i.Media != nil {
				text = t.say("mydata.voice", nil)
			}
			b.WriteString("\n• " + flow.QuoteIdea(text) + " — " + statusName(i.Status, t.say))
		}
	}
	if my.Votes > 0 {
		b.WriteString("\n" + t.say("mydata.weighed", map[string]any{"Count": my.Votes}))
	}
	if my.Supports > 0 {
		b.WriteString("\n" + t.say("mydata.supports", map[string]any{"Count": my.Supports}))
	}
	if my.HearBack {
		b.WriteString("\n" + t.say("mydata.hearback", nil))
	}
}
