package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/flows"
	"github.com/cosie/cosiebot/locales"
)

func cmdCheck(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "check")
	if err := parse(fs, args); err != nil {
		return err
	}
	base, err := baseWords(e)
	if err != nil {
		return err
	}
	ck := &checker{base: base, seen: map[string]bool{}}
	if fs.NArg() == 0 {
		src := flowSource("", e)
		words := ck.words(src)
		fl, ds, err := flows.Load(src.fsys, src.dir, src.options(words))
		if err != nil {
			return err
		}
		ck.add(words, len(fl), fl, ds)
	}
	for _, p := range fs.Args() {
		list, err := readFlowPaths(p)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return fmt.Errorf("no flow files (*.yaml) in %s", p)
		}
		src := flowFolder(p)
		src.coordinators = flowSource("", e).coordinators
		words := ck.words(src)
		fl, ds := flows.LoadFiles("", list, src.options(words))
		ck.add(words, len(list), fl, ds)
	}
	ck.diags.Sort()
	fmt.Fprint(e.stdout, ck.diags.String())
	for _, r := range ck.reports {
		reportWords(e.stderr, base, r.words, r.langs)
	}
	errs := len(ck.diags.Errors())
	warns := len(ck.diags) - errs
	fmt.Fprintf(e.stderr, "%s checked: %s, %s\n", plural(ck.files, "flow file"), plural(errs, "error"), plural(warns, "warning"))
	switch {
	case errs > 0:
		return &exitErr{code: 1}
	case warns > 0:
		return &exitErr{code: 3}
	}
	return nil
}

// checker gathers the problems of the flows and of the bot's words next to
// them, folder by folder.
type checker struct {
	base    *locales.Catalog
	seen    map[string]bool // locales folders already checked
	diags   flow.Diagnostics
	files   int
	reports []wordsReport
}

type wordsReport struct {
	words *locales.Catalog
	langs []string
}

// words loads src's own words; each folder's problems are reported once.
func (ck *checker) words(src source) *locales.Catalog {
	words, diags := pilotWords(ck.base, src)
	if !ck.seen[wordsDir(src)] {
		ck.seen[wordsDir(src)] = true
		ck.diags = append(ck.diags, diags...)
	}
	return words
}

func (ck *checker) add(words *locales.Catalog, files int, fl []*flow.Flow, ds flow.Diagnostics) {
	ck.files += files
	ck.diags = append(ck.diags, ds...)
	var langs []string
	for _, f := range fl {
		for _, l := range f.Pilot.Languages {
			if !slices.Contains(langs, l) {
				langs = append(langs, l)
			}
		}
	}
	slices.Sort(langs)
	ck.reports = append(ck.reports, wordsReport{words: words, langs: langs})
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// flowFolder is the folder of a flow file or folder given on the command
// line, where its locales folder is.
func flowFolder(p string) source {
	dir := p
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		dir = filepath.Dir(p)
	}
	return source{fsys: os.DirFS(dir), dir: filepath.Clean(dir)}
}

// readFlowPaths reads a flow file, or every flow file in a folder. File
// names keep the path given, so messages point at the right file.
func readFlowPaths(p string) ([]flows.File, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if !st.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		return []flows.File{{Name: p, Data: data}}, nil
	}
	list, err := flows.ReadDir(os.DirFS(p))
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Name = filepath.Join(p, list[i].Name)
	}
	return list, nil
}
