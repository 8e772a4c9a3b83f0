package bot

import (
	"context"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
)

// The coordinators' idea commands: /ideas [pilot], /idea <code>,
// /translate <code> <language> <text>, /news [pilot] <text>.

// ideasCommand handles a coordinator's idea command; false for any other
// command, or someone who coordinates nothing.
func (t *turn) ideasCommand(ctx context.Context, name, payload string) bool {
	if !slices.Contains([]string{"ideas", "idea", "translate", "news"}, name) {
		return false
	}
	pilots := t.s.coordinatorOf(t.in.UserID)
	if len(pilots) == 0 || t.s.ideas.store == nil {
		return false
	}
	say := t.s.sayIn(t.coordLang())
	switch name {
	case "ideas":
		if payload != "" {
			if p := strings.ToLower(payload); slices.Contains(pilots, p) {
				pilots = []string{p}
			} else {
				t.text(say("coord.only", nil))
				return true
			}
		}
		for _, p := range pilots {
			t.listIdeas(ctx, t.s.Flows().Get(p), say)
		}
	case "idea":
		t.showIdea(ctx, pilots, payload, say)
	case "translate":
		t.translate(ctx, pilots, payload, say)
	case "news":
		t.newsPreview(ctx, pilots, payload, say)
	}
	return true
}

// listIdeas sends a pilot's ideas by status with the rankings and opinion
// groups, then the ideas waiting for a coordinator with their buttons.
func (t *turn) listIdeas(ctx context.Context, f *flow.Flow, say flow.Say) {
	if f == nil || t.err != nil {
		return
	}
	lang := matchLang(t.in.Lang, t.s.words.Languages())
	r, err := readIdeaReport(ctx, t.s.ideas.store, f.Pilot.ID)
	if err != nil {
		t.err = err
		return
	}
	var b strings.Builder
	b.WriteString(say("ideas.title", map[string]any{"Pilot": f.Pilot.Name.Render(matchLang(lang, f.Pilot.Languages), nil)}))
	r.write(&b, lang, say, true)
	t.text(b.String())
	list, total, err := t.s.ideas.store.WaitingSince(ctx, f.Pilot.ID, timeZero, batchMax)
	if err != nil {
		t.err = err
		return
	}
	if total > 0 {
		t.send(t.s.moderationBatch(f, list, total, lang))
	}
}

// findIdea looks an idea up by "<pilot>.<id>" or by its id in the
// coordinator's pilots.
func (t *turn) findIdea(ctx context.Context, pilots []string, code string) (*flow.Flow, *Idea) {
	code = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(code)), "#")
	if p, id, ok := parseRef(code); ok {
		pilots, code = []string{p}, id
	}
	for _, p := range pilots {
		f := t.s.Flows().Get(p)
		if f == nil || !slices.Contains(t.s.coordinatorOf(t.in.UserID), p) || !ValidIdeaID(code) {
			continue
		}
		i, err := t.s.ideas.store.Idea(ctx, p, code)
		if err != nil {
			t.err = err
			return nil, nil
		}
		if i != nil {
			return f, i
		}
	}
	return nil, nil
}

// showIdea shows one idea with its votes, and the buttons that fit its
// status.
func (t *turn) showIdea(ctx context.Context, pilots []string, code string, say flow.Say) {
	f, i := t.findIdea(ctx, pilots, code)
	if i == nil {
		if t.err == nil {
			t.text(say("mod.gone", nil))
		}
		return
	}
	lang := matchLang(t.in.Lang, t.s.words.Languages())
	if i.Status.Waiting() {
		t.send(t.s.moderationCard(f, *i, lang))
		return
	}
	var b strings.Builder
	b.WriteString(flow.QuoteIdea(ideaText(*i, lang)) + " #" + i.ID)
	b.WriteString("\n" + statusName(i.Status, say) + " · " + tallyLine(i.Votes, i.Supports))
	if i.Note != "" {
		b.WriteString("\n" + i.Note)
	}
	var kb [][]flow.Button
	if i.Status.OnBoard() {
		kb = append(statusButtons(f.Pilot.ID, i.ID, say), []flow.Button{moderateButton(say("mod.reject", nil), f.Pilot.ID, i.ID, flow.ModerateReject)})
	}
	t.send(flow.Message{Text: b.String(), Buttons: kb})
}

// translate adds a coordinator's translation of an idea, so citizens of
// that language can weigh it too.
func (t *turn) translate(ctx context.Context, pilots []string, payload string, say flow.Say) {
	fields := strings.Fields(payload)
	if len(fields) < 3 {
		t.text(say("ideas.translate_usage", nil))
		return
	}
	f, i := t.findIdea(ctx, pilots, fields[0])
	lang := strings.ToLower(fields[1])
	if i == nil || !slices.Contains(f.Pilot.Languages, lang) {
		if t.err == nil {
			t.text(say("ideas.translate_usage", nil))
		}
		return
	}
	text := strings.TrimSpace(payload[strings.Index(payload, fields[1])+len(fields[1]):])
	t.ideaOp(f.Pilot.ID, IdeaOp{Op: OpTranslate, ID: i.ID, Lang: lang, Text: text})
	t.s.ideas.invalidate(f.Pilot.ID)
	t.text(say("ideas.translated", nil))
}
