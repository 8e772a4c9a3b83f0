package locales_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/locales"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// visible shows the isolates in golden strings and files.
var visible = strings.NewReplacer("\u2068", "<FSI>", "\u2069", "<PDI>")

func TestRTL(t *testing.T) {
	rtl := []string{"ar", "fa", "prs", "ur", "ps", "ckb", "he", "yi", "dv", "ar-EG", "az-Arab"}
	ltr := []string{"en", "fi", "tr", "so", "ti", "ku", "kmr", "ru", "uk", "az", "xx", "", "not a code"}
	for _, l := range rtl {
		if !locales.RTL(l) {
			t.Errorf("RTL(%q) = false, want true", l)
		}
	}
	for _, l := range ltr {
		if locales.RTL(l) {
			t.Errorf("RTL(%q) = true, want false", l)
		}
	}
}

func TestIsolate(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{"ar", "42", "<FSI>42<PDI>"},
		{"fa", "Turku youth services", "<FSI>Turku youth services<PDI>"},
		{"prs", "https://example.org/a", "<FSI>https://example.org/a<PDI>"},
		{"ar", "", ""},
		{"en", "42", "42"},
		{"so", "42", "42"},
	}
	for _, tt := range tests {
		if got := visible.Replace(locales.Isolate(tt.lang, tt.in)); got != tt.want {
			t.Errorf("Isolate(%q, %q) = %q, want %q", tt.lang, tt.in, got, tt.want)
		}
	}
}

// TestSayIsolatesRTL: in an RTL language, every value inserted into a text
// and every /command is isolated; English is left alone.
func TestSayIsolatesRTL(t *testing.T) {
	en := "# What.\nreask.range: \"Send a number from {{.Min}} to {{.Max}}.\"\n" +
		"# What.\nwaiting.days:\n  one: \"In {{.Count}} day.\"\n  other: \"In {{.Count}} days.\"\n" +
		"# What.\nhelp: \"Send /start to begin, or /stop.\"\n" +
		"# What.\nhello: \"Hello{{if .Name}} {{.Name}}{{end}}!\"\n"
	ar := "reask.range: \"أرسل رقمًا من {{.Min}} إلى {{.Max}}.\"\n" +
		"waiting.days:\n  zero: \"بعد {{.Count}} يوم.\"\n  one: \"بعد يوم واحد ({{.Count}}).\"\n  two: \"بعد يومين ({{.Count}}).\"\n  few: \"بعد {{.Count}} أيام.\"\n  many: \"بعد {{.Count}} يومًا.\"\n  other: \"بعد {{.Count}} يوم.\"\n" +
		"help: \"أرسل /start للبدء، أو /stop.\"\n" +
		"hello: \"مرحبًا{{if .Name}} {{.Name}}{{end}}!\"\n"
	c, err := locales.Load(files("active.en.yaml", en, "active.ar.yaml", ar))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(); err != nil {
		t.Fatalf("Check(): %v", err)
	}
	tests := []struct {
		lang, id string
		data     map[string]any
		want     string
	}{
		{"ar", "reask.range", map[string]any{"Min": 1, "Max": 10}, "أرسل رقمًا من <FSI>1<PDI> إلى <FSI>10<PDI>."},
		{"ar", "waiting.days", map[string]any{"Count": 3}, "بعد <FSI>3<PDI> أيام."},
		{"ar", "waiting.days", map[string]any{"Count": 11}, "بعد <FSI>11<PDI> يومًا."},
		{"ar", "waiting.days", map[string]any{"Count": 2}, "بعد يومين (<FSI>2<PDI>)."},
		{"ar", "help", nil, "أرسل <FSI>/start<PDI> للبدء، أو <FSI>/stop<PDI>."},
		{"ar", "hello", map[string]any{"Name": "Anna"}, "مرحبًا <FSI>Anna<PDI>!"},
		{"ar", "hello", map[string]any{"Name": ""}, "مرحبًا!"},
		{"en", "reask.range", map[string]any{"Min": 1, "Max": 10}, "Send a number from 1 to 10."},
		{"en", "help", nil, "Send /start to begin, or /stop."},
	}
	for _, tt := range tests {
		if got := visible.Replace(c.Say(tt.lang, tt.id, tt.data)); got != tt.want {
			t.Errorf("Say(%q, %q, %v) = %q, want %q", tt.lang, tt.id, tt.data, got, tt.want)
		}
	}
}

// TestRTLGolden renders the shipped RTL languages' messages that insert
// values or name commands, with the isolates made visible.
func TestRTLGolden(t *testing.T) {
	c := catalog(t)
	var b strings.Builder
	for _, lang := range c.Languages() {
		if !locales.RTL(lang) {
			continue
		}
		for _, id := range []string{"reask.range", "waiting.days", "mydata.service", "mydata.language", "consent.footer", "stop.done", "back.waiting.days", "switch.ask", "mydata.dialogue", "digest.completed", "digest.title", "export.caption", "alert.button"} {
			fmt.Fprintf(&b, "%s %s: %s\n", lang, id, visible.Replace(c.Say(lang, id, sample)))
		}
	}
	golden(t, filepath.Join("testdata", "rtl.golden"), b.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test ./locales -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./locales -update rewrites it):\n--- got\n%s", name, got)
	}
}
