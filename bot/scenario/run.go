package scenario

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/redisstore"
	"github.com/cosie/cosiebot/locales"
)

// scenarioKey is the pseudonym key of every scenario's service.
const scenarioKey = "scenario-tests-pseudonym-key"

// The citizen of every scenario; the other people get the ids after it,
// the coordinator its own (see people.go).
const (
	citizenChat     = 7001
	coordinatorChat = 7900
)

// Failure is one scenario that did not behave as written.
type Failure struct {
	File     string
	Scenario string
	Pos      flow.Pos
	Message  string
}

func (f Failure) String() string {
	return fmt.Sprintf("%s:%d:%d: scenario %q: %s", f.File, f.Pos.Line, f.Pos.Col, f.Scenario, f.Message)
}

// Report sums up one scenario file.
type Report struct {
	File     string
	Passed   int
	Failures []Failure
}

// Run plays every scenario of a file against flow f; the bot also serves
// the other pilots given (the file's pilots:, loaded by the caller).
func Run(ctx context.Context, sf *File, f *flow.Flow, words *locales.Catalog, others ...*flow.Flow) (*Report, error) {
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		return nil, err
	}
	defer stop()
	rep := &Report{File: sf.Name}
	for _, sc := range sf.Scenarios {
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			return nil, fmt.Errorf("reset the store: %w", err)
		}
		// Chats are named as the service names citizens, so that a typed
		// answer finds the question it answers (bot.Asked).
		store := redisstore.New(rdb, redisstore.Options{ChatKey: func(chat int64) string { return bot.ChatKey([]byte(scenarioKey), chat) }})
		r := &runner{ctx: ctx, file: sf.Name, sc: sc, f: f, store: store, rec: &recorder{}}
		r.cast()
		start := sc.Start
		if start.IsZero() {
			start = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		}
		r.clock = bot.NewManualClock(time.Date(start.Year(), start.Month(), start.Day(), start.Hour(), start.Minute(), 0, 0, f.Pilot.Timezone))
		r.rec = &recorder{clock: r.clock}
		r.svc, err = bot.New(bot.Config{
			Store: store, Acker: r.rec, Courier: courier.NewDirect(store, r.rec, nil, nil), Clock: r.clock, Words: words,
			Flows: bot.NewFlows(append([]*flow.Flow{f}, others...)...), PseudonymKey: []byte(scenarioKey),
			BotUsername:  "scenario_test_bot", // invitation links for invite nodes
			Coordinators: map[string][]int64{f.Pilot.ID: {coordinatorChat}},
		})
		if err != nil {
			return nil, err
		}
		if fail := r.run(); fail != nil {
			rep.Failures = append(rep.Failures, *fail)
		} else {
			rep.Passed++
		}
	}
	return rep, nil
}

type runner struct {
	ctx    context.Context
	file   string
	sc     *Scenario
	f      *flow.Flow
	store  *redisstore.Store
	svc    *bot.Service
	clock  *bot.ManualClock
	rec    *recorder
	update int64
	people map[string]*person
	who    *person // who acts and reads now
	marked int     // keyboard marks made before the last action
}

func (r *runner) fail(st *Step, format string, args ...any) *Failure {
	return &Failure{File: r.file, Scenario: r.sc.Name, Pos: st.Pos, Message: fmt.Sprintf(format, args...)}
}

func (r *runner) run() *Failure {
	for _, st := range r.sc.Steps {
		if f := r.step(st); f != nil {
			return f
		}
	}
	return nil
}

func (r *runner) inbound() bot.Inbound {
	r.update++
	return bot.Inbound{UpdateID: r.update, ChatID: r.who.chat, UserID: r.who.chat, Private: true, Lang: r.who.lang, FirstName: r.who.first}
}

// act sends an inbound event; replies to this person from earlier steps
// that nobody expected are dropped.
func (r *runner) act(st *Step, in bot.Inbound) *Failure {
	r.who.seen = r.rec.count()
	r.marked = r.rec.markCount()
	if err := r.svc.Handle(r.ctx, in); err != nil {
		return r.fail(st, "the bot failed: %v", err)
	}
	return nil
}

