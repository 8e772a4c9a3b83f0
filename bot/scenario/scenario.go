// Package scenario runs the scenario tests pilot teams write next to their
// flows (turku.test.yaml beside turku.yaml): scripted conversations with a
// fake clock, through the same service Telegram uses, with a readable diff
// when a reply differs.
package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// File is a parsed scenario file.
type File struct {
	Name string
	Flow string // flow file it tests, relative to the scenario file
	// Pilots are other flow files (relative to the scenario file) whose
	// links the scenarios open too: the bot then serves them all.
	Pilots    []string
	Scenarios []*Scenario
}

// Scenario is one scripted conversation.
type Scenario struct {
	Name  string
	Lang  string    // the citizen's Telegram language
	Start time.Time // local start time in the pilot's zone; zero: a Monday 10:00
	Steps []*Step
	Pos   flow.Pos
	start string
	// People are the others in the conversation besides the citizen, by
	// name, with their Telegram language (see people.go).
	People map[string]string
}

// Action is what a step does.
type Action string

// The step actions.
const (
	Say      Action = "say"         // send text (or a /command)
	Press    Action = "press"       // press a button of the last keyboard, by its text or number
	Again    Action = "press_again" // press the button pressed last once more: a double tap
	Voice    Action = "voice"       // send a voice note of N seconds
	Photo    Action = "photo"       // send a photo, with an optional caption
	Sticker  Action = "sticker"     // send a sticker
	Wait     Action = "wait"        // move the clock forward and send what is due
	Language Action = "language"    // switch language through /language
	Expect   Action = "expect"      // the next reply contains this text
	NoReply  Action = "no_reply"    // the bot said nothing more
	Answers  Action = "answers"     // the answers recorded so far in this dialogue
	Alert    Action = "alert"       // a coordinator got a message containing this text
	Marked   Action = "marked"      // the question just answered shows ✓ and this text instead of its buttons
	As       Action = "as"          // the steps after it are this person's (see people.go)
)

var actions = []Action{Say, Press, Again, Voice, Photo, Sticker, Wait, Language, Expect, NoReply, Answers, Alert, Marked, As}

// Step is one line of a scenario.
type Step struct {
	Action  Action
	Arg     string
	Buttons []string          // with expect: the reply's buttons, exactly
	At      string            // with expect: when the reply came, local time "2026-03-12 10:00"
	Results map[string]string // with answers
	Wait    time.Duration
	HasKb   bool
	Pos     flow.Pos
}

// The keys of a scenario file, and of each scenario in it.
var (
	fileKeys     = []string{"flow", "pilots", "scenarios"}
	scenarioKeys = []string{"name", "lang", "start", "people", "steps"}
)

// Parse reads a scenario file, reporting every problem with its position,
// in the words the flow checker uses.
func Parse(name string, data []byte) (*File, flow.Diagnostics) {
	p := &parser{file: name}
	f := p.parse(data)
	p.diags.Sort()
	if p.diags.HasErrors() {
		return nil, p.diags
	}
	return f, p.diags
}

type parser struct {
	file  string
	diags flow.Diagnostics
}

func at(n *yaml.Node) flow.Pos {
	if n == nil {
		return flow.Pos{Line: 1, Col: 1}
	}
	return flow.Pos{Line: n.Line, Col: n.Column}
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.diags = append(p.diags, flow.Diagnostic{File: p.file, Pos: at(n), Severity: flow.Error, Message: fmt.Sprintf(format, args...)})
}

// keys reads a mapping whose keys must be among allowed.
func (p *parser) keys(n *yaml.Node, what string, allowed []string) map[string]flow.KeyValue {
	m, ds := flow.Keys(p.file, n, what, allowed)
	p.diags = append(p.diags, ds...)
	return m
}

// text returns a single value, reporting anything else.
func (p *parser) text(kv flow.KeyValue) (string, bool) {
	if kv.Value.Kind != yaml.ScalarNode || kv.Value.Tag == "!!null" {
		what := "nothing"
		if kv.Value.Kind != yaml.ScalarNode {
			what = "a list"
		}
		p.errorf(kv.Value, "%s should be a single value, not %s", kv.Key.Value, what)
		return "", false
	}
	return kv.Value.Value, true
}

