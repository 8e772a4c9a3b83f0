package flow

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
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
	"golang.org/x/text/language/display"
)

// Options tunes loading.
type Options struct {
	// Languages the bot's own words (locales/) exist in. A pilot language
	// outside this list is an error. Empty means no such check.
	Languages []string
	// Scripts says which languages are written right to left, so that
	// values inserted into their texts are isolated; nil: none is.
	Scripts Scripts
	// CheckPhrase checks a safeguarding phrase or exclusion written in the
	// pattern syntax (the host passes safeguard.CheckPattern; this package
	// imports no other of the project). Nil: only the length is checked.
	CheckPhrase func(string) error
	// Coordinators are coordinators set outside the flow files (the
	// bot's COSIE_COORDINATORS), by pilot id. Nil means there are none:
	// a pilot that promises alerts (safeguarding alerts: true) without
	// coordinators in its file is then an error. When set, the check
	// counts them, and a pilot that still has nobody is only a warning,
	// as the bot's settings where it runs may differ: serve warns loudly
	// again at start-up.
	Coordinators map[string][]int64
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
	pilotKeys        = []string{"id", "name", "languages", "timezone", "quiet_hours", "coordinators", "digest", "retention_days", "help", "reminders", "safeguarding", "invite", "about", "short_about"}
	reminderKeys     = []string{"count", "after"}
	safeguardingKeys = []string{"phrases", "exclude", "help_now", "button", "alerts"}
	optionKeys       = []string{"id", "text", "next", "other", "ask"}
	branchKeys       = []string{"answer", "equals", "in", "less_than", "greater_than", "answered", "skipped", "next"}
	pluralKeys       = []string{"zero", "one", "two", "few", "many", "other"}
)

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

	badLangs     map[string]bool        // pilot languages already reported as wrong
	langPos      map[string]Pos         // where each pilot language is listed
	nodesInPilot bool                   // nodes: is indented into the pilot block, and reported
	partial      map[*Node]bool         // choice nodes with options that could not be read
	at           map[any]map[string]Pos // where a key's value is, by the node, option or branch it belongs to
}

// setPos remembers where the value of key is, so later checks can point at it.
func (l *loader) setPos(obj any, key string, p pair) {
	if l.at == nil {
		l.at = map[any]map[string]Pos{}
	}
	if l.at[obj] == nil {
		l.at[obj] = map[string]Pos{}
	}
	l.at[obj][key] = pos(p.val)
}

// posOf returns where the value of key is, or def when it was not written.
func (l *loader) posOf(obj any, key string, def Pos) Pos {
	if p, ok := l.at[obj][key]; ok {
		return p
	}
	return def
}

func (l *loader) finish() Diagnostics {
	l.diags.Sort()
	return l.diags
}

func (l *loader) load(data []byte) *Flow {
	first, ds := ReadYAML(l.file, data)
	l.diags = append(l.diags, ds...)
	if first == nil {
		if len(ds) == 0 {
			l.errorf(Pos{1, 1}, "the file is empty; a flow file has a pilot: block and a nodes: list")
		}
		return nil
	}
	sum := sha256.Sum256(data)
	l.f = &Flow{File: l.file, Version: hex.EncodeToString(sum[:])[:12], byID: map[string]*Node{}, results: map[string]*Node{}}
	if l.tags(first, 0) {
		return nil
	}
	doc := deref(first)
	if doc.Kind != yaml.MappingNode {
		l.errorf(pos(doc), "a flow file starts with a pilot: block followed by a nodes: list, but this file is %s; see flows/turku.yaml for an example", kindName(doc))
		return nil
	}
	if l.pilotNotIndented(doc) {
		return nil
	}
	top := l.mapping(doc, "the file", topKeys, func(key string) string {
		if slices.Contains(pilotKeys, key) {
			return fmt.Sprintf("%q belongs in the pilot: block; indent it by two spaces under pilot:", key)
		}
		return ""
	})
	pp, ok := top["pilot"]
	if !ok {
		l.errorf(pos(doc), "the file has no pilot: block; add one with id, name, languages, timezone, retention_days and help (see flows/turku.yaml)")
		return nil
	}
	if !l.pilot(pp) {
		return nil
	}
	np, ok := top["nodes"]
	if !ok {
		if !l.nodesInPilot {
			l.errorf(pos(doc), "the file has no nodes: list; a flow needs at least one node")
		}
		return nil
	}
	l.nodes(np)
	if len(l.f.Nodes) == 0 {
		return nil
	}
	l.check()
	for _, t := range l.texts {
		l.f.texts = append(l.f.texts, *t)
	}
	return l.f
}

