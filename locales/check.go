package locales

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Problem is one thing wrong in a message file.
type Problem struct {
	File    string // as shown: "active.pt.yaml", "flows/locales/active.pt.yaml"
	Line    int    // 0 when it concerns the whole file
	Lang    string
	Warning bool // the bot still works: citizens see the English text instead
	Message string
}

func (p *Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// Check reports every problem of Problems as one error, warnings included:
// the shipped files and COSIE_LOCALES_DIR must have none.
func (c *Catalog) Check() error {
	var errs []error
	for _, p := range c.Problems() {
		errs = append(errs, p)
	}
	return errors.Join(errs...)
}

// Problems lists what is wrong in the message files, language by language:
// missing, empty and unknown messages, plural forms the language does not
// use or lacks, and templates that do not parse or that differ from the
// English one.
func (c *Catalog) Problems() []*Problem {
	var ps []*Problem
	for _, lang := range c.langs {
		ps = append(ps, c.problems(c.words[lang])...)
	}
	return ps
}

func (c *Catalog) problems(w *words) []*Problem {
	src := c.words[Source]
	forms := PluralForms(w.lang)
	var ps []*Problem
	if missing := c.Missing(w.lang); len(missing) > 0 {
		top := w.files[len(w.files)-1]
		ps = append(ps, &Problem{File: top.name, Lang: w.lang, Warning: true, Message: missingMessage(top, missing)})
	}
	for _, id := range c.ids {
		f := w.from[id]
		if f == nil {
			continue
		}
		chk := msgCheck{file: f, lang: w.lang, id: id, line: f.lines[id], msg: f.msgs[id]}
		ps = append(ps, chk.run(src.from[id].msgs[id], forms)...)
	}
	for _, f := range w.files {
		for _, id := range f.ids {
			if src.from[id] == nil {
				ps = append(ps, &Problem{File: f.name, Line: f.lines[id], Lang: w.lang, Warning: true,
					Message: fmt.Sprintf("message %q is not in the English file; the bot never shows it: check the spelling of the id, or remove it", id)})
			}
		}
	}
	return ps
}

// missingMessage lists the messages a language lacks, and where to find
// their English texts.
func missingMessage(top *file, missing []string) string {
	n := len(missing)
	where := "go test ./locales -run TestComplete -add-missing copies their English texts in"
	if top.pilot {
		where = fmt.Sprintf("cosiebot locale new %s --dir another-folder writes every message with its English text", top.lang)
	}
	return fmt.Sprintf("%s missing, so citizens see %s in English: %s; add %s, translated (%s)",
		count(n, "message is", "messages are"), them(n), quoteAll(missing), them(n), where)
}

// msgCheck checks one message of one file against the English one.
type msgCheck struct {
	file *file
	lang string
	id   string
	line int
	msg  *i18n.Message
	ps   []*Problem
}

func (k *msgCheck) errorf(format string, args ...any) {
	k.ps = append(k.ps, &Problem{File: k.file.name, Line: k.line, Lang: k.lang, Message: fmt.Sprintf(format, args...)})
}

func (k *msgCheck) run(en *i18n.Message, forms []Form) []*Problem {
	written := writtenForms(k.msg)
	switch {
	case len(written) == 0:
		k.errorf("message %q is empty; write its text", k.id)
		return k.ps
	case !isPlural(en) && isPlural(k.msg):
		k.errorf("message %q has plural forms, but it does not count anything; write one text in quotes", k.id)
	case isPlural(en):
		k.pluralForms(written, forms)
	case k.msg.Other == "":
		k.errorf("message %q is empty; write its text", k.id)
	}
	k.templates(en, written)
	return k.ps
}

// pluralForms checks that a message that counts has exactly the forms the
// language uses for whole numbers.
func (k *msgCheck) pluralForms(written []string, forms []Form) {
	var lacks []string
	for _, f := range forms {
		if !slices.Contains(written, f.Name) {
			lacks = append(lacks, fmt.Sprintf("%s (for %s)", f.Name, examples(f)))
		}
	}
	if len(lacks) > 0 {
		k.errorf("message %q counts things and %s uses the plural forms %s: add %s", k.id, k.lang, strings.Join(formSet(forms), ", "), strings.Join(lacks, " and "))
	}
	for _, w := range written {
		if !slices.Contains(formSet(forms), w) {
			k.errorf("message %q has a %q form, which %s never uses for whole numbers; remove it (%s uses %s)", k.id, w, k.lang, k.lang, strings.Join(formSet(forms), ", "))
		}
	}
}

// templates checks that every form parses and shows the same values as
// the English message.
func (k *msgCheck) templates(en *i18n.Message, written []string) {
	want := fieldsOf(en)
	got := map[string]bool{}
	for _, form := range written {
		text := *formField(k.msg, form)
		t, err := template.New(k.id).Parse(text)
		if err != nil {
			k.errorf("message %q: the %s text has a broken placeholder: %v; placeholders look like {{.Count}}", k.id, form, trimTemplateErr(err))
			return
		}
		collectFields(t.Root, got)
	}
	for _, f := range slices.Sorted(maps.Keys(want)) {
		if !got[f] {
			k.errorf("message %q lost {{.%s}}: the English text shows a value there; put {{.%s}} where it fits", k.id, f, f)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(got)) {
		if !want[f] {
			k.errorf("message %q uses {{.%s}}, which the English text does not have, so it would show \"<no value>\"; use %s", k.id, f, placeholders(want))
		}
	}
}

func trimTemplateErr(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// fieldsOf lists the template fields ({{.Count}} is "Count") of every form
// of m.
func fieldsOf(m *i18n.Message) map[string]bool {
	fields := map[string]bool{}
	for _, form := range writtenForms(m) {
		if t, err := template.New("").Parse(*formField(m, form)); err == nil {
			collectFields(t.Root, fields)
		}
	}
	return fields
}

func collectFields(n parse.Node, into map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			collectFields(c, into)
		}
	case *parse.ActionNode:
		collectFields(n.Pipe, into)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			collectFields(c, into)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			collectFields(a, into)
		}
	case *parse.FieldNode:
		into[n.Ident[0]] = true
	case *parse.ChainNode:
		collectFields(n.Node, into)
	case *parse.IfNode:
		collectBranch(&n.BranchNode, into)
	case *parse.RangeNode:
		collectBranch(&n.BranchNode, into)
	case *parse.WithNode:
		collectBranch(&n.BranchNode, into)
	case *parse.TemplateNode:
		collectFields(n.Pipe, into)
	}
}

func collectBranch(n *parse.BranchNode, into map[string]bool) {
	collectFields(n.Pipe, into)
	collectFields(n.List, into)
	collectFields(n.ElseList, into)
}

// placeholders lists fields as a translator writes them.
func placeholders(fields map[string]bool) string {
	if len(fields) == 0 {
		return "none here"
	}
	var out []string
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		out = append(out, "{{."+f+"}}")
	}
	return strings.Join(out, ", ")
}

// examples lists a form's example numbers: "2, 3, 4, …".
func examples(f Form) string {
	if len(f.Examples) == 0 {
		return "fractions only, like 1.5"
	}
	var out []string
	for _, n := range f.Examples {
		out = append(out, strconv.Itoa(n))
	}
	if f.More {
		out = append(out, "…")
	}
	return strings.Join(out, ", ")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}
