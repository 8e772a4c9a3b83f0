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
}

// Button is one inline button.
type Button struct {
	Text string
	Data string
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
	EffDecline                    // consent declined: store nothing about this dialogue
)

// Effect is one thing to do.
type Effect struct {
	Kind   EffectKind
	Node   string
	Answer *Answer
	Prompt *Prompt
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
	Chosen   string // label of the pressed button, to replace the old keyboard
	Notice   string // a short acknowledgement for the button press
	Stale    bool   // the input no longer applies; nothing changed
}

// Engine runs flows. It is stateless and safe for concurrent use.
type Engine struct {
	Words Words
}

// maxAutoSteps bounds the nodes passed without waiting in one step; the
// checker already rejects loops that never wait.
const maxAutoSteps = 200

// Step applies one input to a citizen's state and returns the new state,
// the messages to send and the effects. It never fails: unusable input gets a
// polite re-ask.
func (e *Engine) Step(f *Flow, st State, in Input, now time.Time) Result {
	r := &stepper{e: e, f: f, now: now}
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
	e   *Engine
	f   *Flow
	now time.Time
	res Result
	st  *State
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
		if in.Kind == InTimer || in.Kind == InReminder {
			r.res.Stale = true
			return
		}
		if in.Kind == InButton {
			if c, ok := r.pressed(in.Data); !ok || c.Option != optRestart || c.Arg != "" {
				r.res.Notice = r.say("stale.short", nil)
			}
		}
		r.start()
		return
	}
	n := r.f.byID[st.Node]
	if st.Version != r.f.Version {
		if n == nil || (strings.HasPrefix(st.Await, awaitOther) && n.Option(strings.TrimPrefix(st.Await, awaitOther)) == nil) {
			r.flowChanged(in)
			return
		}
		st.Version = r.f.Version
	}
	switch in.Kind {
	case InTimer, InReminder:
		r.clock(n, in)
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
	if opt, ok := strings.CutPrefix(st.Await, awaitOther); ok {
		r.otherText(n, n.Option(opt), in)
		return
	}
	r.typed(n, in)
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
		r.res.Notice = r.say("stale.short", nil)
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
		st.Await = ""
		switch n.Kind {
		case KindMessage:
			r.send(r.render(n), nil)
			id = n.Next
		case KindBranch:
			id = r.pick(n)
		case KindFollowup:
			if !n.Text.IsZero() {
				r.send(r.render(n), nil)
			}
			st.Await = awaitTime
			due := r.f.due(r.now, n.After, n.At)
			st.Due = due.Unix()
			r.effect(Effect{Kind: EffCancel})
			r.effect(Effect{Kind: EffSchedule, Prompt: &Prompt{Kind: PromptFollowUp, Node: n.ID, Seq: st.Seq, Due: due}})
			return
		case KindEnd:
			st.Done = true
			r.effect(Effect{Kind: EffCancel})
			r.effect(Effect{Kind: EffComplete, Node: n.ID})
			var kb [][]Button
			if n.Restart {
				kb = r.restartButton(n)
			}
			r.send(r.render(n), kb)
			return
		default:
			r.effect(Effect{Kind: EffAsk, Node: n.ID})
			r.ask(n, "")
			r.scheduleReminder(n)
			return
		}
	}
	st.Done = true
}