// pilot reads the pilot block; it reports false when there is none to read,
// as the nodes cannot be checked without the pilot's languages.
func (l *loader) pilot(pp pair) bool {
	p := &l.f.Pilot
	if v := deref(pp.val); v == nil || v.Kind != yaml.MappingNode {
		l.mapping(pp.val, "pilot", pilotKeys, nil)
		return false
	}
	m := l.mapping(pp.val, "pilot", pilotKeys, func(key string) string {
		if key == "nodes" {
			l.nodesInPilot = true
			return "nodes belongs at the top of the file, not inside the pilot block; remove its indentation so that it starts in the first column"
		}
		return ""
	})
	if v, ok := m["id"]; ok {
		p.ID = l.str(v)
		if p.ID != "" && !pilotIDPattern.MatchString(p.ID) {
			l.errorf(pos(v.val), "pilot id %q is used in Telegram links, so it %s", p.ID, pilotIDProblem(p.ID))
		}
	} else {
		l.errorf(pos(pp.key), "pilot has no id; add one like id: turku (it is used in Telegram links)")
	}
	langsOK := l.languages(m, pp)
	l.f.numbers = numberStyles(p.Languages)
	cat := newCatalog(p.Languages, l.opts.Scripts)
	l.catalog = cat
	if v, ok := m["timezone"]; ok {
		loc, msg := checkZone(l.str(v))
		if msg != "" {
			l.errorf(pos(v.val), "%s", msg)
		}
		p.Timezone = loc
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
		if s, ok := l.scalar(v); ok {
			p.Digest = s
			if err := checkCron(s); err != nil {
				l.errorf(pos(v.val), "digest %q: %v", s, err)
			}
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
			s, ok := l.scalar(a)
			d, err := ParseDuration(s)
			switch {
			case !ok:
			case err != nil:
				l.errorf(pos(a.val), "reminders after %q: %v", a.val.Value, err)
			case d < time.Hour:
				l.errorf(pos(a.val), "reminders after %q is too soon; wait at least 1h before reminding", a.val.Value)
			}
			if ok && err == nil {
				p.Reminders.After = d
			}
		}
	}
	if !langsOK {
		// Every text depends on the languages: checking texts now would
		// only repeat the languages problem.
		for _, key := range []string{"name", "help"} {
			if _, ok := m[key]; !ok {
				l.errorf(pos(pp.key), "pilot has no %s; add %s: %s", key, key, textHints[key])
			}
		}
		return false
	}
	p.Name = l.text(m, "name", "pilot.name", "pilot", pos(pp.key), true)
	p.Help = l.text(m, "help", "pilot.help", "pilot", pos(pp.key), true)
	p.Invite = l.text(m, "invite", "pilot.invite", "pilot", pos(pp.key), false)
	p.About = l.text(m, "about", "pilot.about", "pilot", pos(pp.key), false)
	p.ShortAbout = l.text(m, "short_about", "pilot.short_about", "pilot", pos(pp.key), false)
	l.checkProfile()
	if v, ok := m["safeguarding"]; ok {
		l.safeguarding(v)
	}
	return true
}

// tags reports values that start with "!", which YAML reads as a type tag
// and drops from the text ("!Thank you" becomes "you"). It reports true if
// it found any.
func (l *loader) tags(n *yaml.Node, depth int) bool {
	if n == nil || n.Kind == yaml.AliasNode || depth > 1000 {
		return false
	}
	found := false
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		l.errorf(pos(n), "a value here starts with %s, which YAML reads as a type tag and leaves out of the text; put the whole text in quotes, like text: \"%s ...\"", n.Tag, n.Tag)
		found = true
	}
	for _, c := range n.Content {
		found = l.tags(c, depth+1) || found
	}
	return found
}

