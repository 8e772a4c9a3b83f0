package bot

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// dialogue is one citizen's run through a flow, as exported.
type dialogue struct {
	Dialogue    string            `json:"dialogue"`
	Participant string            `json:"participant"`
	Started     string            `json:"started"`
	Language    string            `json:"language"`
	FlowVersion string            `json:"flow_version"`
	Answers     map[string]string `json:"answers"`
	first       int64
}

// Export writes a pilot's answers, one row (csv) or line (jsonl) per
// dialogue with a column per named result. Participants are per-pilot
// pseudonyms (PilotPseudonym with key): no Telegram id or name is ever
// stored with an answer, and two pilots' exports cannot be linked. CSV
// starts with a UTF-8 byte order mark so that spreadsheets open it in the
// right encoding.
func Export(ctx context.Context, rep Reports, f *flow.Flow, key []byte, w io.Writer, format string) (int, error) {
	if format != "csv" && format != "jsonl" {
		return 0, fmt.Errorf("export format %q: use csv or jsonl", format)
	}
	byKey := map[string]*dialogue{}
	var order []string
	pids := map[string]string{} // the pilot's pseudonym of each citizen, computed once
	err := rep.EachAnswer(ctx, f.Pilot.ID, func(r Record) error {
		pid, ok := pids[r.User]
		if !ok {
			pid = PilotPseudonym(key, f.Pilot.ID, r.User)
			pids[r.User] = pid
		}
		id := pid + "-" + strconv.Itoa(r.Run)
		d := byKey[id]
		if d == nil {
			d = &dialogue{Dialogue: id, Participant: pid, Language: r.Lang, FlowVersion: r.Version,
				Started: time.UnixMilli(r.At).In(f.Pilot.Timezone).Format(time.RFC3339), Answers: map[string]string{}, first: r.At}
			byKey[id] = d
			order = append(order, id)
		}
		d.Answers[r.Result] = exportValue(r)
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.SortStableFunc(order, func(a, b string) int { return int(byKey[a].first - byKey[b].first) })
	results := f.Results()
	// Answers to questions no longer in the flow are kept, after the others.
	extra := map[string]bool{}
	for _, d := range byKey {
		for r := range d.Answers {
			if !slices.Contains(results, r) && !extra[r] {
				extra[r] = true
			}
		}
	}
	var old []string
	for r := range extra {
		old = append(old, r)
	}
	slices.Sort(old)
	results = append(results, old...)

	if format == "jsonl" {
		enc := json.NewEncoder(w)
		for _, k := range order {
			if err := enc.Encode(byKey[k]); err != nil {
				return 0, fmt.Errorf("write export: %w", err)
			}
		}
		return len(order), nil
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	cw := csv.NewWriter(w)
	header := append([]string{"dialogue", "participant", "started", "language", "flow_version"}, results...)
	if err := cw.Write(header); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	for _, k := range order {
		d := byKey[k]
		row := []string{d.Dialogue, d.Participant, d.Started, d.Language, d.FlowVersion}
		for _, r := range results {
			row = append(row, csvSafe(d.Answers[r]))
		}
		if err := cw.Write(row); err != nil {
			return 0, fmt.Errorf("write export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	return len(order), nil
}

// exportValue is an answer as one cell: the option id, score or number,
// the free text, or a reference to a voice note or photo.
func exportValue(r Record) string {
	v := r.Value
	switch {
	case r.Media != nil && v != "":
		v += ": " + r.Media.Type + ":" + r.Media.FileID
	case r.Media != nil:
		v = r.Media.Type + ":" + r.Media.FileID
	}
	if r.Text != "" {
		if v != "" {
			return v + ": " + r.Text
		}
		return r.Text
	}
	return v
}

// csvSafe keeps a citizen's text from being run as a spreadsheet formula
// (OWASP's advice on CSV injection): a cell that starts with = + - @, or
// with a tab or carriage return (spreadsheets skip them and read what
// follows), gets a leading apostrophe, unless it is a plain number.
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}
