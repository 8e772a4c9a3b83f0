package flow

import (
	"os"
	"strings"
	"testing"
)

// FuzzLoad feeds the loader broken files. Load must never crash (its
// recover turns a panic into an "internal error" diagnostic, which counts as
// a failure here), must explain every refusal with an error, must point
// every message at a real position, and must only return flows the engine
// can run.
//
//	go test ./bot/flow -run XXX -fuzz FuzzLoad -fuzztime 60s
func FuzzLoad(f *testing.F) {
	f.Add(validFlow(f))
	turku, err := os.ReadFile("../../flows/turku.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(turku)
	for _, file := range badFiles(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(pluralFlow))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, diags := Load("fuzz.yaml", data, testOptions())
		for _, d := range diags {
			if strings.Contains(d.Message, "internal error") {
				t.Fatalf("Load panicked: %s", d)
			}
			if d.Pos.Line < 1 || d.Pos.Col < 1 {
				t.Errorf("no position: %s", d)
			}
			if d.File != "fuzz.yaml" {
				t.Errorf("wrong file: %s", d)
			}
			if strings.TrimSpace(d.Message) == "" {
				t.Errorf("empty message: %s", d)
			}
		}
		if fl == nil {
			if !diags.HasErrors() {
				t.Fatalf("no flow and no error; diagnostics:\n%s", diags)
			}
			return
		}
		if diags.HasErrors() {
			t.Fatalf("a flow with errors:\n%s", diags)
		}
		if len(fl.Nodes) == 0 {
			t.Fatal("a flow without nodes")
		}
		for _, n := range fl.Nodes {
			if fl.Node(n.ID) != n {
				t.Errorf("node %q is not found by its id", n.ID)
			}
			if n.Next == "" && n.Kind != KindEnd && !(n.Kind == KindChoice && len(n.Options) > 0) {
				t.Errorf("node %q (%s) has no next", n.ID, n.Kind)
			}
			for _, next := range n.successors() {
				if fl.Node(next) == nil {
					t.Errorf("node %q goes to %q, which does not exist", n.ID, next)
				}
			}
			if n.Kind != KindBranch && n.Kind != KindFollowup && !n.Text.Has(fl.DefaultLanguage()) {
				t.Errorf("node %q has no text in the default language", n.ID)
			}
		}
	})
}
