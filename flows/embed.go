// Package flows holds the shipped pilot flows (one YAML file per pilot, with
// scenario tests beside them) and loads a folder of flow files.
package flows

import (
	"cmp"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/safeguard"
)

//go:embed *.yaml
var shipped embed.FS

// Shipped returns the flows built into the binary.
func Shipped() fs.FS { return shipped }

// The JSON Schemas of flow and scenario files (draft 2020-12), for editors:
// a file whose first line is
//
//	# yaml-language-server: $schema=schema/flow.schema.json
//
// gets completion and the description of each key while it is typed. They
// live in their own folder, so they are never read as flows.
//
//go:embed schema/*.json
var schemas embed.FS

// Schema file names in Schemas.
const (
	FlowSchema     = "schema/flow.schema.json"
	ScenarioSchema = "schema/scenario.schema.json"
)

// Schemas returns the JSON Schemas of flow and scenario files, so that
// the bot can write them out next to a pilot's flows.
func Schemas() fs.FS { return schemas }

// IsScenario reports whether a file name is a scenario test (x.test.yaml).
func IsScenario(name string) bool {
	return strings.HasSuffix(name, ".test.yaml") || strings.HasSuffix(name, ".test.yml")
}

// IsFlow reports whether a file name is a flow file.
func IsFlow(name string) bool {
	return (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) && !IsScenario(name)
}

// File is one file read from a folder.
type File struct {
	Name string
	Data []byte
}

// ReadDir returns the flow files at the top of fsys, sorted by name.
func ReadDir(fsys fs.FS) ([]File, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read the flow folder: %w", err)
	}
	var out []File
	for _, e := range entries {
		if e.IsDir() || !IsFlow(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read flow %s: %w", e.Name(), err)
		}
		out = append(out, File{Name: e.Name(), Data: data})
	}
	return out, nil
}

// LoadFiles loads and checks flow files, and checks that no two files use
// the same pilot id. dir prefixes file names in messages. Safeguarding
// phrases are checked with the lexicon's pattern syntax unless opts says
// otherwise.
func LoadFiles(dir string, files []File, opts flow.Options) ([]*flow.Flow, flow.Diagnostics) {
	if opts.CheckPhrase == nil {
		opts.CheckPhrase = safeguard.CheckPattern
	}
	var all []*flow.Flow
	var diags flow.Diagnostics
	seen := map[string]string{}
	for _, file := range files {
		name := file.Name
		if dir != "" {
			name = path.Join(dir, file.Name)
		}
		f, ds := flow.Load(name, file.Data, opts)
		diags = append(diags, ds...)
		if f == nil {
			continue
		}
		if other, dup := seen[f.Pilot.ID]; dup {
			diags = append(diags, flow.Diagnostic{File: name, Pos: flow.Pos{Line: 1, Col: 1}, Severity: flow.Error,
				Message: fmt.Sprintf("pilot id %q is already used by %s; each pilot needs its own id", f.Pilot.ID, other)})
			continue
		}
		seen[f.Pilot.ID] = name
		all = append(all, f)
	}
	diags.Sort()
	slices.SortFunc(all, func(a, b *flow.Flow) int { return strings.Compare(a.Pilot.ID, b.Pilot.ID) })
	return all, diags
}

// Load reads every flow file of fsys and checks it.
func Load(fsys fs.FS, dir string, opts flow.Options) ([]*flow.Flow, flow.Diagnostics, error) {
	files, err := ReadDir(fsys)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", cmp.Or(dir, "flows"), err)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("no flow files (*.yaml) in %s", cmp.Or(dir, "the folder"))
	}
	fl, diags := LoadFiles(dir, files, opts)
	return fl, diags, nil
}
