package studio

import (
	"fmt"
	"net/http"
	"slices"
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

// textsData is the translation page's own data.
type textsData struct {
	Text     string
	Version  string
	Table    *textTable
	Problems []diagJSON
	ReadOnly bool
}

// textsPage shows the translation table of a flow.
func (s *Server) textsPage(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	d := textsData{Text: string(ff.data), Version: version(ff.data), ReadOnly: s.folder.dir == ""}
	f, diags := s.load(ff.name, ff.data)
	if f == nil {
		d.Problems = diagsJSON(diags.Errors())
	} else {
		t, err := buildTable(f, ff.data)
		if err != nil {
			return err
		}
		d.Table = t
	}
	s.render(w, "texts", &pageData{Title: "Translations of " + ff.name, Viewer: v, File: ff.name, Pilot: ff.head.Pilot.ID, Tab: "texts", Script: true, Data: d})
	return nil
}

// textEdit is one cell edited in the table, on the page's current text.
type textEdit struct {
	Text  string `json:"text"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

// textEditReply is the text after the edit, checked as the file is.
type textEditReply struct {
	Text        string     `json:"text"`
	Table       *textTable `json:"table,omitempty"`
	Diagnostics []diagJSON `json:"diagnostics"`
}

// editText applies one cell's edit to the text and checks the result;
// the page saves it with the editor's save.
func (s *Server) editText(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	var req textEdit
	if err := readJSON(r, &req); err != nil {
		return err
	}
	f, diags := s.load(ff.name, []byte(req.Text))
	if f == nil {
		return statusErr(http.StatusUnprocessableEntity, "the flow has errors; fix them in the editor first (line %d: %s)", diags.Errors()[0].Pos.Line, diags.Errors()[0].Message)
	}
	if !slices.Contains(f.Pilot.Languages, req.Lang) {
		return statusErr(http.StatusBadRequest, "%q is not one of this pilot's languages", req.Lang)
	}
	out, err := setText([]byte(req.Text), flow.Pos{Line: req.Line, Col: req.Col}, req.Lang, strings.TrimRight(req.Value, " \t\n"), f.Pilot.Languages)
	if err != nil {
		return statusErr(http.StatusUnprocessableEntity, "%v", err)
	}
	rep := textEditReply{Text: string(out)}
	g, diags := s.load(ff.name, out)
	rep.Diagnostics = diagsJSON(diags)
	if g != nil {
		if rep.Table, err = buildTable(g, out); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
