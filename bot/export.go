package bot

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot/flow"
)

// dialogueJSON is one dialogue in the jsonl export.
type dialogueJSON struct {
	Dialogue    string            `json:"dialogue"`
	Participant string            `json:"participant"`
	Started     string            `json:"started"`
	Language    string            `json:"language"`
	FlowVersion string            `json:"flow_version"`
	Source      string            `json:"source,omitempty"`
	Answers     map[string]string `json:"answers"`
}

// Export writes a pilot's answers, one row (csv) or line (jsonl) per
// dialogue: the dialogue columns every export shares (dialogueConcepts),
// then a column per named result, each answer in one cell. Participants
// are per-pilot pseudonyms (PilotPseudonym with key): no Telegram id or
// name is ever stored with an answer, and two pilots' exports cannot be
// linked. Times are the pilot's local time. CSV starts with a UTF-8 byte
// order mark so that spreadsheets open it in the right encoding.
func Export(ctx context.Context, rep Reports, f *flow.Flow, key []byte, w io.Writer, format string) (int, error) {
	if format != "csv" && format != "jsonl" {
		return 0, fmt.Errorf("export format %q: use csv or jsonl", format)
	}
	dialogues, err := collectDialogues(ctx, rep, f, key, nil)
	if err != nil {
		return 0, err
	}
	results := exportResults(f, dialogues)
	started := func(d *dialogueData) string {
		return time.UnixMilli(d.first).In(f.Pilot.Timezone).Format(time.RFC3339)
	}
	if format == "jsonl" {
		enc := json.NewEncoder(w)
		for _, d := range dialogues {
			j := dialogueJSON{Dialogue: d.id, Participant: d.participant, Started: started(d), Language: d.lang,
				FlowVersion: d.version, Source: d.source, Answers: map[string]string{}}
			for r, a := range d.answers {
				j.Answers[r] = exportValue(a)
			}
			if err := enc.Encode(j); err != nil {
				return 0, fmt.Errorf("write export: %w", err)
			}
		}
		return len(dialogues), nil
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	cw := csv.NewWriter(w)
	header := make([]string, 0, len(dialogueConcepts)+len(results))
	for _, c := range dialogueConcepts {
		header = append(header, c.name)
	}
	if err := cw.Write(append(header, results...)); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	for _, d := range dialogues {
		row := []string{d.id, d.participant, started(d), d.lang, d.version, d.source}
		for _, r := range results {
			cell := ""
			if a, ok := d.answers[r]; ok {
				cell = csvSafe(exportValue(a))
			}
			row = append(row, cell)
		}
		if err := cw.Write(row); err != nil {
			return 0, fmt.Errorf("write export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	return len(dialogues), nil
}

// exportValue is an answer as one cell: the option id, score or number,
// the free text, or a reference to a voice note or photo.
func exportValue(r Record) string {
	v := r.Value
	switch {
	case r.Media != nil && v != "":
		v += ": " + mediaRef(r)
	case r.Media != nil:
		v = mediaRef(r)
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
