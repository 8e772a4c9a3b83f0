package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/rds"
)

// questionColumn is one column a question's answers fill in the dialogues
// table, and how a recorded answer fills it.
type questionColumn struct {
	result string
	field  Field
	cell   func(Record) string
}

// questionColumns are the columns of one result: its code, number or words,
// then the words that came with an "other" option, then a voice message or
// photo. A result no longer in the flow is one column of text.
func questionColumns(d describer, f *flow.Flow, result string) []questionColumn {
	n := f.ResultNode(result)
	if n == nil {
		fd := Field{Name: result, Type: "string", Titles: map[string]string{}, Descriptions: d.all("data.gone.about", nil)}
		for _, l := range d.langs {
			fd.Titles[l] = result
		}
		return []questionColumn{{result, fd, exportValue}}
	}
	col := n.Column()
	main := Field{Name: result, Type: col.Type, Titles: map[string]string{}, Descriptions: map[string]string{}}
	for _, l := range d.langs {
		text := n.Text.Render(l, nil)
		main.Titles[l], main.Descriptions[l] = shortTitle(text), text
	}
	if len(col.Codes) > 0 {
		main.Enum = col.Codes
		main.Labels = map[string]map[string]string{}
		for _, code := range col.Codes {
			main.Labels[code] = map[string]string{}
			for _, l := range d.langs {
				say := func(id string, data map[string]any) string { return d.words.Say(l, id, data) }
				main.Labels[code][l] = flow.ShowAnswer(f, flow.Answer{Node: n.ID, Result: result, Kind: n.Kind, Value: code}, flow.FormDigest, l, say)
			}
		}
	}
	main.Min, main.Max = n.Min, n.Max
	cols := []questionColumn{{result, main, func(r Record) string {
		if col.Text && r.Value != flow.Skipped {
			return csvSafe(r.Text)
		}
		return r.Value
	}}}
	derived := func(c concept, cell func(Record) string) questionColumn {
		fd := d.field(c)
		fd.Name = result + "_" + c.name
		for _, l := range d.langs {
			fd.Titles[l] = main.Titles[l] + " — " + fd.Titles[l]
		}
		return questionColumn{result, fd, cell}
	}
	if col.Other {
		cols = append(cols, derived(colText, func(r Record) string { return csvSafe(r.Text) }))
	}
	if col.Media {
		cols = append(cols, derived(colMedia, mediaRef))
	}
	return cols
}

