package flow

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestGraphGolden draws every shipped flow and testdata/graph/*.yaml and
// compares the Mermaid with testdata/graph/<name>.mmd. Run with -update to
// rewrite them, then look at them in a Mermaid viewer before committing.
func TestGraphGolden(t *testing.T) {
	for _, file := range graphFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			got := Mermaid(loadFile(t, file), "")
			checkMermaid(t, got)
			golden := filepath.Join("testdata", "graph", name+".mmd")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./bot/flow -run Graph -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (go test ./bot/flow -run Graph -update rewrites it)\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

// TestGraphShowsEveryAnswer: each kind draws what its answers do.
func TestGraphShowsEveryAnswer(t *testing.T) {
	got := Mermaid(loadFile(t, filepath.Join("testdata", "graph", "every_kind.yaml")), "en")
	for _, want := range []string{
		`n_welcome -->|"agree"| n_ask_visit`,
		`n_ask_visit -->|"Advice #124; help"| n_note`,                                          // an option with its own next
		`n_ask_visit -->|"Play #quot;group#quot; · Something else ✍ · Skip"| n_ask_experience`, // other and Skip follow next
		`n_ask_experience -->|"1–5 · don't know"| n_route`,
		`n_route -->|"experience #lt; 3"| n_ask_why`,
		`n_route -->|"visit in play, other"| n_ask_kids`,
		`n_route -->|"visit skipped"| n_ask_kids`,
		`n_route -->|"otherwise"| n_ask_why`,
		`n_ask_why -->|"✍ text · 🎤 voice · 📷 photo · Skip"| n_ask_kids`,
		`n_ask_kids -->|"a number 0–12 · Skip"| n_ask_age`,
		`n_ask_age -->|"a number ≥ 16"| n_ask_idea`,
		`n_ask_idea -->|"💡 idea · 👍 support similar · hear back? · Skip"| n_weigh_ideas`,
		`n_weigh_ideas -->|"👍 · 👎 · 🤷 up to 3 ideas"| n_note`,
		`n_ask_again -->|"yes · no"| n_wait_ten_days`,
		`n_wait_ten_days[/"⏰ wait 10d at 09:30<br/>Talk soon!"/]`, // as written, not 1w3d
		`n_wait_more[/"⏰ wait 1d12h"/]`,
		`n_wait_ten_days -.-> n_wait_more`,
		`n_bye -.->|"start again"| n_welcome`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("the graph lacks\n  %s\ngot:\n%s", want, got)
		}
	}
}

func TestMermaidEscape(t *testing.T) {
	for in, want := range map[string]string{
		`say "hi"`:    "say #quot;hi#quot;",
		"a|b":         "a#124;b",
		"<b>":         "#lt;b#gt;",
		"#112;":       "#35;112;",
		"`md`":        "#96;md#96;",
		"plain words": "plain words",
	} {
		if got := mermaidEscape(in); got != want {
			t.Errorf("mermaidEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkMermaid checks that a flowchart is one Mermaid can read: each line a
// node with matching brackets and a quoted label, or an arrow between
// declared nodes with a quoted label; labels hold no quote, pipe, angle
// bracket or # other than as entity codes (and <br/> line breaks).
func checkMermaid(t *testing.T, g string) {
	t.Helper()
	nodeLine := regexp.MustCompile(`^  (n_[A-Za-z0-9_]+)(\(\[|\[/|\(|\[|\{)"([^"]*)"(\]\)|/\]|\)|\]|\})$`)
	edgeLine := regexp.MustCompile(`^  (n_[A-Za-z0-9_]+) (-->|-\.->)(?:\|"([^"]*)"\|)? (n_[A-Za-z0-9_]+)$`)
	entity := regexp.MustCompile(`#([a-z]+|[0-9]+);`)
	closing := map[string]string{"([": "])", "[/": "/]", "(": ")", "[": "]", "{": "}"}
	cleanLabel := func(line, label string) {
		rest := entity.ReplaceAllString(strings.ReplaceAll(label, "<br/>", ""), "")
		if strings.ContainsAny(rest, "\"|<>#`") {
			t.Errorf("unescaped character in the label of %q", line)
		}
	}
	lines := strings.Split(strings.TrimSuffix(g, "\n"), "\n")
	if lines[0] != "flowchart TD" {
		t.Fatalf("first line %q", lines[0])
	}
	declared := map[string]bool{}
	var edges [][]string
	for _, line := range lines[1:] {
		if m := nodeLine.FindStringSubmatch(line); m != nil {
			if closing[m[2]] != m[4] {
				t.Errorf("brackets do not match: %q", line)
			}
			if declared[m[1]] {
				t.Errorf("node declared twice: %q", line)
			}
			declared[m[1]] = true
			cleanLabel(line, m[3])
			continue
		}
		if m := edgeLine.FindStringSubmatch(line); m != nil {
			cleanLabel(line, m[3])
			edges = append(edges, []string{m[1], m[4], line})
			continue
		}
		t.Errorf("not a Mermaid node or arrow: %q", line)
	}
	for _, e := range edges {
		if !declared[e[0]] || !declared[e[1]] {
			t.Errorf("arrow between undeclared nodes: %q", e[2])
		}
	}
}

// graphFiles lists the shipped flows and testdata/graph/*.yaml.
func graphFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../../flows/*.yaml", "testdata/graph/*.yaml", "testdata/valid.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, ".test.yaml") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 3 {
		t.Fatalf("only %d flow files found", len(files))
	}
	return files
}

func loadFile(t *testing.T, file string) *Flow {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := Load(file, data, testOptions())
	if f == nil {
		t.Fatalf("%s:\n%s", file, diags)
	}
	return f
}

// TestDraw: the picture's model has every node at its line, in its shape,
// and the arrows Mermaid draws.
func TestDraw(t *testing.T) {
	f := loadFile(t, filepath.Join("testdata", "graph", "every_kind.yaml"))
	g := Draw(f, "en")
	if len(g.Nodes) != len(f.Nodes) {
		t.Fatalf("%d boxes for %d nodes", len(g.Nodes), len(f.Nodes))
	}
	for i, n := range g.Nodes {
		if n.ID != f.Nodes[i].ID || n.Line != f.Nodes[i].Pos.Line || n.Line == 0 || len(n.Lines) == 0 {
			t.Errorf("box %d: %+v for node %s at line %d", i, n, f.Nodes[i].ID, f.Nodes[i].Pos.Line)
		}
	}
	shapes := map[string]Shape{"welcome": ShapeQuestion, "route": ShapeBranch, "wait_ten_days": ShapeWait, "bye": ShapeEnd}
	for _, n := range g.Nodes {
		if want, ok := shapes[n.ID]; ok && n.Shape != want {
			t.Errorf("%s is drawn as %s, want %s", n.ID, n.Shape, want)
		}
		if n.ID == "wait_ten_days" && (len(n.Lines) != 2 || n.Lines[1] != "Talk soon!") {
			t.Errorf("the wait's lines: %q", n.Lines)
		}
	}
	if !slices.Contains(g.Edges, GraphEdge{From: "bye", To: "welcome", Label: "start again", Later: true}) {
		t.Errorf("no dotted arrow to start again: %+v", g.Edges)
	}
	if got := strings.Count(Mermaid(f, "en"), "-->") + strings.Count(Mermaid(f, "en"), "-.->"); got != len(g.Edges) {
		t.Errorf("Mermaid draws %d arrows, the graph has %d", got, len(g.Edges))
	}
}
