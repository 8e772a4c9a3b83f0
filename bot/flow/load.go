package flow

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // pilots name IANA zones; do not depend on the host's zoneinfo

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// Options tunes loading.
type Options struct {
	// Languages the bot's own words (locales/) exist in. A pilot language
	// outside this list is an error. Empty means no such check.
	Languages []string
}

// Defaults used when a pilot leaves them out.
const (
	DefaultReminderAfter = 24 * time.Hour
	defaultReminderCount = 1
	maxIDLen             = 48
)

var pilotIDPattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

var (
	topKeys          = []string{"pilot", "nodes"}
	pilotKeys        = []string{"id", "name", "languages", "timezone", "quiet_hours", "coordinators", "digest", "retention_days", "help", "reminders", "safeguarding"}
	reminderKeys     = []string{"count", "after"}
	safeguardingKeys = []string{"phrases", "help_now", "button"}
	optionKeys       = []string{"id", "text", "next", "other", "ask"}
	branchKeys       = []string{"answer", "equals", "in", "less_than", "greater_than", "answered", "skipped", "next"}
	pluralKeys       = []string{"zero", "one", "two", "few", "many", "other"}
	acceptValues     = []string{"text", "voice", "photo"}
)

// nodeKeys lists the keys each node type may use, beyond id and type.
var nodeKeys = map[Kind][]string{
	KindMessage:  {"text", "next"},
	KindConsent:  {"text", "next"},
	KindChoice:   {"text", "next", "result", "options", "optional", "count"},
	KindRating:   {"text", "next", "result", "count"},
	KindYesNo:    {"text", "next", "result", "count"},
	KindText:     {"text", "next", "result", "accept", "optional", "count"},
	KindNumber:   {"text", "next", "result", "min", "max", "optional", "count"},
	KindBranch:   {"branches", "next"},
	KindFollowup: {"text", "next", "after", "at", "count"},
	KindEnd:      {"text", "restart", "count"},
}

// Load reads and checks one flow file. It returns the flow when there are no
// errors, and every problem found either way, sorted by position.
func Load(file string, data []byte, opts Options) (f *Flow, diags Diagnostics) {
	l := &loader{reporter: reporter{file: file}, opts: opts}
	defer func() {
		// The checker must never crash on a broken file; a panic here is a bug
		// in this package, reported as an error rather than taking the bot down.
		if p := recover(); p != nil {
			l.errorf(Pos{1, 1}, "internal error while reading this file (%v); please report it", p)
			f, diags = nil, l.finish()
		}
	}()
	f = l.load(data)
	diags = l.finish()
	if diags.HasErrors() {
		return nil, diags
	}
	return f, diags
}

type loader struct {
	reporter
	opts    Options
	f       *Flow
	catalog *catalog
	texts   []*Text // every text, for the coverage figures
	ids     map[string]*yaml.Node
}

func (l *loader) finish() Diagnostics {
	l.diags.Sort()
	return l.diags
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func (l *loader) load(data []byte) *Flow {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 1
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = strings.TrimSpace(yamlLine.ReplaceAllString(msg, ""))
			msg = strings.TrimPrefix(msg, ": ")
		}
		l.errorf(Pos{line, 1}, "YAML syntax: %s (check the indentation and that every \"key: value\" has a space after the colon)", msg)
		return nil
	}
	if len(root.Content) == 0 {
		l.errorf(Pos{1, 1}, "the file is empty; a flow file has a pilot: block and a nodes: list")
		return nil
	}
	sum := sha256.Sum256(data)
	l.f = &Flow{File: l.file, Version: hex.EncodeToString(sum[:])[:12], byID: map[string]*Node{}, results: map[string]*Node{}}
	top := l.mapping(root.Content[0], "the file", topKeys, nil)
	pp, ok := top["pilot"]
	if !ok {
		l.errorf(pos(root.Content[0]), "the file has no pilot: block (id, name, languages, timezone, ...)")
		return nil
	}
	l.pilot(pp)
	np, ok := top["nodes"]
	if !ok {
		l.errorf(pos(root.Content[0]), "the file has no nodes: list; a flow needs at least one node")
		return nil
	}
	l.nodes(np)
	if len(l.f.Nodes) == 0 {
		return nil
	}
	l.check()
	return l.f
}