func (r *runner) step(st *Step) *Failure {
	switch st.Action {
	case Say:
		in := r.inbound()
		in.Text = st.Arg
		return r.act(st, in)
	case Voice:
		in := r.inbound()
		secs, _ := strconv.Atoi(st.Arg)
		in.Media = &flow.Media{Type: "voice", FileID: "voice-" + strconv.FormatInt(r.update, 10), Duration: max(secs, 1)}
		return r.act(st, in)
	case Photo:
		in := r.inbound()
		in.Media = &flow.Media{Type: "photo", FileID: "photo-" + strconv.FormatInt(r.update, 10)}
		in.Text = st.Arg
		return r.act(st, in)
	case Sticker:
		in := r.inbound()
		in.Other = "sticker"
		return r.act(st, in)
	case As:
		r.who = r.people[st.Arg]
	case Press:
		b, id, err := r.rec.find(r.who.chat, st.Arg)
		if err != nil {
			return r.fail(st, "%v", err)
		}
		in := r.inbound()
		in.Data, in.CallbackID, in.MessageID = b.Data, "cb"+strconv.FormatInt(r.update, 10), id
		r.who.pressed = in
		return r.act(st, in)
	case Again:
		if r.who.pressed.Data == "" {
			return r.fail(st, "press_again presses the button pressed last, but nothing was pressed yet")
		}
		in := r.inbound()
		in.Data, in.CallbackID, in.MessageID = r.who.pressed.Data, "cb"+strconv.FormatInt(r.update, 10), r.who.pressed.MessageID
		return r.act(st, in)
	case Language:
		in := r.inbound()
		in.Text = "/language"
		if f := r.act(st, in); f != nil {
			return f
		}
		b, id, err := r.rec.findData(r.who.chat, flow.Callback{Kind: flow.CallbackLanguage, Arg: st.Arg}.Encode())
		if err != nil {
			return r.fail(st, "cannot switch to %q: %v", st.Arg, err)
		}
		in = r.inbound()
		in.Data, in.CallbackID, in.MessageID = b.Data, "cb"+strconv.FormatInt(r.update, 10), id
		return r.act(st, in)
	case Wait:
		for _, p := range r.people {
			p.seen = r.rec.count()
		}
		// Each follow-up and reminder goes out at its own time on the way.
		if err := r.svc.Walk(r.ctx, r.clock, st.Wait, r.store, func(time.Time) {}); err != nil {
			return r.fail(st, "sending due prompts failed: %v", err)
		}
	case Expect:
		return r.expect(st)
	case NoReply:
		if rest := r.rec.to(r.who.chat, r.who.seen); len(rest) > 0 {
			return r.fail(st, "expected no more replies, but the bot said:\n%s", show(rest[0]))
		}
	case Alert:
		for _, m := range r.rec.coordinatorMessages(r.f.Pilot.Coordinators) {
			if strings.Contains(squash(m.text), squash(st.Arg)) {
				return nil
			}
		}
		return r.fail(st, "no coordinator got a message containing %q", st.Arg)
	case Answers:
		return r.answers(st)
	case Marked:
		return r.mark(st)
	}
	return nil
}

// mark checks that the last action marked a question's keyboard in the
// acting person's chat: its buttons gave way to "✓ <text>", as after a
// press or a typed answer.
func (r *runner) mark(st *Step) *Failure {
	marks := r.rec.marksSince(r.who.chat, r.marked)
	for _, m := range marks {
		if strings.Contains(squash(m.text), squash(st.Arg)) {
			return nil
		}
	}
	if len(marks) == 0 {
		return r.fail(st, "expected the question to show ✓ %s, but no keyboard was marked", st.Arg)
	}
	return r.fail(st, "expected the question to show ✓ %s, but it shows ✓ %s", st.Arg, marks[len(marks)-1].text)
}

