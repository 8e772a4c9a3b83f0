package flow

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/bad")

// botLanguages are the languages the bot's own words exist in (locales/).
var botLanguages = []string{"en", "es", "et", "fi", "hu", "it", "nl", "pl", "sv", "ar", "ru", "so", "ti", "uk"} // the shipped flows' languages: pt and de stay unspoken for the tests of a missing language

func testOptions() Options { return Options{Languages: botLanguages} }

// badFiles lists testdata/bad/*.yaml, relative to the package folder.
func badFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no files in testdata/bad")
	}
	return files
}

// TestBadFilesGolden loads every broken flow in testdata/bad and compares the
// diagnostics with <name>.golden. Run with -update to rewrite the golden
// files, then read every message as a pilot team would before committing.
func TestBadFilesGolden(t *testing.T) {
	for _, file := range badFiles(t) {
		name := filepath.ToSlash(file)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f, diags := Load(name, data, testOptions())
			got := diags.String()

			if len(diags) == 0 {
				t.Errorf("%s: no diagnostics; every bad file must report at least one problem", name)
			}
			if !slices.IsSortedFunc(diags, func(a, b Diagnostic) int {
				return cmpDiag(a, b)
			}) {
				t.Errorf("%s: diagnostics are not sorted by position:\n%s", name, got)
			}
			if diags.HasErrors() && f != nil {
				t.Errorf("%s: Load returned a flow although there are errors", name)
			}
			if !diags.HasErrors() && f == nil {
				t.Errorf("%s: Load returned no flow although there are only warnings", name)
			}
			seen := map[string]bool{}
			for _, d := range diags {
				if d.File != name {
					t.Errorf("diagnostic names file %q, want %q", d.File, name)
				}
				if d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Errorf("diagnostic has no position: %s", d)
				}
				if strings.Contains(d.Message, "internal error") {
					t.Errorf("the loader panicked: %s", d)
				}
				if seen[d.String()] {
					t.Errorf("reported twice: %s", d)
				}
				seen[d.String()] = true
			}

			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./bot/flow -run Golden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics for %s changed (run with -update if intended)\n--- got:\n%s--- want:\n%s", name, got, want)
			}
		})
	}
}

// TestGoldenFilesHaveYAML catches a golden file left behind after its flow
// file was renamed or removed.
func TestGoldenFilesHaveYAML(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "bad", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".yaml"); err != nil {
			t.Errorf("%s has no flow file beside it", g)
		}
	}
}

// cmpDiag is the order Diagnostics.Sort promises: by file, line, column,
// errors before warnings.
func cmpDiag(a, b Diagnostic) int {
	switch {
	case a.File != b.File:
		return strings.Compare(a.File, b.File)
	case a.Pos.Line != b.Pos.Line:
		return a.Pos.Line - b.Pos.Line
	case a.Pos.Col != b.Pos.Col:
		return a.Pos.Col - b.Pos.Col
	}
	return int(b.Severity) - int(a.Severity)
}