func (l *loader) pilot(pp pair) {
	p := &l.f.Pilot
	m := l.mapping(pp.val, "pilot", pilotKeys, nil)
	if v, ok := m["id"]; ok {
		p.ID = l.str(v)
		if p.ID != "" && !pilotIDPattern.MatchString(p.ID) {
			l.errorf(pos(v.val), "pilot id %q must be 1 to 32 characters from a-z, 0-9, _ and - (it is used in Telegram links)", p.ID)
		}
	} else {
		l.errorf(pos(pp.key), "pilot has no id; add one like id: turku (it is used in Telegram links)")
	}
	l.languages(m, pp)
	cat := newCatalog(p.Languages)
	l.catalog = cat
	if v, ok := m["timezone"]; ok {
		name := l.str(v)
		loc, err := time.LoadLocation(name)
		switch {
		case name == "":
		case err != nil || name == "Local" || !strings.Contains(name, "/") && name != "UTC":
			l.errorf(pos(v.val), "unknown timezone %q; use a name like Europe/Helsinki", name)
		default:
			p.Timezone = loc
		}
	} else {
		l.errorf(pos(pp.key), "pilot has no timezone; add one like timezone: Europe/Helsinki")
	}
	if p.Timezone == nil {
		p.Timezone = time.UTC
	}
	if v, ok := m["quiet_hours"]; ok {
		if s := l.str(v); s != "" {
			q, ok := parseQuietHours(s)
			if !ok {
				l.errorf(pos(v.val), "quiet_hours %q should look like \"21:00-08:00\" (from-to, local time)", s)
			}
			p.QuietHours = q
		}
	}
	if v, ok := m["coordinators"]; ok && v.val.Tag != "!!null" {
		for _, c := range l.list(v) {
			id, err := strconv.ParseInt(c.Value, 10, 64)
			if c.Kind != yaml.ScalarNode || err != nil || id <= 0 {
				l.errorf(pos(c), "coordinator %s should be a Telegram user id (a number; the bot's /whoami shows it)", kindName(c))
				continue
			}
			p.Coordinators = append(p.Coordinators, id)
		}
	}
	if v, ok := m["digest"]; ok {
		p.Digest = l.str(v)
		if err := checkCron(p.Digest); err != nil {
			l.errorf(pos(v.val), "digest %q: %v", p.Digest, err)
		}
	}
	if v, ok := m["retention_days"]; ok {
		if n, ok := l.integer(v); ok {
			if n < 1 || n > 3650 {
				l.errorf(pos(v.val), "retention_days should be between 1 and 3650, not %d", n)
			}
			p.RetentionDays = n
		}
	} else {
		l.errorf(pos(pp.key), "pilot has no retention_days; say how many days answers are kept, like retention_days: 365")
	}
	p.Name = l.text(m, "name", "pilot.name", "pilot", pos(pp.key), true)
	p.Help = l.text(m, "help", "pilot.help", "pilot", pos(pp.key), true)
	p.Reminders = Reminders{Count: defaultReminderCount, After: DefaultReminderAfter}
	if v, ok := m["reminders"]; ok {
		rm := l.mapping(v.val, "reminders", reminderKeys, nil)
		if c, ok := rm["count"]; ok {
			if n, ok := l.integer(c); ok {
				if n < 0 || n > 5 {
					l.errorf(pos(c.val), "reminders count should be between 0 and 5, not %d (more is pestering)", n)
				}
				p.Reminders.Count = n
			}
		}
		if a, ok := rm["after"]; ok {
			d, err := ParseDuration(l.str(a))
			switch {
			case err != nil:
				l.errorf(pos(a.val), "reminders after %q: %v", a.val.Value, err)
			case d < time.Hour:
				l.errorf(pos(a.val), "reminders after %q is too soon; wait at least 1h before reminding", a.val.Value)
			}
			if err == nil {
				p.Reminders.After = d
			}
		}
	}
	if v, ok := m["safeguarding"]; ok {
		l.safeguarding(v)
	}
}

