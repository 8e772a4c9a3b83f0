package flow

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Words are the bot's own words (button labels, re-asks), which live outside
// flow files. The host passes them in so that this package stays pure.
type Words interface {
	// Say returns message id in lang. data may be nil; a "Count" entry picks
	// the plural form.
	Say(lang, id string, data map[string]any) string
}

// Say gives the bot's own words in one language: message id, with data for
// its template (nil when it has none).
type Say func(id string, data map[string]any) string

// State is where one citizen is in a flow. It is small and serialisable: the
// host stores it between inputs.
type State struct {
	Node     string            `json:"n,omitempty"` // current node
	Await    string            `json:"w,omitempty"` // "", awaitTime, or awaitOther+option id
	Version  string            `json:"v,omitempty"` // flow version the state was made with
	Lang     string            `json:"l,omitempty"`
	Answers  map[string]string `json:"a,omitempty"` // result -> value, for branches and templates
	Seq      int               `json:"s,omitempty"` // bumps on every move; binds scheduled prompts
	Run      int               `json:"r,omitempty"` // dialogue number, bumps on every (re)start
	Reminded int               `json:"m,omitempty"` // reminders sent in this dialogue
	Done     bool              `json:"d,omitempty"` // reached an end node
	Name     string            `json:"f,omitempty"` // first name, kept only if the flow shows it
	Due      int64             `json:"u,omitempty"` // unix seconds of the pending follow-up
	// Draft is what an idea or weigh node keeps while the citizen decides:
	// their idea while they look at similar ones, the idea being weighed.
	Draft string `json:"dr,omitempty"`
}

const (
	awaitTime  = "time"
	awaitOther = "other:"
	// skipped is the recorded value of a skipped question.
	Skipped = "_skip"
	// DontKnow is the recorded value of "don't know" on a rating.
	DontKnow = optDontKnow
	// given marks a free-text answer in State.Answers; the text itself is
	// recorded as an answer, not kept in the session.
	given = "+"
)

// Started reports whether the state is inside a dialogue.
func (s State) Started() bool { return s.Node != "" }

// Waiting reports whether the dialogue is waiting for a follow-up.
func (s State) Waiting() bool { return s.Await == awaitTime }

// InputKind is what the citizen (or the clock) did.
type InputKind int

// The kinds of input.
const (
	InStart    InputKind = iota // begin or begin again
	InText                      // typed text
	InButton                    // a button press; Data holds the button data
	InMedia                     // a voice note or photo
	InOther                     // something unusable: a sticker, location, contact...
	InRepeat                    // say the current question again
	InTimer                     // a follow-up is due; Node and Seq say which
	InReminder                  // a reminder is due; Node and Seq say which
)

// Input is one event for the engine.
type Input struct {
	Kind      InputKind
	Text      string
	Data      string
	Media     *Media
	Node      string // timers and reminders
	Seq       int    // timers and reminders
	FirstName string
	Ideas     []IdeaCard // InIdeas: what the host found for a Need
}

// Media is a voice note or photo, stored as a reference; never downloaded.
type Media struct {
	Type     string `json:"type"` // "voice" or "photo"
	FileID   string `json:"file_id"`
	Duration int    `json:"duration,omitempty"` // seconds, voice only
}

// Message is something to send to the citizen.
type Message struct {
	Text    string
	Buttons [][]Button
	// Invite asks the host to add this many personal invitation links,
	// each with a share button (an invite node).
	Invite int
}

// Button is one inline button: it sends Data back when pressed, or opens
// URL (a link button).
type Button struct {
	Text string
	Data string
	URL  string `json:",omitempty"`
}

// EffectKind says what the host must do besides sending messages.
type EffectKind int

// The effects.
const (
	EffAnswer   EffectKind = iota // record Answer
	EffAsk                        // a question was asked for the first time (drop-off counts)
	EffSchedule                   // schedule Prompt, replacing one of the same kind
	EffCancel                     // cancel every scheduled prompt
	EffStart                      // a new dialogue started
	EffComplete                   // the dialogue reached an end node
	// EffDecline: consent was declined; store nothing about this dialogue.
	// The engine says nothing: the host knows what it keeps (answers of
	// earlier dialogues) and says so.
	EffDecline
)

// Effect is one thing to do.
type Effect struct {
	Kind   EffectKind
	Node   string
	Answer *Answer
	Prompt *Prompt
	Idea   *IdeaAct // co-creation effects
}