// pilotNotIndented reports, as one mistake, a pilot: block whose keys lost
// their indentation and so sit at the top of the file.
func (l *loader) pilotNotIndented(doc *yaml.Node) bool {
	var pilot *yaml.Node
	var stray []string
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], deref(doc.Content[i+1])
		switch {
		case k.Value == "pilot" && v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			pilot = k
		case slices.Contains(pilotKeys, k.Value):
			stray = append(stray, k.Value)
		}
	}
	if pilot == nil || len(stray) == 0 {
		return false
	}
	l.errorf(pos(pilot), "pilot: has nothing under it, and %s below it are not indented; indent them by two spaces so they belong to pilot:", strings.Join(stray, ", "))
	return true
}

// pilotIDProblem says what is wrong with a pilot id and suggests a better one.
func pilotIDProblem(id string) string {
	var why string
	switch {
	case len(id) > 32:
		why = fmt.Sprintf("may be at most 32 characters long, not %d", len(id))
	case strings.ContainsAny(id, " \t"):
		why = "may not contain spaces; use _ or - between words"
	case strings.ToLower(id) != id:
		why = "may use only lowercase letters"
	default:
		why = "may use only lowercase letters a-z, digits 0-9, _ and -"
	}
	sug := suggestID(id)
	if len(sug) > 32 {
		sug = sug[:32]
		if i := strings.LastIndexAny(sug, "_-"); i > 0 {
			sug = sug[:i]
		}
	}
	if sug != "" && sug != id && pilotIDPattern.MatchString(sug) {
		why += fmt.Sprintf("; try %q", sug)
	}
	return why
}

// languages reads the pilot's languages; it reports false when there are
// none to check texts against.
func (l *loader) languages(m map[string]pair, pp pair) bool {
	p := &l.f.Pilot
	v, ok := m["languages"]
	if !ok {
		l.errorf(pos(pp.key), "pilot has no languages; list them with the default first, like languages: [fi, sv, en]")
		p.Languages = []string{"en"}
		return false
	}
	reported := len(l.diags)
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
			l.errorf(pos(n), "%s", l.unspoken(code))
			l.badLang(code)
		} else if _, err := language.ParseBase(code); err != nil || strings.ToLower(code) != code {
			l.errorf(pos(n), "language %q should be a lowercase two-letter code like fi or en", code)
			l.badLang(code)
		}
		p.Languages = append(p.Languages, code)
		if l.langPos == nil {
			l.langPos = map[string]Pos{}
		}
		l.langPos[code] = pos(n)
	}
	if len(p.Languages) == 0 {
		if len(l.diags) == reported {
			l.errorf(pos(v.val), "languages is empty; list at least one, like languages: [en]")
		}
		p.Languages = []string{"en"}
		return false
	}
	return true
}

// dropped marks a choice node that lost an option to a mistake, so that
// branches on it are not also told the option does not exist.
func (l *loader) dropped(n *Node) {
	if l.partial == nil {
		l.partial = map[*Node]bool{}
	}
	l.partial[n] = true
}

// unspoken explains a pilot language the bot has no words for. A language
// gets the steps to add its words; "did you mean" is only for another way
// to write a spoken code ("fin" for fi) and for a code that looks like a
// typo of one ("sve" for sv): "pt" is Portuguese, not a typo of "et".
func (l *loader) unspoken(code string) string {
	spoken := l.opts.Languages
	base, err := language.ParseBase(code)
	named := err == nil && display.English.Languages().Name(base) != ""
	typos := typosOf(code, spoken)
	switch {
	case err == nil && slices.Contains(spoken, base.String()):
		return fmt.Sprintf("language %q is not one the bot speaks; did you mean %q?", code, base.String())
	case !named && len(typos) > 0 && len(typos) <= 2:
		return fmt.Sprintf("language %q is not one the bot speaks; did you mean %s?", code, quoteOr(typos))
	case err == nil && base.String() != code:
		return fmt.Sprintf("language %q should be written %q (and the bot has no words for its own messages in %s yet)", code, base.String(), base.String())
	case err == nil:
		dir := filepath.Join(filepath.Dir(l.file), "locales")
		return fmt.Sprintf("language %q has no words for the bot's own messages yet: create them with \"cosiebot locale new %s --dir %s\", translate the file, then run check again", code, code, dir)
	}
	if tag, err := language.Parse(code); err == nil {
		b, _ := tag.Base()
		return fmt.Sprintf("language %q should be the language alone, like %q", code, b.String())
	}
	return fmt.Sprintf("language %q is not a language code; use a two-letter code like fi or en", code)
}

