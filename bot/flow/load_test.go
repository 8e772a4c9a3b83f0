package flow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validFlow is testdata/valid.yaml: the smallest useful flow, which every
// file in testdata/bad is a near-copy of.
func validFlow(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mustLoad loads a flow that must have no diagnostics at all.
func mustLoad(t *testing.T, name, src string) *Flow {
	t.Helper()
	f, diags := Load(name, []byte(src), testOptions())
	if len(diags) > 0 || f == nil {
		t.Fatalf("%s: want no diagnostics, got:\n%s", name, diags)
	}
	return f
}

func TestLoadClean(t *testing.T) {
	turku, err := os.ReadFile("../../flows/turku.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		nodes int
	}{
		{"testdata/valid.yaml", validFlow(t), 4},
		{"flows/turku.yaml", turku, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustLoad(t, tc.name, string(tc.data))
			if len(f.Nodes) != tc.nodes {
				t.Errorf("%d nodes, want %d", len(f.Nodes), tc.nodes)
			}
			if f.File != tc.name {
				t.Errorf("File = %q, want %q", f.File, tc.name)
			}
			if f.Start() != f.Nodes[0] {
				t.Error("Start is not the first node")
			}
			for _, n := range f.Nodes {
				if f.Node(n.ID) != n {
					t.Errorf("Node(%q) does not find the node", n.ID)
				}
				for _, next := range n.successors() {
					if f.Node(next) == nil {
						t.Errorf("node %q goes to %q, which does not exist", n.ID, next)
					}
				}
			}
		})
	}
}

func TestTurkuPilot(t *testing.T) {
	data, err := os.ReadFile("../../flows/turku.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := mustLoad(t, "turku.yaml", string(data))
	p := f.Pilot
	if p.ID != "turku" || f.DefaultLanguage() != "fi" || p.Timezone.String() != "Europe/Helsinki" {
		t.Errorf("pilot = %q, default %q, zone %v", p.ID, f.DefaultLanguage(), p.Timezone)
	}
	if p.QuietHours == nil || *p.QuietHours != (QuietHours{From: 21 * 60, To: 9 * 60}) {
		t.Errorf("quiet hours = %+v", p.QuietHours)
	}
	if p.Reminders != (Reminders{Count: 1, After: 48 * time.Hour}) {
		t.Errorf("reminders = %+v", p.Reminders)
	}
	if !p.Safeguarding.Enabled() || !p.Safeguarding.Button || len(p.Safeguarding.Phrases["en"]) == 0 {
		t.Errorf("safeguarding = %+v", p.Safeguarding)
	}
	if got := strings.Join(f.Results(), ","); got != "overall_experience,main_reason,suggestion,followup_ok,helped_later,what_changed" {
		t.Errorf("results = %s", got)
	}
	if n := f.ResultNode("main_reason"); n == nil || n.ID != "ask_reason" {
		t.Errorf("ResultNode(main_reason) = %v", n)
	}
	w := f.Node("wait_two_weeks")
	if w.After != 14*24*time.Hour || w.At == nil || *w.At != (ClockTime{10, 0}) {
		t.Errorf("follow-up after %v at %v", w.After, w.At)
	}
}

// TestImplicitNext: a node without next goes on to the node below it; a
// choice whose options all have next, and an end node, go nowhere.
func TestImplicitNext(t *testing.T) {
	f := mustLoad(t, "next.yaml", `
pilot:
  id: demo
  name: Demo
  languages: [en]
  timezone: Europe/Helsinki
  retention_days: 30
  help: Ask the staff.
nodes:
  - id: welcome
    type: consent
    text: Hi!
  - id: ask_reason
    type: choice
    result: reason
    text: Why?
    options:
      - {id: staff, text: Staff, next: thanks}
      - {id: waiting, text: Waiting, next: sorry}
  - id: sorry
    type: message
    text: Sorry about the wait.
  - id: route
    type: branch
    branches:
      - {answer: reason, equals: waiting, next: thanks}
  - id: thanks
    type: end
    text: Thank you!
`)
	for _, tc := range []struct{ node, next string }{
		{"welcome", "ask_reason"}, // implicit
		{"ask_reason", ""},        // every option has its own next
		{"sorry", "route"},        // implicit
		{"route", "thanks"},       // a branch's "otherwise" is implicit too
		{"thanks", ""},            // end
	} {
		if got := f.Node(tc.node).Next; got != tc.next {
			t.Errorf("%s: next = %q, want %q", tc.node, got, tc.next)
		}
	}
}

func TestLastNodeNeedsNext(t *testing.T) {
	src := strings.Replace(string(validFlow(t)), "type: end", "type: message", 1)
	f, diags := Load("x.yaml", []byte(src), testOptions())
	if f != nil || !strings.Contains(diags.String(), `"thanks" is the last node but has no next`) {
		t.Errorf("got flow %v and\n%s", f != nil, diags)
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		fmt  string // FormatDuration of the result
	}{
		{"30s", 30 * time.Second, "30s"},
		{"15m", 15 * time.Minute, "15m"},
		{"2h", 2 * time.Hour, "2h"},
		{"7d", 7 * 24 * time.Hour, "1w"},
		{"2w", 14 * 24 * time.Hour, "2w"},
		{"14d", 14 * 24 * time.Hour, "2w"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"36h", 36 * time.Hour, "1d12h"},
		{"2h30m", 150 * time.Minute, "2h30m"},
		{"90m", 90 * time.Minute, "1h30m"},
		{" 1h ", time.Hour, "1h"},
		{"0s", 0, "0s"},
		{"1w1d1h1m1s", 8*24*time.Hour + time.Hour + time.Minute + time.Second, "1w1d1h1m1s"},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			continue
		}
		if s := FormatDuration(got); s != tc.fmt {
			t.Errorf("FormatDuration(%v) = %q, want %q", got, s, tc.fmt)
		}
		if back, err := ParseDuration(FormatDuration(got)); err != nil || back != got {
			t.Errorf("round trip of %q: %v, %v", tc.in, back, err)
		}
	}
	for _, bad := range []string{"", " ", "7", "d", "7 days", "2x", "1.5h", "-1d", "1h 30m", "7D", "1d12", "100001d", "100000w", "99999999999999999999s",
		strings.Repeat("100000w", 200)} {
		if d, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, d)
		} else if !strings.Contains(err.Error(), "like 30s, 15m") {
			t.Errorf("ParseDuration(%q) error %q does not say how to write a duration", bad, err)
		}
	}
	if s := FormatDuration(-time.Hour); s != "0s" {
		t.Errorf("FormatDuration(-1h) = %q", s)
	}
}

