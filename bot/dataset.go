package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/locales"
)

// A Dataset is a pilot's data for researchers: tables of pseudonymous
// records, each column described in every language of the pilot. The data
// package (bot/datapackage) and its codebook are written from it; the CSV
// export shares its column definitions (concepts below).
type Dataset struct {
	Pilot     string
	Names     map[string]string // the pilot's name per language
	Languages []string
	Created   time.Time
	Tables    []*Table // dialogues, answers, participants, ideas, votes
	Notes     []string // what a reader should know, like why there are no weights
}

// Table is one table of a dataset. Cells are text as written to CSV; a
// missing value is one of MissingValues.
type Table struct {
	Name         string
	Titles       map[string]string // language -> title
	Descriptions map[string]string
	Fields       []Field
	PrimaryKey   []string
	ForeignKeys  []ForeignKey
	Rows         [][]string
}

// Field is one column: its name, type and constraints, and its title,
// description and code labels in each language.
type Field struct {
	Name         string
	Type         string // a Frictionless table schema type: string, integer, number, boolean, datetime
	Required     bool
	Unique       bool
	Enum         []string // the codes a value can take
	Min, Max     *float64
	Titles       map[string]string
	Descriptions map[string]string
	Labels       map[string]map[string]string // code -> language -> label
}

// ForeignKey says that a column's values are those of another table's
// column (Table "" for the same table).
type ForeignKey struct {
	Field, Table, Reference string
}

// MissingValues are the cells that mean "no value": empty, a skipped
// question, "don't know".
var MissingValues = []string{"", flow.Skipped, flow.DontKnow}

// DateTime is how a dataset writes times: UTC, to the second.
const DateTime = "2006-01-02T15:04:05Z"

func utc(ms int64) string { return time.UnixMilli(ms).UTC().Format(DateTime) }

// concept is a column that means the same wherever it appears: one name,
// one type, one title and description (the bot's words data.<name> and
// data.<name>.about).
type concept struct{ name, typ string }

var (
	colDialogue    = concept{"dialogue", "string"}
	colParticipant = concept{"participant", "string"}
	colStarted     = concept{"started", "datetime"}
	colLanguage    = concept{"language", "string"}
	colFlowVersion = concept{"flow_version", "string"}
	colSource      = concept{"source", "string"}
	colAt          = concept{"at", "datetime"}
	colQuestion    = concept{"question", "string"}
	colResult      = concept{"result", "string"}
	colKind        = concept{"kind", "string"}
	colValue       = concept{"value", "string"}
	colText        = concept{"text", "string"}
	colMedia       = concept{"media", "string"}
	colRecruiter   = concept{"recruiter", "string"}
	colWave        = concept{"wave", "integer"}
	colGiven       = concept{"invitations_given", "integer"}
	colUsed        = concept{"invitations_used", "integer"}
	colNetwork     = concept{"network_size", "number"}
	colWeight      = concept{"weight", "number"}
	colWithdrawn   = concept{"withdrawn", "boolean"}
	colIdea        = concept{"idea", "string"}
	colStatus      = concept{"status", "string"}
	colVote        = concept{"vote", "string"}
)

// dialogueConcepts are the columns every dialogue row starts with, in the
// CSV export and the data package alike.
var dialogueConcepts = []concept{colDialogue, colParticipant, colStarted, colLanguage, colFlowVersion, colSource}

// describer gives titles and descriptions in a pilot's languages.
type describer struct {
	words *locales.Catalog
	langs []string
}

func (d describer) all(id string, data map[string]any) map[string]string {
	out := make(map[string]string, len(d.langs))
	for _, l := range d.langs {
		out[l] = d.words.Say(l, id, data)
	}
	return out
}

func (d describer) field(c concept) Field {
	return Field{Name: c.name, Type: c.typ, Titles: d.all("data."+c.name, nil), Descriptions: d.all("data."+c.name+".about", nil)}
}

func (d describer) fields(cs ...concept) []Field {
	out := make([]Field, len(cs))
	for i, c := range cs {
		out[i] = d.field(c)
	}
	return out
}

func (d describer) table(name string, fields []Field) *Table {
	return &Table{Name: name, Titles: d.all("data.table."+name, nil), Descriptions: d.all("data.table."+name+".about", nil), Fields: fields}
}

// DatasetOptions says what BuildDataset reads.
type DatasetOptions struct {
	Key   []byte           // the pseudonym key: participants are PilotPseudonyms
	Words *locales.Catalog // titles and descriptions
	Now   time.Time
}