// typosOf lists the codes one letter away from code (a letter changed,
// added, dropped or two swapped).
func typosOf(code string, codes []string) []string {
	var out []string
	for _, c := range codes {
		if editDistance(strings.ToLower(code), c) == 1 {
			out = append(out, c)
		}
	}
	return out
}

func quoteOr(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = strconv.Quote(w)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func (l *loader) badLang(code string) {
	if l.badLangs == nil {
		l.badLangs = map[string]bool{}
	}
	l.badLangs[code] = true
}

func (l *loader) safeguarding(v pair) {
	s := &l.f.Pilot.Safeguarding
	m := l.mapping(v.val, "safeguarding", safeguardingKeys, nil)
	s.HelpNow = l.text(m, "help_now", helpNowID, "safeguarding", pos(v.key), true)
	if b, ok := m["button"]; ok {
		s.Button = l.boolean(b)
	}
	s.Phrases = l.phrases(m["phrases"], "risk phrase")
	s.Exclude = l.phrases(m["exclude"], "exclusion")
	if b, ok := m["alerts"]; ok {
		s.Alerts = l.boolean(b)
		if s.Alerts {
			l.checkPromise(pos(b.val))
		}
	}
	l.checkHelpNow(s.HelpNow, pos(v.key))
}

// helpNowID is the message id of the pilot's help text.
const helpNowID = "safeguarding.help_now"

// phrases reads a list of patterns per language (phrases: or exclude:).
func (l *loader) phrases(pp pair, what string) map[string][]string {
	if pp.key == nil {
		return nil
	}
	out := map[string][]string{}
	langs := l.f.Pilot.Languages
	pm := l.mapping(pp.val, "safeguarding "+pp.key.Value, langs, func(key string) string {
		return fmt.Sprintf("%s for %q, which is not in this pilot's languages (%s); add %s to languages, or remove these phrases", pp.key.Value, key, strings.Join(langs, ", "), key)
	})
	for lang, lp := range pm {
		for _, n := range l.list(lp) {
			phrase := strings.TrimSpace(n.Value)
			switch {
			case n.Kind != yaml.ScalarNode || phrase == "":
				l.errorf(pos(n), "a %s should be a few words in quotes, not %s", what, kindName(n))
				continue
			case len([]rune(phrase)) < 3:
				l.errorf(pos(n), "%s %q is too short; it would match ordinary words: use at least 3 letters, better a few words", what, phrase)
				continue
			}
			if l.opts.CheckPhrase != nil {
				if err := l.opts.CheckPhrase(phrase); err != nil {
					l.errorf(pos(n), "%s: %v (docs/safeguarding.md explains the pattern syntax)", what, err)
					continue
				}
			}
			out[lang] = append(out[lang], phrase)
		}
	}
	return out
}

// checkPromise reports a pilot that tells citizens staff will hear of a
// crisis (alerts: true) but has nobody to tell.
func (l *loader) checkPromise(at Pos) {
	p := &l.f.Pilot
	if len(p.Coordinators) > 0 || len(l.opts.Coordinators[p.ID]) > 0 {
		return
	}
	const msg = "alerts: true promises citizens that staff are told when they write that they are in danger, but this pilot has no coordinators to tell; " +
		"add their Telegram user ids under coordinators: (or in the bot's COSIE_COORDINATORS), or remove alerts: true and every text that makes that promise"
	if l.opts.Coordinators != nil {
		l.warnf(at, "%s", msg)
		return
	}
	l.errorf(at, "%s", msg)
}

// checkHelpNow warns about each pilot language the help text is missing
// in: a citizen in crisis would read it in another language.
func (l *loader) checkHelpNow(help Text, at Pos) {
	if help.IsZero() {
		return
	}
	at = cmp.Or(help.Pos, at)
	def := l.f.DefaultLanguage()
	for _, lang := range l.f.Pilot.Languages {
		if !help.Has(lang) && !l.badLangs[lang] && lang != def {
			l.warnf(at, "help_now has no %s text: a citizen in crisis who uses %s will read the help in %s; write it in %s too", lang, lang, def, lang)
		}
	}
}

// checkCron validates a 5-field cron spec without letting robfig/cron's
// parser panic on odd input (robfig/cron#554).
func checkCron(spec string) (err error) {
	if strings.Contains(spec, "TZ=") {
		return fmt.Errorf("remove the TZ= part: the digest always follows the pilot's timezone")
	}
	if strings.HasPrefix(strings.TrimSpace(spec), "@every") {
		// Its times depend on when the bot started, so every restart would
		// send a digest of its own.
		return fmt.Errorf("@every is not allowed here; use a calendar schedule like \"0 9 * * MON\" (Mondays at 9:00) or \"0 9 * * *\" (every day at 9:00)")
	}
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("not a cron schedule; use five fields: minute hour day month weekday, like \"0 9 * * MON\"")
		}
	}()
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("%s; write five fields, minute hour day month weekday, like \"0 9 * * MON\" for Mondays at 9:00", cronProblem(spec, err))
	}
	if sched.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return fmt.Errorf("this schedule never happens (that day does not exist in that month); pick another day")
	}
	return nil
}

