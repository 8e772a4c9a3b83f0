package safeguard

import (
	"strings"
	"testing"
	"testing/fstest"
)

// lexiconOf builds a one-language lexicon from a file body.
func lexiconOf(t *testing.T, lang, body string) *Lexicon {
	t.Helper()
	l, err := Load(fstest.MapFS{lang + ".yaml": {Data: []byte("language: " + lang + "\n" + body)}})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPatternSyntax(t *testing.T) {
	for _, c := range []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"suicid*", []string{"suicide", "I feel SUICIDAL", "suicidaaaal"}, []string{"presuicide", "sui cide"}},
		{"kill myself", []string{"kill myself", "I'll kill myself!", "kiiiill myself"}, []string{"kill my self", "kill him myself"}},
		{"(hits|beats) me", []string{"he hits me", "she BEATS me"}, []string{"he hit me", "hits him"}},
		{"mum ... ... kill me", []string{"mum will kill me", "mum says when she sees she will kill me"}, []string{"mum says that when she sees it she will kill me"}},
		{"my (partner|boyfriend) ... hit* me", []string{"my partner hits me", "my partner often hits me", "my boyfriend hit me again", "my partner when drunk often hits me"}, []string{"my partner is nice. the car hit me"}},
		{"[really] want to die", []string{"want to die", "really want to die"}, []string{"want to do it"}},
		{"(end my life|kill myself)", []string{"i will end my life", "kill myself"}, []string{"end my lifelong hobby"}},
		{"^ help $", []string{"help", "Help!!!", "  heeelp  "}, []string{"help me", "no help"}},
		{"^ sos", []string{"SOS please", "🆘 I need help now"}, []string{"vos sos"}},
		{"*väkivalt*", []string{"lähisuhdeväkivaltaa", "väkivalta"}, []string{"valta"}},
		{"*mord", []string{"selbstmord"}, []string{"mordet"}},
		{"self-harm*", []string{"self harming", "self-harm", "self - harm"}, []string{"selfharm"}},
		{"kill|die", []string{"kill", "die"}, []string{"dye"}},
		{"(a (b|c)|d) e", []string{"a b e", "a c e", "d e"}, []string{"a e", "b e"}},
	} {
		l := lexiconOf(t, "xx", "suicide:\n  - "+quote(c.pattern)+"\n")
		for _, m := range c.match {
			if _, ok := l.Detect(m, []string{"xx"}); !ok {
				t.Errorf("%q should match %q", c.pattern, m)
			}
		}
		for _, m := range c.miss {
			if got, ok := l.Detect(m, []string{"xx"}); ok {
				t.Errorf("%q should not match %q (got %+v)", c.pattern, m, got)
			}
		}
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func TestFoldedMatching(t *testing.T) {
	l := lexiconOf(t, "sv", "fold: {å: a, ä: a, ö: o}\nsuicide:\n  - \"vill dö\"\n  - \"självmord*\"\n")
	for _, m := range []string{"jag vill dö", "jag vill do", "JAG VILL DÖÖÖÖ", "självmordstankar", "sjalvmord"} {
		if _, ok := l.Detect(m, []string{"sv"}); !ok {
			t.Errorf("sv should match %q", m)
		}
	}
	// Folding belongs to the language: the same letters in a language
	// without that fold rule are not folded.
	l = lexiconOf(t, "xx", "suicide:\n  - \"vill dö\"\n")
	if _, ok := l.Detect("vill do", []string{"xx"}); ok {
		t.Error("a language without fold rules folded ö")
	}
}

func TestExclusions(t *testing.T) {
	l := lexiconOf(t, "xx", `suicide:
  - "kill* myself"
danger:
  - "kill* me"
help:
  - "help"
exclude:
  - "(is|s) killing me"
  - "help (with|me with)"
  - "boss ... kill me"
`)
	for _, c := range []struct {
		text string
		want Category // "" for no match
	}{
		{"this queue is killing me", ""},
		{"this queue is killing me and i want to kill myself", Suicide}, // the exclusion covers only its own words
		{"my boss is going to kill me", ""},
		{"he is going to kill me", Danger},
		{"the queue is killing me, he will kill me", Danger},
		{"I need help with my form", ""},
		{"help with the form, and help", Help},
		{"help i want to kill myself", Suicide}, // crisis beats help
	} {
		got, ok := l.Detect(c.text, []string{"xx"})
		if got.Category != c.want || ok != (c.want != "") {
			t.Errorf("Detect(%q) = %+v, %v; want %q", c.text, got, ok, c.want)
		}
	}
}

func TestCheckPatternErrors(t *testing.T) {
	for _, c := range []struct{ pattern, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"(kill|end myself", `"(" is never closed`},
		{"[often hits me", `"[" is never closed`},
		{"kill) myself", "never opened"},
		{"(kill|) myself", "empty choice"},
		{"()", "empty choice"},
		{"ki*ll", "* stands inside a word"},
		{"*", "no letters"},
		{"a* me", "too short"},
		{"!!!", "no letters"},
		{"... hits me", "between two words"},
		{"... ... hits me", "between two words"},
		{"^ ... help", "between two words"},
		{"hits me ...", "between two words"},
		{"[often]", "optional"},
		{"hits me (again)?", "not pattern syntax"},
		{"help ^", "very start"},
		{"$ help", "very end"},
		{"(^ help)", "inside brackets"},
		{"((((a))))", "nested more than"},
		{strings.Repeat("word ", 40), "words"},
		{strings.Repeat("x", 700), "characters long"},
		{"\xff", "UTF-8"},
	} {
		err := CheckPattern(c.pattern)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckPattern(%q) = %v; want an error with %q", c.pattern, err, c.want)
		}
	}
	for _, ok := range []string{"kill myself", "suicid*", "(hits|beats) me", "my partner ... hits me", "^ help $", "*väkivalt*", "mezelf van kant"} {
		if err := CheckPattern(ok); err != nil {
			t.Errorf("CheckPattern(%q) = %v", ok, err)
		}
	}
}

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"language: xx\nsuicide:\n  - \"ok\"\n  - \"(bad\"\n", `xx.yaml:4: suicide: pattern "(bad"`},
		{"language: xx\nsuicde:\n  - \"ok\"\n", `xx.yaml:2: unknown key "suicde"`},
		{"language: yy\n", "write language: xx"},
		{"language: xx\nfold: [a]\n", "xx.yaml:2: fold"},
		{"language: xx\nhelp: help\n", "xx.yaml:2: help: write a list"},
		{"language: xx\nreviewed: maybe\n", "reviewed: write true or false"},
		{"language: [\n", "xx.yaml"},
	} {
		_, err := Load(fstest.MapFS{"xx.yaml": {Data: []byte(c.file)}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%q) = %v; want %q", c.file, err, c.want)
		}
	}
	if _, err := Load(fstest.MapFS{}); err == nil {
		t.Error("Load of no files gave no error")
	}
}

