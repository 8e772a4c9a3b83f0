package translate

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/translate/po"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

func catalog(t testing.TB) *locales.Catalog {
	t.Helper()
	c, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// exportPO exports src and reads the PO file back, as a translator's tool
// would get it.
func exportPO(t testing.TB, src Source) *po.File {
	t.Helper()
	pf, err := Export(src)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	var b bytes.Buffer
	if _, err := pf.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	back, err := po.Parse(b.Bytes())
	if err != nil {
		t.Fatalf("the exported file does not parse: %v\n%s", err, b.String())
	}
	return back
}

// TestRoundTrip: every shipped flow, in every language it offers, with
// the bot's words: exported and imported without changes, no file changes.
func TestRoundTrip(t *testing.T) {
	words := catalog(t)
	names, err := fs.Glob(flows.Shipped(), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, ".test.yaml") {
			continue
		}
		data, _ := fs.ReadFile(flows.Shipped(), name)
		f, diags := flow.Load(name, data, flow.Options{Languages: words.Languages(), Scripts: words})
		if f == nil {
			t.Fatalf("%s: %s", name, diags)
		}
		for _, lang := range f.Pilot.Languages {
			t.Run(name+"/"+lang, func(t *testing.T) {
				src := Source{Lang: lang, FlowFile: "flows/" + name, FlowData: data, Words: words, WithWords: true, WordsFile: "flows/locales/active." + lang + ".yaml"}
				pf := exportPO(t, src)
				if len(pf.Entries) < len(words.IDs())+5 {
					t.Fatalf("only %d entries", len(pf.Entries))
				}
				res, err := Import(pf, "x.po", src)
				if err != nil {
					t.Fatalf("import: %v", err)
				}
				if res.Flow != nil || res.Words != nil || res.FlowTexts+res.WordTexts != 0 {
					t.Fatalf("an import without changes changed %d texts and %d words", res.FlowTexts, res.WordTexts)
				}
			})
		}
	}
}

// BenchmarkRoundTrip: exporting Turku with the bot's words to a PO file,
// reading it and importing it back unchanged.
func BenchmarkRoundTrip(b *testing.B) {
	words := catalog(b)
	data, err := fs.ReadFile(flows.Shipped(), "turku.yaml")
	if err != nil {
		b.Fatal(err)
	}
	src := Source{Lang: "ar", FlowFile: "flows/turku.yaml", FlowData: data, Words: words, WithWords: true, WordsFile: "flows/locales/active.ar.yaml"}
	for b.Loop() {
		pf := exportPO(b, src)
		if _, err := Import(pf, "x.po", src); err != nil {
			b.Fatal(err)
		}
	}
}