func (r *runner) expect(st *Step) *Failure {
	rest := r.rec.to(r.who.chat, r.who.seen)
	if len(rest) == 0 {
		return r.fail(st, "expected a reply containing %q, but the bot said nothing more", st.Arg)
	}
	got := rest[0]
	r.who.seen = got.index + 1
	if !strings.Contains(squash(got.text), squash(st.Arg)) {
		return r.fail(st, "the reply differs\n  expected it to contain: %q\n  the reply was:\n%s", st.Arg, show(got))
	}
	if when := got.at.In(r.f.Pilot.Timezone).Format(stepTime); st.At != "" && when != st.At {
		return r.fail(st, "the reply came at %s, expected at %s:\n%s", when, st.At, show(got))
	}
	if st.HasKb {
		labels := got.labels()
		if !slices.Equal(labels, st.Buttons) {
			return r.fail(st, "the buttons differ\n%s", diffLines(st.Buttons, labels))
		}
	}
	return nil
}

func (r *runner) answers(st *Step) *Failure {
	user := r.svc.Pseudonym(r.who.chat)
	recs, err := r.store.Answers(r.ctx, user)
	if err != nil {
		return r.fail(st, "reading answers failed: %v", err)
	}
	run := 0
	for _, rec := range recs {
		run = max(run, rec.Run)
	}
	got := map[string]string{}
	for _, rec := range recs {
		if rec.Run != run {
			continue
		}
		v := rec.Value
		switch {
		case rec.Media != nil:
			v = rec.Media.Type
		case v == "" || (rec.Text != "" && v != ""):
			if v == "" {
				v = rec.Text
			} else {
				v += ": " + rec.Text
			}
		}
		got[rec.Result] = v
	}
	var problems []string
	keys := make([]string, 0, len(st.Results))
	for k := range st.Results {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		want := st.Results[k]
		v, ok := got[k]
		switch {
		case !ok && want != "":
			problems = append(problems, fmt.Sprintf("  %s: expected %q, but it was not recorded", k, want))
		case ok && want == "":
			problems = append(problems, fmt.Sprintf("  %s: expected nothing, got %q", k, v))
		case ok && v != want:
			problems = append(problems, fmt.Sprintf("  %s: expected %q, got %q", k, want, v))
		}
	}
	if len(problems) > 0 {
		return r.fail(st, "the recorded answers differ\n%s", strings.Join(problems, "\n"))
	}
	return nil
}

