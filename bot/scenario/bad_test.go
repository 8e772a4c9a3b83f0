package scenario_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/scenario"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/bad")

// TestBadFilesGolden parses every broken scenario file in testdata/bad and
// compares the messages with <name>.golden. Run with -update to rewrite the
// golden files, then read every message as a pilot team would.
func TestBadFilesGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.test.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in testdata/bad: %v", err)
	}
	for _, file := range files {
		name := filepath.ToSlash(file)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".test.yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sf, diags := scenario.Parse(name, data)
			if sf != nil || !diags.HasErrors() {
				t.Errorf("%s: parsed without errors", name)
			}
			seen := map[string]bool{}
			for _, d := range diags {
				if d.File != name || d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Errorf("diagnostic without a file and position: %s", d)
				}
				if strings.Contains(d.Message, "yaml:") || strings.Contains(d.Message, "line ") && strings.Contains(d.Message, "did not find") {
					t.Errorf("raw YAML wording: %s", d)
				}
				if seen[d.String()] {
					t.Errorf("reported twice: %s", d)
				}
				seen[d.String()] = true
			}
			got := diags.String()
			golden := strings.TrimSuffix(file, ".test.yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./bot/scenario -run Golden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("messages for %s changed (run with -update if intended)\n--- got:\n%s--- want:\n%s", name, got, want)
			}
		})
	}
}
