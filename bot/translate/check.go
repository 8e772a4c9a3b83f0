package translate

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cosie/cosiebot/locales"
)

// placeholders lists the template fields of every form: ".FirstName",
// ".Answers.visits".
func placeholders(f forms) (map[string]bool, error) {
	out := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(f)) {
		t, err := template.New("").Parse(f[name])
		if err != nil {
			return nil, fmt.Errorf("the %s text has a broken placeholder (%s); placeholders look like {{.FirstName}}", name, trimErr(err))
		}
		fields(t.Root, out)
	}
	return out, nil
}

func trimErr(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// fields collects the fields a template shows or tests.
func fields(n parse.Node, into map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				fields(c, into)
			}
		}
	case *parse.ActionNode:
		fields(n.Pipe, into)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				for _, a := range c.Args {
					fields(a, into)
				}
			}
		}
	case *parse.FieldNode:
		into["."+strings.Join(n.Ident, ".")] = true
	case *parse.IfNode:
		fields(n.Pipe, into)
		fields(n.List, into)
		fields(n.ElseList, into)
	case *parse.WithNode:
		fields(n.Pipe, into)
		fields(n.List, into)
		fields(n.ElseList, into)
	case *parse.RangeNode:
		fields(n.Pipe, into)
		fields(n.List, into)
		fields(n.ElseList, into)
	}
}

// placeholderList writes a text's placeholders for the translator.
func placeholderList(f forms) string {
	ph, err := placeholders(f)
	if err != nil || len(ph) == 0 {
		return ""
	}
	var out []string
	for _, p := range slices.Sorted(maps.Keys(ph)) {
		out = append(out, "{{"+p+"}}")
	}
	return strings.Join(out, ", ")
}

// check reports what is wrong with a translation nf of u into lang.
func check(u *unit, nf forms, lang string) []string {
	var problems []string
	if u.plural {
		var lacks []string
		for _, f := range locales.PluralForms(lang) {
			if strings.TrimSpace(nf[f.Name]) == "" {
				lacks = append(lacks, fmt.Sprintf("%s (%s)", f.Name, examples(f)))
			}
		}
		if len(lacks) > 0 {
			problems = append(problems, fmt.Sprintf("%s counts things with the forms %s: translate %s too", lang, strings.Join(formNames(lang), ", "), strings.Join(lacks, " and ")))
		}
	}
	if !u.list {
		problems = append(problems, checkPlaceholders(u, nf)...)
	}
	for _, name := range slices.Sorted(maps.Keys(nf)) {
		s := nf[name]
		n := len(utf16.Encode([]rune(s)))
		if u.button {
			n = utf8.RuneCountInString(s)
		}
		if u.limit > 0 && n > u.limit {
			what := "Telegram allows"
			if u.button {
				what = "phones cut off buttons longer than"
			}
			problems = append(problems, fmt.Sprintf("the translation is %d characters; %s %d: shorten it", n, what, u.limit))
		}
	}
	return problems
}

func checkPlaceholders(u *unit, nf forms) []string {
	want, _ := placeholders(u.source)
	got, err := placeholders(nf)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if !got[p] {
			problems = append(problems, fmt.Sprintf("the translation lost {{%s}}: the source shows a value there; put {{%s}} where it fits", p, p))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(got)) {
		if !want[p] {
			problems = append(problems, fmt.Sprintf("the translation has {{%s}}, which the source does not, so it would show \"<no value>\"; remove it", p))
		}
	}
	return problems
}

func formNames(lang string) []string {
	var out []string
	for _, f := range locales.PluralForms(lang) {
		out = append(out, f.Name)
	}
	return out
}
