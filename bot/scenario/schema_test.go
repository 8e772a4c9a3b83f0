package scenario

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestSchemaMatchesParser keeps flows/schema/scenario.schema.json and the
// parser in step: the same keys at the top, in a scenario and in a step,
// and exactly one action per step.
func TestSchemaMatchesParser(t *testing.T) {
	data, err := os.ReadFile("../../flows/schema/scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		OneOf      []struct {
			Required []string `json:"required"`
		} `json:"oneOf"`
	}
	var s struct {
		schema
		Defs map[string]schema `json:"$defs"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	keys := func(sc schema) []string {
		var out []string
		for k := range sc.Properties {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	same := func(what string, schema, parser []string) {
		t.Helper()
		parser = slices.Sorted(slices.Values(parser))
		if !slices.Equal(schema, parser) {
			t.Errorf("%s: the schema has %v, the parser %v", what, schema, parser)
		}
	}
	same("top keys", keys(s.schema), fileKeys)
	same("scenario keys", keys(s.Defs["scenario"]), scenarioKeys)
	same("step keys", keys(s.Defs["step"]), stepWords())
	var one []string
	for _, o := range s.Defs["step"].OneOf {
		one = append(one, o.Required...)
	}
	var names []string
	for _, a := range actions {
		names = append(names, string(a))
	}
	same("step actions", slices.Sorted(slices.Values(one)), names)
}
