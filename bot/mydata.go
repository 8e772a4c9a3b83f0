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
	t.text(b.String())
}

// shown renders a stored answer for its owner.
func (t *turn) shown(r Record) string {
	var parts []string
	switch {
	case r.Value == flow.Skipped:
		parts = append(parts, t.say("mydata.skipped", nil))
	case r.Value == flow.DontKnow:
		parts = append(parts, t.say("button.dontknow", nil))
	case r.Kind == flow.KindYesNo:
		parts = append(parts, t.say("button."+r.Value, nil))
	case r.Kind == flow.KindRating && len(r.Value) == 1 && r.Value >= "1" && r.Value <= "5":
		parts = append(parts, t.say("rating."+r.Value, nil)) // the button they pressed, not its score
	case r.Kind == flow.KindChoice:
		label := r.Value
		if f := t.s.Flows().Get(r.Pilot); f != nil {
			if n := f.ResultNode(r.Result); n != nil {
				if o := n.Option(r.Value); o != nil {
					label = o.Text.Render(t.lang, nil)
				}
			}
		}
		parts = append(parts, label)
	case r.Value != "":
		parts = append(parts, r.Value)
	}
	if r.Media != nil {
		parts = append(parts, t.say("mydata."+r.Media.Type, nil))
	}
	if r.Text != "" {
		parts = append(parts, "“"+r.Text+"”")
	}
	return strings.Join(parts, " ")
}