func TestWith(t *testing.T) {
	base := lexiconOf(t, "nl", "fold: {ë: e}\nsuicide:\n  - \"zelfmoord*\"\nexclude:\n  - \"doodmoe\"\n")
	l, err := base.With("nl", []string{"mezelf van kant", "ik wil dood"}, []string{"wil dood (van|naar) de"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lex  *Lexicon
		text string
		want Category
	}{
		{l, "ik wil mezelf van kant maken", Pilot},
		{l, "ik wil dood", Pilot},
		{l, "ik wil dood van de bank af", ""}, // the pilot's exclusion
		{l, "zelfmoordgedachten", Suicide},    // the base lexicon stays
		{base, "ik wil mezelf van kant maken", ""},
	} {
		got, ok := c.lex.Detect(c.text, []string{"nl"})
		if got.Category != c.want || ok != (c.want != "") {
			t.Errorf("Detect(%q) = %+v; want %q", c.text, got, c.want)
		}
	}
	if !Pilot.Crisis() || Help.Crisis() {
		t.Error("Pilot must be a crisis and Help must not")
	}
	// A language the lexicon lacks is added; region subtags are dropped.
	l2, err := base.With("pt-BR", []string{"quero morrer"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := l2.Detect("eu quero morrer", []string{"pt"}); !ok || m.Lang != "pt" {
		t.Errorf("pilot language not added: %+v", m)
	}
	if _, err := base.With("nl", []string{"(kapot"}, nil); err == nil || !strings.Contains(err.Error(), `nl phrase: pattern "(kapot"`) {
		t.Errorf("bad pilot phrase: %v", err)
	}
	if _, err := base.With("", []string{"x"}, nil); err == nil {
		t.Error("With without a language gave no error")
	}
}

func TestDetectLanguages(t *testing.T) {
	l, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	// English is always checked; unknown or repeated codes do no harm.
	for _, langs := range [][]string{nil, {"fi"}, {"zz", "en", "EN"}} {
		if m, ok := l.Detect("I want to kill myself", langs); !ok || m.Lang != "en" || m.Category != Suicide {
			t.Errorf("langs %v: %+v, %v", langs, m, ok)
		}
	}
	if _, ok := l.Detect("", []string{"fi"}); ok {
		t.Error("empty text matched")
	}
	if _, ok := l.Detect("😀😀", []string{"fi"}); ok {
		t.Error("emoji-only text matched")
	}
}

// TestDetectConcurrent shares one lexicon between goroutines (run with
// -race): Detect must not write to anything shared.
func TestDetectConcurrent(t *testing.T) {
	l, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	msgs := []string{"I want to kill myself", "jag vill dö", "the bins stink", "🆘", "أريد أن أموت"}
	done := make(chan bool)
	for g := range 4 {
		go func() {
			ok := true
			for i := range 200 {
				msg := msgs[(g+i)%len(msgs)]
				_, got := l.Detect(msg, []string{"sv", "ar"})
				ok = ok && got == (msg != "the bins stink")
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a goroutine got a wrong answer")
		}
	}
}
