// Package translate moves a flow's texts and the bot's own words in one
// language to a gettext PO file for translators, and their translation
// back: checked (placeholders kept, Telegram's limits, every plural form)
// and written into the flow file and the words file in place, so that
// their layout and comments stay.
package translate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/translate/yamledit"
	"github.com/cosie/cosiebot/locales"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
)

// unit is one text to translate: what it is, its source and its
// translation, and where the translation goes.
type unit struct {
	key    string // the entry's msgctxt
	what   string // what the text is, for the translator
	file   string
	line   int
	limit  int  // the longest it may be; 0: no limit
	button bool // counted in characters, as the checker counts buttons
	list   bool // safeguarding phrases, one per line
	plural bool
	source forms
	target forms // nil when not translated yet

	holder *yaml.Node // flow texts: the value under the text's key
	keyCol int        // the column of the text's key
	words  bool       // one of the bot's own words
}

// forms are a text's plural forms ("other" alone when it counts nothing).
type forms map[string]string

func (f forms) empty() bool {
	for _, s := range f {
		if s != "" {
			return false
		}
	}
	return true
}

// formsOf reads a translation: a text, or a mapping of plural forms.
func formsOf(n *yaml.Node) forms {
	switch n.Kind {
	case yaml.ScalarNode:
		return forms{"other": n.Value}
	case yaml.MappingNode:
		out := forms{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = n.Content[i+1].Value
		}
		return out
	case yaml.SequenceNode:
		var items []string
		for _, c := range n.Content {
			items = append(items, c.Value)
		}
		return forms{"other": strings.Join(items, "\n")}
	}
	return nil
}

// value is what forms are written as.
func (f forms) value(list bool) yamledit.Value {
	if list {
		return yamledit.List(lines(f["other"]))
	}
	if len(f) == 1 && f["other"] != "" {
		return yamledit.Text(f["other"])
	}
	var kvs []yamledit.KeyValue
	for _, name := range []string{"zero", "one", "two", "few", "many", "other"} {
		if s, ok := f[name]; ok {
			kvs = append(kvs, yamledit.KeyValue{Key: name, Value: yamledit.Text(s)})
		}
	}
	return yamledit.Map(kvs...)
}

// lines are the phrases of a list unit, one per line.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func get(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// flowUnits lists the texts of a flow file in file order: the pilot's,
// then each node's.
func flowUnits(file string, root *yaml.Node, f *flow.Flow, lang, from string) []*unit {
	x := &extractor{file: file, f: f, lang: lang, from: from}
	_, pilot := get(root, "pilot")
	for _, t := range pilotTexts {
		x.text(pilot, t.key, "pilot."+t.key, t.what, t.limit, false)
	}
	_, sg := get(pilot, "safeguarding")
	x.text(sg, "help_now", "pilot.safeguarding.help_now", "Shown at once when a citizen may be at risk, and for the 🆘 button: the crisis numbers must be right for the pilot's country.", flow.MaxMessageLen, false)
	if k, v := get(sg, "phrases"); v != nil {
		x.add(&unit{key: "pilot.safeguarding.phrases", what: "Risk phrases, one per line: a message that contains one alerts the coordinators. Give the words people in this language really use, not a word-for-word translation.", list: true, line: k.Line, holder: v, keyCol: k.Column - 1})
	}
	slices.SortStableFunc(x.units, func(a, b *unit) int { return a.line - b.line })
	_, nodes := get(root, "nodes")
	if nodes == nil {
		return x.units
	}
	for _, item := range nodes.Content {
		_, id := get(item, "id")
		if id == nil || f.Node(id.Value) == nil {
			continue
		}
		n := f.Node(id.Value)
		base := "node." + n.ID
		x.text(item, "text", base+".text", kindTexts[n.Kind]+fmt.Sprintf(" (%s node %q)", n.Kind, n.ID), flow.MaxMessageLen, false)
		x.text(item, "reask", base+".reask", fmt.Sprintf("Asked again when the answer to number node %q is not a number it takes.", n.ID), flow.MaxMessageLen, false)
		_, opts := get(item, "options")
		if opts == nil {
			continue
		}
		for _, o := range opts.Content {
			_, oid := get(o, "id")
			if oid == nil {
				continue
			}
			x.text(o, "text", base+".option."+oid.Value+".text", fmt.Sprintf("A button of %s node %q (option %q).", n.Kind, n.ID, oid.Value), flow.MaxButtonText, true)
			x.text(o, "ask", base+".option."+oid.Value+".ask", fmt.Sprintf("Asked after the button %q of node %q is pressed, for the citizen's own words.", oid.Value, n.ID), flow.MaxMessageLen, false)
		}
	}
	return x.units
}

