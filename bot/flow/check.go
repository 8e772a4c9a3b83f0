package flow

import (
	"fmt"
	"slices"
	"strings"
	"text/template"
	"unicode/utf16"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Telegram limits and plain-language guidance.
const (
	MaxMessageLen   = 4096 // Telegram's limit, in UTF-16 code units
	MaxButtonText   = 64   // longer button texts are cut off on phones
	MaxButtons      = 100  // Telegram's limit per inline keyboard
	longMessage     = 500  // above this, warn: short messages work best
	goodMessage     = 300  // what we suggest instead
	manyButtons     = 10   // above this, warn: hard to read on a phone
	sampleAnswerLen = 200  // assumed length of an answer shown in a template
)

// check runs the whole-flow checks once every node is read.
func (l *loader) check() {
	f := l.f
	l.resolveNext()
	for _, n := range f.Nodes {
		l.checkTargets(n)
		l.checkCount(n)
		if n.Kind == KindBranch {
			l.checkBranches(n)
		}
	}
	l.checkReachable()
	l.checkLoops()
	l.checkConsent()
	for _, n := range f.Nodes {
		l.checkButtons(n)
	}
	l.checkTexts()
}

// resolveNext fills in the implicit next: a node without next goes on to the
// node below it, so simple flows read top to bottom.
func (l *loader) resolveNext() {
	nodes := l.f.Nodes
	for i, n := range nodes {
		if n.Next != "" || n.Kind == KindEnd {
			continue
		}
		if n.Kind == KindChoice && len(n.Options) > 0 && !slices.ContainsFunc(n.Options, func(o *Option) bool { return o.Next == "" }) {
			continue
		}
		if i+1 < len(nodes) {
			n.Next = nodes[i+1].ID
			continue
		}
		l.errorf(n.Pos, "%q is the last node but has no next; add next: <node id>, or end the flow with a node of type end", n.ID)
	}
}

func (l *loader) target(p Pos, from, to string) {
	if to == "" || l.f.byID[to] != nil {
		return
	}
	ids := make([]string, 0, len(l.f.Nodes))
	for _, n := range l.f.Nodes {
		ids = append(ids, n.ID)
	}
	hint := ""
	if s := nearest(to, ids); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	l.errorf(p, "%s goes to %q, but there is no node with that id%s", from, to, hint)
}

func (l *loader) checkTargets(n *Node) {
	l.target(n.Pos, fmt.Sprintf("node %q", n.ID), n.Next)
	for _, o := range n.Options {
		l.target(o.Pos, fmt.Sprintf("option %q", o.ID), o.Next)
	}
	for _, b := range n.Branches {
		l.target(b.Pos, "this branch", b.Next)
	}
}

// successors lists where a node can lead, resolved.
func (n *Node) successors() []string {
	var out []string
	if n.Next != "" {
		out = append(out, n.Next)
	}
	for _, o := range n.Options {
		if o.Next != "" {
			out = append(out, o.Next)
		}
	}
	for _, b := range n.Branches {
		if b.Next != "" {
			out = append(out, b.Next)
		}
	}
	return out
}

func (l *loader) checkReachable() {
	f := l.f
	seen := map[string]bool{}
	stack := []string{f.Nodes[0].ID}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.byID[id]
		if n == nil || seen[id] {
			continue
		}
		seen[id] = true
		stack = append(stack, n.successors()...)
	}
	for _, n := range f.Nodes {
		if !seen[n.ID] {
			l.errorf(n.Pos, "node %q can never be reached: no next, option or branch leads to it (the flow starts at %q)", n.ID, f.Nodes[0].ID)
		}
	}
}

// checkLoops finds cycles made only of nodes that do not wait for the
// citizen: such a loop would send messages forever.
func (l *loader) checkLoops() {
	f := l.f
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var path []string
	reported := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		n := f.byID[id]
		if n == nil || n.Kind.waits() || n.Kind == KindEnd {
			return
		}
		switch color[id] {
		case grey:
			i := slices.Index(path, id)
			cycle := append(slices.Clone(path[i:]), id)
			first := f.byID[cycle[0]]
			for _, c := range cycle[:len(cycle)-1] {
				if f.byID[c].Pos.Line < first.Pos.Line {
					first = f.byID[c]
				}
			}
			if !reported[first.ID] {
				reported[first.ID] = true
				l.errorf(first.Pos, "these nodes form a loop that never waits for the citizen: %s; add a question to the loop or end it", strings.Join(cycle, " → "))
			}
			return
		case black:
			return
		}
		color[id] = grey
		path = append(path, id)
		for _, s := range n.successors() {
			visit(s)
		}
		path = path[:len(path)-1]
		color[id] = black
	}
	for _, n := range f.Nodes {
		visit(n.ID)
	}
}