func TestQuietHours(t *testing.T) {
	at := func(h, m int) int { return h*60 + m }
	for _, tc := range []struct {
		in       string
		from, to int
		quiet    []int
		loud     []int
	}{
		{"21:00-08:00", at(21, 0), at(8, 0), // across midnight
			[]int{at(21, 0), at(23, 59), at(0, 0), at(7, 59)},
			[]int{at(8, 0), at(12, 0), at(20, 59)}},
		{"13:00-14:30", at(13, 0), at(14, 30),
			[]int{at(13, 0), at(14, 29)},
			[]int{at(12, 59), at(14, 30), at(0, 0)}},
		{" 9:05 - 17:00 ", at(9, 5), at(17, 0), []int{at(9, 5)}, []int{at(9, 4), at(17, 0)}},
		{"08:00-08:00", at(8, 0), at(8, 0), nil, []int{at(8, 0), at(0, 0)}}, // an empty window
	} {
		q, ok := parseQuietHours(tc.in)
		if !ok || q.From != tc.from || q.To != tc.to {
			t.Errorf("parseQuietHours(%q) = %+v, %v", tc.in, q, ok)
			continue
		}
		for _, m := range tc.quiet {
			if !q.Contains(m) {
				t.Errorf("%s: %02d:%02d should be quiet", tc.in, m/60, m%60)
			}
		}
		for _, m := range tc.loud {
			if q.Contains(m) {
				t.Errorf("%s: %02d:%02d should not be quiet", tc.in, m/60, m%60)
			}
		}
	}
	for _, bad := range []string{"", "21-08", "21:00", "21.00-08.00", "25:00-08:00", "21:00-08:60", "21:00–08:00", "9pm-8am", "21:0-08:00"} {
		if q, ok := parseQuietHours(bad); ok {
			t.Errorf("parseQuietHours(%q) = %+v, want an error", bad, q)
		}
	}
	var none *QuietHours
	if none.Contains(0) {
		t.Error("no quiet hours should never be quiet")
	}
}