// BuildDataset reads a pilot's answers, recruitment chains, ideas and
// votes into tables. Participants are per-pilot pseudonyms: no Telegram id,
// and no pseudonym that another pilot's data shares.
func BuildDataset(ctx context.Context, rep Reports, f *flow.Flow, o DatasetOptions) (*Dataset, error) {
	d := describer{words: o.Words, langs: f.Pilot.Languages}
	ds := &Dataset{Pilot: f.Pilot.ID, Names: map[string]string{}, Languages: f.Pilot.Languages, Created: o.Now.UTC()}
	for _, l := range d.langs {
		ds.Names[l] = f.Pilot.Name.Render(l, nil)
	}
	answers := d.table("answers", d.fields(colDialogue, colParticipant, colAt, colQuestion, colResult, colKind, colValue, colText, colMedia, colLanguage))
	dialogues, err := collectDialogues(ctx, rep, f, o.Key, func(r Record, dl *dialogueData) {
		answers.Rows = append(answers.Rows, []string{dl.id, dl.participant, utc(r.At), r.Node, r.Result, string(r.Kind),
			r.Value, csvSafe(r.Text), mediaRef(r), r.Lang})
	})
	if err != nil {
		return nil, err
	}
	dt := dialogueTable(d, f, dialogues)
	people, note, err := participantTable(ctx, d, rep, f, o.Key, dialogues)
	if err != nil {
		return nil, err
	}
	if note != "" {
		ds.Notes = append(ds.Notes, note)
	}
	ir, _ := rep.(IdeaReader)
	ideas, votes, err := ideaTables(ctx, d, ir, f, o.Key)
	if err != nil {
		return nil, err
	}
	answers.ForeignKeys = []ForeignKey{{"dialogue", "dialogues", "dialogue"}}
	requireFields(answers, "dialogue", "participant", "at", "question", "result", "kind")
	ds.Tables = []*Table{dt, answers, people, ideas, votes}
	return ds, nil
}

// requireFields marks fields that every row fills.
func requireFields(t *Table, names ...string) {
	for i := range t.Fields {
		if slices.Contains(names, t.Fields[i].Name) {
			t.Fields[i].Required = true
		}
	}
}

// mediaRef names a voice message or photo by its Telegram file reference;
// the file itself is never exported.
func mediaRef(r Record) string {
	if r.Media == nil {
		return ""
	}
	return r.Media.Type + ":" + r.Media.FileID
}

// dialogueData is one dialogue as stored: its answers, the latest per result.
type dialogueData struct {
	id, participant, user string
	run                   int
	first                 int64
	lang, version, source string
	answers               map[string]Record
}

// collectDialogues groups a pilot's answers into dialogues, oldest first,
// calling each (when not nil) for every answer in time order.
func collectDialogues(ctx context.Context, rep Reports, f *flow.Flow, key []byte, each func(Record, *dialogueData)) ([]*dialogueData, error) {
	byKey := map[string]*dialogueData{}
	var order []*dialogueData
	pids := map[string]string{}
	err := rep.EachAnswer(ctx, f.Pilot.ID, func(r Record) error {
		k := r.User + "-" + strconv.Itoa(r.Run)
		d := byKey[k]
		if d == nil {
			pid, ok := pids[r.User]
			if !ok {
				pid = PilotPseudonym(key, f.Pilot.ID, r.User)
				pids[r.User] = pid
			}
			d = &dialogueData{id: pid + "-" + strconv.Itoa(r.Run), participant: pid, user: r.User, run: r.Run, first: r.At,
				lang: r.Lang, version: r.Version, source: r.Source, answers: map[string]Record{}}
			byKey[k] = d
			order = append(order, d)
		}
		d.answers[r.Result] = r
		if each != nil {
			each(r, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read answers of %s: %w", f.Pilot.ID, err)
	}
	slices.SortStableFunc(order, func(a, b *dialogueData) int { return int(a.first - b.first) })
	return order, nil
}

// exportResults lists the results a pilot's dialogues are exported with:
// the flow's, then answers to questions no longer in the flow, by name.
func exportResults(f *flow.Flow, dialogues []*dialogueData) []string {
	results := f.Results()
	var old []string
	for _, d := range dialogues {
		for r := range d.answers {
			if !slices.Contains(results, r) && !slices.Contains(old, r) {
				old = append(old, r)
			}
		}
	}
	slices.Sort(old)
	return append(results, old...)
}

// shortTitle is a question's first line, at most 80 characters.
func shortTitle(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:79]) + "…"
	}
	return s
}