func (l *loader) languages(m map[string]pair, pp pair) {
	p := &l.f.Pilot
	v, ok := m["languages"]
	if !ok {
		l.errorf(pos(pp.key), "pilot has no languages; list them with the default first, like languages: [fi, sv, en]")
		p.Languages = []string{"en"}
		return
	}
	for _, n := range l.list(v) {
		code := strings.TrimSpace(n.Value)
		if n.Kind != yaml.ScalarNode || code == "" {
			l.errorf(pos(n), "a language should be a code like fi or en, not %s", kindName(n))
			continue
		}
		if slices.Contains(p.Languages, code) {
			l.errorf(pos(n), "language %q is listed twice", code)
			continue
		}
		if len(l.opts.Languages) > 0 && !slices.Contains(l.opts.Languages, code) {
			hint := ""
			if s := nearest(code, l.opts.Languages); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			l.errorf(pos(n), "language %q is not one the bot speaks (%s)%s", code, strings.Join(l.opts.Languages, ", "), hint)
		} else if _, err := language.ParseBase(code); err != nil || strings.ToLower(code) != code {
			l.errorf(pos(n), "language %q should be a lowercase two-letter code like fi or en", code)
		}
		p.Languages = append(p.Languages, code)
	}
	if len(p.Languages) == 0 {
		l.errorf(pos(v.val), "languages is empty; list at least one, like languages: [en]")
		p.Languages = []string{"en"}
	}
}

func (l *loader) safeguarding(v pair) {
	s := &l.f.Pilot.Safeguarding
	m := l.mapping(v.val, "safeguarding", safeguardingKeys, nil)
	s.HelpNow = l.text(m, "help_now", "safeguarding.help_now", "safeguarding", pos(v.key), true)
	if b, ok := m["button"]; ok {
		s.Button = l.boolean(b)
	}
	pp, ok := m["phrases"]
	if !ok {
		return
	}
	s.Phrases = map[string][]string{}
	langs := l.f.Pilot.Languages
	pm := l.mapping(pp.val, "safeguarding phrases", langs, func(key string) string {
		return fmt.Sprintf("phrases for %q, which is not in this pilot's languages (%s)", key, strings.Join(langs, ", "))
	})
	for lang, lp := range pm {
		for _, n := range l.list(lp) {
			phrase := strings.ToLower(strings.TrimSpace(n.Value))
			if n.Kind != yaml.ScalarNode || phrase == "" {
				l.errorf(pos(n), "a risk phrase should be a few words in quotes, not %s", kindName(n))
				continue
			}
			if len([]rune(phrase)) < 3 {
				l.errorf(pos(n), "risk phrase %q is too short; it would match ordinary words", phrase)
				continue
			}
			s.Phrases[lang] = append(s.Phrases[lang], phrase)
		}
	}
	for _, lang := range langs {
		if len(s.Phrases[lang]) == 0 {
			l.warnf(pos(pp.key), "no risk phrases in %q: messages in that language will not raise safeguarding alerts", lang)
		}
	}
}

// checkCron validates a 5-field cron spec without letting robfig/cron's
// parser panic on odd input (robfig/cron#554).
func checkCron(spec string) (err error) {
	if strings.Contains(spec, "TZ=") {
		return fmt.Errorf("leave out the time zone: the pilot's timezone is used")
	}
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("not a cron schedule; use five fields: minute hour day month weekday, like \"0 9 * * MON\"")
		}
	}()
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("%v; use five fields: minute hour day month weekday, like \"0 9 * * MON\"", err)
	}
	if sched.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return fmt.Errorf("this schedule never happens")
	}
	return nil
}

// text reads an optional or required text under key in m.
func (l *loader) text(m map[string]pair, key, id, owner string, ownerPos Pos, required bool) Text {
	p, ok := m[key]
	if !ok {
		if required {
			l.errorf(ownerPos, "%s has no %s; write it at least in %s", owner, key, l.f.DefaultLanguage())
		}
		return Text{}
	}
	return l.textValue(p, id)
}

