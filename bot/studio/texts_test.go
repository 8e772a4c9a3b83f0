package studio

import (
	"bytes"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

// testLanguages are the languages of the bot's built-in words, read once.
var testLanguages = sync.OnceValues(func() ([]string, error) {
	words, err := locales.Default()
	if err != nil {
		return nil, err
	}
	return words.Languages(), nil
})

func loadOptions(t testing.TB) flow.Options {
	t.Helper()
	langs, err := testLanguages()
	if err != nil {
		t.Fatal(err)
	}
	return flow.Options{Languages: langs}
}

// mustLoad loads a flow file's text and fails on errors.
func mustLoad(t *testing.T, name string, src []byte) *flow.Flow {
	t.Helper()
	f, diags := flow.Load(name, src, loadOptions(t))
	if f == nil {
		t.Fatalf("%s does not load:\n%s\n%s", name, diags, src)
	}
	return f
}

// TestTextRoundTrip edits every translation of every shipped flow, and
// adds every missing one: the flow still loads, says the new words, the
// other texts stay as they were, and undoing the edit gives back the file
// byte for byte.
func TestTextRoundTrip(t *testing.T) {
	names, err := fs.Glob(flows.Shipped(), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edits := []string{"plain words", "Two lines\nof text 😀", "Changed ✓ it's \"quoted\": yes # not a comment"}
	for _, name := range names {
		if flows.IsScenario(name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			src, err := fs.ReadFile(flows.Shipped(), name)
			if err != nil {
				t.Fatal(err)
			}
			roundTrips(t, name, src, edits)
		})
	}
}

// TestTextShapes: texts written once, in braces, and with plural forms.
func TestTextShapes(t *testing.T) {
	src := []byte(`pilot:
  id: shapes
  name: Shapes   # a comment stays
  languages: [en, fi, sv]
  timezone: Europe/Helsinki
  retention_days: 30
  help: {en: 'Ask us, it''s free', fi: Kysy meiltä}
nodes:
  - id: ask
    type: number
    result: kids
    text:
      en: "How many children?"
      sv: "Hur många barn?"
    next: bye
  - id: bye
    type: end
    count: kids
    text:
      en: {one: "Thanks for {{.Count}} child", other: "Thanks for {{.Count}} children"}
      fi: |-
        Kiitos!
        Hei hei.
`)
	f := mustLoad(t, "shapes.yaml", src)
	tab, err := buildTable(f, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 4 || tab.Missing != 5 {
		t.Fatalf("table: %d rows, %d missing: %+v", len(tab.Rows), tab.Missing, tab.Rows)
	}
	if c := tab.Rows[3].Cells["en"]; !c.Plural || !strings.Contains(c.Value, "other: Thanks for") {
		t.Errorf("plural cell: %+v", c)
	}
	if _, err := setText(src, flow.Pos{Line: tab.Rows[3].Line, Col: tab.Rows[3].Col}, "en", "x", f.Pilot.Languages); err != errPlural {
		t.Errorf("editing plural forms: %v", err)
	}
	if _, err := setText(src, flow.Pos{Line: tab.Rows[0].Line, Col: tab.Rows[0].Col}, "en", "", f.Pilot.Languages); err == nil {
		t.Error("the first language's text was removed")
	}
	roundTrips(t, "shapes.yaml", src, []string{"Nimi", "A\nB", "Nimi, pilkulla: kyllä"})
	// A text written once becomes one per language, its comment kept.
	got, err := setText(src, flow.Pos{Line: 3, Col: 9}, "fi", "Muodot", f.Pilot.Languages)
	if err != nil {
		t.Fatal(err)
	}
	if want := "  name: {en: Shapes, fi: Muodot}   # a comment stays\n"; !strings.Contains(string(got), want) {
		t.Errorf("got\n%s\nwant a line\n%s", got, want)
	}
}

// roundTrips checks every cell of a flow's table with each edit: the
// flow loads and says the new words, no other text changes. Writing a
// translation again as it is, an edit undone that keeps its quoting (a
// line for a line, lines for lines) and a translation added then removed
// give back the file byte for byte.
func roundTrips(t *testing.T, name string, src []byte, edits []string) {
	t.Helper()
	f := mustLoad(t, name, src)
	tab, err := buildTable(f, src)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range tab.Rows {
		pos := flow.Pos{Line: row.Line, Col: row.Col}
		for _, lang := range tab.Languages {
			c := row.Cells[lang]
			if c.Plural {
				continue
			}
			if !c.Missing {
				same, err := setText(src, pos, lang, c.Value, f.Pilot.Languages)
				if err != nil || !bytes.Equal(same, src) {
					t.Fatalf("%s %s: writing it again changes the file (%v):\n%s", row.Label, lang, err, same)
				}
			}
			for _, edit := range edits {
				changed, err := setText(src, pos, lang, edit, f.Pilot.Languages)
				if err != nil {
					t.Fatalf("%s %s: %v", row.Label, lang, err)
				}
				g := mustLoad(t, name, changed)
				if got := g.Texts()[i].Render(lang, nil); got != edit {
					t.Fatalf("%s %s: says %q after the edit, want %q\n%s", row.Label, lang, got, edit, changed)
				}
				sameOtherCells(t, g, changed, tab, i, lang)
				if c.Missing && writtenOnce(t, src, pos) {
					continue // now written once per language: removing the translation keeps that
				}
				if !c.Missing && (strings.Contains(edit, "\n") != strings.Contains(c.Value, "\n") ||
					writtenPlain(t, src, pos, lang) && !plainSafe(edit, false)) {
					continue // the quoting changed: with the number of lines, or quotes were needed
				}
				at := g.Texts()[i].Pos
				undone, err := setText(changed, at, lang, c.Value, f.Pilot.Languages) // "" removes what was added
				if err != nil {
					t.Fatalf("%s %s: undo: %v", row.Label, lang, err)
				}
				if !bytes.Equal(undone, src) {
					t.Fatalf("%s %s: undoing %q does not give the file back:\n%s", row.Label, lang, edit, undone)
				}
			}
		}
	}
}

// sameOtherCells checks that an edit of one cell changed no other cell.
func sameOtherCells(t *testing.T, g *flow.Flow, src []byte, before *textTable, row int, lang string) {
	t.Helper()
	after, err := buildTable(g, src)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range after.Rows {
		for l, c := range r.Cells {
			if (i != row || l != lang) && c != before.Rows[i].Cells[l] {
				t.Fatalf("editing %s %s changed %s %s: %+v -> %+v", before.Rows[row].Label, lang, r.Label, l, before.Rows[i].Cells[l], c)
			}
		}
	}
}

// writtenPlain reports whether a translation is written without quotes.
func writtenPlain(t *testing.T, src []byte, pos flow.Pos, lang string) bool {
	d, err := parseDoc(src)
	if err != nil {
		t.Fatal(err)
	}
	v := d.entries[pos].val
	if tr := mapValue(v, lang); tr != nil {
		v = tr
	}
	return v.Style == 0 || v.Style == yaml.FlowStyle
}

// writtenOnce reports whether a text is written once, not per language.
func writtenOnce(t *testing.T, src []byte, pos flow.Pos) bool {
	d, err := parseDoc(src)
	if err != nil {
		t.Fatal(err)
	}
	return d.entries[pos].val.Kind == yaml.ScalarNode
}