// Answer is one recorded answer.
type Answer struct {
	Node   string `json:"node"`
	Result string `json:"result"`
	Kind   Kind   `json:"kind"`
	Value  string `json:"value,omitempty"` // option id, 1-5, yes/no, a number, or _skip / _dk
	Text   string `json:"text,omitempty"`  // free text
	Media  *Media `json:"media,omitempty"`
}

// PromptKind says why the bot writes on its own.
type PromptKind string

// The prompt kinds.
const (
	PromptFollowUp PromptKind = "followup"
	PromptReminder PromptKind = "reminder"
)

// Prompt is a message the bot will send later.
type Prompt struct {
	Kind PromptKind
	Node string
	Seq  int
	Due  time.Time
}

// Result is what one step produces.
type Result struct {
	State    State
	Messages []Message
	Effects  []Effect
	Chosen   string // label of the pressed (or typed) button, to replace the old keyboard
	Notice   string // a short acknowledgement for the button press
	Stale    bool   // the input no longer applies; nothing changed
	// StalePress: the input was a press of a button that no longer applies
	// (an earlier question, an old keyboard); the result answers it with
	// the current question. A host may ignore such a press instead, when
	// it was a second tap on a button that just applied.
	StalePress bool
	// Need asks the host for ideas before the step can go on; it answers
	// with an InIdeas input (see ideas.go).
	Need *Need
}

// Engine runs flows. It is stateless and safe for concurrent use.
type Engine struct {
	Words Words
	// SkipWords are the typed words that mean Skip beyond "skip" and the
	// Skip button of the citizen's language (see SkipWords); may be nil.
	SkipWords map[string]bool
}

// maxAutoSteps bounds the nodes passed without waiting in one step; the
// checker already rejects loops that never wait.
const maxAutoSteps = 200

// Step applies one input to a citizen's state and returns the new state,
// the messages to send and the effects. It never fails: unusable input gets a
// polite re-ask.
func (e *Engine) Step(f *Flow, st State, in Input, now time.Time) Result {
	r := &stepper{e: e, f: f, now: now}
	r.words = r.say // made once: a method value passed on allocates
	r.res.State = st
	r.st = &r.res.State
	if !slices.Contains(f.Pilot.Languages, r.st.Lang) {
		r.st.Lang = f.DefaultLanguage()
	}
	if in.FirstName != "" && f.usesName {
		r.st.Name = in.FirstName
	}
	r.step(in)
	return r.res
}

type stepper struct {
	e     *Engine
	f     *Flow
	now   time.Time
	res   Result
	st    *State
	words Say // say, for the kinds
}

func (r *stepper) say(id string, data map[string]any) string {
	return r.e.Words.Say(r.st.Lang, id, data)
}

func (r *stepper) effect(e Effect) { r.res.Effects = append(r.res.Effects, e) }

func (r *stepper) send(text string, buttons [][]Button) {
	r.res.Messages = append(r.res.Messages, Message{Text: text, Buttons: buttons})
}

func (r *stepper) step(in Input) {
	st := r.st
	if in.Kind == InStart {
		r.start()
		return
	}
	if !st.Started() {
		// No dialogue yet (or it was declined): anything starts one, except
		// clock events, which belong to a dialogue that is gone.
		if in.Kind == InTimer || in.Kind == InReminder || in.Kind == InIdeas {
			r.res.Stale = true
			return
		}
		if in.Kind == InButton {
			if c, ok := r.pressed(in.Data); !ok || c.Option != optRestart || c.Arg != "" {
				r.stalePress()
			}
		}
		r.start()
		return
	}
	n := r.f.byID[st.Node]
	if st.Version != r.f.Version {
		if n == nil || !n.kind().resumes(n, st.Await) {
			r.flowChanged(in)
			return
		}
		st.Version = r.f.Version
	}
	switch in.Kind {
	case InTimer, InReminder:
		r.clock(n, in)
		return
	case InIdeas:
		if !strings.HasPrefix(st.Await, awaitNeed) {
			r.res.Stale = true
			return
		}
		n.kind().fetched(r, n, in.Ideas)
		return
	case InRepeat:
		if st.Await == awaitTime {
			r.whileWaiting(n, in)
			return
		}
		r.ask(n, "")
		return
	}
	if st.Done {
		r.afterEnd(n, in)
		return
	}
	if st.Await == awaitTime {
		r.whileWaiting(n, in)
		return
	}
	if in.Kind == InButton {
		r.button(n, in.Data)
		return
	}
	if n.Optional && n.kind().waits && r.typedSkip(in) {
		r.choose(n, optSkip)
		return
	}
	n.kind().typed(r, n, in)
}

