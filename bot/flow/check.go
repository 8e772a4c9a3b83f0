package flow

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
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
	broken := false
	for _, n := range f.Nodes {
		broken = l.checkTargets(n) || broken
		l.checkCount(n)
		n.kind().check(l, n)
	}
	if !broken {
		// A next that goes nowhere would make every node after it
		// "unreachable"; the broken next is reported already.
		l.checkReachable()
	}
	l.checkLoops()
	l.checkConsent()
	for _, n := range f.Nodes {
		l.checkButtons(n)
	}
	l.checkTexts()
	if !l.diags.HasErrors() {
		// The questions a text speaks of are counted on the flow's
		// paths, which an error (a node of an unknown type, a next to
		// nowhere) leaves unknown.
		l.checkClaims()
	}
}

// resolveNext fills in the implicit next: a node without next goes on to the
// node below it, so simple flows read top to bottom.
func (l *loader) resolveNext() {
	nodes := l.f.Nodes
	for i, n := range nodes {
		if n.Next != "" || !n.kind().needsNext(n) {
			continue
		}
		if i+1 < len(nodes) {
			n.Next = nodes[i+1].ID
			continue
		}
		l.errorf(n.Pos, "%q is the last node but has no next; add next: <node id>, or end the flow with a node of type end", n.ID)
	}
}

// target reports a next that goes to no node; it reports true when the
// target is missing.
func (l *loader) target(p Pos, from, to string) bool {
	if to == "" || l.f.byID[to] != nil {
		return false
	}
	if l.ids[to] != nil {
		// The node exists but could not be read; that is reported already.
		return true
	}
	ids := make([]string, 0, len(l.f.Nodes))
	for _, n := range l.f.Nodes {
		ids = append(ids, n.ID)
	}
	hint := "; check the spelling, or add a node with that id"
	if s := nearest(to, ids); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	l.errorf(p, "%s goes to %q, but there is no node with that id%s", from, to, hint)
	return true
}

func (l *loader) checkTargets(n *Node) bool {
	broken := l.target(l.posOf(n, "next", n.Pos), fmt.Sprintf("node %q", n.ID), n.Next)
	for _, o := range n.Options {
		broken = l.target(l.posOf(o, "next", o.Pos), fmt.Sprintf("option %q", o.ID), o.Next) || broken
	}
	for _, b := range n.Branches {
		broken = l.target(l.posOf(b, "next", b.Pos), "this branch", b.Next) || broken
	}
	return broken
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
			l.errorf(n.Pos, "node %q can never be reached: no next, option or branch leads to it (the flow starts at %q); add next: %s where it should follow, or delete it", n.ID, f.Nodes[0].ID, n.ID)
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
		// A node that waits breaks the loop; an end node has no next.
		if n == nil || n.kind().waits {
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
	hasConsent := slices.ContainsFunc(f.Nodes, func(n *Node) bool { return n.kind().consents })
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
		if n == nil || seen[id] || n.kind().consents {
			continue
		}
		seen[id] = true
		if n.Result != "" && n.kind().waits {
			l.warnf(n.Pos, "node %q records an answer before the citizen has given consent; move the consent node before it", n.ID)
			return
		}
		stack = append(stack, n.successors()...)
	}
}

func (l *loader) checkCount(n *Node) {
	if n.Count != "" {
		rn := l.f.results[n.Count]
		p := l.posOf(n, "count", n.Pos)
		switch {
		case rn == nil:
			hint := "; name the result of a number or rating question"
			if s := nearest(n.Count, l.f.Results()); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			l.errorf(p, "count %q is not the result of any question%s", n.Count, hint)
		case !rn.kind().numeric:
			l.errorf(p, "count %q is the result of %s question; count needs the result of a number or rating question, whose answer picks the plural form", n.Count, aKind(rn.Kind))
		}
	}
	if n.Text.Plural() && n.Count == "" {
		like := "<result of a number question>"
		for _, r := range l.f.Results() {
			if l.f.results[r].kind().numeric {
				like = r
				break
			}
		}
		l.errorf(n.Text.Pos, "node %q has plural forms but no count saying which number picks the form; add count: %s", n.ID, like)
	}
}

