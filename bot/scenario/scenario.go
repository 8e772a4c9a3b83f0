// Package scenario runs the scenario tests pilot teams write next to their
// flows (turku.test.yaml beside turku.yaml): scripted conversations with a
// fake clock, through the same service Telegram uses, with a readable diff
// when a reply differs.
package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
	"go.yaml.in/yaml/v3"
)

// File is a parsed scenario file.
type File struct {
	Name      string
	Flow      string // flow file it tests, relative to the scenario file
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
}

// Action is what a step does.
type Action string

// The step actions.
const (
	Say      Action = "say"      // send text (or a /command)
	Press    Action = "press"    // press a button of the last keyboard, by its text or number
	Voice    Action = "voice"    // send a voice note of N seconds
	Photo    Action = "photo"    // send a photo, with an optional caption
	Sticker  Action = "sticker"  // send a sticker
	Wait     Action = "wait"     // move the clock forward and send what is due
	Language Action = "language" // switch language through /language
	Expect   Action = "expect"   // the next reply contains this text
	NoReply  Action = "no_reply" // the bot said nothing more
	Answers  Action = "answers"  // the answers recorded so far in this dialogue
	Alert    Action = "alert"    // a coordinator got a message containing this text
)

var actions = []Action{Say, Press, Voice, Photo, Sticker, Wait, Language, Expect, NoReply, Answers, Alert}

// Step is one line of a scenario.
type Step struct {
	Action  Action
	Arg     string
	Buttons []string          // with expect: the reply's buttons, exactly
	Results map[string]string // with answers
	Wait    time.Duration
	HasKb   bool
	Pos     flow.Pos
}

// Parse reads a scenario file, reporting every problem with its position.
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

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	pos := flow.Pos{Line: 1, Col: 1}
	if n != nil {
		pos = flow.Pos{Line: n.Line, Col: n.Column}
	}
	p.diags = append(p.diags, flow.Diagnostic{File: p.file, Pos: pos, Severity: flow.Error, Message: fmt.Sprintf(format, args...)})
}

func pairs(n *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

func (p *parser) parse(data []byte) *File {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		p.errorf(nil, "YAML syntax: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		p.errorf(nil, "a scenario file has flow: <file> and scenarios: [...]")
		return nil
	}
	f := &File{Name: p.file}
	for _, kv := range pairs(root.Content[0]) {
		switch kv[0].Value {
		case "flow":
			f.Flow = kv[1].Value
		case "scenarios":
			if kv[1].Kind != yaml.SequenceNode {
				p.errorf(kv[1], "scenarios should be a list, each starting with \"- name:\"")
				continue
			}
			for _, item := range kv[1].Content {
				if s := p.scenario(item); s != nil {
					f.Scenarios = append(f.Scenarios, s)
				}
			}
		default:
			p.errorf(kv[0], "unknown key %q; a scenario file has flow: and scenarios:", kv[0].Value)
		}
	}
	if len(f.Scenarios) == 0 && !p.diags.HasErrors() {
		p.errorf(root.Content[0], "no scenarios; add scenarios: with at least one")
	}
	return f
}

func (p *parser) scenario(n *yaml.Node) *Scenario {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a scenario should be a list of keys starting with \"name:\"")
		return nil
	}
	s := &Scenario{Pos: flow.Pos{Line: n.Line, Col: n.Column}}
	for _, kv := range pairs(n) {
		switch kv[0].Value {
		case "name":
			s.Name = kv[1].Value
		case "lang":
			s.Lang = kv[1].Value
		case "start":
			t, err := time.Parse("2006-01-02 15:04", kv[1].Value)
			if err != nil {
				p.errorf(kv[1], "start %q should look like \"2026-03-28 21:30\" (local time)", kv[1].Value)
			}
			s.Start = t
			s.start = kv[1].Value
		case "steps":
			if kv[1].Kind != yaml.SequenceNode {
				p.errorf(kv[1], "steps should be a list, each like \"- say: hello\"")
				continue
			}
			for _, item := range kv[1].Content {
				if st := p.step(item); st != nil {
					s.Steps = append(s.Steps, st)
				}
			}
		default:
			p.errorf(kv[0], "unknown key %q in a scenario; use name, lang, start, steps", kv[0].Value)
		}
	}
	if s.Name == "" {
		p.errorf(n, "this scenario has no name")
	}
	if len(s.Steps) == 0 {
		p.errorf(n, "scenario %q has no steps", s.Name)
	}
	return s
}

func (p *parser) step(n *yaml.Node) *Step {
	st := &Step{Pos: flow.Pos{Line: n.Line, Col: n.Column}}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a step should look like \"- say: hello\" or \"- expect: text\"")
		return nil
	}
	var kbNode *yaml.Node
	for _, kv := range pairs(n) {
		key, val := kv[0].Value, kv[1]
		if key == "buttons" {
			kbNode = val
			continue
		}
		if !slices.Contains(actions, Action(key)) {
			p.errorf(kv[0], "unknown step %q; steps are %s", key, actionList())
			continue
		}
		if st.Action != "" {
			p.errorf(kv[0], "one action per step: this step already has %q", st.Action)
			continue
		}
		st.Action = Action(key)
		st.Pos = flow.Pos{Line: kv[0].Line, Col: kv[0].Column}
		switch st.Action {
		case Answers:
			st.Results = map[string]string{}
			for _, r := range pairs(val) {
				st.Results[r[0].Value] = r[1].Value
			}
			if val.Kind != yaml.MappingNode {
				p.errorf(val, "answers should list result: value pairs")
			}
		case Wait:
			d, err := flow.ParseDuration(val.Value)
			if err != nil {
				p.errorf(val, "wait %q: %v", val.Value, err)
			}
			st.Wait = d
		case NoReply, Sticker:
		default:
			if val.Kind != yaml.ScalarNode {
				p.errorf(val, "%s needs a single value", key)
			}
			st.Arg = val.Value
		}
	}
	if kbNode != nil {
		if st.Action != Expect {
			p.errorf(kbNode, "buttons goes with expect: (the buttons of that reply)")
		}
		st.HasKb = true
		for _, b := range kbNode.Content {
			st.Buttons = append(st.Buttons, b.Value)
		}
	}
	if st.Action == "" && kbNode == nil {
		p.errorf(n, "this step has no action; steps are %s", actionList())
		return nil
	}
	if st.Action == "" {
		p.errorf(n, "buttons goes with expect: (the buttons of that reply)")
		return nil
	}
	return st
}

func actionList() string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}