var cronFields = []struct{ name, valid string }{
	{"minute", "0-59"}, {"hour", "0-23"}, {"day", "1-31"}, {"month", "1-12 or JAN-DEC"}, {"weekday", "0-6 or SUN-SAT"},
}

// cronProblem says which part of a cron spec is wrong, in plain words.
func cronProblem(spec string, err error) string {
	fields := strings.Fields(spec)
	switch {
	case strings.HasPrefix(spec, "@"):
		return "not a schedule this bot understands"
	case len(fields) != 5:
		return fmt.Sprintf("it has %d fields, not 5", len(fields))
	}
	for i, f := range cronFields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = fields[i]
		if _, err := cron.ParseStandard(strings.Join(probe, " ")); err != nil {
			return fmt.Sprintf("the %s field %q is not valid (use %s, *, a list like 1,15 or a range like 1-5)", f.name, fields[i], f.valid)
		}
	}
	return err.Error()
}

// text reads an optional or required text under key in m.
func (l *loader) text(m map[string]pair, key, id, owner string, ownerPos Pos, required bool) Text {
	p, ok := m[key]
	if !ok {
		if required {
			hint := textHints[key]
			if strings.HasPrefix(owner, "option") {
				hint = "with the words on the button"
			}
			l.errorf(ownerPos, "%s has no %s; add %s: %s, at least in %s", owner, key, key, hint, l.f.DefaultLanguage())
		}
		return Text{}
	}
	return l.textValue(p, id)
}

// textHints says what a missing text is for.
var textHints = map[string]string{
	"name":     "with the name citizens see",
	"help":     "with who runs this survey and how to reach a person",
	"help_now": "with what to do at once, like an emergency number",
	"text":     "with what the bot says",
}

func (l *loader) textValue(p pair, id string) Text {
	t := Text{id: id, tr: map[string]*forms{}, cat: l.catalog, Pos: pos(p.val)}
	def := l.f.DefaultLanguage()
	switch p.val.Kind {
	case yaml.ScalarNode:
		if p.val.Tag == "!!null" || strings.TrimSpace(p.val.Value) == "" {
			l.errorf(pos(p.val), "%s is empty; write it, or remove the line", p.key.Value)
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
			if hint == "" {
				hint = fmt.Sprintf("; add %s to languages, or remove this translation", key)
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
			s, ok := l.scalar(v)
			if ok && strings.TrimSpace(s) == "" {
				l.errorf(pos(v.val), "plural form %q is empty; write it, or remove the line", k)
			}
			*set[k] = s
		}
		if _, ok := m["other"]; !ok {
			l.errorf(pos(p.val), "plural forms for %s need an \"other\" form", lang)
			return nil
		}
		if fm.msg.Other == "" {
			return nil
		}
		return fm
	}
	l.errorf(pos(p.val), "the %s text should be text, not %s", lang, kindName(p.val))
	return nil
}

func (l *loader) nodes(np pair) {
	if np.val.Kind == yaml.ScalarNode && np.val.Tag == "!!null" {
		l.errorf(pos(np.val), "nodes is empty; a flow needs at least one node, each starting with \"- id:\" (see flows/turku.yaml)")
		return
	}
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
					l.errorf(l.posOf(n, "result", n.Pos), "result %q is already recorded by the node at line %d; each question needs its own result name", n.Result, prev.Line)
				} else {
					results[n.Result] = item
					l.f.results[n.Result] = n
				}
			}
		}
	}
	if len(np.val.Content) == 0 {
		l.errorf(pos(np.val), "nodes is empty; a flow needs at least one node, each starting with \"- id:\" (see flows/turku.yaml)")
	}
}