// checkConsent warns when answers can be collected before the citizen agreed.
func (l *loader) checkConsent() {
	f := l.f
	hasConsent := slices.ContainsFunc(f.Nodes, func(n *Node) bool { return n.Kind == KindConsent })
	if !hasConsent {
		if slices.ContainsFunc(f.Nodes, func(n *Node) bool { return n.Result != "" }) {
			l.warnf(f.Nodes[0].Pos, "this flow records answers but has no consent node; citizens should agree before answering")
		}
		return
	}
	seen := map[string]bool{}
	stack := []string{f.Nodes[0].ID}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.byID[id]
		if n == nil || seen[id] || n.Kind == KindConsent {
			continue
		}
		seen[id] = true
		if n.Result != "" && n.Kind.waits() {
			l.warnf(n.Pos, "node %q records an answer before the citizen has given consent; move the consent node before it", n.ID)
			return
		}
		stack = append(stack, n.successors()...)
	}
}

func (l *loader) checkCount(n *Node) {
	if n.Count != "" {
		rn := l.f.results[n.Count]
		switch {
		case rn == nil:
			l.errorf(n.Pos, "count %q is not the result of any question", n.Count)
		case rn.Kind != KindNumber && rn.Kind != KindRating:
			l.errorf(n.Pos, "count %q must be the result of a number or rating question, not a %s", n.Count, rn.Kind)
		}
	}
	if n.Text.Plural() && n.Count == "" {
		l.errorf(n.Text.Pos, "node %q has plural forms but no count; add count: <result of a number question>", n.ID)
	}
}

func (l *loader) checkBranches(n *Node) {
	for _, b := range n.Branches {
		if b.Answer == "" {
			continue
		}
		rn := l.f.results[b.Answer]
		if rn == nil {
			hint := ""
			if s := nearest(b.Answer, l.f.Results()); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			l.errorf(b.Pos, "branch looks at answer %q, but no question records a result with that name%s", b.Answer, hint)
			continue
		}
		switch b.Op {
		case OpLessThan, OpGreaterThan:
			if rn.Kind != KindNumber && rn.Kind != KindRating {
				l.errorf(b.ValuePos, "%s needs a number or rating answer, but %q is a %s question", b.Op, b.Answer, rn.Kind)
			}
		case OpEquals, OpIn:
			valid := validValues(rn)
			if valid == nil {
				continue
			}
			for _, v := range b.Values {
				if !slices.Contains(valid, v) {
					l.errorf(b.ValuePos, "%q is not a possible answer to %q; possible answers are %s", v, b.Answer, strings.Join(valid, ", "))
				}
			}
		}
	}
}

// validValues lists the values a question can record, or nil if any value is possible.
func validValues(n *Node) []string {
	switch n.Kind {
	case KindChoice:
		out := make([]string, len(n.Options))
		for i, o := range n.Options {
			out[i] = o.ID
		}
		return out
	case KindYesNo:
		return []string{optYes, optNo}
	case KindRating:
		return []string{"1", "2", "3", "4", "5"}
	}
	return nil
}

func (l *loader) checkButtons(n *Node) {
	count := 0
	check := func(p Pos, opt string) {
		count++
		data := ButtonData(l.f.Version, n.ID, opt)
		if len(data) > MaxButtonData {
			l.errorf(p, "the button data for node %q, option %q is %d bytes; Telegram allows %d: shorten the node id or the option id", n.ID, opt, len(data), MaxButtonData)
		}
	}
	switch n.Kind {
	case KindChoice:
		for _, o := range n.Options {
			check(o.Pos, o.ID)
			for _, lang := range l.f.Pilot.Languages {
				if !o.Text.Has(lang) {
					continue
				}
				if s := o.Text.Render(lang, sampleData(l.f)); len([]rune(s)) > MaxButtonText {
					l.errorf(o.Text.tr[lang].pos, "the %s button text of option %q is %d characters; keep it under %d, Telegram cuts long buttons", lang, o.ID, len([]rune(s)), MaxButtonText)
				}
			}
		}
	case KindRating:
		count = 6
	case KindYesNo, KindConsent:
		count = 2
	}
	if n.Optional && n.Kind.waits() {
		check(n.Pos, optSkip)
	}
	if n.Kind == KindEnd && n.Restart {
		check(n.Pos, optRestart)
	}
	if l.f.Pilot.Safeguarding.Button && n.Kind.waits() {
		count++
	}
	switch {
	case count > MaxButtons:
		l.errorf(n.Pos, "node %q has %d buttons; Telegram allows at most %d", n.ID, count, MaxButtons)
	case count > manyButtons:
		l.warnf(n.Pos, "node %q has %d buttons; more than %d is hard to read on a phone", n.ID, count, manyButtons)
	}
}

