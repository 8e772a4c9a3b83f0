package bot

import (
	"context"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
)

// myData sends back what is stored about the citizen: their session and
// their answers, as they would recognise them.
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
	b.WriteString("\n\n")
	b.WriteString(t.say("mydata.answers", map[string]any{"Count": len(records)}))
	for _, r := range records {
		b.WriteString("\n• ")
		b.WriteString(r.Result)
		b.WriteString(": ")
		b.WriteString(t.shown(r))
	}
	t.myIdeas(ctx, &b)
	t.text(b.String())
}

// shown renders a stored answer for its owner.
func (t *turn) shown(r Record) string {
	a := flow.Answer{Node: r.Node, Result: r.Result, Kind: r.Kind, Value: r.Value, Text: r.Text, Media: r.Media}
	return flow.ShowAnswer(t.s.Flows().Get(r.Pilot), a, flow.FormMyData, t.lang, t.say)
}
