package flows_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/scenario"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
	"golang.org/x/text/language"
)

// TestShippedFlows: every shipped flow loads without a single warning, and
// has scenario tests that pass, walk each of its languages and reach its
// follow-up.
func TestShippedFlows(t *testing.T) {
	words, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	all, diags, err := flows.Load(flows.Shipped(), "", flow.Options{Languages: words.Languages(), Scripts: words})
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) > 0 {
		t.Fatalf("the shipped flows have problems:\n%s", diags)
	}
	if len(all) != 10 {
		t.Fatalf("%d shipped pilots, want the ten CoSIE pilots", len(all))
	}
	files := scenarioFiles(t)
	for _, f := range all {
		t.Run(f.Pilot.ID, func(t *testing.T) {
			own := files[f.File]
			if !slices.Contains(own, strings.TrimSuffix(f.File, ".yaml")+".test.yaml") {
				t.Fatalf("no scenario file %s.test.yaml", strings.TrimSuffix(f.File, ".yaml"))
			}
			// Each language is walked by some scenario.
			walked := map[string]bool{}
			reachesFollowUp := false
			var followUps []*flow.Node
			for _, n := range f.Nodes {
				if n.Kind == flow.KindFollowup {
					followUps = append(followUps, n)
				}
			}
			for _, name := range own {
				sf := parseScenarios(t, name)
				for _, sc := range sf.Scenarios {
					walked[best(sc.Lang, f.Pilot.Languages)] = true
					for _, st := range sc.Steps {
						for _, n := range followUps {
							if st.Action == scenario.Wait && st.Wait >= n.After {
								reachesFollowUp = true
							}
						}
					}
				}
				var others []*flow.Flow
				for _, name := range sf.Pilots {
					i := slices.IndexFunc(all, func(o *flow.Flow) bool { return o.File == name })
					if i < 0 {
						t.Fatalf("a scenario file lists %s under pilots:, which is not a shipped flow", name)
					}
					others = append(others, all[i])
				}
				rep, err := scenario.Run(context.Background(), sf, f, words, others...)
				if err != nil {
					t.Fatal(err)
				}
				for _, fail := range rep.Failures {
					t.Error(fail)
				}
			}
			for _, l := range f.Pilot.Languages {
				if !walked[l] {
					t.Errorf("no scenario in %s", l)
				}
			}
			if len(followUps) > 0 && !reachesFollowUp {
				t.Error("no scenario waits long enough to reach the follow-up")
			}
		})
	}
}

// scenarioFiles maps each flow file to the shipped scenario files that
// test it: x.test.yaml, and any other naming it with flow: (one file per
// case, like turku.comeback.test.yaml).
func scenarioFiles(t *testing.T) map[string][]string {
	t.Helper()
	entries, err := fs.ReadDir(flows.Shipped(), ".")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, e := range entries {
		if !flows.IsScenario(e.Name()) {
			continue
		}
		sf := parseScenarios(t, e.Name())
		target := sf.Flow
		if target == "" {
			target = strings.TrimSuffix(e.Name(), ".test.yaml") + ".yaml"
		}
		out[target] = append(out[target], e.Name())
	}
	return out
}

func parseScenarios(t *testing.T, name string) *scenario.File {
	t.Helper()
	data, err := fs.ReadFile(flows.Shipped(), name)
	if err != nil {
		t.Fatal(err)
	}
	sf, ds := scenario.Parse(name, data)
	if sf == nil {
		t.Fatalf("scenario file:\n%s", ds)
	}
	return sf
}

func best(code string, langs []string) string {
	if slices.Contains(langs, code) {
		return code
	}
	tags := make([]language.Tag, len(langs))
	for i, l := range langs {
		tags[i] = language.Make(l)
	}
	_, i, conf := language.NewMatcher(tags).Match(language.Make(code))
	if conf == language.No {
		return langs[0]
	}
	return langs[i]
}