func (l *loader) node(item *yaml.Node) *Node {
	n := &Node{Pos: pos(item)}
	if item.Kind != yaml.MappingNode {
		l.errorf(pos(item), "a node should be a list of keys starting with \"id:\", not %s", kindName(item))
		return nil
	}
	// Read id and type first: the allowed keys depend on the type. A
	// misspelled id or type ("tpye") is reported with the other keys below,
	// and read as what it most likely means.
	var idp, tp, idGuess, tpGuess *pair
	for i := 0; i+1 < len(item.Content); i += 2 {
		k := item.Content[i]
		p := &pair{k, deref(item.Content[i+1])}
		switch k.Value {
		case "id":
			idp = p
		case "type":
			tp = p
		default:
			switch nearest(k.Value, []string{"id", "type"}) {
			case "id":
				idGuess = cmp.Or(idGuess, p)
			case "type":
				tpGuess = cmp.Or(tpGuess, p)
			}
		}
	}
	idp, tp = cmp.Or(idp, idGuess), cmp.Or(tp, tpGuess)
	if idp == nil {
		l.errorf(pos(item), "this node has no id; give it a name like id: ask_rating")
	} else {
		n.ID = l.ident(*idp, "node id", maxIDLen)
		if prev, dup := l.ids[n.ID]; dup && n.ID != "" {
			l.errorf(pos(idp.val), "node id %q is used twice; the first is at line %d: give each node its own id", n.ID, prev.Line)
			n.ID = ""
		} else if n.ID != "" {
			l.ids[n.ID] = idp.val
		}
	}
	if tp == nil {
		l.errorf(pos(item), "%s has no type; add type: with one of %s", nodeName(n.ID), kindList())
		l.mapping(item, nodeName(n.ID), kinds.allKeys(), nil)
		return nil
	}
	t, ok := l.scalar(*tp)
	n.Kind = Kind(t)
	k, known := kinds.lookup(n.Kind)
	if !known {
		if ok {
			hint := ""
			if s := nearest(t, kinds.names()); s != "" {
				hint = fmt.Sprintf("did you mean %q? Use", s)
			} else {
				hint = "use"
			}
			l.errorf(pos(tp.val), "unknown node type %q; %s one of %s", t, hint, kindList())
		}
		l.mapping(item, nodeName(n.ID), kinds.allKeys(), nil)
		return nil
	}
	what := aNode(n.Kind)
	if n.ID != "" {
		what = fmt.Sprintf("%s node %q", n.Kind, n.ID)
	}
	m := l.mapping(item, what, append([]string{"id", "type"}, k.keys...), func(key string) string {
		users := kinds.users(key)
		switch {
		case len(users) == 0:
			return ""
		case len(users) == len(kinds.list)-1:
			return fmt.Sprintf("%s does not use %q (all other node types do); remove it, or change the type", aNode(n.Kind), key)
		}
		return fmt.Sprintf("%s does not use %q (only %s nodes do); remove it, or change the type", aNode(n.Kind), key, strings.Join(users, ", "))
	})
	if n.ID == "" {
		return nil
	}
	idBase := "n." + n.ID
	if k.text != noText {
		n.Text = l.text(m, "text", idBase, what, n.Pos, k.text == requiredText)
	}
	if v, ok := m["next"]; ok {
		n.Next = l.str(v) // a reference: checked against the node ids later
		l.setPos(n, "next", v)
	}
	if v, ok := m["result"]; ok {
		n.Result = l.ident(v, "result name", maxIDLen)
		l.setPos(n, "result", v)
	} else if k.records {
		l.warnf(n.Pos, "%s has no result name, so its answers are not recorded; add result: <name>", what)
	}
	if v, ok := m["count"]; ok {
		n.Count = l.str(v)
		l.setPos(n, "count", v)
	}
	if v, ok := m["optional"]; ok {
		n.Optional = l.boolean(v)
	}
	k.read(l, n, m, what)
	l.f.Nodes = append(l.f.Nodes, n)
	l.f.byID[n.ID] = n
	return n
}

// nodeName is `node "ask_rating"`, or "this node" when it has no id.
func nodeName(id string) string {
	if id == "" {
		return "this node"
	}
	return fmt.Sprintf("node %q", id)
}

func kindList() string { return strings.Join(kinds.names(), ", ") }