func TestVersion(t *testing.T) {
	data := validFlow(t)
	f1 := mustLoad(t, "a.yaml", string(data))
	f2 := mustLoad(t, "b.yaml", string(data))
	if f1.Version == "" || f1.Version != f2.Version {
		t.Errorf("same file, versions %q and %q", f1.Version, f2.Version)
	}
	for _, change := range []struct{ old, new string }{
		{"Thank you!", "Thank you very much!"},
		{"# The smallest", "# A small"}, // even a comment: sessions bind to the exact file
		{"retention_days: 365", "retention_days: 366"},
	} {
		f3 := mustLoad(t, "c.yaml", strings.Replace(string(data), change.old, change.new, 1))
		if f3.Version == f1.Version {
			t.Errorf("changing %q kept version %q", change.old, f1.Version)
		}
	}
}

const pluralFlow = `
pilot:
  id: demo
  name: {pl: Demo, en: Demo}
  languages: [pl, en]
  timezone: Europe/Warsaw
  retention_days: 30
  help: {pl: Zapytaj personel., en: Ask the staff.}
nodes:
  - id: welcome
    type: consent
    text:
      pl: "Cześć {{.FirstName}}!"
      en: "Hi {{.FirstName}}!"
  - id: ask_visits
    type: number
    result: visits
    text: {pl: "Ile razy?", en: "How many times?"}
  - id: only_polish
    type: message
    text: Tylko po polsku.
  - id: thanks
    type: end
    count: visits
    text:
      pl:
        one: "{{.Count}} wizyta"
        few: "{{.Count}} wizyty"
        many: "{{.Count}} wizyt"
        other: "{{.Count}} wizyty (ułamek)"
      en:
        one: "{{.Count}} visit"
        other: "{{.Count}} visits"
`

func TestTextRender(t *testing.T) {
	f, diags := Load("plural.yaml", []byte(pluralFlow), testOptions())
	if f == nil || diags.HasErrors() {
		t.Fatalf("did not load:\n%s", diags)
	}
	if !f.UsesFirstName() {
		t.Error("UsesFirstName = false, but the welcome text shows the name")
	}
	welcome, only, thanks := f.Node("welcome").Text, f.Node("only_polish").Text, f.Node("thanks").Text
	for _, tc := range []struct {
		name string
		text Text
		lang string
		data *TemplateData
		want string
	}{
		{"template", welcome, "en", &TemplateData{FirstName: "Anna"}, "Hi Anna!"},
		{"template pl", welcome, "pl", &TemplateData{FirstName: "Anna"}, "Cześć Anna!"},
		{"template without data", welcome, "en", nil, "Hi !"},
		{"fallback to default", only, "en", nil, "Tylko po polsku."},
		{"unknown language", only, "de", nil, "Tylko po polsku."},
		{"unknown language, translated text", welcome, "de", &TemplateData{FirstName: "Anna"}, "Cześć Anna!"},
		{"pl one", thanks, "pl", &TemplateData{Count: 1}, "1 wizyta"},
		{"pl few", thanks, "pl", &TemplateData{Count: 3}, "3 wizyty"},
		{"pl many", thanks, "pl", &TemplateData{Count: 5}, "5 wizyt"},
		{"pl few 22", thanks, "pl", &TemplateData{Count: 22}, "22 wizyty"},
		{"pl many 12", thanks, "pl", &TemplateData{Count: 12}, "12 wizyt"},
		{"en one", thanks, "en", &TemplateData{Count: 1}, "1 visit"},
		{"en other", thanks, "en", &TemplateData{Count: 5}, "5 visits"},
		{"zero text", Text{}, "en", nil, ""},
	} {
		if got := tc.text.Render(tc.lang, tc.data); got != tc.want {
			t.Errorf("%s: Render(%q) = %q, want %q", tc.name, tc.lang, got, tc.want)
		}
	}
	if !thanks.Plural() || welcome.Plural() {
		t.Errorf("Plural: thanks %v, welcome %v", thanks.Plural(), welcome.Plural())
	}
	if !only.Has("pl") || only.Has("en") || only.IsZero() || !(Text{}).IsZero() {
		t.Error("Has/IsZero disagree with the file")
	}
}

