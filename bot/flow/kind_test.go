package flow

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestEveryKindIsComplete: a kind cannot be added without its file, its
// section in the pilot teams' guide and a node in the graph test flow
// (goflow's TestActionTypes does the same for its actions).
func TestEveryKindIsComplete(t *testing.T) {
	guide, err := os.ReadFile("../../docs/flows.md")
	if err != nil {
		t.Fatal(err)
	}
	every, err := os.ReadFile("testdata/graph/every_kind.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Kind]bool{}
	for _, k := range kinds.list {
		if seen[k.name] || k.name == "" {
			t.Errorf("kind %q is registered twice or has no name", k.name)
		}
		seen[k.name] = true
		if _, err := os.Stat("kind_" + string(k.name) + ".go"); err != nil {
			t.Errorf("kind %q has no file kind_%s.go", k.name, k.name)
		}
		if !strings.Contains(string(guide), "\n### "+string(k.name)+"\n") {
			t.Errorf("kind %q has no \"### %s\" section in docs/flows.md", k.name, k.name)
		}
		if !strings.Contains(string(every), "type: "+string(k.name)+"\n") {
			t.Errorf("kind %q has no node in testdata/graph/every_kind.yaml", k.name)
		}
		if k.records && !slices.Contains(k.keys, "result") {
			t.Errorf("kind %q records answers but has no result key", k.name)
		}
		if (k.text != noText) != slices.Contains(k.keys, "text") {
			t.Errorf("kind %q: its text use and its text key disagree", k.name)
		}
		if k.records && !k.waits {
			t.Errorf("kind %q records answers without waiting for them", k.name)
		}
	}
}

// sayID shows which of the bot's words was used.
func sayWord(id string, data map[string]any) string {
	if len(data) > 0 {
		return fmt.Sprintf("[%s %v]", id, data)
	}
	return "[" + id + "]"
}

// TestKindAnswers: what each kind offers, and how its answers read.
func TestKindAnswers(t *testing.T) {
	f := loadFile(t, "testdata/graph/every_kind.yaml")
	for _, tc := range []struct {
		node    string
		options []string
		values  []string
		buckets []string
	}{
		{"welcome", []string{"yes", "no"}, nil, []string{Skipped}},
		{"ask_visit", []string{"advice", "play", "other"}, []string{"advice", "play", "other"}, []string{"advice", "play", "other", Skipped}},
		{"ask_experience", []string{"5", "4", "3", "2", "1", "_dk"}, []string{"1", "2", "3", "4", "5"}, []string{"5", "4", "3", "2", "1", "_dk", Skipped}},
		{"ask_why", nil, nil, []string{"_text", "_voice", "_photo", Skipped}},
		{"ask_kids", nil, nil, []string{Skipped}},
		{"ask_again", []string{"yes", "no"}, []string{"yes", "no"}, []string{"yes", "no", Skipped}},
		{"ask_idea", []string{"_new", "yes", "no"}, []string{"proposed", "supported"}, []string{"proposed", "supported", Skipped}},
		{"weigh_ideas", []string{"_enough"}, nil, []string{Skipped}},
		{"note", nil, nil, []string{Skipped}},
		{"pass_on", nil, nil, []string{Skipped}},
	} {
		n := f.Node(tc.node)
		if got := n.kind().options(n); !slices.Equal(got, tc.options) {
			t.Errorf("%s: options %v, want %v", tc.node, got, tc.options)
		}
		if got := n.kind().values(n); !slices.Equal(got, tc.values) {
			t.Errorf("%s: values %v, want %v", tc.node, got, tc.values)
		}
		if got := n.Buckets(); !slices.Equal(got, tc.buckets) {
			t.Errorf("%s: buckets %v, want %v", tc.node, got, tc.buckets)
		}
	}
}

// TestShowAnswer: one renderer, three places.
func TestShowAnswer(t *testing.T) {
	f := loadFile(t, "testdata/graph/every_kind.yaml")
	voice := &Media{Type: "voice", FileID: "v"}
	for _, tc := range []struct {
		a                    Answer
		noFlow               bool
		text, mydata, digest string
	}{
		{a: Answer{Result: "visit", Kind: KindChoice, Value: "play"}, text: `Play "group"`, mydata: `Play "group"`, digest: `Play "group"`},
		{a: Answer{Result: "visit", Kind: KindChoice, Value: "gone"}, text: "", mydata: "gone", digest: "gone"},
		{a: Answer{Result: "visit", Kind: KindChoice, Value: "play"}, noFlow: true, text: "", mydata: "play", digest: "play"},
		{a: Answer{Result: "visit", Kind: KindChoice, Value: "other", Text: "my words"}, text: "Something else", mydata: "Something else “my words”", digest: "Something else"},
		{a: Answer{Result: "experience", Kind: KindRating, Value: "4"}, text: "4", mydata: "[rating.4]", digest: "[rating.4]"},
		{a: Answer{Result: "experience", Kind: KindRating, Value: "_dk"}, text: "[button.dontknow]", mydata: "[button.dontknow]", digest: "[button.dontknow]"},
		{a: Answer{Result: "experience", Kind: KindRating, Value: Skipped}, text: "", mydata: "[mydata.skipped]", digest: "[digest.skipped]"},
		{a: Answer{Result: "again", Kind: KindYesNo, Value: "yes"}, text: "[button.yes]", mydata: "[button.yes]", digest: "[button.yes]"},
		{a: Answer{Result: "kids", Kind: KindNumber, Value: "2.5"}, text: "2.5", mydata: "2.5", digest: "2.5"},
		{a: Answer{Result: "why", Kind: KindText, Value: given}, text: "", mydata: given, digest: given},
		{a: Answer{Result: "why", Kind: KindText, Text: "too slow"}, text: "", mydata: "“too slow”", digest: ""},
		{a: Answer{Result: "why", Kind: KindText, Media: voice}, text: "", mydata: "[mydata.voice]", digest: ""},
		{a: Answer{Result: "why", Kind: KindText, Value: "_voice"}, text: "🎤", mydata: "🎤", digest: "🎤"},
		{a: Answer{Result: "idea", Kind: KindIdea, Value: "proposed"}, text: "[idea.proposed]", mydata: "[idea.proposed]", digest: "[idea.proposed]"},
		{a: Answer{Result: "idea", Kind: KindIdea, Value: Skipped}, text: "", mydata: "[mydata.skipped]", digest: "[digest.skipped]"},
		{a: Answer{Result: "old", Kind: Kind("poll"), Value: "x"}, text: "", mydata: "x", digest: "x"},
	} {
		fl := f
		if tc.noFlow {
			fl = nil
		}
		for form, want := range map[Form]string{FormText: tc.text, FormMyData: tc.mydata, FormDigest: tc.digest} {
			if tc.a.Value == given && form != FormText {
				continue // only the conversation keeps this mark
			}
			if got := ShowAnswer(fl, tc.a, form, "en", sayWord); got != want {
				t.Errorf("ShowAnswer(%+v, form %d) = %q, want %q", tc.a, form, got, want)
			}
		}
	}
	if got := ShowAverage(f.Node("ask_experience"), "3,5", sayWord); got != "[digest.average map[Avg:3,5]]" {
		t.Errorf("rating average %q", got)
	}
	if got := ShowAverage(f.Node("ask_kids"), "3,5", sayWord); got != "Ø 3,5" {
		t.Errorf("number average %q", got)
	}
	if got := ShowAverage(f.Node("ask_again"), "1", sayWord); got != "" {
		t.Errorf("yes/no average %q", got)
	}
}

// TestAnswerCounts: the buckets and scores a turn counts.
func TestAnswerCounts(t *testing.T) {
	for _, tc := range []struct {
		a      Answer
		bucket string
		score  float64
		scored bool
	}{
		{Answer{Kind: KindChoice, Value: "staff"}, "staff", 0, false},
		{Answer{Kind: KindChoice, Value: "other", Text: "words"}, "other", 0, false},
		{Answer{Kind: KindChoice, Value: "other", Media: &Media{Type: "voice"}}, "_voice", 0, false},
		{Answer{Kind: KindRating, Value: "4"}, "4", 4, true},
		{Answer{Kind: KindRating, Value: DontKnow}, DontKnow, 0, false},
		{Answer{Kind: KindRating, Value: Skipped}, Skipped, 0, false},
		{Answer{Kind: KindNumber, Value: "2.5"}, "", 2.5, true},
		{Answer{Kind: KindNumber, Value: Skipped}, "", 0, false},
		{Answer{Kind: KindText, Text: "hi"}, "_text", 0, false},
		{Answer{Kind: KindText, Media: &Media{Type: "photo"}}, "_photo", 0, false},
		{Answer{Kind: KindText, Value: Skipped}, Skipped, 0, false},
		{Answer{Kind: KindYesNo, Value: "no"}, "no", 0, false},
		{Answer{Kind: KindIdea, Value: "supported"}, "supported", 0, false},
	} {
		x, ok := tc.a.Score()
		if b := tc.a.Bucket(); b != tc.bucket || ok != tc.scored || x != tc.score {
			t.Errorf("%+v: bucket %q score %v %v; want %q %v %v", tc.a, b, x, ok, tc.bucket, tc.score, tc.scored)
		}
	}
}

// TestSkippableChoiceGoesOn: Skip on a choice whose options all have their
// own next goes on to the node below instead of nowhere.
func TestSkippableChoiceGoesOn(t *testing.T) {
	src := strings.Replace(string(validFlow(t)), "    result: reason\n", "    result: reason\n    optional: true\n", 1)
	src = strings.Replace(src, "        text: The staff\n", "        text: The staff\n        next: thanks\n", 1)
	src = strings.Replace(src, "        text: Waiting time\n", "        text: Waiting time\n        next: thanks\n", 1)
	src = strings.Replace(src, "  - id: thanks\n", "  - id: maybe_later\n    type: message\n    text: Maybe later.\n    next: thanks\n\n  - id: thanks\n", 1)
	f := mustLoad(t, "skip.yaml", src)
	if n := f.Node("ask_reason"); n.Next != "maybe_later" || !n.Optional {
		t.Fatalf("ask_reason: next %q, optional %v; the file is\n%s", n.Next, n.Optional, src)
	}
}

// TestColumns: how each kind's answers read as data in exports.
func TestColumns(t *testing.T) {
	f := loadFile(t, "testdata/graph/every_kind.yaml")
	for node, want := range map[string]Column{
		"ask_visit":      {Type: "string", Codes: []string{"advice", "play", "other"}, Other: true, Media: true},
		"ask_experience": {Type: "integer", Codes: []string{"1", "2", "3", "4", "5"}},
		"ask_why":        {Type: "string", Text: true, Media: true},
		"ask_kids":       {Type: "number"},
		"ask_again":      {Type: "string", Codes: []string{"yes", "no"}},
	} {
		if got := f.Node(node).Column(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", node, got, want)
		}
	}
}