// stalePress marks the input as a press that no longer applies.
func (r *stepper) stalePress() {
	r.res.Notice = r.say("stale.short", nil)
	r.res.StalePress = true
}

// start begins a new dialogue at the first node.
func (r *stepper) start() {
	st := r.st
	lang, name := st.Lang, st.Name
	*st = State{Lang: lang, Name: name, Version: r.f.Version, Run: st.Run + 1, Seq: st.Seq}
	r.effect(Effect{Kind: EffCancel})
	r.effect(Effect{Kind: EffStart})
	r.enter(r.f.Start().ID)
}

func (r *stepper) flowChanged(in Input) {
	if in.Kind == InTimer || in.Kind == InReminder {
		r.res.Stale = true
		return
	}
	// Leave the dialogue: the next input, or the button, starts afresh.
	st := r.st
	st.Node, st.Await, st.Done, st.Due = "", "", false, 0
	st.Version = r.f.Version
	r.effect(Effect{Kind: EffCancel})
	if in.Kind == InButton {
		r.stalePress()
	}
	r.send(r.say("flow.changed", nil), [][]Button{{{Text: r.say("button.restart", nil), Data: ButtonData(r.f.Version, r.f.Start().ID, optRestart)}}})
}

// enter moves to node id and runs until a node waits for the citizen or time.
func (r *stepper) enter(id string) {
	st := r.st
	for range maxAutoSteps {
		n := r.f.byID[id]
		if n == nil {
			// Only a flow that skipped the checker can get here.
			r.send(r.say("flow.changed", nil), nil)
			st.Done = true
			return
		}
		st.Seq++
		st.Node = n.ID
		st.Await, st.Draft = "", ""
		next, stop := n.kind().enter(r, n)
		if stop {
			return
		}
		id = next
	}
	st.Done = true
}

// question asks n for the first time and schedules a reminder.
func (r *stepper) question(n *Node) {
	r.effect(Effect{Kind: EffAsk, Node: n.ID})
	r.ask(n, "")
	r.scheduleReminder(n)
}

func (r *stepper) scheduleReminder(n *Node) {
	rem := r.f.Pilot.Reminders
	// Nudge only towards answering questions, never towards consent:
	// agreeing must be freely given.
	if !n.kind().records || r.st.Reminded >= rem.Count || rem.After <= 0 {
		return
	}
	due := r.f.due(r.now, rem.After, nil)
	r.effect(Effect{Kind: EffSchedule, Prompt: &Prompt{Kind: PromptReminder, Node: n.ID, Seq: r.st.Seq, Due: due}})
}

// clock handles a due follow-up or reminder; anything that no longer
// matches the dialogue does nothing.
func (r *stepper) clock(n *Node, in Input) {
	st := r.st
	if st.Done || n == nil || in.Node != st.Node || in.Seq != st.Seq {
		r.res.Stale = true
		return
	}
	if in.Kind == InTimer {
		if st.Await != awaitTime {
			r.res.Stale = true
			return
		}
		st.Due = 0
		r.enter(n.Next)
		return
	}
	if st.Await == awaitTime || !n.kind().waits || st.Reminded >= r.f.Pilot.Reminders.Count {
		r.res.Stale = true
		return
	}
	st.Reminded++
	r.ask(n, r.say("reminder", nil))
	r.scheduleReminder(n)
}

func (r *stepper) afterEnd(n *Node, in Input) {
	if in.Kind == InButton {
		c, ok := r.pressed(in.Data)
		if ok && c.Option == optRestart && c.Arg == "" && c.Node == n.ID && n.Restart {
			r.res.Chosen = r.say("button.restart", nil)
			r.start()
			return
		}
		r.stalePress()
	}
	r.send(r.say("done", nil), r.restartButton(n))
}

// restartButton is the "start again" button of an end node that offers it.
func (r *stepper) restartButton(n *Node) [][]Button {
	if n == nil || !n.Restart {
		return nil
	}
	return [][]Button{{{Text: r.say("button.restart", nil), Data: ButtonData(r.f.Version, n.ID, optRestart)}}}
}

func (r *stepper) whileWaiting(n *Node, in Input) {
	if in.Kind == InButton {
		r.stalePress()
	}
	count, days := TimeLeft(time.Unix(r.st.Due, 0).Sub(r.now))
	if days {
		r.send(r.say("waiting.days", map[string]any{"Count": count}), nil)
		return
	}
	r.send(r.say("waiting.hours", map[string]any{"Count": count}), nil)
}