func (p *parser) parse(data []byte) *File {
	doc, ds := flow.ReadYAML(p.file, data)
	p.diags = append(p.diags, ds...)
	if doc == nil {
		if len(ds) == 0 {
			p.errorf(nil, "the file is empty; a scenario file has scenarios: with a list of conversations (see flows/turku.test.yaml)")
		}
		return nil
	}
	if doc.Kind != yaml.MappingNode {
		p.errorf(doc, "a scenario file starts with scenarios: followed by a list of conversations, each starting with \"- name:\" (see flows/turku.test.yaml)")
		return nil
	}
	f := &File{Name: p.file}
	m := p.keys(doc, "a scenario file", fileKeys)
	if kv, ok := m["flow"]; ok {
		f.Flow, _ = p.text(kv)
	}
	if kv, ok := m["pilots"]; ok {
		if kv.Value.Kind != yaml.SequenceNode {
			p.errorf(kv.Value, "pilots should be a list of flow files in brackets, like pilots: [hull.yaml]")
		}
		for _, n := range kv.Value.Content {
			if n.Kind != yaml.ScalarNode || !strings.HasSuffix(n.Value, ".yaml") && !strings.HasSuffix(n.Value, ".yml") {
				p.errorf(n, "pilots lists flow files, like hull.yaml")
				continue
			}
			f.Pilots = append(f.Pilots, n.Value)
		}
	}
	kv, ok := m["scenarios"]
	switch {
	case !ok:
		p.errorf(doc, "the file has no scenarios:; add scenarios: with at least one conversation")
		return f
	case kv.Value.Kind != yaml.SequenceNode:
		p.errorf(kv.Value, "scenarios should be a list, each starting with \"- name:\"")
		return f
	}
	for _, item := range kv.Value.Content {
		if s := p.scenario(item); s != nil {
			f.Scenarios = append(f.Scenarios, s)
		}
	}
	if len(f.Scenarios) == 0 && !p.diags.HasErrors() {
		p.errorf(kv.Value, "no scenarios; add at least one under scenarios:")
	}
	return f
}

func (p *parser) scenario(n *yaml.Node) *Scenario {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a scenario should be a list of keys starting with \"name:\", not a single value")
		return nil
	}
	s := &Scenario{Pos: at(n)}
	m := p.keys(n, "a scenario", scenarioKeys)
	if kv, ok := m["name"]; ok {
		s.Name, _ = p.text(kv)
	} else {
		p.errorf(n, "this scenario has no name; add name: with what it checks")
	}
	if kv, ok := m["lang"]; ok {
		if v, ok := p.text(kv); ok {
			if _, err := language.Parse(v); err != nil {
				p.errorf(kv.Value, "lang %q should be a language code like fi, sv-FI or en-GB", v)
			}
			s.Lang = v
		}
	}
	if kv, ok := m["start"]; ok {
		if v, ok := p.text(kv); ok {
			t, err := time.Parse(stepTime, v)
			if err != nil {
				p.errorf(kv.Value, "start %q should look like \"2026-03-28 21:30\" (local time)", v)
			}
			s.Start, s.start = t, v
		}
	}
	p.people(s, m)
	kv, ok := m["steps"]
	switch {
	case !ok:
		p.errorf(n, "scenario %q has no steps; add steps: with what the citizen does and what the bot should say", s.Name)
		return s
	case kv.Value.Kind != yaml.SequenceNode:
		p.errorf(kv.Value, "steps should be a list, each like \"- say: hello\"")
		return s
	}
	for _, item := range kv.Value.Content {
		if st := p.step(item); st != nil {
			s.Steps = append(s.Steps, st)
		}
	}
	p.checkPeople(s)
	if len(kv.Value.Content) == 0 {
		p.errorf(kv.Value, "scenario %q has no steps; add steps: with what the citizen does and what the bot should say", s.Name)
	}
	return s
}

