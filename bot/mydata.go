package bot

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// questionShown is how much of a question /mydata shows above its answer.
const questionShown = 160

// myData sends back what is stored about the citizen: their service and
// language, and each answer under its question, as they saw them. Several
// dialogues, or several services, each get a heading.
func (t *turn) myData(ctx context.Context) {
	records, err := t.s.store.Answers(ctx, t.user)
	if err != nil {
		t.err = err
		return
	}
	if t.sess == nil && len(records) == 0 {
		t.text(t.say("mydata.none", nil))
		return
	}
	var b strings.Builder
	b.WriteString(t.say("mydata.header", nil))
	if t.sess != nil {
		b.WriteString("\n")
		b.WriteString(t.say("mydata.service", map[string]any{"Pilot": t.f.Pilot.Name.Render(t.lang, nil)}))
		b.WriteString("\n")
		b.WriteString(t.say("mydata.language", map[string]any{"Name": t.s.words.Name(t.lang)}))
	}
	if len(records) == 0 {
		b.WriteString("\n\n")
		b.WriteString(t.say("mydata.empty", nil))
	}
	for _, d := range dialogues(records) {
		b.WriteString("\n")
		t.writeDialogue(&b, d)
	}
	t.myIdeas(ctx, &b)
	t.text(b.String())
}

// ownDialogue is one run of a citizen through one pilot's flow, as /mydata
// shows it: a heading when there is more than one.
type ownDialogue struct {
	pilot   string
	run     int
	records []Record
	heading bool // the citizen has more than one
	number  int  // its number among the citizen's dialogues with the pilot
}

// dialogues groups answers (oldest first) by pilot and run, in the order
// they were given.
func dialogues(records []Record) []*ownDialogue {
	var out []*ownDialogue
	for _, r := range records {
		i := slices.IndexFunc(out, func(d *ownDialogue) bool { return d.pilot == r.Pilot && d.run == r.Run })
		if i < 0 {
			out = append(out, &ownDialogue{pilot: r.Pilot, run: r.Run})
			i = len(out) - 1
		}
		out[i].records = append(out[i].records, r)
	}
	perPilot := map[string]int{}
	for _, d := range out {
		perPilot[d.pilot]++
		d.number = perPilot[d.pilot]
	}
	for _, d := range out {
		d.heading = len(out) > 1
	}
	return out
}

// writeDialogue writes one ownDialogue's answers, each under its question.
func (t *turn) writeDialogue(b *strings.Builder, d *ownDialogue) {
	f := t.s.Flows().Get(d.pilot)
	lang := t.lang
	if f != nil {
		lang = matchLang(t.lang, f.Pilot.Languages)
	}
	if d.heading {
		b.WriteString("\n")
		if f != nil && (t.sess == nil || d.pilot != t.sess.Pilot) {
			b.WriteString(t.say("mydata.service", map[string]any{"Pilot": f.Pilot.Name.Render(lang, nil)}))
			b.WriteString("\n")
		}
		day := time.UnixMilli(d.records[0].At).UTC()
		if f != nil {
			day = day.In(f.Pilot.Timezone)
		}
		b.WriteString(t.say("mydata.dialogue", map[string]any{"Number": d.number, "Date": day.Format(time.DateOnly)}))
	}
	for _, r := range d.records {
		b.WriteString("\n• ")
		b.WriteString(questionText(f, r, lang))
		b.WriteString("\n   → ")
		b.WriteString(flow.ShowAnswer(f, flow.Answer{Node: r.Node, Result: r.Result, Kind: r.Kind, Value: r.Value, Text: r.Text, Media: r.Media}, flow.FormMyData, lang, t.say))
	}
}

// questionText is the question an answer was given to, in one line, as
// the citizen read it; the answer's name when the question is gone.
func questionText(f *flow.Flow, r Record, lang string) string {
	if f == nil {
		return r.Result
	}
	n := f.Node(r.Node)
	if n == nil {
		return r.Result
	}
	q := strings.Join(strings.Fields(n.Text.Render(lang, nil)), " ")
	if q == "" {
		return r.Result
	}
	if runes := []rune(q); len(runes) > questionShown {
		q = strings.TrimSpace(string(runes[:questionShown-1])) + "…"
	}
	return q
}