// checkButtons checks that each button's data fits in Telegram's limit and
// that a node does not offer more buttons than fit on a phone.
func (l *loader) checkButtons(n *Node) {
	k := n.kind()
	count := 0
	check := func(p Pos, opt string) {
		count++
		c := Callback{Kind: CallbackFlow, Version: l.f.Version, Node: n.ID, Option: opt}
		if over := c.Overflow(); over > 0 {
			need := MaxButtonData + over
			room := len(n.ID) + len(opt) - over
			if strings.HasPrefix(opt, "_") {
				l.errorf(p, "node id %q is too long for the buttons the bot adds to it; Telegram allows %d bytes per button: shorten the node id", n.ID, MaxButtonData)
			} else {
				l.errorf(p, "node id %q and option id %q are too long together: a Telegram button carries at most %d bytes, and these need %d; keep the two ids at most %d characters together", n.ID, opt, MaxButtonData, need, room)
			}
		}
	}
	for _, opt := range k.options(n) {
		p := n.Pos
		if o := n.Option(opt); o != nil {
			p = o.Pos
		}
		check(p, opt)
	}
	if n.Optional && k.waits {
		check(n.Pos, optSkip)
	}
	if n.Restart {
		check(n.Pos, optRestart)
	}
	if l.f.Pilot.Safeguarding.Button && k.waits {
		count++
	}
	switch {
	case count > MaxButtons:
		l.errorf(n.Pos, "node %q has %d buttons; Telegram allows at most %d: use fewer options, or ask with a text question", n.ID, count, MaxButtons)
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
	for _, lang := range f.Pilot.Languages[1:] {
		if have[lang] == 0 && !l.badLangs[lang] {
			// One warning rather than one per text for a language just added.
			l.warnf(l.langPos[lang], "no text is translated to %s yet (0 of %d texts); citizens who choose %s will see %s everywhere", lang, total, lang, def)
		}
	}
	data := sampleData(f)
	for _, t := range l.texts {
		if !t.Has(def) {
			l.errorf(t.Pos, "this text has no %s version; %s is the pilot's default language (first in languages), so every text needs it: add %s: ...", def, def, def)
		}
		for _, lang := range f.Pilot.Languages[1:] {
			// A missing help text has a warning of its own (checkHelpNow).
			if !t.Has(lang) && !l.badLangs[lang] && have[lang] > 0 && t.id != helpNowID {
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
			l.errorf(fm.pos, "the %s text has a broken template: %s", lang, templateSyntax(src, err))
			ok = false
			continue
		}
		if what := templateProblem(t); what != "" {
			// Only plain fields, so that rendering is quick and safe: a
			// {{range}} over a large number would hang the bot.
			l.errorf(fm.pos, "the %s text uses %s, which flow texts cannot use; templates look like %s, and {{if .FirstName}}...{{end}} can leave words out", lang, what, fields)
			ok = false
			continue
		}
		var b strings.Builder
		if err := t.Execute(&b, sampleData(l.f)); err != nil {
			l.errorf(fm.pos, "the %s text %s", lang, templateError(err, l.f.Results()))
			ok = false
		}
	}
	l.checkPluralForms(fm, lang)
	return ok
}

var fields = "{{.FirstName}}, {{.Count}} or {{.Answers.<result name>}}"

// templateSyntax explains a template that does not parse.
func templateSyntax(src string, err error) string {
	open, closed := strings.Count(src, "{{"), strings.Count(src, "}}")
	switch {
	case open > closed:
		return "a {{ is not closed with }}; templates look like " + fields
	case closed > open:
		return "a }} has no {{ before it; templates look like " + fields
	}
	return templateError(err, nil)
}

// templateProblem names the first part of a template that is more than
// showing a field, or choosing with if/with; it returns "" when there is none.
func templateProblem(t *template.Template) string {
	if len(t.Templates()) > 1 {
		return "{{define}}"
	}
	var pipe func(p *parse.PipeNode) string
	pipe = func(p *parse.PipeNode) string {
		if p == nil {
			return ""
		}
		if len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
			return "{{" + p.String() + "}}"
		}
		switch p.Cmds[0].Args[0].(type) {
		case *parse.FieldNode:
			return ""
		}
		return "{{" + p.String() + "}}"
	}
	var walk func(n parse.Node) string
	walk = func(n parse.Node) string {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return ""
			}
			for _, c := range n.Nodes {
				if w := walk(c); w != "" {
					return w
				}
			}
			return ""
		case *parse.TextNode, *parse.CommentNode:
			return ""
		case *parse.ActionNode:
			return pipe(n.Pipe)
		case *parse.IfNode:
			return cmp.Or(pipe(n.Pipe), walk(n.List), walk(n.ElseList))
		case *parse.WithNode:
			return cmp.Or(pipe(n.Pipe), walk(n.List), walk(n.ElseList))
		case *parse.RangeNode:
			return "{{range}}"
		case *parse.TemplateNode:
			return "{{template}}"
		}
		return "{{" + n.String() + "}}"
	}
	if t.Tree == nil {
		return ""
	}
	return walk(t.Root)
}

func templateError(err error, results []string) string {
	s := err.Error()
	if i := strings.Index(s, "can't evaluate field "); i >= 0 {
		field := strings.Fields(s[i+len("can't evaluate field "):] + " ?")[0]
		names := []string{"FirstName", "Count", "Answers"}
		hint := ""
		if n := nearest(field, []string{"firstname", "count", "answers"}); n != "" {
			hint = fmt.Sprintf("did you mean {{.%s}}? ", names[slices.Index([]string{"firstname", "count", "answers"}, n)])
		}
		return fmt.Sprintf("uses {{.%s}}, which does not exist; %syou can use %s", field, hint, fields)
	}
	if i := strings.Index(s, "map has no entry for key "); i >= 0 {
		key := strings.Trim(s[i+len("map has no entry for key "):], `"`)
		hint := "; use the result name of a question"
		if len(results) > 0 {
			hint = "; the results in this flow are " + strings.Join(results, ", ")
		}
		if n := nearest(key, results); n != "" {
			hint = fmt.Sprintf("; did you mean {{.Answers.%s}}?", n)
		}
		return fmt.Sprintf("uses {{.Answers.%s}}, but no question records a result named %q%s", key, key, hint)
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
		slices.SortFunc(missing, func(a, b string) int { return slices.Index(pluralKeys, a) - slices.Index(pluralKeys, b) })
		l.warnf(fm.pos, "the %s text lacks the plural form(s) %s that %s uses for some numbers, so \"other\" is shown for them; add %s", lang, strings.Join(missing, ", "), lang, strings.Join(missing, ": ..., ")+": ...")
	}
}