func (l *loader) textValue(p pair, id string) Text {
	t := Text{id: id, tr: map[string]*forms{}, cat: l.catalog, Pos: pos(p.val)}
	def := l.f.DefaultLanguage()
	switch p.val.Kind {
	case yaml.ScalarNode:
		if p.val.Tag == "!!null" || strings.TrimSpace(p.val.Value) == "" {
			l.errorf(pos(p.val), "%s is empty", p.key.Value)
			return Text{}
		}
		l.addForms(&t, def, &forms{msg: i18n.Message{Other: p.val.Value}, pos: pos(p.val)})
	case yaml.MappingNode:
		langs := l.f.Pilot.Languages
		m := l.mapping(p.val, p.key.Value, langs, func(key string) string {
			if slices.Contains(pluralKeys, key) {
				return fmt.Sprintf("plural form %q must sit under a language, like %s: {one: ..., other: ...}", key, def)
			}
			hint := ""
			if s := nearest(key, langs); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			return fmt.Sprintf("%s has a %q translation, but %q is not in this pilot's languages (%s)%s", p.key.Value, key, key, strings.Join(langs, ", "), hint)
		})
		for _, lang := range langs {
			if lp, ok := m[lang]; ok {
				if fm := l.formsValue(lp, lang); fm != nil {
					l.addForms(&t, lang, fm)
				}
			}
		}
	default:
		l.errorf(pos(p.val), "%s should be text, or one text per language (%s: ...), not %s", p.key.Value, def, kindName(p.val))
		return Text{}
	}
	if len(t.tr) == 0 {
		return Text{}
	}
	l.texts = append(l.texts, &t)
	return t
}

func (l *loader) addForms(t *Text, lang string, fm *forms) {
	fm.dynamic = isDynamic(&fm.msg)
	m := &fm.msg
	if strings.Contains(m.Zero+m.One+m.Two+m.Few+m.Many+m.Other, ".FirstName") {
		l.f.usesName = true
	}
	t.tr[lang] = fm
	l.catalog.add(t.id, lang, fm)
}

// formsValue reads one translation: a string or plural forms.
func (l *loader) formsValue(p pair, lang string) *forms {
	switch p.val.Kind {
	case yaml.ScalarNode:
		if p.val.Tag == "!!null" || strings.TrimSpace(p.val.Value) == "" {
			l.errorf(pos(p.val), "the %s text is empty; write it or remove the line", lang)
			return nil
		}
		return &forms{msg: i18n.Message{Other: p.val.Value}, pos: pos(p.val)}
	case yaml.MappingNode:
		m := l.mapping(p.val, "plural forms", pluralKeys, nil)
		fm := &forms{pos: pos(p.val)}
		set := map[string]*string{"zero": &fm.msg.Zero, "one": &fm.msg.One, "two": &fm.msg.Two, "few": &fm.msg.Few, "many": &fm.msg.Many, "other": &fm.msg.Other}
		for k, v := range m {
			s := l.str(v)
			if strings.TrimSpace(s) == "" {
				l.errorf(pos(v.val), "plural form %q is empty", k)
			}
			*set[k] = s
		}
		if fm.msg.Other == "" {
			l.errorf(pos(p.val), "plural forms for %s need an \"other\" form", lang)
			return nil
		}
		return fm
	}
	l.errorf(pos(p.val), "the %s text should be text, not %s", lang, kindName(p.val))
	return nil
}

func (l *loader) nodes(np pair) {
	if np.val.Kind != yaml.SequenceNode {
		l.errorf(pos(np.val), "nodes should be a list, each item starting with \"- id:\", not %s", kindName(np.val))
		return
	}
	l.ids = map[string]*yaml.Node{}
	results := map[string]*yaml.Node{}
	for _, item := range np.val.Content {
		if n := l.node(deref(item)); n != nil {
			if n.Result != "" {
				if prev, dup := results[n.Result]; dup {
					l.errorf(n.Pos, "result %q is already recorded by the node at line %d; each question needs its own result name", n.Result, prev.Line)
				} else {
					results[n.Result] = item
					l.f.results[n.Result] = n
				}
			}
		}
	}
	if len(np.val.Content) == 0 {
		l.errorf(pos(np.val), "nodes is empty; a flow needs at least one node")
	}
}

