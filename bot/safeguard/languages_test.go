package safeguard

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// botLanguages are the languages the bot speaks now and is about to ship;
// each needs a lexicon.
var botLanguages = []string{
	"en", "fi", "sv", "et", "pl", "hu", "nl", "it", "es", // pilots today
	"bg", "cs", "da", "de", "el", "fr", "ga", "hr", "lt", "lv", "mt", "pt", "ro", "sk", "sl",
	"ar", "fa", "prs", "ru", "so", "ti", "tr", "uk",
}

func TestEveryBotLanguageHasALexicon(t *testing.T) {
	l, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	have := l.Languages()
	for _, lang := range botLanguages {
		if !slices.Contains(have, lang) {
			t.Errorf("no lexicon for %s: add lexicon/%s.yaml", lang, lang)
		}
	}
	if !slices.IsSorted(have) {
		t.Errorf("Languages() is not sorted: %v", have)
	}
}

func TestEveryLexiconLanguageHasACorpus(t *testing.T) {
	l, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range l.Languages() {
		for _, dir := range []string{"corpus", filepath.Join("corpus", "heldout")} {
			path := filepath.Join("testdata", dir, lang+".yaml")
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: no corpus at %s", lang, path)
			}
		}
	}
}

// TestHelpButtonText checks that the text of the bot's own help button,
// in every locale it has, is recognised when typed or forwarded.
func TestHelpButtonText(t *testing.T) {
	l, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "locales", "active.*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no locale files found: %v", err)
	}
	for _, file := range files {
		lang := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "active."), ".yaml")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]any
		if err := yaml.Unmarshal(data, &msgs); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		button, _ := msgs["button.help"].(string)
		if button == "" {
			t.Errorf("%s: no button.help text", file)
			continue
		}
		for _, text := range []string{button, strings.TrimPrefix(button, "🆘 ")} {
			if _, ok := l.Detect(text, []string{lang}); !ok {
				t.Errorf("%s: the help button text %q is not recognised", lang, text)
			}
		}
	}
}
