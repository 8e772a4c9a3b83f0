package flows_test

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/flows"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// compile compiles one of the embedded JSON Schemas; the compiler checks
// the schema itself against draft 2020-12.
func compile(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	f, err := flows.Schemas().Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s is not JSON: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// jsonValue decodes YAML into the values JSON has (string keys, numbers,
// strings, booleans, null), as an editor does before it checks a file.
func jsonValue(data []byte) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	if len(n.Content) == 0 {
		return nil, nil
	}
	return convert(n.Content[0], 0)
}

func convert(n *yaml.Node, depth int) (any, error) {
	if depth > 100 {
		return nil, fmt.Errorf("line %d: too deep", n.Line)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return convert(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := convert(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := convert(c, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	return v, nil
}

// schemaFor names the schema of a file.
func schemaFor(name string) string {
	if flows.IsScenario(name) {
		return flows.ScenarioSchema
	}
	return flows.FlowSchema
}

// TestShippedFilesValidate: every shipped flow and scenario file, and the
// smallest flows of the tests, are valid by the schemas, and name their
// schema on the first line for editors.
func TestShippedFilesValidate(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{
		flows.FlowSchema:     compile(t, flows.FlowSchema),
		flows.ScenarioSchema: compile(t, flows.ScenarioSchema),
	}
	names, err := fs.Glob(flows.Shipped(), "*.yaml")
	if err != nil || len(names) < 20 {
		t.Fatalf("%d shipped files: %v", len(names), err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(flows.Shipped(), name)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		if want := "# yaml-language-server: $schema=" + schemaFor(name); first != want {
			t.Errorf("%s: the first line is %q, want %q", name, first, want)
		}
		validate(t, schemas[schemaFor(name)], name, data)
	}
	for _, file := range []string{"../bot/flow/testdata/valid.yaml", "../bot/scenario/testdata/mini.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		validate(t, schemas[flows.FlowSchema], file, data)
	}
}

func validate(t *testing.T, s *jsonschema.Schema, name string, data []byte) {
	t.Helper()
	v, err := jsonValue(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s does not match its schema:\n%v", name, err)
	}
}

// edit is a change to a good file that the schema must refuse.
type edit struct{ name, old, new string }

// TestSchemaRejectsBrokenFiles: mistakes the checker reports, and an editor
// can see while typing, are refused by the schemas.
func TestSchemaRejectsBrokenFiles(t *testing.T) {
	flow, err := os.ReadFile("../bot/flow/testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	scen, err := fs.ReadFile(flows.Shipped(), "turku.test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema string
		base   []byte
		edits  []edit
	}{
		{flows.FlowSchema, flow, []edit{
			{"unknown top key", "nodes:", "node:"},
			{"unknown pilot key", "  timezone:", "  time_zone:"},
			{"no pilot id", "  id: demo\n", ""},
			{"pilot id with capitals", "id: demo", "id: Demo"},
			{"language name", "languages: [en]", "languages: [English]"},
			{"languages as one text", "languages: [en]", "languages: en, fi"},
			{"timezone abbreviation", "timezone: Europe/Helsinki", "timezone: cet"},
			{"retention out of range", "retention_days: 365", "retention_days: 5000"},
			{"quiet hours", "retention_days: 365", "retention_days: 365\n  quiet_hours: 9pm-8am"},
			{"digest with a zone", "retention_days: 365", "retention_days: 365\n  digest: \"CRON_TZ=UTC 0 9 * * MON\""},
			{"reminders count", "retention_days: 365", "retention_days: 365\n  reminders: {count: 9}"},
			{"safeguarding without help_now", "retention_days: 365", "retention_days: 365\n  safeguarding: {button: true}"},
			{"unknown node type", "type: rating", "type: ratng"},
			{"node without type", "    type: rating\n", ""},
			{"key of another node type", "type: rating", "type: rating\n    options: [{id: a, text: A}]"},
			{"optional on a rating", "type: rating", "type: rating\n    optional: true"},
			{"misspelled node key", "result: experience", "reslt: experience"},
			{"node id with spaces", "id: ask_experience", "id: Ask experience"},
			{"question without text", "    text: How was your visit today?\n", ""},
			{"option without id", "      - id: staff\n        text: The staff", "      - text: The staff"},
			{"option id starting with _", "id: staff", "id: _staff"},
			{"accept something else", "type: consent", "type: text\n    accept: [video]"},
			{"plural without other", "text: Thank you!", "text: {en: {one: One visit}}"},
			{"translation for a language code that is no code", "text: Thank you!", "text: {english: Thank you!}"},
			{"duration in words", "type: end", "type: followup\n    after: 2 weeks"},
			{"branch with two tests", "type: end", "type: branch\n    branches: [{answer: reason, equals: staff, in: [waiting], next: thanks}]"},
			{"branch without test", "type: end", "type: branch\n    branches: [{answer: reason, next: thanks}]"},
			{"answered: false", "type: end", "type: branch\n    branches: [{answer: reason, answered: false, next: thanks}]"},
			{"restart not a boolean", "type: end", "type: end\n    restart: maybe"},
		}},
		{flows.ScenarioSchema, scen, []edit{
			{"unknown top key", "scenarios:", "senarios:"},
			{"scenario without name", "  - name: Finnish, the whole survey and the follow-up two weeks later\n", "  -\n"},
			{"unknown scenario key", "    lang: fi-FI", "    language: fi-FI"},
			{"misspelled step", "      - expect: \"Kysymys 1/4\"", "      - expct: \"Kysymys 1/4\""},
			{"two actions in a step", "      - press: Hyväksyn", "      - press: Hyväksyn\n        say: hi"},
			{"buttons without expect", "      - press: Hyväksyn", "      - press: Hyväksyn\n        buttons: [a]"},
			{"wait in words", "      - wait: 13d", "      - wait: 13 days"},
			{"start in another format", "    lang: fi-FI", "    lang: fi-FI\n    start: 16.3.2026 15:00"},
			{"voice length in words", "      - voice: 12", "      - voice: long"},
			{"answers as a text", "      - answers: {overall_experience", "      - answers: x\n      - say: {overall_experience"},
		}},
	} {
		s := compile(t, tc.schema)
		for _, e := range tc.edits {
			t.Run(path.Base(tc.schema)+"/"+e.name, func(t *testing.T) {
				src := string(tc.base)
				if !strings.Contains(src, e.old) {
					t.Fatalf("the base file has no %q", e.old)
				}
				v, err := jsonValue([]byte(strings.Replace(src, e.old, e.new, 1)))
				if err != nil {
					t.Fatal(err)
				}
				if s.Validate(v) == nil {
					t.Errorf("the schema accepts a file with this mistake")
				}
			})
		}
	}
}

// TestSchemaFolderIsNoFlow: the schemas sit in the flows folder, but are
// never read as flows.
func TestSchemaFolderIsNoFlow(t *testing.T) {
	files, err := flows.ReadDir(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.Contains(f.Name, "schema") || !strings.HasSuffix(f.Name, ".yaml") {
			t.Errorf("read %s as a flow", f.Name)
		}
	}
	if len(files) != 10 {
		t.Errorf("read %d flows from the flows folder, want the ten pilots", len(files))
	}
	for _, name := range []string{flows.FlowSchema, flows.ScenarioSchema, path.Base(flows.FlowSchema)} {
		if flows.IsFlow(name) {
			t.Errorf("IsFlow(%q) = true", name)
		}
	}
}