// TimeLeft says how long a wait is in the words citizens read: whole days
// from 23 hours on ("in 14 days" reads better than 15 for 14d8h), else
// hours, rounded up; at least 1.
func TimeLeft(left time.Duration) (n int, days bool) {
	if left >= 23*time.Hour {
		return max(1, int(math.Round(left.Hours()/24))), true
	}
	return max(1, int(math.Ceil(left.Hours()))), false
}

// pressed reads the data of a press on a button of this flow version.
func (r *stepper) pressed(data string) (Callback, bool) {
	c, ok := ParseCallback(data)
	if !ok || c.Kind != CallbackFlow || !strings.HasPrefix(r.f.Version, c.Version) {
		return Callback{}, false
	}
	return c, true
}

// button handles a press.
func (r *stepper) button(n *Node, data string) {
	if c, ok := ParseCallback(data); ok && c.Kind != CallbackFlow && n.kind().hostButton(r, n, c) {
		return
	}
	c, ok := r.pressed(data)
	if !ok || c.Node != n.ID || c.Arg != "" || !r.validOption(n, c.Option) {
		r.stalePress()
		r.ask(n, r.say("reask.stale", nil))
		return
	}
	r.choose(n, c.Option)
}

// validOption reports whether opt is one of n's buttons.
func (r *stepper) validOption(n *Node, opt string) bool {
	if opt == optSkip {
		return n.Optional
	}
	return slices.Contains(n.kind().options(n), opt)
}

// choose applies a valid option of the current node.
func (r *stepper) choose(n *Node, opt string) {
	r.res.Chosen = r.label(n, opt)
	if opt == optSkip {
		r.record(n, Skipped, "", nil)
		r.enter(n.Next)
		return
	}
	n.kind().choose(r, n, opt)
}

func (r *stepper) decline() {
	st := r.st
	lang := st.Lang
	*st = State{Lang: lang, Run: st.Run, Seq: st.Seq + 1, Version: r.f.Version}
	r.effect(Effect{Kind: EffCancel})
	r.effect(Effect{Kind: EffDecline})
}

func (r *stepper) record(n *Node, value, text string, m *Media) {
	if n.Result == "" {
		return
	}
	st := r.st
	// Copy on write: the caller's map may be shared.
	answers := make(map[string]string, len(st.Answers)+1)
	for k, v := range st.Answers {
		answers[k] = v
	}
	if value == "" {
		answers[n.Result] = given
	} else {
		answers[n.Result] = value
	}
	st.Answers = answers
	r.effect(Effect{Kind: EffAnswer, Node: n.ID, Answer: &Answer{Node: n.ID, Result: n.Result, Kind: n.Kind, Value: value, Text: text, Media: m}})
}

// typedButtons handles what is sent at a question with buttons: typed
// text that names one button, or a re-ask.
func (r *stepper) typedButtons(n *Node, in Input) {
	if in.Kind == InText {
		if opt := r.matchTyped(n, in.Text); opt != "" {
			r.choose(n, opt)
			return
		}
		r.ask(n, r.say("reask.buttons", nil))
		return
	}
	r.ask(n, r.say(reaskFor(in, false), nil)+" "+r.say("reask.buttons", nil))
}

func reaskFor(in Input, voice bool) string {
	switch {
	case in.Kind == InMedia && in.Media != nil && in.Media.Type == "voice":
		return "reask.no_voice"
	case in.Kind == InMedia:
		return "reask.no_photo"
	case in.Kind == InOther:
		return "reask.unsupported"
	case voice:
		return "reask.text_or_voice"
	}
	return "reask.text"
}

// matchTyped lets a citizen type an answer instead of pressing a button:
// the text of one button, or a number that one button shows ("3", "1–2",
// "5+"). A number is never a button's position: at "Yes / No" or a
// choice of words, "1" picks nothing. Input that fits no button, or more
// than one, picks nothing (it is asked again).
func (r *stepper) matchTyped(n *Node, typed string) string {
	t := normalize(typed)
	if t == "" {
		return ""
	}
	x, isNumber := typedNumber(typed)
	found := ""
	for _, row := range r.keyboard(n) {
		for _, b := range row {
			c, ok := ParseCallback(b.Data)
			if !ok || c.Kind != CallbackFlow {
				continue
			}
			var fits bool
			if isNumber {
				fits = showsNumber(b.Text, x)
			} else {
				fits = normalize(b.Text) == t || normalize(stripEmoji(b.Text)) == t
			}
			switch {
			case !fits || c.Option == found:
			case found != "":
				return "" // two buttons fit: ask again
			default:
				found = c.Option
			}
		}
	}
	return found
}

func normalize(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.Trim(s, " .!?\t\n")), " "))
}

