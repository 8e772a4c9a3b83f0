package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/ideas"
)

// Coordinators moderate ideas in Telegram: new ideas come to them with
// Approve / Edit / Reject buttons (one at once, then in batches), /ideas
// lists them by status with the rankings, a status with a short note tells
// the citizens who asked to hear back ("you said, we did"), and /news sends
// an update to all of them after a preview.

// noticeWindow: the first new idea reaches the coordinators at once, the
// ones after it in one batch at most this often.
const noticeWindow = 10 * time.Minute

// batchMax is how many ideas one batch shows with their buttons.
const batchMax = 8

// waitTTL is how long the bot waits for a coordinator's edited text or
// note after they pressed Edit or a status.
const waitTTL = time.Hour

// ideaRef names an idea in coordinators' buttons and commands: a
// coordinator may have several pilots.
func ideaRef(pilot, id string) string { return pilot + "." + id }

func parseRef(ref string) (pilot, id string, ok bool) {
	pilot, id, ok = strings.Cut(ref, ".")
	return pilot, id, ok && pilot != "" && ValidIdeaID(id)
}

// statusOptions are the statuses a coordinator gives an approved idea, as
// the Moderate button options.
var statusOptions = []string{flow.ModerateConsidering, flow.ModerateAccepted, flow.ModerateDone, flow.ModerateImpossible}

// sayIn gives the bot's words in lang.
func (s *Service) sayIn(lang string) flow.Say {
	return func(id string, data map[string]any) string { return s.words.Say(lang, id, data) }
}

// statusName is a status in people's words.
func statusName(st IdeaStatus, say flow.Say) string {
	switch st {
	case IdeaPending, IdeaHeld:
		return say("status.pending", nil)
	}
	return say("status."+string(st), nil)
}

// ideaText is an idea's text for a reader of lang: a translation when
// there is one, else the original with its language.
func ideaText(i Idea, lang string) string {
	if t, ok := i.TextIn(lang); ok {
		return t
	}
	return i.Text + " (" + i.Lang + ")"
}

func moderateButton(label, pilot, id, opt string) flow.Button {
	return flow.Button{Text: label, Data: flow.Callback{Kind: flow.CallbackModerate, Arg: ideaRef(pilot, id), Option: opt}.Encode()}
}

// moderationCard shows one waiting idea to a coordinator with its buttons.
func (s *Service) moderationCard(f *flow.Flow, i Idea, lang string) flow.Message {
	say := s.sayIn(lang)
	var b strings.Builder
	b.WriteString(say("mod.new", map[string]any{"Pilot": f.Pilot.Name.Render(matchLang(lang, f.Pilot.Languages), nil)}))
	b.WriteString(" #" + i.ID + " (" + i.Lang + ")\n\n")
	if i.Text == "" && i.Media != nil {
		b.WriteString(say("mod.voice", nil))
	} else {
		b.WriteString(flow.QuoteIdea(i.Text))
	}
	if i.Status == IdeaHeld {
		b.WriteString("\n\n" + say("mod.held", map[string]any{"Name": reasonNames(i.Reasons, say)}))
		if rs := ideas.Screen(i.Text, i.Lang); len(rs) > 0 {
			b.WriteString("\n" + say("mod.suggestion", nil) + "\n" + ideas.Anonymise(i.Text, rs))
		}
	}
	return flow.Message{Text: b.String(), Buttons: [][]flow.Button{{
		moderateButton(say("mod.approve", nil), f.Pilot.ID, i.ID, flow.ModerateApprove),
		moderateButton(say("mod.edit", nil), f.Pilot.ID, i.ID, flow.ModerateEdit),
		moderateButton(say("mod.reject", nil), f.Pilot.ID, i.ID, flow.ModerateReject),
	}}}
}

// moderationBatch shows up to batchMax waiting ideas (of total) in one
// message, numbered, with a row of buttons each.
func (s *Service) moderationBatch(f *flow.Flow, list []Idea, total int64, lang string) flow.Message {
	say := s.sayIn(lang)
	var b strings.Builder
	b.WriteString(say("mod.batch", map[string]any{"Pilot": f.Pilot.Name.Render(matchLang(lang, f.Pilot.Languages), nil), "Count": total}))
	var kb [][]flow.Button
	for k, i := range list[:min(len(list), batchMax)] {
		n := strconv.Itoa(k + 1)
		text := flow.QuoteIdea(i.Text)
		if i.Text == "" {
			text = say("mod.voice", nil)
		}
		b.WriteString("\n\n" + n + ". " + text + " (" + i.Lang + ") #" + i.ID)
		if i.Status == IdeaHeld {
			b.WriteString("\n⚠️ " + reasonNames(i.Reasons, say))
		}
		kb = append(kb, []flow.Button{
			moderateButton("✅ "+n, f.Pilot.ID, i.ID, flow.ModerateApprove),
			moderateButton("✏️ "+n, f.Pilot.ID, i.ID, flow.ModerateEdit),
			moderateButton("❌ "+n, f.Pilot.ID, i.ID, flow.ModerateReject),
		})
	}
	if more := total - int64(len(kb)); more > 0 {
		b.WriteString("\n\n" + say("mod.more", map[string]any{"Count": more}))
	}
	return flow.Message{Text: b.String(), Buttons: kb}
}

