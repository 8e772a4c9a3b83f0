package flow

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// safeguardingFlow is testdata/valid.yaml with two languages, coordinators
// and a safeguarding block.
func safeguardingFlow(coordinators, block string) string {
	src := strings.Replace(string(mustRead("testdata/valid.yaml")), "  languages: [en]\n",
		"  languages: [en, fi]\n  coordinators: "+coordinators+"\n", 1)
	return strings.Replace(src, "\nnodes:", "  safeguarding:\n"+block+"\nnodes:", 1)
}

func mustRead(name string) []byte {
	data, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return data
}

// fakePattern refuses patterns with a "(" never closed, as the lexicon does.
func fakePattern(p string) error {
	if strings.Count(p, "(") != strings.Count(p, ")") {
		return errors.New(`a "(" is never closed`)
	}
	return nil
}

func TestSafeguardingBlock(t *testing.T) {
	const helpBoth = "    help_now:\n      en: Call 112.\n      fi: Soita 112.\n"
	for _, tc := range []struct {
		name         string
		coordinators string
		block        string
		opts         Options
		want         []string // diagnostics, as "line:col: severity: part of the message"
	}{
		{
			name:  "phrases and exclusions in the pattern syntax",
			block: helpBoth + "    phrases:\n      en: [\"my officer (hits|hurts) me\"]\n      fi: [\"itsemurha*\"]\n    exclude:\n      en: [\"lifeline youth club\"]\n",
		},
		{
			name:  "a pattern the lexicon refuses, at its place",
			block: helpBoth + "    phrases:\n      en: [\"hurt myself\", \"(hits|hurts me\"]\n",
			want:  []string{`15:27: error: risk phrase: a "(" is never closed`},
		},
		{
			name:  "an exclusion the lexicon refuses",
			block: helpBoth + "    exclude:\n      fi: [\"(tappaa\"]\n",
			want:  []string{`15:12: error: exclusion: a "(" is never closed`},
		},
		{
			name:  "help text missing in a pilot language",
			block: "    help_now:\n      en: Call 112.\n",
			want:  []string{"12:7: warning: help_now has no fi text"},
		},
		{
			name:  "alerts promised, nobody to tell",
			block: helpBoth + "    alerts: true\n",
			want:  []string{"14:13: error: alerts: true promises citizens that staff are told"},
		},
		{
			name:         "alerts promised, coordinators in the file",
			coordinators: "[123456789]",
			block:        helpBoth + "    alerts: true\n",
		},
		{
			name:  "alerts promised, coordinators from the environment",
			block: helpBoth + "    alerts: true\n",
			opts:  Options{Coordinators: map[string][]int64{"demo": {42}}},
		},
		{
			name:  "alerts promised, the environment has nobody for this pilot",
			block: helpBoth + "    alerts: true\n",
			opts:  Options{Coordinators: map[string][]int64{"other": {42}}},
			want:  []string{"14:13: warning: alerts: true promises citizens that staff are told"},
		},
		{
			name:  "no promise, nobody to tell",
			block: helpBoth + "    alerts: false\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Languages = botLanguages
			opts.CheckPhrase = fakePattern
			coordinators := tc.coordinators
			if coordinators == "" {
				coordinators = "[]"
			}
			f, diags := Load("demo.yaml", []byte(safeguardingFlow(coordinators, tc.block)), opts)
			var got []string
			for _, d := range diags {
				// The flow's other texts are in English only.
				if !strings.Contains(d.Message, "translat") {
					got = append(got, d.String())
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], "demo.yaml:"+w) {
					t.Errorf("diagnostic %d is\n  %s\nwant one with\n  %s", i, got[i], w)
				}
			}
			if !diags.HasErrors() && f == nil {
				t.Fatal("no flow without errors")
			}
		})
	}
}

func TestSafeguardingBlockValues(t *testing.T) {
	src := safeguardingFlow("[123456789]", "    help_now:\n      en: Call 112.\n      fi: Soita 112.\n    alerts: yes\n"+
		"    phrases:\n      en: [\"My Officer hurts me\"]\n    exclude:\n      fi: [\"nuorten talo\", \"kriisikeskus\"]\n")
	f, diags := Load("demo.yaml", []byte(src), Options{Languages: botLanguages, CheckPhrase: fakePattern})
	if f == nil || diags.HasErrors() {
		t.Fatalf("diagnostics: %v", diags)
	}
	s := f.Pilot.Safeguarding
	if !s.Alerts {
		t.Error("alerts: yes was not read")
	}
	// The lexicon normalises case itself: phrases are kept as written.
	if got := s.Phrases["en"]; len(got) != 1 || got[0] != "My Officer hurts me" {
		t.Errorf("phrases = %q", s.Phrases)
	}
	if got := s.Exclude["fi"]; len(got) != 2 || got[1] != "kriisikeskus" {
		t.Errorf("exclude = %q", s.Exclude)
	}
}
