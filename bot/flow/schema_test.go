package flow

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// jsonSchema is the part of a JSON Schema the drift test reads.
type jsonSchema struct {
	Properties map[string]jsonSchema `json:"properties"`
	Defs       map[string]jsonSchema `json:"$defs"`
	Enum       []string              `json:"enum"`
	Const      string                `json:"const"`
	Required   []string              `json:"required"`
	AllOf      []struct {
		If   jsonSchema `json:"if"`
		Then jsonSchema `json:"then"`
	} `json:"allOf"`
	OneOf []jsonSchema `json:"oneOf"`
}

func (s jsonSchema) keys() []string {
	var out []string
	for k := range s.Properties {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sorted(keys ...[]string) []string {
	var out []string
	for _, ks := range keys {
		out = append(out, ks...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestSchemaMatchesLoader keeps flows/schema/flow.schema.json and the
// loader in step: every key the loader accepts, in every block and node
// type, is in the schema (so editors offer it and do not flag it), and the
// schema offers no key the loader refuses.
func TestSchemaMatchesLoader(t *testing.T) {
	data, err := os.ReadFile("../../flows/schema/flow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s jsonSchema
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	same := func(what string, schema, loader []string) {
		t.Helper()
		if !slices.Equal(sorted(schema), sorted(loader)) {
			t.Errorf("%s: the schema has %v, the loader %v", what, sorted(schema), sorted(loader))
		}
	}
	d := s.Defs
	same("top keys", s.keys(), topKeys)
	same("pilot keys", d["pilot"].keys(), pilotKeys)
	same("reminders keys", d["reminders"].keys(), reminderKeys)
	same("safeguarding keys", d["safeguarding"].keys(), safeguardingKeys)
	same("option keys", d["option"].keys(), optionKeys)
	same("branch keys", d["branch"].keys(), branchKeys)
	same("plural forms", d["plural"].keys(), pluralKeys)
	same("accept values", d["accept"].Enum, acceptValues)

	node := d["node"]
	names := kinds.names()
	same("node types", node.Properties["type"].Enum, names)
	seen := map[string]bool{}
	for _, c := range node.AllOf {
		kind := c.If.Properties["type"].Const
		seen[kind] = true
		k, ok := kinds.lookup(Kind(kind))
		if !ok {
			t.Errorf("the schema has node type %q, which the loader does not know", kind)
			continue
		}
		same(kind+" node keys", sorted(node.keys(), c.Then.keys()), sorted([]string{"id", "type"}, k.keys))
	}
	for _, k := range names {
		if !seen[k] {
			t.Errorf("the schema does not say which keys a %s node has", k)
		}
	}
	var tests []string
	for _, o := range d["branch"].OneOf {
		tests = append(tests, o.Required...)
	}
	var opNames []string
	for _, o := range ops {
		opNames = append(opNames, string(o))
	}
	same("branch tests", tests, opNames)
	if !strings.Contains(string(data), `"$schema": "https://json-schema.org/draft/2020-12/schema"`) {
		t.Error("the schema does not say it is draft 2020-12")
	}
}