// stepWords are the keys a step may have.
func stepWords() []string {
	words := make([]string, 0, len(actions)+1)
	for _, a := range actions {
		words = append(words, string(a))
	}
	return append(words, "buttons", "at")
}

// stepTime is how an expect step's at: and a scenario's start: are written.
const stepTime = "2006-01-02 15:04"

func (p *parser) step(n *yaml.Node) *Step {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		// "- say hello": the colon is missing.
		word, rest, _ := strings.Cut(n.Value, " ")
		if a := flow.Suggest(word, stepWords()); a != "" && a != "buttons" && a != "at" {
			p.errorf(n, "there is no colon after %q; write %s: %s", word, a, rest)
			return nil
		}
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a step should look like \"- say: hello\" or \"- expect: text\"")
		return nil
	}
	st := &Step{Pos: at(n)}
	var kbKey, kbNode *yaml.Node
	unknown := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := k.Value
		if key == "buttons" {
			kbKey, kbNode = k, val
			continue
		}
		if key == "at" {
			p.at(st, k, val)
			continue
		}
		if !slices.Contains(actions, Action(key)) {
			s := flow.Suggest(key, stepWords())
			if s == "" || s == "buttons" || s == "at" {
				p.errorf(k, "unknown step %q; steps are %s", key, actionList())
				unknown = true
				continue
			}
			p.errorf(k, "unknown step %q; did you mean %q?", key, s)
			key = s // read as meant, so that the typo is the only message
		}
		if st.Action != "" {
			p.errorf(k, "one action per step: this step already has %q; if %s starts a new step, begin its line with \"- \"", st.Action, key)
			continue
		}
		st.Action = Action(key)
		st.Pos = at(k)
		p.value(st, key, val)
	}
	if kbNode != nil {
		if st.Action != Expect {
			p.errorf(kbKey, "buttons goes with expect: (the buttons of that reply)")
		}
		st.HasKb = true
		if kbNode.Kind != yaml.SequenceNode {
			p.errorf(kbNode, "buttons should be a list in brackets, like buttons: [\"Yes\", \"No\"]")
		}
		for _, b := range kbNode.Content {
			st.Buttons = append(st.Buttons, b.Value)
		}
	}
	if st.At != "" && st.Action != Expect {
		p.errorf(n, "at goes with expect: (when that reply came)")
	}
	if st.Action == "" && kbNode == nil {
		if !unknown {
			p.errorf(n, "this step has no action; steps are %s", actionList())
		}
		return nil
	}
	if st.Action == "" {
		return nil
	}
	return st
}

// at reads when an expected reply came, in the pilot's local time.
func (p *parser) at(st *Step, k, val *yaml.Node) {
	v, ok := p.text(flow.KeyValue{Key: k, Value: val})
	if !ok {
		return
	}
	if _, err := time.Parse(stepTime, v); err != nil {
		p.errorf(val, "at %q should look like \"2026-03-12 10:00\" (local time)", v)
		return
	}
	st.At = v
}

// value reads what follows a step's action.
func (p *parser) value(st *Step, key string, val *yaml.Node) {
	switch st.Action {
	case Answers:
		st.Results = map[string]string{}
		if val.Kind != yaml.MappingNode {
			p.errorf(val, "answers should list result: value pairs, like answers: {overall_experience: \"4\"}")
			return
		}
		for i := 0; i+1 < len(val.Content); i += 2 {
			st.Results[val.Content[i].Value] = val.Content[i+1].Value
		}
	case Wait:
		d, err := flow.ParseDuration(val.Value)
		if err != nil {
			p.errorf(val, "wait %q: %v", val.Value, err)
		}
		st.Wait = d
	case NoReply, Sticker, Again:
	case Voice:
		if secs, err := strconv.Atoi(val.Value); err != nil || secs < 1 {
			p.errorf(val, "voice should be the length of the voice message in seconds, like voice: 12")
		}
		st.Arg = val.Value
	default:
		if val.Kind != yaml.ScalarNode {
			p.errorf(val, "%s needs a single value", key)
		}
		st.Arg = val.Value
	}
}

func actionList() string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}