// reasonNames says why an idea is held, in words.
func reasonNames(codes string, say flow.Say) string {
	var out []string
	for _, c := range strings.Split(codes, ",") {
		if c != "" {
			out = append(out, say("reason."+c, nil))
		}
	}
	return strings.Join(out, ", ")
}

// coordLang is the language a coordinator reads, remembered for the
// messages the bot sends them on its own.
func (t *turn) coordLang() string {
	lang := matchLang(t.in.Lang, t.s.words.Languages())
	t.setPref(coordLangKey(t.user), lang)
	return lang
}

// coordinates reports whether the presser coordinates pilot.
func (t *turn) coordinates(pilot string) bool {
	return slices.Contains(t.s.Coordinators(pilot), t.in.UserID)
}

// pilotCommit is the commit of a coordinator's turn about pilot's ideas:
// their session's when they are in that pilot, else one without session.
func (t *turn) pilotCommit(pilot string) *Commit {
	if t.c == nil && t.sess != nil && t.sess.Pilot == pilot && t.f != nil {
		return t.commit()
	}
	if t.c == nil {
		t.c = &Commit{User: t.user, Pilot: pilot}
	}
	return t.c
}

func (t *turn) ideaOp(pilot string, op IdeaOp) {
	c := t.pilotCommit(pilot)
	c.Ideas = append(c.Ideas, op)
}

// moderate handles a coordinator's press on an idea or an update.
func (t *turn) moderate(ctx context.Context, cb flow.Callback) {
	lang := t.coordLang()
	say := t.s.sayIn(lang)
	if cb.Kind == flow.CallbackNews {
		t.newsPress(ctx, cb, say)
		return
	}
	pilot, id, ok := parseRef(cb.Arg)
	f := t.s.Flows().Get(pilot)
	st, err := t.s.ideaStore()
	if !ok || f == nil || err != nil || !t.coordinates(pilot) {
		t.ack(say("stale.short", nil))
		return
	}
	i, err := st.Idea(ctx, pilot, id)
	switch {
	case err != nil:
		t.err = err
		return
	case i == nil:
		t.ack(say("mod.gone", nil))
		return
	}
	t.ack("")
	t.moderateIdea(ctx, f, *i, cb.Option, say)
}

// moderateIdea applies a coordinator's press. The pressed keyboard stays as
// it is: in a batch it holds the buttons of other ideas too, and a press on
// an idea dealt with already is answered as such.
func (t *turn) moderateIdea(ctx context.Context, f *flow.Flow, i Idea, opt string, say flow.Say) {
	switch {
	case opt == flow.ModerateApprove && i.Status.Waiting() && i.Text != "":
		t.approve(f, i, "", say)
	case opt == flow.ModerateEdit && i.Status.Waiting(), opt == flow.ModerateApprove && i.Status.Waiting():
		t.askEdit(f, i, say)
	case opt == flow.ModerateReject && i.Status != IdeaRejected:
		t.ideaOp(f.Pilot.ID, IdeaOp{Op: OpReject, ID: i.ID})
		t.s.ideas.invalidate(f.Pilot.ID)
		t.text(say("mod.rejected", nil))
	case slices.Contains(statusOptions, opt) && i.Status.OnBoard():
		t.wait(waiting{kind: waitNote, pilot: f.Pilot.ID, id: i.ID, status: IdeaStatus(opt)})
		t.send(flow.Message{Text: say("mod.note_ask", nil), Buttons: [][]flow.Button{{
			moderateButton(say("mod.no_note", nil), f.Pilot.ID, i.ID, flow.ModerateNoNote)}}})
	case opt == flow.ModerateNoNote:
		w, err := t.waitingFor(ctx)
		if err != nil || w.kind != waitNote || w.id != i.ID || w.pilot != f.Pilot.ID {
			t.text(say("mod.already", nil))
			return
		}
		t.chosen(say("mod.no_note", nil))
		t.setStatus(ctx, f, i, w.status, "", say)
	default:
		t.text(say("mod.already", nil))
	}
}

// approve puts an idea on the board (with text when a coordinator edited
// it); its author is told, after quiet hours.
func (t *turn) approve(f *flow.Flow, i Idea, text string, say flow.Say) {
	t.ideaOp(f.Pilot.ID, IdeaOp{Op: OpApprove, ID: i.ID, Text: text, Due: f.Pilot.OutsideQuietHours(t.now).UnixMilli()})
	t.s.ideas.invalidate(f.Pilot.ID)
	t.wait(waiting{})
	t.send(flow.Message{Text: say("mod.approved", nil), Buttons: statusButtons(f.Pilot.ID, i.ID, say)})
}

// statusButtons give an approved idea its status, two to a row.
func statusButtons(pilot, id string, say flow.Say) [][]flow.Button {
	var kb [][]flow.Button
	for k, opt := range statusOptions {
		b := moderateButton(statusName(IdeaStatus(opt), say), pilot, id, opt)
		if k%2 == 0 {
			kb = append(kb, []flow.Button{b})
		} else {
			kb[len(kb)-1] = append(kb[len(kb)-1], b)
		}
	}
	return kb
}

