package translate

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/translate/po"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it after checking):\n%s", name, got)
	}
}

func smallSource(t *testing.T, lang string) Source {
	t.Helper()
	data, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return Source{Lang: lang, FlowFile: "testdata/small.yaml", FlowData: data, Words: catalog(t)}
}

// arabic translates every text of small.yaml.
var arabic = map[string][]string{
	"pilot.name":                  {"خدمة صغيرة جدًا"},
	"pilot.about":                 {"أخبر الخدمة الصغيرة برأيك."},
	"pilot.help":                  {"تدير هذا الاستبيان الخدمة الصغيرة.\nهذه ليست خدمة طوارئ."},
	"pilot.safeguarding.help_now": {"في خطر؟ اتصل بالرقم 112 الآن."},
	"pilot.safeguarding.phrases":  {"أؤذي نفسي\nلست بأمان"},
	"node.hello.text":             {"مرحبًا {{.FirstName}}! سؤالان فقط."},
	"node.why.text":               {"ما الأهم بالنسبة لك؟"},
	"node.why.option.staff.text":  {"الموظفون"},
	"node.why.option.other.text":  {"شيء آخر"},
	"node.why.option.other.ask":   {"أخبرنا ببضع كلمات."},
	"node.kids.text":              {"كم عدد الأطفال الذين يعيشون معك؟"},
	"node.kids.reask":             {"الرقم فقط، مثلًا 2."},
	"node.kids_note.text":         {"لا أطفال: شكرًا.", "طفل واحد: شكرًا.", "طفلان: شكرًا.", "{{.Count}} أطفال: شكرًا.", "{{.Count}} طفلًا: شكرًا.", "{{.Count}} طفل: شكرًا."},
	"node.bye.text":               {"شكرًا لك!"},
}

func translated(pf *po.File, tr map[string][]string) {
	for _, e := range pf.Entries {
		if s, ok := tr[e.Context]; ok {
			e.Str = s
		}
	}
}

// TestTranslateFlow: a flow exported to Arabic, translated and imported:
// the PO file the translator gets, and the flow file after the import
// (the comments, blank lines and quoting of the rest stay).
func TestTranslateFlow(t *testing.T) {
	src := smallSource(t, "ar")
	pf, err := Export(src)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	pf.WriteTo(&b)
	golden(t, "testdata/small.ar.po", b.Bytes())

	translated(pf, arabic)
	res, err := Import(pf, "small.ar.po", src)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.FlowTexts != len(arabic)-1 { // the staff button was translated already
		t.Errorf("%d texts changed, want %d", res.FlowTexts, len(arabic)-1)
	}
	golden(t, "testdata/small.ar.yaml", res.Flow)
	words := catalog(t)
	f, diags := flow.Load("small.ar.yaml", res.Flow, flow.Options{Languages: words.Languages(), Scripts: words})
	if f == nil {
		t.Fatalf("the imported flow does not load: %s", diags)
	}
	if got := f.Node("kids_note").Text.Render("ar", &flow.TemplateData{Count: 2}); got != "طفلان: شكرًا." {
		t.Errorf("the dual form reads %q", got)
	}

	// The same file again changes nothing.
	src.FlowData = res.Flow
	again := exportPO(t, src)
	res, err = Import(again, "small.ar.po", src)
	if err != nil || res.Flow != nil {
		t.Errorf("a second import changed the file: %v", err)
	}
}

// TestTranslateWords: the bot's own words, reworded for a pilot in a
// language the bot speaks, go to a new file of the pilot's with just those
// messages; in a file that exists, they change in place.
func TestTranslateWords(t *testing.T) {
	src := Source{Lang: "nl", Words: catalog(t), WithWords: true, WordsFile: "flows/locales/active.nl.yaml"}
	pf := exportPO(t, src)
	translated(pf, map[string][]string{"words.button.skip": {"Sla over"}, "words.reask.number": {"Stuur een getal, zoals 3."}})
	res, err := Import(pf, "nl.po", src)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/words.nl.yaml", res.Words)

	src.WordsData = []byte("# Our own words.\n# reviewed: no\n\nbutton.skip: Overslaan  # shorter\n")
	pf = exportPO(t, src)
	translated(pf, map[string][]string{"words.button.skip": {"Verder"}, "words.waiting.days": {"Tot over een dag!", "Tot over {{.Count}} dagen!"}})
	res, err = Import(pf, "nl.po", src)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Our own words.\n# reviewed: no\n\nbutton.skip: Verder  # shorter\nwaiting.days:\n  one: \"Tot over een dag!\"\n  other: \"Tot over {{.Count}} dagen!\"\n"
	if string(res.Words) != want {
		t.Errorf("words file:\n%s\nwant:\n%s", res.Words, want)
	}
}