func TestButtonData(t *testing.T) {
	for _, tc := range []struct{ version, node, option, want string }{
		{"abcdef123456", "ask_reason", "staff", "abcdef:ask_reason:staff"},
		{"abcdef", "ask", "_skip", "abcdef:ask:_skip"},
		{"0123456789ab", "thanks", "_restart", "012345:thanks:_restart"},
	} {
		data := ButtonData(tc.version, tc.node, tc.option)
		if data != tc.want {
			t.Errorf("ButtonData = %q, want %q", data, tc.want)
		}
		v, n, o, ok := ParseButtonData(data)
		if !ok || v != tc.version[:6] || n != tc.node || o != tc.option || !IsFlowButton(data) {
			t.Errorf("ParseButtonData(%q) = %q %q %q %v", data, v, n, o, ok)
		}
	}
	for _, bad := range []string{"", "H", "abcdef", "abcdef:ask", "abcdef::staff", "abcdef:ask:", "abcde:ask:staff", "abcdefg:ask:staff", ":ask:staff", "abcdefask:staff"} {
		if _, _, _, ok := ParseButtonData(bad); ok || IsFlowButton(bad) {
			t.Errorf("ParseButtonData(%q) accepted forged data", bad)
		}
	}
}

// sayID is Words that says the message id, enough to see what the engine does.
type sayID struct{}

func (sayID) Say(_, id string, _ map[string]any) string { return id }

// TestForgedButtons: the engine accepts a press only for an option of the
// current node, made by the current flow version.
func TestForgedButtons(t *testing.T) {
	f := mustLoad(t, "valid.yaml", string(validFlow(t)))
	e := &Engine{Words: sayID{}}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	res := e.Step(f, State{}, Input{Kind: InStart}, now)
	res = e.Step(f, res.State, Input{Kind: InButton, Data: ButtonData(f.Version, "welcome", "yes")}, now)
	res = e.Step(f, res.State, Input{Kind: InButton, Data: ButtonData(f.Version, "ask_experience", "4")}, now)
	st := res.State
	if st.Node != "ask_reason" {
		t.Fatalf("at %q, want ask_reason", st.Node)
	}
	for _, data := range []string{
		ButtonData(f.Version, "ask_reason", "nope"),           // no such option
		ButtonData(f.Version, "ask_reason", "_skip"),          // not optional
		ButtonData(f.Version, "ask_experience", "5"),          // an earlier question
		ButtonData("ffffff", "ask_reason", "staff"),           // another flow version
		ButtonData(f.Version, "ask_reason", "staff") + ":x",   // option "staff:x"
		"ask_reason:staff", "H:ask_reason:staff", "garbage!!", // not button data
	} {
		r := e.Step(f, st, Input{Kind: InButton, Data: data}, now)
		for _, eff := range r.Effects {
			if eff.Kind == EffAnswer {
				t.Errorf("forged press %q recorded %+v", data, eff.Answer)
			}
		}
		if r.State.Node != "ask_reason" {
			t.Errorf("forged press %q moved to %q", data, r.State.Node)
		}
	}
	r := e.Step(f, st, Input{Kind: InButton, Data: ButtonData(f.Version, "ask_reason", "staff")}, now)
	if len(r.Effects) == 0 || r.Effects[0].Kind != EffAnswer || r.Effects[0].Answer.Value != "staff" || r.State.Node != "thanks" {
		t.Errorf("a genuine press: effects %+v, at %q", r.Effects, r.State.Node)
	}
}

