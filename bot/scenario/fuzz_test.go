package scenario_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cosie/cosiebot/bot/scenario"
)

// FuzzParse: whatever a pilot team writes (or a file mangled on the way),
// Parse answers with a scenario file or with errors that name the file and
// a position in it; it never panics.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../../flows/*.test.yaml", "testdata/bad/*.test.yaml", "testdata/*.test.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("flow: turku.yaml\nscenarios:\n  - name: x\n    steps:\n      - press_again: true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, diags := scenario.Parse("fuzz.test.yaml", data)
		if sf == nil && !diags.HasErrors() {
			t.Fatal("no scenario file and no error")
		}
		if sf != nil && diags.HasErrors() {
			t.Fatalf("a scenario file despite errors: %v", diags)
		}
		for _, d := range diags {
			if d.File != "fuzz.test.yaml" || d.Pos.Line < 1 || d.Pos.Col < 1 || d.Message == "" {
				t.Fatalf("a message without its file, position or words: %+v", d)
			}
		}
	})
}
