package studio

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/cosie/cosiebot/bot/scenario"
)

// testReport is the outcome of a flow's scenario tests, for people.
type testReport struct {
	File     string        `json:"file"` // the scenario file
	Missing  bool          `json:"missing,omitempty"`
	Problems []diagJSON    `json:"problems,omitempty"` // the scenario file or the flow does not load
	Passed   int           `json:"passed"`
	Failures []testFailure `json:"failures,omitempty"`
}

// testFailure is one scenario that did not go as written.
type testFailure struct {
	Scenario string     `json:"scenario"`
	Line     int        `json:"line"`
	Lines    []diffLine `json:"lines"`
}

// diffLine is a line of a failure: what was expected (want), what the
// bot did (got), or an explanation.
type diffLine struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// runScenarios runs the scenario file next to a flow file against the
// flow's text, as `cosiebot test` does.
func (s *Server) runScenarios(ctx context.Context, ff *flowFile, flowText []byte) (*testReport, error) {
	name, data, err := s.folder.readScenario(ff.name)
	if err != nil {
		return nil, err
	}
	rep := &testReport{File: name}
	if data == nil {
		rep.Missing = true
		return rep, nil
	}
	sf, diags := scenario.Parse(name, data)
	if sf == nil {
		rep.Problems = diagsJSON(diags)
		return rep, nil
	}
	f, fdiags := s.load(ff.name, flowText)
	if f == nil {
		rep.Problems = diagsJSON(fdiags.Errors())
		return rep, nil
	}
	res, err := scenario.Run(ctx, sf, f, s.words)
	if err != nil {
		return nil, fmt.Errorf("run the scenarios of %s: %w", ff.name, err)
	}
	rep.Passed = res.Passed
	for _, fl := range res.Failures {
		rep.Failures = append(rep.Failures, testFailure{Scenario: fl.Scenario, Line: fl.Pos.Line, Lines: diffLines(fl.Message)})
	}
	return rep, nil
}

// diffLines sorts a failure's message into what was expected and what
// the bot did, so the page can colour them.
func diffLines(msg string) []diffLine {
	var out []diffLine
	for _, l := range strings.Split(msg, "\n") {
		t := strings.TrimSpace(l)
		kind := "text"
		switch {
		case strings.HasPrefix(t, "- ") || strings.HasSuffix(t, "(expected)") || strings.HasPrefix(t, "expected it to contain"):
			kind = "want"
		case strings.HasPrefix(t, "+ ") || strings.HasSuffix(t, "(got)") || strings.HasPrefix(t, "| ") || strings.HasPrefix(t, "buttons: ["):
			kind = "got"
		}
		out = append(out, diffLine{Kind: kind, Text: l})
	}
	return out
}

// testsPage runs the saved flow's scenarios and shows the outcome.
func (s *Server) testsPage(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	rep, err := s.runScenarios(r.Context(), ff, ff.data)
	if err != nil {
		return err
	}
	s.render(w, "tests", &pageData{Title: "Tests of " + ff.name, Viewer: v, File: ff.name, Pilot: ff.head.Pilot.ID, Tab: "tests", Data: rep})
	return nil
}

// runTests runs the scenarios against the editor's text (or the saved
// file when it sends none).
func (s *Server) runTests(w http.ResponseWriter, r *http.Request, v *viewer, ff *flowFile) error {
	var req checkRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	text := ff.data
	if req.Text != "" {
		text = []byte(req.Text)
	}
	rep, err := s.runScenarios(r.Context(), ff, text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
