package studio

import (
	"bytes"
	"net/http"

	"github.com/cosie/cosiebot/bot/flow"
)

// diagJSON is one checker message, for the editor.
type diagJSON struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

func diagsJSON(ds flow.Diagnostics) []diagJSON {
	out := make([]diagJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, diagJSON{Line: d.Pos.Line, Col: d.Pos.Col, Severity: d.Severity.String(), Message: d.Message})
	}
	return out
}

// editData is the editor page's own data.
type editData struct {
	Text        string
	Version     string
	Diagnostics []diagJSON
	Picture     string // SVG, or "" when the flow has errors
	Languages   []string
	ReadOnly    bool
}

// editPage shows a flow file in the editor, with its problems and its
// picture.
func (s *Server) editPage(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	f, diags := s.load(ff.name, ff.data)
	d := editData{Text: string(ff.data), Version: version(ff.data), Diagnostics: diagsJSON(diags), ReadOnly: s.folder.dir == ""}
	if f != nil {
		d.Picture = drawFlow(f, r.URL.Query().Get("lang"))
		d.Languages = f.Pilot.Languages
	}
	s.render(w, "edit", &pageData{Title: ff.name, Viewer: v, File: ff.name, Pilot: ff.head.Pilot.ID, Tab: "edit", Script: true, Data: d})
	return nil
}

// pictureSVG serves the picture of the saved flow, on its own.
func (s *Server) pictureSVG(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	f, diags := s.load(ff.name, ff.data)
	if f == nil {
		return statusErr(http.StatusConflict, "the flow has errors, so it cannot be drawn: %s", diags.Errors()[0].Message)
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, err := w.Write([]byte(drawFlow(f, r.URL.Query().Get("lang"))))
	return err
}

// checkRequest is the editor's text, and the picture's language.
type checkRequest struct {
	Text string `json:"text"`
	Lang string `json:"lang"`
}

// checkResponse is what the checker says about the text, and its picture
// when it loads.
type checkResponse struct {
	Diagnostics []diagJSON `json:"diagnostics"`
	Picture     string     `json:"picture,omitempty"`
}

// check runs the checker on the editor's text, as it is typed.
func (s *Server) check(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	var req checkRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	f, diags := s.load(ff.name, []byte(req.Text))
	resp := checkResponse{Diagnostics: diagsJSON(diags)}
	if f != nil {
		resp.Picture = drawFlow(f, req.Lang)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// saveRequest is the text to save, and the version of the file it was
// made from.
type saveRequest struct {
	Text    string `json:"text"`
	Version string `json:"version"`
}

// save writes the editor's text to the file, when it has no errors, the
// file did not change meanwhile, and it is still the same pilot.
func (s *Server) save(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	var req saveRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	data := []byte(req.Text)
	if req.Version != version(ff.data) {
		return statusErr(http.StatusConflict, "%s changed on disk since you opened it; copy your changes, reload the page and apply them again", ff.name)
	}
	f, diags := s.load(ff.name, data)
	if f == nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error":       "the flow has errors, so it was not saved: the bot could not load it. Fix the lines marked in red first.",
			"diagnostics": diagsJSON(diags),
		})
		return nil
	}
	if f.Pilot.ID != ff.head.Pilot.ID && !v.local {
		return statusErr(http.StatusForbidden, "the pilot id cannot change here (it was %q)", ff.head.Pilot.ID)
	}
	if !bytes.Equal(data, ff.data) {
		if err := s.folder.save(ff.name, data, s.now()); err != nil {
			return err
		}
		s.log.Info("studio: flow saved", "file", ff.name)
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": version(data), "diagnostics": diagsJSON(diags)})
	return nil
}
