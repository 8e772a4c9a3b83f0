package studio

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cosie/cosiebot/bot/flow"
)

// textTable is a flow's texts × its languages, for translators.
type textTable struct {
	Languages []string  `json:"languages"`
	Rows      []textRow `json:"rows"`
	Missing   int       `json:"missing"` // cells without a translation
}

// textRow is one text: where it is, and its words per language.
type textRow struct {
	Line  int             `json:"line"`
	Col   int             `json:"col"`
	Label string          `json:"label"`
	Cells map[string]cell `json:"cells"`
}

// cell is one translation. Plural forms are shown, not edited here.
type cell struct {
	Value   string `json:"value"`
	Missing bool   `json:"missing,omitempty"`
	Plural  bool   `json:"plural,omitempty"`
}

// buildTable lists the texts of a loaded flow from its file text.
func buildTable(f *flow.Flow, src []byte) (*textTable, error) {
	d, err := parseDoc(src)
	if err != nil {
		return nil, err
	}
	t := &textTable{Languages: f.Pilot.Languages}
	for _, tx := range f.Texts() {
		e := d.entries[tx.Pos]
		if e == nil {
			return nil, fmt.Errorf("the text at line %d was not found in the file", tx.Pos.Line)
		}
		row := textRow{Line: tx.Pos.Line, Col: tx.Pos.Col, Label: e.label, Cells: map[string]cell{}}
		for _, lang := range f.Pilot.Languages {
			c := cellOf(e.val, lang, lang == f.DefaultLanguage())
			if c.Missing {
				t.Missing++
			}
			row.Cells[lang] = c
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// cellOf reads the translation in lang of a text's value node; a text
// written once is in the default language.
func cellOf(v *yaml.Node, lang string, isDefault bool) cell {
	switch v.Kind {
	case yaml.ScalarNode:
		if isDefault {
			return cell{Value: v.Value}
		}
		return cell{Missing: true}
	case yaml.MappingNode:
		tr := mapValue(v, lang)
		switch {
		case tr == nil:
			return cell{Missing: true}
		case tr.Kind == yaml.MappingNode:
			var forms []string
			for i := 0; i+1 < len(tr.Content); i += 2 {
				forms = append(forms, tr.Content[i].Value+": "+tr.Content[i+1].Value)
			}
			return cell{Value: strings.Join(forms, "\n"), Plural: true}
		}
		return cell{Value: tr.Value}
	}
	return cell{Missing: true}
}
