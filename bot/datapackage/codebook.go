package datapackage

import (
	"fmt"
	"strings"

	"github.com/cosie/cosiebot/bot"
)

// Codebook is the data package's codebook in Markdown: every table and
// column with its type, constraints, titles and descriptions in each of
// the pilot's languages, and the labels of its codes. It is written from
// the same dataset as datapackage.json. Its own few headings are in
// English, the language of the research community.
func Codebook(ds *bot.Dataset) string {
	var b strings.Builder
	first := ds.Languages[0]
	fmt.Fprintf(&b, "# Codebook: %s (%s)\n\n", ds.Names[first], ds.Pilot)
	fmt.Fprintf(&b, "Made by cosiebot on %s. Languages: %s.\n\n", ds.Created.Format(bot.DateTime), strings.Join(ds.Languages, ", "))
	b.WriteString("- Times are UTC, written `YYYY-MM-DDThh:mm:ssZ`.\n")
	b.WriteString("- Missing values: an empty cell; `" + bot.MissingValues[1] + "` (the question was skipped); `" +
		bot.MissingValues[2] + "` (the participant chose \"don't know\").\n")
	b.WriteString("- Participants are pseudonyms for this pilot only: the same person has the same code in every table of this package, " +
		"a different one in other pilots, and no Telegram id or name appears anywhere.\n")
	b.WriteString("- A text that starts with `=`, `+`, `-` or `@` has a `'` in front, so spreadsheets do not run it as a formula.\n")
	for _, n := range ds.Notes {
		b.WriteString("- " + n + "\n")
	}
	for _, t := range ds.Tables {
		fmt.Fprintf(&b, "\n## %s.csv: %s\n\n%s\n\n", t.Name, t.Titles[first], t.Descriptions[first])
		fmt.Fprintf(&b, "%d rows.", len(t.Rows))
		if len(t.PrimaryKey) > 0 {
			fmt.Fprintf(&b, " Each row is identified by `%s`.", strings.Join(t.PrimaryKey, "`, `"))
		}
		for _, fk := range t.ForeignKeys {
			other := fk.Table
			if other == "" {
				other = t.Name
			}
			fmt.Fprintf(&b, " `%s` is a `%s` of %s.csv.", fk.Field, fk.Reference, other)
		}
		b.WriteString("\n\n| column | type | title | description | values |\n|---|---|---|---|---|\n")
		for _, f := range t.Fields {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Name, typeText(f), cell(perLanguage(ds.Languages, f.Titles)),
				cell(perLanguage(ds.Languages, f.Descriptions)), cell(values(ds.Languages, f)))
		}
	}
	return b.String()
}

func typeText(f bot.Field) string {
	s := f.Type
	if f.Required {
		s += ", required"
	}
	if f.Unique {
		s += ", unique"
	}
	return s
}

// perLanguage lists texts one language a line, or once when they are the
// same in every language.
func perLanguage(langs []string, texts map[string]string) string {
	same := true
	for _, l := range langs {
		same = same && texts[l] == texts[langs[0]]
	}
	if same || len(langs) == 1 {
		return texts[langs[0]]
	}
	lines := make([]string, 0, len(langs))
	for _, l := range langs {
		lines = append(lines, l+": "+texts[l])
	}
	return strings.Join(lines, "\n")
}

func values(langs []string, f bot.Field) string {
	var lines []string
	for _, code := range f.Enum {
		line := "`" + code + "`"
		if l := f.Labels[code]; l != nil {
			labels := make([]string, 0, len(langs))
			for _, lang := range langs {
				if !contains(labels, l[lang]) {
					labels = append(labels, l[lang])
				}
			}
			line += " " + strings.Join(labels, " / ")
		}
		lines = append(lines, line)
	}
	num := func(x *float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", *x), ".0") }
	switch {
	case f.Min != nil && f.Max != nil:
		lines = append(lines, num(f.Min)+" to "+num(f.Max))
	case f.Min != nil:
		lines = append(lines, "at least "+num(f.Min))
	case f.Max != nil:
		lines = append(lines, "at most "+num(f.Max))
	}
	return strings.Join(lines, "\n")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cell makes text fit a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "<br>")
}