// TestRefusedImports: each mistake a translator can make is refused with
// the entry's line and what to do, and nothing is written.
func TestRefusedImports(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(pf *po.File)
		wants string
	}{
		{"placeholder lost", set("node.hello.text", "مرحبًا! سؤالان."), "the translation lost {{.FirstName}}"},
		{"placeholder added", set("node.bye.text", "شكرًا {{.FirstName}}"), "the translation has {{.FirstName}}, which the source does not"},
		{"broken placeholder", set("node.bye.text", "شكرًا {{.FirstName"), "has a broken placeholder"},
		{"button too long", set("node.why.option.staff.text", strings.Repeat("م", 65)), "the translation is 65 characters; phones cut off buttons longer than 64"},
		{"message too long", set("node.why.text", strings.Repeat("س", 4097)), "the translation is 4097 characters; Telegram allows 4096"},
		{"name too long", set("pilot.name", strings.Repeat("خ", 65)), "Telegram allows 64"},
		{"plural forms missing", set("node.kids_note.text", "", "طفل واحد", "", "", "", "{{.Count}} طفل"), "translate zero (0) and two (2) and few (3, 4, 5, 6, 7, 8, …) and many (11, 12, 13, 14, 15, 16, …) too"},
		{"unknown text", func(pf *po.File) { pf.Entries[0].Context = "node.gone.text" }, `"node.gone.text" is not a text of these files`},
		{"other plural rule", func(pf *po.File) { setHeader(pf, "Plural-Forms", "nplurals=2; plural=(n != 1);") }, "the file's Plural-Forms has 2 forms, but ar has 6"},
		{"bad phrase", set("pilot.safeguarding.phrases", "أؤذي نفسي\nلا"), "risk phrase \"لا\" is too short"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := smallSource(t, "ar")
			pf := exportPO(t, src)
			tc.edit(pf)
			res, err := Import(pf, "small.ar.po", src)
			if err == nil || res != nil {
				t.Fatalf("accepted: %+v", res)
			}
			if !strings.Contains(err.Error(), tc.wants) || !strings.HasPrefix(err.Error(), "small.ar.po:") {
				t.Errorf("error %q, want it to say %q", err, tc.wants)
			}
		})
	}
}

// TestSkippedEntries: fuzzy, untranslated and outdated entries are left
// out with a note, and the rest is imported.
func TestSkippedEntries(t *testing.T) {
	src := smallSource(t, "ar")
	pf := exportPO(t, src)
	set("node.bye.text", "شكرًا لك!")(pf)
	set("node.why.text", "ما الأهم؟")(pf)
	find(pf, "node.why.text").Flags = []string{"fuzzy"}
	set("node.kids.text", "كم؟")(pf)
	find(pf, "node.kids.text").ID = "How many kids?"
	res, err := Import(pf, "small.ar.po", src)
	if err != nil {
		t.Fatal(err)
	}
	if res.FlowTexts != 1 || !bytes.Contains(res.Flow, []byte("ar: \"شكرًا لك!\"")) {
		t.Errorf("%d texts changed:\n%s", res.FlowTexts, res.Flow)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, w := range []string{"1 left out: marked fuzzy", "1 left out: the source text changed since the export", "left out: not translated yet"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
}

func find(pf *po.File, key string) *po.Entry {
	for _, e := range pf.Entries {
		if e.Context == key {
			return e
		}
	}
	panic("no entry " + key)
}

func set(key string, str ...string) func(*po.File) {
	return func(pf *po.File) { find(pf, key).Str = str }
}

func setHeader(pf *po.File, name, value string) {
	for i := range pf.Header {
		if pf.Header[i].Name == name {
			pf.Header[i].Value = value
		}
	}
}
