package flow

import (
	"fmt"
	"slices"
	"strings"
)

// Mermaid draws the flow as a Mermaid flowchart, with texts in lang, so a
// pilot team can see it in any Markdown viewer.
func Mermaid(f *Flow, lang string) string {
	if !slices.Contains(f.Pilot.Languages, lang) {
		lang = f.DefaultLanguage()
	}
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	for _, n := range f.Nodes {
		label := mermaidText(n.Kind, n.Text.Render(lang, nil))
		switch n.Kind {
		case KindBranch:
			fmt.Fprintf(&b, "  %s{\"%s\"}\n", mermaidID(n.ID), "branch: "+n.ID)
		case KindFollowup:
			wait := "wait " + FormatDuration(n.After)
			if n.At != nil {
				wait += fmt.Sprintf(" at %02d:%02d", n.At.Hour, n.At.Minute)
			}
			fmt.Fprintf(&b, "  %s[/\"⏰ %s\"/]\n", mermaidID(n.ID), wait)
		case KindEnd:
			fmt.Fprintf(&b, "  %s([\"%s\"])\n", mermaidID(n.ID), label)
		case KindMessage:
			fmt.Fprintf(&b, "  %s[\"%s\"]\n", mermaidID(n.ID), label)
		default:
			fmt.Fprintf(&b, "  %s(\"%s\")\n", mermaidID(n.ID), label)
		}
	}
	for _, n := range f.Nodes {
		from := mermaidID(n.ID)
		for _, o := range n.Options {
			if o.Next != "" {
				fmt.Fprintf(&b, "  %s -->|%s| %s\n", from, mermaidEscape(short(o.Text.Render(lang, nil), 24)), mermaidID(o.Next))
			}
		}
		for _, br := range n.Branches {
			fmt.Fprintf(&b, "  %s -->|%s| %s\n", from, mermaidEscape(br.describe()), mermaidID(br.Next))
		}
		if n.Next != "" {
			switch {
			case n.Kind == KindConsent:
				fmt.Fprintf(&b, "  %s -->|agree| %s\n", from, mermaidID(n.Next))
			case n.Kind == KindBranch:
				fmt.Fprintf(&b, "  %s -->|otherwise| %s\n", from, mermaidID(n.Next))
			case n.Kind == KindFollowup:
				fmt.Fprintf(&b, "  %s -.-> %s\n", from, mermaidID(n.Next))
			default:
				fmt.Fprintf(&b, "  %s --> %s\n", from, mermaidID(n.Next))
			}
		}
		if n.Kind == KindEnd && n.Restart {
			fmt.Fprintf(&b, "  %s -.->|start again| %s\n", from, mermaidID(f.Start().ID))
		}
	}
	return b.String()
}

func (b *Branch) describe() string {
	switch b.Op {
	case OpEquals:
		return b.Answer + " = " + strings.Join(b.Values, "")
	case OpIn:
		return b.Answer + " in " + strings.Join(b.Values, ", ")
	case OpLessThan:
		return fmt.Sprintf("%s < %v", b.Answer, b.Number)
	case OpGreaterThan:
		return fmt.Sprintf("%s > %v", b.Answer, b.Number)
	}
	return b.Answer + " " + string(b.Op)
}

// mermaidID keeps node ids valid in Mermaid (ids like "end" are keywords).
func mermaidID(id string) string { return "n_" + strings.ReplaceAll(id, "-", "_") }

func mermaidText(k Kind, text string) string {
	return mermaidEscape(string(k) + ": " + short(text, 60))
}

func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func mermaidEscape(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "|", "#124;", "<", "#lt;", ">", "#gt;").Replace(s)
}
