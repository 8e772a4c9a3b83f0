package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/scenario"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

func cmdTest(ctx context.Context, e *env, args []string) error {
	fset := newFlags(e, "test")
	if err := parse(fset, args); err != nil {
		return err
	}
	base, err := baseWords(e)
	if err != nil {
		return err
	}
	var jobs []testJob
	if fset.NArg() == 0 {
		src := flowSource("", e)
		jobs, err = findScenarios(src.fsys, src.dir)
		if err != nil {
			return err
		}
	}
	for _, p := range fset.Args() {
		js, err := scenariosAt(p)
		if err != nil {
			return err
		}
		jobs = append(jobs, js...)
	}
	if len(jobs) == 0 {
		return fmt.Errorf("no scenario files (*.test.yaml) found")
	}
	failed := 0
	words := map[string]*locales.Catalog{} // by folder: each may have its own words
	for _, j := range jobs {
		if words[j.dir] == nil {
			if words[j.dir], err = withPilotWords(e, base, source{fsys: j.fsys, dir: j.dir}); err != nil {
				return err
			}
		}
		ok, err := runJob(ctx, e, j, words[j.dir])
		if err != nil {
			return err
		}
		if !ok {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(e.stderr, "FAIL: %d of %s failed\n", failed, plural(len(jobs), "scenario file"))
		return &exitErr{code: 1}
	}
	fmt.Fprintf(e.stderr, "PASS: %s\n", plural(len(jobs), "scenario file"))
	return nil
}

// testJob is one scenario file and where to read it and its flow from.
type testJob struct {
	fsys fs.FS
	dir  string // prefix for messages
	name string // scenario file name inside fsys
}

func findScenarios(fsys fs.FS, dir string) ([]testJob, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []testJob
	for _, en := range entries {
		if !en.IsDir() && flows.IsScenario(en.Name()) {
			out = append(out, testJob{fsys: fsys, dir: dir, name: en.Name()})
		}
	}
	return out, nil
}

// scenariosAt finds the scenario files for a path: a folder, a scenario
// file, or a flow file (its x.test.yaml).
func scenariosAt(p string) ([]testJob, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if st.IsDir() {
		return findScenarios(os.DirFS(p), p)
	}
	dir, name := filepath.Split(p)
	if dir == "" {
		dir = "."
	}
	if !flows.IsScenario(name) {
		name = strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".yml") + ".test.yaml"
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("%s has no scenario file %s next to it", p, name)
		}
	}
	return []testJob{{fsys: os.DirFS(dir), dir: filepath.Clean(dir), name: name}}, nil
}

func display(dir, name string) string {
	if dir == "" {
		return path.Join("flows", name)
	}
	return filepath.Join(dir, name)
}

func runJob(ctx context.Context, e *env, j testJob, words *locales.Catalog) (bool, error) {
	shown := display(j.dir, j.name)
	data, err := fs.ReadFile(j.fsys, j.name)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", shown, err)
	}
	sf, diags := scenario.Parse(shown, data)
	if sf == nil {
		fmt.Fprint(e.stdout, diags.String())
		fmt.Fprintf(e.stdout, "FAIL %s: the scenario file has errors\n", shown)
		return false, nil
	}
	flowName := sf.Flow
	if flowName == "" {
		flowName = strings.TrimSuffix(strings.TrimSuffix(j.name, ".test.yaml"), ".test.yml") + ".yaml"
	}
	flowData, err := fs.ReadFile(j.fsys, flowName)
	if err != nil {
		fmt.Fprintf(e.stdout, "FAIL %s: cannot read its flow %s (set flow: at the top)\n", shown, display(j.dir, flowName))
		return false, nil
	}
	f, fdiags := flow.Load(display(j.dir, flowName), flowData, flowSource("", e).options(words))
	if f == nil {
		fmt.Fprint(e.stdout, fdiags.Errors().String())
		fmt.Fprintf(e.stdout, "FAIL %s: its flow has errors\n", shown)
		return false, nil
	}
	var others []*flow.Flow
	for _, name := range sf.Pilots {
		data, err := fs.ReadFile(j.fsys, name)
		if err != nil {
			fmt.Fprintf(e.stdout, "FAIL %s: cannot read the flow %s it lists under pilots:\n", shown, display(j.dir, name))
			return false, nil
		}
		o, ds := flow.Load(display(j.dir, name), data, flow.Options{Languages: words.Languages()})
		if o == nil {
			fmt.Fprint(e.stdout, ds.Errors().String())
			fmt.Fprintf(e.stdout, "FAIL %s: a flow it lists under pilots: has errors\n", shown)
			return false, nil
		}
		others = append(others, o)
	}
	rep, err := scenario.Run(ctx, sf, f, words, others...)
	if err != nil {
		return false, err
	}
	for _, fail := range rep.Failures {
		fmt.Fprintln(e.stdout, fail.String())
	}
	total := rep.Passed + len(rep.Failures)
	if len(rep.Failures) > 0 {
		fmt.Fprintf(e.stdout, "FAIL %s: %d of %s failed\n", shown, len(rep.Failures), plural(total, "scenario"))
		return false, nil
	}
	fmt.Fprintf(e.stdout, "ok   %s: %s\n", shown, plural(total, "scenario"))
	return true, nil
}