func (l *loader) node(item *yaml.Node) *Node {
	n := &Node{Pos: pos(item)}
	if item.Kind != yaml.MappingNode {
		l.errorf(pos(item), "a node should be a list of keys starting with \"id:\", not %s", kindName(item))
		return nil
	}
	// Read id and type first: the allowed keys depend on the type.
	var idp, tp *pair
	for i := 0; i+1 < len(item.Content); i += 2 {
		switch item.Content[i].Value {
		case "id":
			idp = &pair{item.Content[i], deref(item.Content[i+1])}
		case "type":
			tp = &pair{item.Content[i], deref(item.Content[i+1])}
		}
	}
	if idp == nil {
		l.errorf(pos(item), "this node has no id; give it a name like id: ask_rating")
	} else {
		n.ID = l.ident(*idp, "node id", maxIDLen)
		if prev, dup := l.ids[n.ID]; dup && n.ID != "" {
			l.errorf(pos(idp.val), "node id %q is used twice; the first is at line %d", n.ID, prev.Line)
			n.ID = ""
		} else if n.ID != "" {
			l.ids[n.ID] = idp.val
		}
	}
	if tp == nil {
		l.errorf(pos(item), "node %q has no type; use one of %s", n.ID, kindList())
		return nil
	}
	t, _ := l.scalar(*tp)
	n.Kind = Kind(t)
	allowed, ok := nodeKeys[n.Kind]
	if !ok {
		hint := ""
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = string(k)
		}
		if s := nearest(t, names); s != "" {
			hint = fmt.Sprintf("did you mean %q? ", s)
		}
		l.errorf(pos(tp.val), "unknown node type %q; %suse one of %s", t, hint, kindList())
		return nil
	}
	what := fmt.Sprintf("%s node %q", n.Kind, n.ID)
	m := l.mapping(item, what, append([]string{"id", "type"}, allowed...), func(key string) string {
		var users []string
		for _, k := range kinds {
			if slices.Contains(nodeKeys[k], key) {
				users = append(users, string(k))
			}
		}
		if len(users) > 0 {
			return fmt.Sprintf("a %s node does not use %q (only %s nodes do)", n.Kind, key, strings.Join(users, ", "))
		}
		return ""
	})
	if n.ID == "" {
		return nil
	}
	idBase := "n." + n.ID
	if n.Kind != KindBranch {
		n.Text = l.text(m, "text", idBase, what, n.Pos, n.Kind != KindFollowup)
	}
	if v, ok := m["next"]; ok {
		n.Next = l.ident(v, "next", maxIDLen)
	}
	if v, ok := m["result"]; ok {
		n.Result = l.ident(v, "result name", maxIDLen)
	} else if n.Kind.waits() && n.Kind != KindConsent {
		l.warnf(n.Pos, "%s has no result name, so its answers are not recorded; add result: <name>", what)
	}
	if v, ok := m["count"]; ok {
		n.Count = l.ident(v, "count", maxIDLen)
	}
	if v, ok := m["optional"]; ok {
		n.Optional = l.boolean(v)
	}
	switch n.Kind {
	case KindChoice:
		l.options(n, m)
	case KindText:
		n.Accept = []string{"text"}
		if v, ok := m["accept"]; ok {
			n.Accept = nil
			for _, a := range l.list(v) {
				if !slices.Contains(acceptValues, a.Value) {
					l.errorf(pos(a), "accept %s: use text, voice or photo", kindName(a))
					continue
				}
				n.Accept = append(n.Accept, a.Value)
			}
		}
	case KindNumber:
		if v, ok := m["min"]; ok {
			if x, ok := l.number(v); ok {
				n.Min = &x
			}
		}
		if v, ok := m["max"]; ok {
			if x, ok := l.number(v); ok {
				n.Max = &x
			}
		}
		if n.Min != nil && n.Max != nil && *n.Min > *n.Max {
			l.errorf(pos(m["min"].val), "min %v is larger than max %v", *n.Min, *n.Max)
		}
	case KindBranch:
		l.branches(n, m)
	case KindFollowup:
		if v, ok := m["after"]; ok {
			d, err := ParseDuration(l.str(v))
			switch {
			case err != nil:
				l.errorf(pos(v.val), "after %q: %v", v.val.Value, err)
			case d <= 0:
				l.errorf(pos(v.val), "after must be longer than 0s")
			}
			n.After = d
		} else {
			l.errorf(n.Pos, "%s has no after; say how long to wait, like after: 14d", what)
		}
		if v, ok := m["at"]; ok {
			c, ok := parseClock(l.str(v))
			if !ok {
				l.errorf(pos(v.val), "at %q should be a local time like \"10:00\"", v.val.Value)
			} else {
				n.At = &c
			}
		}
	case KindEnd:
		if v, ok := m["restart"]; ok {
			n.Restart = l.boolean(v)
		}
	}
	l.f.Nodes = append(l.f.Nodes, n)
	l.f.byID[n.ID] = n
	return n
}