var pilotTexts = []struct {
	key, what string
	limit     int
}{
	{"name", "The service's name: in the list of services, in /mydata, and the bot's name before Start.", flow.MaxNameLen},
	{"about", "What citizens see in the empty chat before they press Start.", flow.MaxAboutLen},
	{"short_about", "The short line on the bot's profile and when the bot is shared.", flow.MaxShortAboutLen},
	{"help", "The answer to /help: who runs the survey, that it is not an emergency service, how to reach a person.", flow.MaxMessageLen},
	{"invite", "The invitation printed on posters, under the QR code.", flow.MaxMessageLen},
}

// kindTexts say what a node's text is, by its kind.
var kindTexts = map[flow.Kind]string{
	flow.KindConsent:  "The first message: it asks the citizen to agree before any question.",
	flow.KindMessage:  "A message.",
	flow.KindChoice:   "A question answered with buttons.",
	flow.KindRating:   "A question answered with five buttons from very good to very poor.",
	flow.KindYesNo:    "A question answered Yes or No.",
	flow.KindText:     "A question answered in the citizen's own words.",
	flow.KindNumber:   "A question answered with a number.",
	flow.KindFollowup: "Sent before a wait of days; the next question comes after it.",
	flow.KindEnd:      "The last message.",
}

type extractor struct {
	file, lang, from string
	f                *flow.Flow
	units            []*unit
}

func (x *extractor) add(u *unit) {
	u.file = x.file
	src := formsAt(u.holder, x.from, x.f.DefaultLanguage())
	u.source = src
	u.target = formsAt(u.holder, x.lang, x.f.DefaultLanguage())
	if u.source == nil {
		return // nothing to translate from
	}
	u.plural = isPlural(u.source) || isPlural(u.target) || u.holder.Kind == yaml.MappingNode && anyPlural(u.holder)
	x.units = append(x.units, u)
}

// text adds the text under key of mapping m, if it is there.
func (x *extractor) text(m *yaml.Node, key, id, what string, limit int, button bool) {
	k, v := get(m, key)
	if v == nil {
		return
	}
	x.add(&unit{key: id, what: what, line: v.Line, limit: limit, button: button, holder: v, keyCol: k.Column - 1})
}

// formsAt reads lang's translation from a text's value: a text written
// once is the default language's.
func formsAt(holder *yaml.Node, lang, def string) forms {
	if holder.Kind == yaml.ScalarNode {
		if lang == def {
			return formsOf(holder)
		}
		return nil
	}
	if _, v := get(holder, lang); v != nil {
		return formsOf(v)
	}
	return nil
}

func isPlural(f forms) bool {
	return slices.ContainsFunc(slices.Collect(maps.Keys(f)), func(k string) bool { return k != "other" })
}

func anyPlural(m *yaml.Node) bool {
	for i := 1; i < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.MappingNode {
			return true
		}
	}
	return false
}

// wordUnits lists the bot's own words: English and lang's, in the order
// of the message ids.
func wordUnits(words *locales.Catalog, lang, file string) []*unit {
	var out []*unit
	for _, id := range words.IDs() {
		en, _ := words.Written(locales.Source, id)
		u := &unit{key: "words." + id, what: words.About(id), file: file, words: true, limit: flow.MaxMessageLen, source: messageForms(en)}
		switch {
		case strings.HasPrefix(id, "button.") || strings.HasPrefix(id, "rating.") || id == "language.name":
			u.limit, u.button = flow.MaxButtonText, true
		case strings.HasPrefix(id, "cmd."):
			u.limit = 256 // Telegram's limit for a command's description
		}
		if m, ok := words.Written(lang, id); ok {
			u.target = messageForms(m)
		}
		u.plural = isPlural(u.source)
		out = append(out, u)
	}
	return out
}

// messageForms are the forms a message of the bot's words has.
func messageForms(m i18n.Message) forms {
	out := forms{}
	for name, s := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
		if s != "" {
			out[name] = s
		}
	}
	return out
}