// stripEmoji drops a leading emoji and space from a label ("😀 Very good").
func stripEmoji(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 && s[0] >= 0x80 {
		return s[i+1:]
	}
	return s
}

// ask sends the question of n, with a reason in front when it is a re-ask.
func (r *stepper) ask(n *Node, reason string) {
	if n == nil || r.st.Await == awaitTime {
		return
	}
	n.kind().ask(r, n, reason)
}

// sendQuestion sends text as n's question, with its buttons.
func (r *stepper) sendQuestion(n *Node, text, reason string) {
	r.send(withReason(reason, text), r.keyboard(n))
}

// withReason puts the reason for a re-ask in front of a question.
func withReason(reason, text string) string {
	if reason == "" {
		return text
	}
	return reason + "\n\n" + text
}

// label is the text of the button for opt on node n.
func (r *stepper) label(n *Node, opt string) string {
	if opt == optSkip {
		return r.say("button.skip", nil)
	}
	return cmp.Or(n.kind().label(n, opt, r.st.Lang, r.words), opt)
}

// keyboard builds the buttons of a question, one per row so that labels stay
// readable on small phones.
func (r *stepper) keyboard(n *Node) [][]Button {
	k := n.kind()
	opts := k.options(n)
	var kb [][]Button
	if len(opts) > 0 || n.Optional {
		kb = make([][]Button, 0, len(opts)+2) // and Skip, help
	}
	add := func(text, opt string) {
		kb = append(kb, []Button{{Text: text, Data: ButtonData(r.f.Version, n.ID, opt)}})
	}
	for _, opt := range opts {
		add(k.label(n, opt, r.st.Lang, r.words), opt)
	}
	if n.Optional && k.waits {
		add(r.say("button.skip", nil), optSkip)
	}
	return r.helpRow(kb)
}

func (r *stepper) helpRow(kb [][]Button) [][]Button {
	if !r.f.Pilot.Safeguarding.Button {
		return kb
	}
	return append(kb, []Button{{Text: r.say("button.help", nil), Data: HelpData}})
}

// render shows a node's text in the citizen's language. Template data is
// built only for texts that use it.
func (r *stepper) render(n *Node) string {
	if !n.Text.dynamic(r.st.Lang) {
		return n.Text.Render(r.st.Lang, nil)
	}
	return n.Text.Render(r.st.Lang, r.data(n))
}

// data builds template data only for texts that need it.
func (r *stepper) data(n *Node) *TemplateData {
	d := &TemplateData{FirstName: r.st.Name, Answers: r.display()}
	if n.Count != "" {
		x, _ := strconv.ParseFloat(r.st.Answers[n.Count], 64)
		d.Count = int(x)
	}
	return d
}

// display turns recorded values into what a citizen would recognise.
func (r *stepper) display() map[string]string {
	out := make(map[string]string, len(r.f.results))
	for name, n := range r.f.results {
		a := Answer{Node: n.ID, Result: name, Kind: n.Kind, Value: r.st.Answers[name]}
		out[name] = ShowAnswer(r.f, a, FormText, r.st.Lang, r.words)
	}
	return out
}

// due computes when a prompt scheduled now should go out: after the delay,
// at the given local time of day if any, and never in quiet hours. Whole
// days are added on the calendar so a daylight-saving change does not shift
// the local hour.
func (f *Flow) due(now time.Time, after time.Duration, at *ClockTime) time.Time {
	loc := f.Pilot.Timezone
	days := int(after / (24 * time.Hour))
	rest := after - time.Duration(days)*24*time.Hour
	t := now.In(loc).AddDate(0, 0, days).Add(rest)
	if at != nil {
		d := time.Date(t.Year(), t.Month(), t.Day(), at.Hour, at.Minute, 0, 0, loc)
		if d.Before(now) {
			d = d.AddDate(0, 0, 1)
		}
		t = d
	}
	return f.Pilot.OutsideQuietHours(t)
}

// OutsideQuietHours moves t to the end of the pilot's quiet hours if it falls
// inside them.
func (p *Pilot) OutsideQuietHours(t time.Time) time.Time {
	q := p.QuietHours
	if q == nil {
		return t
	}
	lt := t.In(p.Timezone)
	if !q.Contains(lt.Hour()*60 + lt.Minute()) {
		return t
	}
	end := time.Date(lt.Year(), lt.Month(), lt.Day(), q.To/60, q.To%60, 0, 0, p.Timezone)
	if !end.After(lt) {
		end = time.Date(lt.Year(), lt.Month(), lt.Day()+1, q.To/60, q.To%60, 0, 0, p.Timezone)
	}
	return end
}
