package locales_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cosie/cosiebot/locales"
)

func TestTemplateGolden(t *testing.T) {
	c := catalog(t)
	for _, lang := range []string{"pt", "ar"} {
		var b bytes.Buffer
		if err := c.Template(&b, lang); err != nil {
			t.Fatalf("Template(%q): %v", lang, err)
		}
		golden(t, filepath.Join("testdata", "template."+lang+".golden"), b.String())
	}
}

// TestTemplateLoads: a template, as written, is a complete file for its
// language, not reviewed, with exactly the plural forms the language uses.
func TestTemplateLoads(t *testing.T) {
	c := catalog(t)
	for _, lang := range []string{"pt", "ar", "rom", "ga", "prs", "sw"} {
		var b bytes.Buffer
		if err := c.Template(&b, lang); err != nil {
			t.Fatalf("Template(%q): %v", lang, err)
		}
		text := b.String()
		w, err := c.With(fstest.MapFS{"active." + lang + ".yaml": {Data: b.Bytes()}}, "flows/locales")
		if err != nil {
			t.Fatalf("the %s template does not load: %v", lang, err)
		}
		for _, p := range w.Problems() {
			if p.Lang == lang {
				t.Errorf("%s template: %v", lang, p)
			}
		}
		if w.Reviewed(lang) {
			t.Errorf("%s template: Reviewed = true", lang)
		}
		if got := w.Say(lang, "button.yes", nil); got != c.Say(locales.Source, "button.yes", nil) {
			t.Errorf("%s template: button.yes = %q, want the English text", lang, got)
		}
		for _, id := range c.IDs() {
			if !strings.Contains(text, "\n"+id+":") {
				t.Errorf("%s template lacks %s", lang, id)
			}
		}
	}
	var b bytes.Buffer
	if err := c.Template(&b, "xx"); err == nil {
		t.Error(`Template("xx") succeeded; xx is not a language`)
	}
}