// squash collapses whitespace so that line breaks in flow texts do not
// matter in expectations.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func show(m reply) string {
	var b strings.Builder
	for _, l := range strings.Split(m.text, "\n") {
		b.WriteString("    | ")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if labels := m.labels(); len(labels) > 0 {
		b.WriteString("    buttons: [")
		b.WriteString(strings.Join(labels, "] ["))
		b.WriteString("]\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// diffLines shows expected and actual lists, marking what differs.
func diffLines(want, got []string) string {
	var b strings.Builder
	n := max(len(want), len(got))
	for i := range n {
		w, g := "", ""
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w == g {
			fmt.Fprintf(&b, "    %s\n", w)
			continue
		}
		if i < len(want) {
			fmt.Fprintf(&b, "  - %s   (expected)\n", w)
		}
		if i < len(got) {
			fmt.Fprintf(&b, "  + %s   (got)\n", g)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// recorder is the courier's transport: it keeps what the bot sent, and
// numbers each message as Telegram would (its index + 1).
type recorder struct {
	mu      sync.Mutex
	clock   *bot.ManualClock
	replies []reply
	marks   []mark
}

// mark is a chat's keyboard replaced by "✓ text".
type mark struct {
	chat    int64
	message int
	text    string
}

type reply struct {
	index   int
	chat    int64
	text    string
	buttons [][]flow.Button
	at      time.Time // when it was sent, by the scenario's clock
}

func (m reply) labels() []string {
	var out []string
	for _, row := range m.buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

var (
	_ bot.Acker        = (*recorder)(nil)
	_ courier.Numbered = (*recorder)(nil)
)

// Deliver keeps a message of the outbox.
func (rc *recorder) Deliver(ctx context.Context, o bot.Out) error {
	_, err := rc.DeliverID(ctx, o)
	return err
}

// DeliverID keeps a message of the outbox and gives its id; documents are
// kept as their name and caption, keyboard marks apart.
func (rc *recorder) DeliverID(_ context.Context, o bot.Out) (int, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if o.Edit != 0 {
		rc.marks = append(rc.marks, mark{chat: o.Chat, message: o.Edit, text: o.Text})
		return 0, nil
	}
	text := o.Text
	if o.File != "" {
		text = "[" + o.File + "] " + o.Text
	}
	rc.replies = append(rc.replies, reply{index: len(rc.replies), chat: o.Chat, text: text, buttons: o.Buttons, at: rc.clock.Now()})
	return len(rc.replies), nil
}

func (rc *recorder) markCount() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.marks)
}

// marksSince returns the marks in a chat from the i-th mark on.
func (rc *recorder) marksSince(chat int64, i int) []mark {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []mark
	for _, m := range rc.marks[min(i, len(rc.marks)):] {
		if m.chat == chat {
			out = append(out, m)
		}
	}
	return out
}

func (rc *recorder) Acknowledge(context.Context, string, string) error { return nil }

func (rc *recorder) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.replies)
}

// to returns the replies to a chat from the i-th reply on.
func (rc *recorder) to(chat int64, i int) []reply {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []reply
	for _, m := range rc.replies[min(i, len(rc.replies)):] {
		if m.chat == chat {
			out = append(out, m)
		}
	}
	return out
}

// coordinatorMessages are the replies to the scenario's coordinator and to
// those the pilot lists.
func (rc *recorder) coordinatorMessages(listed []int64) []reply {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []reply
	for _, m := range rc.replies {
		if m.chat == coordinatorChat || slices.Contains(listed, m.chat) {
			out = append(out, m)
		}
	}
	return out
}

// lastKeyboard is the most recent message to a chat with buttons.
func (rc *recorder) lastKeyboard(chat int64) (reply, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i := len(rc.replies) - 1; i >= 0; i-- {
		if m := rc.replies[i]; m.chat == chat && len(m.buttons) > 0 {
			return m, true
		}
	}
	return reply{}, false
}

// find picks a button of a chat's last keyboard by its text (with or
// without its emoji, any case) or its number.
func (rc *recorder) find(chat int64, label string) (flow.Button, int, error) {
	m, ok := rc.lastKeyboard(chat)
	if !ok {
		return flow.Button{}, 0, fmt.Errorf("cannot press %q: the bot has not shown any buttons", label)
	}
	var flat []flow.Button
	for _, row := range m.buttons {
		flat = append(flat, row...)
	}
	if n, err := strconv.Atoi(label); err == nil && n >= 1 && n <= len(flat) {
		return flat[n-1], m.index + 1, nil
	}
	want := strings.ToLower(squash(label))
	for _, b := range flat {
		t := strings.ToLower(squash(b.Text))
		if t == want || strings.ToLower(withoutEmoji(b.Text)) == want {
			return b, m.index + 1, nil
		}
	}
	return flow.Button{}, 0, fmt.Errorf("no button %q in the last keyboard; its buttons are [%s]", label, strings.Join(m.labels(), "] ["))
}

func (rc *recorder) findData(chat int64, data string) (flow.Button, int, error) {
	m, ok := rc.lastKeyboard(chat)
	if ok {
		for _, row := range m.buttons {
			for _, b := range row {
				if b.Data == data {
					return b, m.index + 1, nil
				}
			}
		}
	}
	return flow.Button{}, 0, fmt.Errorf("the last keyboard has no such button")
}

// withoutEmoji drops a leading symbol and space: "😀 Very good" -> "very good".
func withoutEmoji(s string) string {
	s = squash(s)
	if i := strings.IndexByte(s, ' '); i > 0 && s[0] >= 0x80 {
		return s[i+1:]
	}
	return s
}