func kindList() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func (l *loader) options(n *Node, m map[string]pair) {
	v, ok := m["options"]
	if !ok {
		l.errorf(n.Pos, "choice node %q has no options; list the buttons under options:", n.ID)
		return
	}
	if v.val.Kind != yaml.SequenceNode || len(v.val.Content) == 0 {
		l.errorf(pos(v.val), "options should be a list of buttons, each starting with \"- id:\"")
		return
	}
	seen := map[string]int{}
	for _, item := range v.val.Content {
		item = deref(item)
		o := &Option{Pos: pos(item)}
		om := l.mapping(item, "an option", optionKeys, nil)
		if p, ok := om["id"]; ok {
			o.ID = l.ident(p, "option id", maxIDLen)
			if strings.HasPrefix(o.ID, "_") {
				l.errorf(pos(p.val), "option id %q may not start with _ (reserved for the bot's own buttons)", o.ID)
			}
			if line, dup := seen[o.ID]; dup {
				l.errorf(pos(p.val), "option id %q is used twice in this node; the first is at line %d", o.ID, line)
			}
			seen[o.ID] = pos(p.val).Line
		} else if item.Kind == yaml.MappingNode {
			l.errorf(o.Pos, "this option has no id; give it a short name like id: staff")
		}
		if o.ID == "" {
			continue
		}
		o.Text = l.text(om, "text", "o."+n.ID+"."+o.ID, fmt.Sprintf("option %q", o.ID), o.Pos, true)
		if p, ok := om["next"]; ok {
			o.Next = l.ident(p, "next", maxIDLen)
		}
		if p, ok := om["other"]; ok {
			o.Other = l.boolean(p)
		}
		if p, ok := om["ask"]; ok {
			o.Ask = l.textValue(p, "a."+n.ID+"."+o.ID)
			if !o.Other {
				l.errorf(pos(p.key), "ask is only used with other: true (it asks for the citizen's own words)")
			}
		}
		n.Options = append(n.Options, o)
	}
}

func (l *loader) branches(n *Node, m map[string]pair) {
	v, ok := m["branches"]
	if !ok {
		l.errorf(n.Pos, "branch node %q has no branches; list the rules under branches:", n.ID)
		return
	}
	if v.val.Kind != yaml.SequenceNode || len(v.val.Content) == 0 {
		l.errorf(pos(v.val), "branches should be a list of rules, each starting with \"- answer:\"")
		return
	}
	for _, item := range v.val.Content {
		item = deref(item)
		b := &Branch{Pos: pos(item)}
		bm := l.mapping(item, "a branch", branchKeys, nil)
		if p, ok := bm["answer"]; ok {
			b.Answer = l.ident(p, "answer", maxIDLen)
		} else if item.Kind == yaml.MappingNode {
			l.errorf(b.Pos, "this branch has no answer; name the result it looks at, like answer: overall_experience")
		}
		if p, ok := bm["next"]; ok {
			b.Next = l.ident(p, "next", maxIDLen)
		} else if item.Kind == yaml.MappingNode {
			l.errorf(b.Pos, "this branch has no next; say where to go when it matches")
		}
		var found []string
		for _, op := range ops {
			p, ok := bm[string(op)]
			if !ok {
				continue
			}
			found = append(found, string(op))
			b.Op = op
			b.ValuePos = pos(p.val)
			switch op {
			case OpEquals:
				b.Values = []string{l.str(p)}
			case OpIn:
				for _, x := range l.list(p) {
					b.Values = append(b.Values, x.Value)
				}
			case OpLessThan, OpGreaterThan:
				b.Number, _ = l.number(p)
			case OpAnswered, OpSkipped:
				if !l.boolean(p) {
					l.errorf(pos(p.val), "write %s: true; to test the opposite use the other of answered/skipped", op)
				}
			}
		}
		switch {
		case len(found) == 0 && item.Kind == yaml.MappingNode:
			l.errorf(b.Pos, "this branch has no test; add one of equals, in, less_than, greater_than, answered, skipped")
		case len(found) > 1:
			l.errorf(b.Pos, "this branch has several tests (%s); use one per branch", strings.Join(found, ", "))
		}
		n.Branches = append(n.Branches, b)
	}
}