// TestSyntaxErrorPosition: the YAML library reports where the enclosing
// block starts; the loader must point at the line with the mistake.
func TestSyntaxErrorPosition(t *testing.T) {
	base := string(validFlow(t))
	for _, tc := range []struct {
		name, old, new string
		want           string
	}{
		{"unclosed quote", "text: How was your visit today?", `text: "How was your visit today?`, ":18:11: error: YAML syntax: this quote is never closed"},
		{"second colon", "text: Waiting time", "text: Waiting: the time", ":28:9: error: YAML syntax: this line has a second"},
		{"unclosed list", "languages: [en]", "languages: [en", ":5:14: error: YAML syntax: this [ is never closed"},
		{"reserved character", "text: Thank you!", "text: @Thank you!", ":32:5: error: YAML syntax: a value here starts with @, which YAML reserves"},
		{"markdown bold", "text: How was your visit today?", "text: *How* was your visit today?", ":18:5: error: YAML syntax: a value here starts with *, which YAML reserves"},
		{"tag", "text: Thank you!", "text: !Thank you", ":32:11: error: a value here starts with !Thank, which YAML reads as a type tag"},
		{"backslash", "text: Thank you!", `text: "Thank you C:\data"`, ":32:5: error: YAML syntax: a \\ in a text in double quotes"},
		{"latin-1", "text: Thank you!", "text: Kiitos \xe4iti!", ":32:18: error: YAML syntax: the file is not plain UTF-8 text here"},
		{"control character", "text: Thank you!", "text: Thank\x0b you!", ":32:16: error: YAML syntax: there is an invisible control character (U+000B) here"},
		{"second document", "  - id: thanks", "---\n  - id: thanks", ":30:1: error: the file goes on after a --- line"},
	} {
		src := strings.Replace(base, tc.old, tc.new, 1)
		_, diags := Load("v.yaml", []byte(src), testOptions())
		if len(diags) != 1 || !strings.HasPrefix(diags[0].String(), "v.yaml"+tc.want) {
			t.Errorf("%s: got\n%s want v.yaml%s...", tc.name, diags, tc.want)
		}
	}
}

func TestByteOrderMark(t *testing.T) {
	// Windows editors may save UTF-8 with a byte order mark.
	mustLoad(t, "bom.yaml", "\ufeff"+string(validFlow(t)))
}

func TestLoadOptionsLanguages(t *testing.T) {
	src := strings.Replace(string(validFlow(t)), "languages: [en]", "languages: [en, de]", 1)
	if _, diags := Load("x.yaml", []byte(src), Options{}); diags.HasErrors() {
		t.Errorf("without Options.Languages any real language is fine, got\n%s", diags)
	}
	if f, diags := Load("x.yaml", []byte(src), testOptions()); f != nil || !strings.Contains(diags.String(), `language "de" has no words for the bot's own messages yet`) {
		t.Errorf("with the bot's languages, de is an error; got\n%s", diags)
	}
}

func TestDiagnosticsError(t *testing.T) {
	_, diags := Load("x.yaml", []byte("pilot: [1]\nnodes: []\n"), testOptions())
	if !diags.HasErrors() || !strings.HasPrefix(diags.Error(), "x.yaml:1:8: error: pilot should be") {
		t.Errorf("Error() = %q", diags.Error())
	}
	if (Diagnostics{}).Error() != "no errors" {
		t.Error("empty Diagnostics.Error")
	}
}

// TestTexts: a flow lists each of its texts once, where its value is.
func TestTexts(t *testing.T) {
	f := loadFile(t, filepath.Join("testdata", "graph", "every_kind.yaml"))
	texts := f.Texts()
	seen := map[Pos]bool{}
	for _, tx := range texts {
		if tx.Pos.Line == 0 || seen[tx.Pos] || tx.IsZero() {
			t.Errorf("text at %v: listed twice, empty or without a position", tx.Pos)
		}
		seen[tx.Pos] = true
	}
	for _, n := range f.Nodes {
		if !n.Text.IsZero() && !seen[n.Text.Pos] {
			t.Errorf("node %s's text at %v is not listed", n.ID, n.Text.Pos)
		}
		for _, o := range n.Options {
			if !seen[o.Text.Pos] {
				t.Errorf("option %s's text is not listed", o.ID)
			}
		}
	}
	if !seen[f.Pilot.Name.Pos] || !seen[f.Pilot.Help.Pos] {
		t.Error("the pilot's name or help is not listed")
	}
}