// askEdit asks for the text to publish, offering the idea without the
// parts screening flagged.
func (t *turn) askEdit(f *flow.Flow, i Idea, say flow.Say) {
	t.wait(waiting{kind: waitEdit, pilot: f.Pilot.ID, id: i.ID})
	if i.Text == "" {
		t.text(say("mod.voice", nil))
		return
	}
	suggestion := i.Text
	if rs := ideas.Screen(i.Text, i.Lang); len(rs) > 0 {
		suggestion = ideas.Anonymise(i.Text, rs)
	}
	t.text(say("mod.edit_ask", nil))
	t.text(suggestion) // on its own, to copy and change
}

// setStatus gives an approved idea a status and note; who asked to hear
// back is told, after quiet hours.
func (t *turn) setStatus(ctx context.Context, f *flow.Flow, i Idea, status IdeaStatus, note string, say flow.Say) {
	st, err := t.s.ideaStore()
	if err != nil {
		return
	}
	n, err := st.Audience(ctx, f.Pilot.ID, i.ID)
	if err != nil {
		t.err = err
		return
	}
	t.ideaOp(f.Pilot.ID, IdeaOp{Op: OpStatus, ID: i.ID, Status: status, Note: note, Due: f.Pilot.OutsideQuietHours(t.now).UnixMilli()})
	t.wait(waiting{})
	t.text(say("mod.status_set", map[string]any{"Name": statusName(status, say), "Count": n}))
}

// What the bot waits for from a coordinator after a press.
const (
	waitEdit = "edit" // the text to publish
	waitNote = "note" // the note with a status
)

// waiting is what the bot waits for from a coordinator, stored as a small
// setting that expires.
type waiting struct {
	kind, pilot, id string
	status          IdeaStatus
	until           time.Time
}

func waitKey(user string) string { return "coord-wait:" + user }

// wait remembers what the coordinator's next message is for; a zero
// waiting clears it.
func (t *turn) wait(w waiting) {
	v := ""
	if w.kind != "" {
		v = strings.Join([]string{w.kind, w.pilot, w.id, string(w.status), strconv.FormatInt(t.now.Add(waitTTL).Unix(), 10)}, "|")
	}
	t.setPref(waitKey(t.user), v)
}

// waitingFor reads what the bot waits for from this coordinator; the zero
// waiting when nothing (or it expired).
func (t *turn) waitingFor(ctx context.Context) (waiting, error) {
	v, err := t.s.store.Pref(ctx, waitKey(t.user))
	if err != nil || v == "" {
		return waiting{}, err
	}
	p := strings.Split(v, "|")
	if len(p) != 5 {
		return waiting{}, nil
	}
	until, _ := strconv.ParseInt(p[4], 10, 64)
	w := waiting{kind: p[0], pilot: p[1], id: p[2], status: IdeaStatus(p[3]), until: time.Unix(until, 0)}
	if t.now.After(w.until) {
		return waiting{}, nil
	}
	return w, nil
}

// coordinatorInput takes a coordinator's edited text or note, when the
// bot waits for one; it reports false for everything else, which goes to
// the flow as usual.
func (t *turn) coordinatorInput(ctx context.Context) bool {
	text := strings.TrimSpace(t.in.Text)
	if text == "" || t.in.Media != nil || len(t.s.coordinatorOf(t.in.UserID)) == 0 || t.s.ideas.store == nil {
		return false
	}
	w, err := t.waitingFor(ctx)
	if err != nil {
		t.err = err
		return true
	}
	f := t.s.Flows().Get(w.pilot)
	if w.kind == "" || f == nil {
		return false
	}
	say := t.s.sayIn(t.coordLang())
	i, err := t.s.ideas.store.Idea(ctx, w.pilot, w.id)
	if err != nil {
		t.err = err
		return true
	}
	switch {
	case i == nil:
		t.wait(waiting{})
		t.text(say("mod.gone", nil))
	case w.kind == waitEdit && i.Status.Waiting():
		t.approve(f, *i, text, say)
	case w.kind == waitNote && i.Status.OnBoard():
		t.setStatus(ctx, f, *i, w.status, text, say)
	default:
		t.wait(waiting{})
		t.text(say("mod.already", nil))
	}
	return true
}

// noteFor picks a note's text for a reader of lang. A note may hold
// translations on lines of their own starting with a language code
// ("sv: Vi öppnar på söndagar."); the lines without one are the note
// itself.
func noteFor(note, lang string, langs []string) string {
	var own, plain []string
	for _, line := range strings.Split(note, "\n") {
		code, rest, ok := strings.Cut(line, ":")
		code = strings.TrimSpace(code)
		switch {
		case ok && slices.Contains(langs, code):
			if code == lang {
				own = append(own, strings.TrimSpace(rest))
			}
		case strings.TrimSpace(line) != "":
			plain = append(plain, strings.TrimSpace(line))
		}
	}
	if len(own) > 0 {
		return strings.Join(own, "\n")
	}
	return strings.Join(plain, "\n")
}