func (r *stepper) scheduleReminder(n *Node) {
	rem := r.f.Pilot.Reminders
	// No nudging towards consent: agreeing must be freely given.
	if n.Kind == KindConsent || r.st.Reminded >= rem.Count || rem.After <= 0 {
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
	if st.Await == awaitTime || !n.Kind.waits() || st.Reminded >= r.f.Pilot.Reminders.Count {
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
		r.res.Notice = r.say("stale.short", nil)
	}
	r.send(r.say("done", nil), r.restartButton(n))
}

func (r *stepper) restartButton(n *Node) [][]Button {
	if n == nil || n.Kind != KindEnd || !n.Restart {
		return nil
	}
	return [][]Button{{{Text: r.say("button.restart", nil), Data: ButtonData(r.f.Version, n.ID, optRestart)}}}
}

func (r *stepper) whileWaiting(n *Node, in Input) {
	if in.Kind == InButton {
		r.res.Notice = r.say("stale.short", nil)
	}
	left := time.Unix(r.st.Due, 0).Sub(r.now)
	if left >= 23*time.Hour {
		// Round to whole days: "in 14 days" reads better than 15 for 14d8h.
		days := max(1, int(math.Round(left.Hours()/24)))
		r.send(r.say("waiting.days", map[string]any{"Count": days}), nil)
		return
	}
	hours := max(1, int(math.Ceil(left.Hours())))
	r.send(r.say("waiting.hours", map[string]any{"Count": hours}), nil)
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
	c, ok := r.pressed(data)
	if !ok || c.Node != n.ID || c.Arg != "" || !r.validOption(n, c.Option) {
		r.res.Notice = r.say("stale.short", nil)
		r.ask(n, r.say("reask.stale", nil))
		return
	}
	r.choose(n, c.Option)
}

func (r *stepper) validOption(n *Node, opt string) bool {
	if opt == optSkip {
		return n.Optional
	}
	switch n.Kind {
	case KindChoice:
		return n.Option(opt) != nil
	case KindRating:
		return opt == optDontKnow || len(opt) == 1 && opt[0] >= '1' && opt[0] <= '5'
	case KindYesNo, KindConsent:
		return opt == optYes || opt == optNo
	}
	return false
}

// choose applies a valid option of the current node.
func (r *stepper) choose(n *Node, opt string) {
	st := r.st
	r.res.Chosen = r.label(n, opt)
	if opt == optSkip {
		r.record(n, Skipped, "", nil)
		r.enter(n.Next)
		return
	}
	switch n.Kind {
	case KindConsent:
		if opt == optNo {
			r.decline()
			return
		}
		r.enter(n.Next)
	case KindChoice:
		o := n.Option(opt)
		if o.Other {
			st.Await = awaitOther + o.ID
			ask := o.Ask.Render(st.Lang, r.data(n))
			if ask == "" {
				ask = r.say("other.ask", nil)
			}
			r.send(ask, r.helpRow(nil))
			return
		}
		r.record(n, opt, "", nil)
		r.enter(cmp.Or(o.Next, n.Next))
	default:
		r.record(n, opt, "", nil)
		r.enter(n.Next)
	}
}

func (r *stepper) decline() {
	st := r.st
	lang := st.Lang
	*st = State{Lang: lang, Run: st.Run, Seq: st.Seq + 1, Version: r.f.Version}
	r.effect(Effect{Kind: EffCancel})
	r.effect(Effect{Kind: EffDecline})
	r.send(r.say("consent.declined", nil), nil)
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

// otherText takes the citizen's own words after an "other" option.
// A voice note counts too: people who cannot write should not be stuck.
func (r *stepper) otherText(n *Node, o *Option, in Input) {
	voice := in.Kind == InMedia && in.Media != nil && in.Media.Type == "voice"
	if !voice && (in.Kind != InText || strings.TrimSpace(in.Text) == "") {
		r.ask(n, r.say(reaskFor(in, true), nil))
		return
	}
	var m *Media
	if voice {
		m = in.Media
	}
	r.record(n, o.ID, strings.TrimSpace(in.Text), m)
	r.st.Await = ""
	r.enter(cmp.Or(o.Next, n.Next))
}

// typed handles text, media and unusable input at a question.
func (r *stepper) typed(n *Node, in Input) {
	switch n.Kind {
	case KindText:
		switch in.Kind {
		case InText:
			if t := strings.TrimSpace(in.Text); t != "" {
				r.record(n, "", t, nil)
				r.enter(n.Next)
				return
			}
		case InMedia:
			if in.Media != nil && n.accepts(in.Media.Type) {
				r.record(n, "", strings.TrimSpace(in.Text), in.Media)
				r.enter(n.Next)
				return
			}
		}
		r.ask(n, r.say(reaskFor(in, n.accepts("voice")), nil))
	case KindNumber:
		if in.Kind != InText {
			r.ask(n, r.say("reask.number", nil))
			return
		}
		x, err := parseNumber(in.Text)
		if err != nil {
			r.ask(n, r.say("reask.number", nil))
			return
		}
		if (n.Min != nil && x < *n.Min) || (n.Max != nil && x > *n.Max) {
			r.ask(n, r.rangeReask(n))
			return
		}
		r.record(n, strconv.FormatFloat(x, 'f', -1, 64), "", nil)
		r.enter(n.Next)
	default: // buttons expected
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

func (r *stepper) rangeReask(n *Node) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch {
	case n.Min != nil && n.Max != nil:
		return r.say("reask.range", map[string]any{"Min": f(*n.Min), "Max": f(*n.Max)})
	case n.Min != nil:
		return r.say("reask.min", map[string]any{"Min": f(*n.Min)})
	default:
		return r.say("reask.max", map[string]any{"Max": f(*n.Max)})
	}
}

// parseNumber reads "3", "3.5", "3,5" and " 12 ".
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(strings.Replace(s, ",", ".", 1))
	x, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
		return 0, strconv.ErrSyntax
	}
	return x, err
}

// matchTyped lets a citizen type an answer instead of pressing a button:
// the button's number or its text.
func (r *stepper) matchTyped(n *Node, typed string) string {
	t := normalize(typed)
	if t == "" {
		return ""
	}
	kb := r.keyboard(n)
	if i, err := strconv.Atoi(t); err == nil {
		if n.Kind == KindRating && i >= 1 && i <= 5 {
			return strconv.Itoa(i)
		}
		flat := flatten(kb)
		if i >= 1 && i <= len(flat) {
			c, _ := ParseCallback(flat[i-1].Data)
			return c.Option
		}
		return ""
	}
	for _, row := range kb {
		for _, b := range row {
			if normalize(b.Text) == t || normalize(stripEmoji(b.Text)) == t {
				if c, ok := ParseCallback(b.Data); ok && c.Kind == CallbackFlow {
					return c.Option
				}
			}
		}
	}
	return ""
}

func flatten(kb [][]Button) []Button {
	var out []Button
	for _, row := range kb {
		for _, b := range row {
			if c, _ := ParseCallback(b.Data); c.Kind == CallbackFlow {
				out = append(out, b)
			}
		}
	}
	return out
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
	if n == nil {
		return
	}
	if r.st.Await == awaitTime {
		return
	}
	text := r.render(n)
	if opt, ok := strings.CutPrefix(r.st.Await, awaitOther); ok {
		if o := n.Option(opt); o != nil {
			if ask := o.Ask.Render(r.st.Lang, r.data(n)); ask != "" {
				text = ask
			} else {
				text = r.say("other.ask", nil)
			}
			if reason != "" {
				text = reason + "\n\n" + text
			}
			r.send(text, r.helpRow(nil))
			return
		}
	}
	if n.Kind == KindConsent {
		text += "\n\n" + r.say("consent.footer", nil)
	}
	if reason != "" {
		text = reason + "\n\n" + text
	}
	if n.Kind == KindEnd {
		r.send(text, r.restartButton(n))
		return
	}
	r.send(text, r.keyboard(n))
}

// label is the text of the button for opt on node n.
func (r *stepper) label(n *Node, opt string) string {
	switch {
	case opt == optSkip:
		return r.say("button.skip", nil)
	case opt == optDontKnow:
		return r.say("button.dontknow", nil)
	case n.Kind == KindConsent && opt == optYes:
		return r.say("button.agree", nil)
	case n.Kind == KindConsent:
		return r.say("button.decline", nil)
	case n.Kind == KindYesNo:
		return r.say("button."+opt, nil)
	case n.Kind == KindRating && len(opt) == 1:
		return r.say(ratingLabels[5-int(opt[0]-'0')], nil)
	case n.Kind == KindChoice:
		if o := n.Option(opt); o != nil {
			return o.Text.Render(r.st.Lang, nil)
		}
	}
	return opt
}

var ratingLabels = [...]string{"rating.5", "rating.4", "rating.3", "rating.2", "rating.1"}

// keyboard builds the buttons of a question, one per row so that labels stay
// readable on small phones.
func (r *stepper) keyboard(n *Node) [][]Button {
	lang, v := r.st.Lang, r.f.Version
	var kb [][]Button
	add := func(text, opt string) {
		kb = append(kb, []Button{{Text: text, Data: ButtonData(v, n.ID, opt)}})
	}
	switch n.Kind {
	case KindConsent:
		kb = make([][]Button, 0, 3)
		add(r.say("button.agree", nil), optYes)
		add(r.say("button.decline", nil), optNo)
	case KindYesNo:
		kb = make([][]Button, 0, 4)
		add(r.say("button.yes", nil), optYes)
		add(r.say("button.no", nil), optNo)
	case KindRating:
		kb = make([][]Button, 0, 8)
		for i, id := range ratingLabels {
			add(r.say(id, nil), strconv.Itoa(5-i))
		}
		add(r.say("button.dontknow", nil), optDontKnow)
	case KindChoice:
		kb = make([][]Button, 0, len(n.Options)+2)
		for _, o := range n.Options {
			add(o.Text.Render(lang, nil), o.ID)
		}
	}
	if n.Optional && n.Kind.waits() {
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
		v, ok := r.st.Answers[name]
		switch {
		case !ok || v == Skipped || v == given:
			out[name] = ""
		case n.Kind == KindChoice:
			if o := n.Option(v); o != nil {
				out[name] = o.Text.Render(r.st.Lang, nil)
			}
		case n.Kind == KindYesNo:
			out[name] = r.say("button."+v, nil)
		case v == optDontKnow:
			out[name] = r.say("button.dontknow", nil)
		default:
			out[name] = v
		}
	}
	return out
}

// pick evaluates a branch node's rules in order.
func (r *stepper) pick(n *Node) string {
	for _, b := range n.Branches {
		if b.matches(r.st.Answers) {
			return b.Next
		}
	}
	return n.Next
}

func (b *Branch) matches(answers map[string]string) bool {
	v, ok := answers[b.Answer]
	answered := ok && v != Skipped && v != optDontKnow
	switch b.Op {
	case OpAnswered:
		return answered
	case OpSkipped:
		return !answered
	case OpEquals, OpIn:
		return answered && slices.Contains(b.Values, v)
	case OpLessThan, OpGreaterThan:
		x, err := strconv.ParseFloat(v, 64)
		if !answered || err != nil {
			return false
		}
		if b.Op == OpLessThan {
			return x < b.Number
		}
		return x > b.Number
	}
	return false
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
