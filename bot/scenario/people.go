package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// A scenario can play several people: the citizen (the scenario's own,
// with its lang), the others listed under people: with their Telegram
// language, and a coordinator of the pilot. "- as: ben" makes the steps
// after it ben's: what he says and presses, and the replies he gets.
//
//	people: {ben: sv, coordinator: en}
//	steps:
//	  - say: /start turku         # the citizen
//	  - as: coordinator
//	  - press: ✅ Approve
//	  - as: ben

// The people every scenario has.
const (
	Citizen     = "citizen"
	Coordinator = "coordinator"
)

// people reads the people: of a scenario.
func (p *parser) people(s *Scenario, m map[string]flow.KeyValue) {
	kv, ok := m["people"]
	if !ok {
		return
	}
	if kv.Value.Kind != yaml.MappingNode {
		p.errorf(kv.Value, "people should list names with their language, like people: {ben: sv, coordinator: en}")
		return
	}
	s.People = map[string]string{}
	for i := 0; i+1 < len(kv.Value.Content); i += 2 {
		name, lang := kv.Value.Content[i], kv.Value.Content[i+1]
		switch {
		case name.Value == Citizen:
			p.errorf(name, "the citizen is the scenario's own; give its language with lang:, and other people other names")
		case !validName(name.Value):
			p.errorf(name, "name %q: use lowercase letters, digits and _, like ben or citizen_2", name.Value)
		}
		if _, err := language.Parse(lang.Value); err != nil || lang.Kind != yaml.ScalarNode {
			p.errorf(lang, "%s's language %q should be a language code like fi, sv-FI or en-GB", name.Value, lang.Value)
		}
		s.People[name.Value] = lang.Value
	}
}

// checkPeople reports an as: naming someone the scenario does not have.
func (p *parser) checkPeople(s *Scenario) {
	for _, st := range s.Steps {
		if st.Action != As {
			continue
		}
		if _, ok := s.People[st.Arg]; !ok && st.Arg != Citizen && st.Arg != Coordinator {
			known := []string{Citizen, Coordinator}
			for n := range s.People {
				known = append(known, n)
			}
			slices.Sort(known)
			known = slices.Compact(known)
			p.diags = append(p.diags, flow.Diagnostic{File: p.file, Pos: st.Pos, Severity: flow.Error,
				Message: fmt.Sprintf("as %q: there is no such person; list them under people: (the scenario has %s)", st.Arg, strings.Join(known, ", "))})
		}
	}
}

func validName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// person is someone a scenario plays.
type person struct {
	chat  int64 // also their Telegram user id: a private chat
	lang  string
	first string
	seen  int // replies to them already read or dropped
	// pressed is their last press, for press_again.
	pressed bot.Inbound
}

// cast gives everyone in the scenario a chat: the citizen first, the
// people in name order after it, and the coordinator (in the pilot's first
// language unless people: says otherwise).
func (r *runner) cast() {
	r.people = map[string]*person{
		Citizen:     {chat: citizenChat, lang: r.sc.Lang, first: "Alex"},
		Coordinator: {chat: coordinatorChat, lang: r.f.DefaultLanguage(), first: "Coordinator"},
	}
	names := make([]string, 0, len(r.sc.People))
	for n := range r.sc.People {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		p := &person{chat: citizenChat + 1 + int64(i), lang: r.sc.People[n], first: strings.ToUpper(n[:1]) + n[1:]}
		if n == Coordinator {
			p.chat, p.first = coordinatorChat, "Coordinator"
		}
		r.people[n] = p
	}
	r.who = r.people[Citizen]
}