func sampleData(f *Flow) *TemplateData {
	d := &TemplateData{FirstName: strings.Repeat("N", 32), Count: 2, Answers: map[string]string{}}
	for _, r := range f.Results() {
		d.Answers[r] = strings.Repeat("a", sampleAnswerLen)
	}
	return d
}

func (l *loader) checkTexts() {
	f := l.f
	def := f.DefaultLanguage()
	total := len(l.texts)
	have := map[string]int{}
	for _, t := range l.texts {
		for lang := range t.tr {
			have[lang]++
		}
	}
	data := sampleData(f)
	for _, t := range l.texts {
		if !t.Has(def) {
			l.errorf(t.Pos, "this text has no %s version; %s is the pilot's default language, so it is required", def, def)
		}
		for _, lang := range f.Pilot.Languages[1:] {
			if !t.Has(lang) {
				l.warnf(t.Pos, "missing %s translation (%s has %d of %d texts, %d%%); citizens will see %s here", lang, lang, have[lang], total, have[lang]*100/max(total, 1), def)
			}
		}
		for lang, fm := range t.tr {
			if !l.checkTemplates(fm, lang) {
				continue
			}
			longest := 0
			for _, count := range pluralSamples(fm) {
				d := *data
				d.Count = count
				longest = max(longest, len(utf16.Encode([]rune(t.Render(lang, &d)))))
			}
			if longest > MaxMessageLen {
				l.errorf(fm.pos, "the %s text is %d characters when shown; Telegram allows %d: split it into several messages", lang, longest, MaxMessageLen)
			} else if longest > longMessage {
				l.warnf(fm.pos, "the %s text is %d characters; short messages work best, aim for under %d (two or three short sentences)", lang, longest, goodMessage)
			}
		}
	}
}

// pluralSamples returns counts that select each plural form the language uses.
func pluralSamples(fm *forms) []int {
	if fm.msg.One == "" && fm.msg.Few == "" && fm.msg.Many == "" && fm.msg.Two == "" && fm.msg.Zero == "" {
		return []int{2}
	}
	return []int{0, 1, 2, 5, 11, 22}
}

// checkTemplates parses and trial-runs every form; it reports false when a
// template is broken.
func (l *loader) checkTemplates(fm *forms, lang string) bool {
	ok := true
	m := &fm.msg
	for _, src := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if !strings.Contains(src, "{{") {
			continue
		}
		t, err := template.New("t").Option("missingkey=error").Parse(src)
		if err != nil {
			l.errorf(fm.pos, "the %s text has a broken template: %s", lang, templateError(err))
			ok = false
			continue
		}
		var b strings.Builder
		if err := t.Execute(&b, sampleData(l.f)); err != nil {
			l.errorf(fm.pos, "the %s text %s", lang, templateError(err))
			ok = false
		}
	}
	l.checkPluralForms(fm, lang)
	return ok
}

var fields = "{{.FirstName}}, {{.Count}} or {{.Answers.<result name>}}"

func templateError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "can't evaluate field "); i >= 0 {
		field := strings.Fields(s[i+len("can't evaluate field "):])[0]
		return fmt.Sprintf("uses {{.%s}}, which does not exist; you can use %s", field, fields)
	}
	if i := strings.Index(s, "map has no entry for key "); i >= 0 {
		key := strings.Trim(s[i+len("map has no entry for key "):], `"`)
		return fmt.Sprintf("uses {{.Answers.%s}}, but no question records a result named %q", key, key)
	}
	// "template: t:1:5: unexpected ..." -> "unexpected ..."
	if i := strings.Index(s, ": "); strings.HasPrefix(s, "template: ") && i >= 0 {
		rest := s[i+2:]
		if j := strings.Index(rest, ": "); j >= 0 {
			rest = rest[j+2:]
		}
		s = rest
	}
	return s + "; templates look like " + fields
}

// checkPluralForms warns when a translation with plural forms lacks a form
// its language needs (CLDR rules: Polish uses one, few, many, other).
func (l *loader) checkPluralForms(fm *forms, lang string) {
	m := &fm.msg
	if m.One == "" && m.Few == "" && m.Many == "" && m.Two == "" && m.Zero == "" {
		return
	}
	tag := language.Make(lang)
	have := map[plural.Form]bool{plural.Other: true, plural.Zero: m.Zero != "", plural.One: m.One != "", plural.Two: m.Two != "", plural.Few: m.Few != "", plural.Many: m.Many != ""}
	names := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many"}
	var missing []string
	for i := 0; i <= 200; i++ {
		form := plural.Cardinal.MatchPlural(tag, i, 0, 0, 0, 0)
		if !have[form] {
			missing = append(missing, names[form])
			have[form] = true
		}
	}
	if len(missing) > 0 {
		l.warnf(fm.pos, "the %s text lacks the plural form(s) %s that %s uses for some numbers; \"other\" is shown instead", lang, strings.Join(missing, ", "), lang)
	}
}
