// Package flow is cosiebot's flow language: the YAML files pilot teams write,
// the checker that reports their mistakes as file:line:col, and the pure engine
// that runs a conversation one input at a time.
//
// The package does no I/O and has no clock of its own: Step takes the time as
// an argument, so the same flow, state, input and time always give the same
// result. It imports no other package of this project.
package flow

import (
	"slices"
	"time"
)

// Flow is one pilot's conversation, loaded and checked.
type Flow struct {
	File    string // the path it was loaded from, for messages
	Version string // content hash of the file; sessions record it
	Pilot   Pilot
	Nodes   []*Node // in file order; the first is where a dialogue starts

	byID     map[string]*Node
	results  map[string]*Node       // result name -> the node that asks it
	usesName bool                   // some text uses {{.FirstName}}
	texts    []Text                 // every text, in the order read
	numbers  map[string]numberStyle // how each language writes numbers
}

// numberStyle is how citizens writing lang type numbers.
func (f *Flow) numberStyle(lang string) numberStyle {
	if st, ok := f.numbers[lang]; ok {
		return st
	}
	return styleOf(lang)
}

// Node returns the node with this id, or nil.
func (f *Flow) Node(id string) *Node { return f.byID[id] }

// Start is the first node of a dialogue.
func (f *Flow) Start() *Node { return f.Nodes[0] }

// ResultNode returns the node that records the named result, or nil.
func (f *Flow) ResultNode(result string) *Node { return f.results[result] }

// Results lists the named results in file order.
func (f *Flow) Results() []string {
	var out []string
	for _, n := range f.Nodes {
		if n.Result != "" {
			out = append(out, n.Result)
		}
	}
	return out
}

// Texts lists every text of the flow (the pilot's name and help, each
// node's and option's words, ...) in the order they were read, for
// translation tools; each Text's Pos is where its value is written.
func (f *Flow) Texts() []Text { return slices.Clone(f.texts) }

// UsesFirstName reports whether any text shows the citizen's first name, so
// the host only keeps the name when a flow needs it.
func (f *Flow) UsesFirstName() bool { return f.usesName }

// DefaultLanguage is the pilot's first language.
func (f *Flow) DefaultLanguage() string { return f.Pilot.Languages[0] }

// Pilot is the pilot block of a flow file.
type Pilot struct {
	ID            string
	Name          Text
	Languages     []string // the first is the default
	Timezone      *time.Location
	QuietHours    *QuietHours
	Coordinators  []int64
	Digest        string // cron spec, in the pilot's time zone
	RetentionDays int
	Help          Text
	Invite        Text // optional: the poster's invitation line (cosiebot qr)
	About         Text // optional: the bot's description, shown in an empty chat before Start
	ShortAbout    Text // optional: the bot's short description, on its profile and when shared
	Reminders     Reminders
	Safeguarding  Safeguarding
}

// Reminders says how often to nudge a citizen who left a question unanswered.
type Reminders struct {
	Count int
	After time.Duration
}

// Safeguarding is what the pilot adds to the bot's built-in safeguarding
// lexicon (bot/safeguard), and what to tell a citizen in crisis at once.
type Safeguarding struct {
	// Phrases and Exclude are, per language, patterns (docs/safeguarding.md)
	// the pilot adds to the lexicon: risk phrases that count as a crisis,
	// and phrases that must not alarm ("Veilig Thuis", a local place name).
	Phrases map[string][]string
	Exclude map[string][]string
	HelpNow Text
	Button  bool // offer an "I need help now" button under questions
	// Alerts says the pilot's texts promise citizens that staff are told
	// of a crisis. The checker then requires someone to tell: a pilot
	// that promises alerts without coordinators is an error.
	Alerts bool
}

// Enabled reports whether the pilot configured safeguarding.
func (s Safeguarding) Enabled() bool { return !s.HelpNow.IsZero() }

// QuietHours is a daily window, in the pilot's local time, in which the bot
// sends nothing on its own.
type QuietHours struct {
	From, To int // minutes after midnight; From > To means across midnight
}

// Contains reports whether the local clock time falls in the quiet window.
func (q *QuietHours) Contains(minute int) bool {
	if q == nil || q.From == q.To {
		return false
	}
	if q.From < q.To {
		return minute >= q.From && minute < q.To
	}
	return minute >= q.From || minute < q.To
}

// Node is one step of a flow.
type Node struct {
	ID     string
	Kind   Kind
	Text   Text
	Next   string
	Result string // the answer's name in exports and digests
	Count  string // the result whose number picks the plural form of Text

	Options   []*Option     // choice
	Min, Max  *float64      // number: as written; see bounds
	Whole     bool          // number: whole numbers only
	Reask     Text          // number: the flow's own re-ask, instead of the bot's
	Accept    []string      // text: "text", "voice", "photo"
	Optional  bool          // text, number, choice: offer a Skip button
	Branches  []*Branch     // branch
	After     time.Duration // followup
	afterText string        // followup: after as written, for the graph
	At        *ClockTime    // followup: local time of day
	Restart   bool          // end: offer "start again"
	Links     int           // invite: how many invitation links
	Network   string        // invite: the result holding the network size
	HearBack  Text          // idea: asked after an idea is saved or supported
	Ideas     int           // weigh: the most ideas shown in one visit

	Pos Pos
}

// accepts reports whether a text node takes this kind of answer.
func (n *Node) accepts(kind string) bool {
	for _, a := range n.Accept {
		if a == kind {
			return true
		}
	}
	return false
}

// Option returns the option with this id, or nil.
func (n *Node) Option(id string) *Option {
	for _, o := range n.Options {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// ClockTime is a time of day.
type ClockTime struct{ Hour, Minute int }

// Option is one button of a choice node.
type Option struct {
	ID    string
	Text  Text
	Next  string // overrides the node's next
	Other bool   // asks for free text after the press
	Ask   Text   // what to ask for the free text; a default is used when empty
	Pos   Pos
}

// Branch is one rule of a branch node: if the condition holds, go to Next.
type Branch struct {
	Answer   string
	Op       Op
	Values   []string // equals: one; in: several
	Number   float64  // less_than, greater_than
	Next     string
	Pos      Pos
	ValuePos Pos
}

// Op is a branch comparison.
type Op string

// The comparisons a branch can make.
const (
	OpEquals      Op = "equals"
	OpIn          Op = "in"
	OpLessThan    Op = "less_than"
	OpGreaterThan Op = "greater_than"
	OpAnswered    Op = "answered"
	OpSkipped     Op = "skipped"
)

var ops = []Op{OpEquals, OpIn, OpLessThan, OpGreaterThan, OpAnswered, OpSkipped}
