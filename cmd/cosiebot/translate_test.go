package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/translate/po"
)

// TestTranslateCommands: a pilot team exports its flow for a Finnish
// translator, who translates in a PO tool; the import writes the flow
// file, and a broken translation is refused without touching it.
func TestTranslateCommands(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "flows", "quick.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	flowFile := filepath.Join(dir, "quick.yaml")
	if err := os.WriteFile(flowFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	poFile := filepath.Join(dir, "fi.po")
	code, _, stderr := runCmd(t, "", "translate", "export", "--lang", "fi", "-o", poFile, flowFile)
	if code != 0 || !strings.Contains(stderr, "Wrote "+poFile) {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	edit := func(key, text string) {
		t.Helper()
		raw, _ := os.ReadFile(poFile)
		pf, err := po.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range pf.Entries {
			if e.Context == key {
				e.Str = []string{text}
			}
		}
		var b bytes.Buffer
		pf.WriteTo(&b)
		os.WriteFile(poFile, b.Bytes(), 0o644)
	}

	edit("words.button.skip", "Ohita tämä")
	edit("pilot.about", "Botin pikatesti, uusin sanoin.")
	code, _, stderr = runCmd(t, "", "translate", "import", poFile)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	got, _ := os.ReadFile(flowFile)
	if !strings.Contains(string(got), `fi: "Botin pikatesti, uusin sanoin."`) || !strings.Contains(stderr, "1 texts changed") {
		t.Errorf("the flow file was not changed as translated:\n%s\n%s", got, stderr)
	}
	words, err := os.ReadFile(filepath.Join(dir, "locales", "active.fi.yaml"))
	if err != nil || !strings.Contains(string(words), `button.skip: "Ohita tämä"`) {
		t.Errorf("the pilot's words file: %v\n%s", err, words)
	}
	if code, _, stderr := runCmd(t, "", "check", dir); code != 0 && code != 3 { // 3: warnings only
		t.Errorf("check after the import: exit %d: %s", code, stderr)
	}

	edit("pilot.about", "Botin {{.FirstName}} pikatesti.")
	code, _, stderr = runCmd(t, "", "translate", "import", poFile)
	if code == 0 || !strings.Contains(stderr, "fi.po:") || !strings.Contains(stderr, "{{.FirstName}}") {
		t.Errorf("a broken translation was not refused: exit %d: %s", code, stderr)
	}
	if again, _ := os.ReadFile(flowFile); !bytes.Equal(again, got) {
		t.Error("a refused import changed the flow file")
	}
}

// TestTranslateNewLanguage: a pilot team adds Romani, which the bot does
// not ship: the words template, then one PO file for the flow and the
// bot's words; the import writes both in place and check passes.
func TestTranslateNewLanguage(t *testing.T) {
	dir := romaniFlow(t)
	words := filepath.Join(dir, "locales")
	if code, _, stderr := runCmd(t, "", "locale", "new", "rom", "--dir", words); code != 0 {
		t.Fatalf("locale new: %s", stderr)
	}
	poFile := filepath.Join(dir, "rom.po")
	if code, _, stderr := runCmd(t, "", "translate", "export", "--lang", "rom", "-o", poFile, filepath.Join(dir, "quick.yaml")); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	raw, _ := os.ReadFile(poFile)
	pf, err := po.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	fuzzy := 0
	for _, e := range pf.Entries {
		if e.Fuzzy() {
			fuzzy++
		}
		switch e.Context {
		case "words.button.skip":
			e.Str, e.Flags = []string{"Nakh"}, nil
		case "words.button.yes":
			e.Str, e.Flags = []string{"Va"}, nil
		}
	}
	if fuzzy < 50 {
		t.Errorf("%d entries marked fuzzy; the template's English copies should all be", fuzzy)
	}
	var b bytes.Buffer
	pf.WriteTo(&b)
	os.WriteFile(poFile, b.Bytes(), 0o644)
	code, _, stderr := runCmd(t, "", "translate", "import", poFile)
	if code != 0 || !strings.Contains(stderr, "2 of the bot's words changed") || !strings.Contains(stderr, "left out: marked fuzzy") {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	got, _ := os.ReadFile(filepath.Join(words, "active.rom.yaml"))
	if !strings.Contains(string(got), `button.skip: "Nakh"`) || !strings.Contains(string(got), `button.yes: "Va"`) {
		t.Errorf("the words file:\n%s", got)
	}
	if code, _, stderr := runCmd(t, "", "check", dir); code == 1 {
		t.Errorf("check after the import: %s", stderr)
	}
}