// dialogueTable is one row per dialogue: who, when, in which language,
// from which source, and a column (or a few) per question.
func dialogueTable(d describer, f *flow.Flow, dialogues []*dialogueData) *Table {
	t := d.table("dialogues", d.fields(dialogueConcepts...))
	t.Fields[1].Required = true
	t.Fields[2].Required = true
	t.Fields[3].Enum = f.Pilot.Languages
	t.PrimaryKey = []string{"dialogue"}
	t.ForeignKeys = []ForeignKey{{"participant", "participants", "participant"}}
	var cols []questionColumn
	used := map[string]bool{}
	for _, c := range t.Fields {
		used[c.Name] = true
	}
	for _, r := range exportResults(f, dialogues) {
		for _, c := range questionColumns(d, f, r) {
			for used[c.field.Name] {
				c.field.Name += "_" // a result named like another's derived column
			}
			used[c.field.Name] = true
			cols = append(cols, c)
			t.Fields = append(t.Fields, c.field)
		}
	}
	for _, dl := range dialogues {
		row := []string{dl.id, dl.participant, utc(dl.first), dl.lang, dl.version, dl.source}
		for _, c := range cols {
			r, ok := dl.answers[c.result]
			cell := ""
			if ok {
				cell = c.cell(r)
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// participantTable is one row per person: the recruitment chains with
// network sizes and RDS-II weights. Everyone who answered is in it: those
// who came without an invitation and were given none are seeds of wave 0.
// The note says why there are no weights, when there are none.
func participantTable(ctx context.Context, d describer, rep Reports, f *flow.Flow, key []byte, dialogues []*dialogueData) (*Table, string, error) {
	t := d.table("participants", d.fields(colParticipant, colRecruiter, colWave, colSource, colAt, colGiven, colUsed, colNetwork, colWeight, colWithdrawn))
	requireFields(t, "participant", "wave", "withdrawn")
	zero := 0.0
	t.Fields[2].Min, t.Fields[5].Min, t.Fields[6].Min, t.Fields[7].Min, t.Fields[8].Min = &zero, &zero, &zero, &zero, &zero
	t.PrimaryKey = []string{"participant"}
	t.ForeignKeys = []ForeignKey{{"recruiter", "", "participant"}}
	members, coupons, err := rep.Chains(ctx, f.Pilot.ID)
	if err != nil {
		return nil, "", fmt.Errorf("read the recruitment chains of %s: %w", f.Pilot.ID, err)
	}
	used := map[string]bool{}
	for _, c := range coupons {
		used[c.Code] = c.Used != 0
	}
	people := peopleOf(members, f, key, dialogues)
	sample := make([]rds.Participant, len(people))
	for i, p := range people {
		sample[i] = rds.Participant{ID: p.m.ID, Recruiter: p.m.Recruiter, Wave: p.m.Wave, Degree: p.degree, Withdrawn: p.m.Withdrawn}
	}
	w, werr := rds.RDSII(sample)
	note := ""
	if werr != nil {
		note = "No RDS-II weights: " + werr.Error()
	}
	for i, p := range people {
		n := 0
		for _, c := range p.m.Issued {
			if used[c] {
				n++
			}
		}
		row := []string{p.m.ID, p.m.Recruiter, strconv.Itoa(p.m.Wave), p.m.Source, "", strconv.Itoa(len(p.m.Issued)), strconv.Itoa(n),
			p.network, "", strconv.FormatBool(p.m.Withdrawn)}
		if p.m.Joined != 0 {
			row[4] = utc(p.m.Joined)
		}
		if werr == nil && !p.m.Withdrawn {
			row[8] = strconv.FormatFloat(w.W[i], 'f', -1, 64)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, note, nil
}

// person is one participant: their member (stored or made for a seed),
// and their network size as answered, for the weights.
type person struct {
	m       Member
	network string
	degree  int
}

// peopleOf lists the participants, in order of arrival: the stored
// members, and everyone who answered without being one.
func peopleOf(members []Member, f *flow.Flow, key []byte, dialogues []*dialogueData) []person {
	byUser := map[string]*person{}
	var out []*person
	for _, m := range members {
		p := &person{m: m}
		if m.Withdrawn {
			p.m.Source, p.m.Joined = "", 0
		}
		byUser[m.Key] = p
		out = append(out, p)
	}
	net := f.NetworkResult()
	for _, dl := range dialogues {
		p := byUser[dl.user]
		if p == nil {
			p = &person{m: Member{Key: dl.user, ID: dl.participant, Source: dl.source, Joined: dl.first}}
			byUser[dl.user] = p
			out = append(out, p)
		}
		if p.m.Source == "" {
			p.m.Source = dl.source
		}
		if p.m.Joined == 0 || dl.first < p.m.Joined {
			p.m.Joined = dl.first
		}
		if r, ok := dl.answers[net]; ok && net != "" {
			if x, err := strconv.ParseFloat(r.Value, 64); err == nil {
				p.network = r.Value
				p.degree = int(x + 0.5)
			}
		}
	}
	slices.SortFunc(out, func(a, b *person) int {
		// Withdrawn places have no time: they go first, seeds before recruits.
		return cmp.Or(cmp.Compare(a.m.Joined, b.m.Joined), cmp.Compare(a.m.Wave, b.m.Wave), strings.Compare(a.m.ID, b.m.ID))
	})
	res := make([]person, len(out))
	for i, p := range out {
		res[i] = *p
	}
	return res
}

// IdeaReader reads a pilot's ideas on the board and the votes on them,
// for the data package. The Redis store implements it; without it the
// tables are empty, with their schema.
type IdeaReader interface {
	BoardIdeas(ctx context.Context, pilot string) ([]Idea, error)
	EachVote(ctx context.Context, pilot string, fn func(user, idea, vote string) error) error
}

// The votes a citizen can give an idea, as the data package names them.
const (
	VoteAgree    = "agree"
	VoteDisagree = "disagree"
	VotePass     = "pass"
)

// voteNames maps the stored votes to the data package's names.
var voteNames = map[string]string{voteAgree: VoteAgree, voteDisagree: VoteDisagree, votePass: VotePass}

// ideaTables reads the ideas and votes.
func ideaTables(ctx context.Context, d describer, r IdeaReader, f *flow.Flow, key []byte) (*Table, *Table, error) {
	ideas := d.table("ideas", d.fields(colIdea, colParticipant, colLanguage, colText, colStatus, colAt))
	requireFields(ideas, "idea", "participant", "at")
	ideas.Fields[0].Unique = true
	ideas.PrimaryKey = []string{"idea"}
	// Votes keep no time: a citizen may change theirs, and only the last counts.
	votes := d.table("votes", d.fields(colIdea, colParticipant, colVote))
	requireFields(votes, "idea", "participant", "vote")
	votes.Fields[2].Enum = []string{VoteAgree, VoteDisagree, VotePass}
	votes.Fields[2].Labels = map[string]map[string]string{}
	for _, v := range votes.Fields[2].Enum {
		votes.Fields[2].Labels[v] = d.all("data.vote."+v, nil)
	}
	votes.ForeignKeys = []ForeignKey{{"idea", "ideas", "idea"}}
	if r == nil {
		return ideas, votes, nil
	}
	pid := func(user string) string { return PilotPseudonym(key, f.Pilot.ID, user) }
	board, err := r.BoardIdeas(ctx, f.Pilot.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("read the ideas of %s: %w", f.Pilot.ID, err)
	}
	onBoard := map[string]bool{}
	for _, i := range board {
		onBoard[i.ID] = true
		ideas.Rows = append(ideas.Rows, []string{i.ID, pid(i.Author), i.Lang, csvSafe(i.Text), string(i.Status), utc(i.Created.UnixMilli())})
	}
	err = r.EachVote(ctx, f.Pilot.ID, func(user, idea, vote string) error {
		if name, ok := voteNames[vote]; ok && onBoard[idea] {
			votes.Rows = append(votes.Rows, []string{idea, pid(user), name})
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read the votes of %s: %w", f.Pilot.ID, err)
	}
	return ideas, votes, nil
}
